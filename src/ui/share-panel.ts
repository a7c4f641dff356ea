/**
 * Share and keep: a link that restores the setup, the configuration with weights and metrics as
 * JSON, and the curves as CSV (the playground makes the downloads, src/ui/run-export.ts).
 */
import { LitElement, html } from 'lit';
import { emit, panelStyles } from './form';

export class SharePanel extends LitElement {
  static override properties = {
    link: { type: String },
    linkNote: { type: String },
    ready: { type: Boolean },
  };

  static override styles = panelStyles;

  /** The URL that restores the running configuration. */
  declare link: string;
  /** What the link leaves out, if anything (an uploaded CSV file). */
  declare linkNote: string;
  /** False while there is no run to export. */
  declare ready: boolean;

  constructor() {
    super();
    this.link = '';
    this.linkNote = '';
    this.ready = false;
  }

  override render() {
    return html`
      <h2>Share and keep</h2>
      <label><span>Link to this setup</span><input type="text" readonly .value=${this.link} @focus=${this._onSelect} aria-label="Link to this setup" /></label>
      ${this.linkNote ? html`<p class="hint">${this.linkNote}</p>` : ''}
      <div class="row">
        <button type="button" ?disabled=${!this.ready} @click=${() => emit(this, 'export-json', null)}>Export JSON (config, weights, metrics)</button>
        <button type="button" ?disabled=${!this.ready} @click=${() => emit(this, 'export-csv', null)}>Export curves CSV</button>
      </div>
    `;
  }

  private _onSelect(event: Event): void {
    (event.target as HTMLInputElement).select();
  }
}
customElements.define('share-panel', SharePanel);

