/**
 * Where the data comes from: a 2-D set (binary or K classes) with its options, the MNIST digits,
 * or a CSV file. A new dataset needs a new network; the playground says so.
 */
import { LitElement, html, type PropertyValues } from 'lit';
import type { DataSource, SyntheticSource } from '../data/source';
import { SYNTHETIC_KINDS, syntheticKindInfo, type SyntheticKind } from '../data/synthetic';
import type { ValidationProblem } from '../model/validate';
import { emit, fieldProblems, numberValue, panelStyles } from './form';
import { DEFAULT_DATA, syntheticDefaults } from './playground-config';

const MNIST_VALUE = 'mnist';
const CSV_VALUE = 'csv';

export class DatasetPanel extends LitElement {
  static override properties = {
    data: { attribute: false },
    problems: { attribute: false },
    summary: { type: String },
    _choosingCsv: { state: true },
  };

  static override styles = panelStyles;

  /** The data source as edited. */
  declare data: DataSource;
  /** Problems of the data options or of loading them, shown next to the controls. */
  declare problems: ValidationProblem[];
  /** One line about the loaded dataset (sizes), or empty while loading. */
  declare summary: string;
  /**
   * "CSV file…" was chosen and no file has been loaded yet. Kept apart from `data`, which the
   * playground owns and sets again on each of its renders (every frame while training): were the
   * choice written into `data`, that would undo it and take the file control, and its open
   * picker, out of the page. Cleared when the playground sets another data source.
   */
  declare private _choosingCsv: boolean;

  constructor() {
    super();
    this.data = { ...DEFAULT_DATA };
    this.problems = [];
    this.summary = '';
    this._choosingCsv = false;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('data') && changed.get('data') !== undefined) this._choosingCsv = false;
  }

  override render() {
    const data = this.data;
    const selected = this._choosingCsv ? CSV_VALUE : data.source === 'synthetic' ? data.kind : data.source;
    return html`
      <h2>Dataset</h2>
      <label
        ><span>Data</span
        ><select @change=${this._onSource}>
          <optgroup label="2-D, two classes">
            ${SYNTHETIC_KINDS.filter((k) => !k.multiclass).map((k) => html`<option value=${k.kind} title=${k.description} ?selected=${selected === k.kind}>${k.label}</option>`)}
          </optgroup>
          <optgroup label="2-D, K classes">
            ${SYNTHETIC_KINDS.filter((k) => k.multiclass).map((k) => html`<option value=${k.kind} title=${k.description} ?selected=${selected === k.kind}>${k.label}</option>`)}
          </optgroup>
          <optgroup label="Images">
            <option value=${MNIST_VALUE} ?selected=${selected === 'mnist'}>MNIST digits (28×28)</option>
          </optgroup>
          <optgroup label="Your data">
            <option value=${CSV_VALUE} ?selected=${selected === 'csv'}>CSV file…</option>
          </optgroup>
        </select></label
      >
      ${fieldProblems(this.problems, 'data.source')} ${data.source === 'synthetic' && !this._choosingCsv ? this._renderSynthetic(data) : ''}
      ${selected === CSV_VALUE ? this._renderCsv() : ''}
      ${data.source === 'mnist' && !this._choosingCsv ? html`<label><span>Split seed</span><input type="number" min="0" step="1" .value=${String(data.seed)} @change=${this._onSeed} /></label>` : ''}
      ${fieldProblems(this.problems, 'data.seed')}
      <p class="hint" aria-live="polite">${this.summary}</p>
    `;
  }

  private _renderSynthetic(data: SyntheticSource) {
    const info = syntheticKindInfo(data.kind);
    // A link or a config may leave options out; they are the kind's defaults, and shown as such.
    const { samples = info.defaultSamples, noise = info.defaultNoise, classes = info.defaultClasses } = data;
    return html`
      <label><span>Samples</span><input type="number" min="2" step="1" .value=${String(samples)} @change=${(e: Event) => this._onOption('samples', e)} /></label>
      ${fieldProblems(this.problems, 'data.samples')}
      <label><span>Noise σ</span><input type="number" min="0" max="1" step="0.01" .value=${String(noise)} @change=${(e: Event) => this._onOption('noise', e)} /></label>
      ${fieldProblems(this.problems, 'data.noise')}
      ${info.multiclass
        ? html`<label
              ><span>Classes</span
              ><input type="number" min=${info.minClasses} max=${info.maxClasses} step="1" .value=${String(classes)} @change=${(e: Event) => this._onOption('classes', e)}
            /></label>
            ${fieldProblems(this.problems, 'data.classes')}`
        : ''}
      <label><span>Data seed</span><input type="number" min="0" step="1" .value=${String(data.seed)} @change=${this._onSeed} /></label>
    `;
  }

  private _renderCsv() {
    return html`
      <label><span>CSV file</span><input type="file" accept=".csv,text/csv" @change=${this._onFile} /></label>
      <p class="hint">Numeric columns; the last column is the target (class labels or values).</p>
      ${fieldProblems(this.problems, 'data.csv')}
    `;
  }

  private _onSource(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    const seed = this.data.seed;
    if (value === MNIST_VALUE) emit<DataSource>(this, 'data-edit', { source: 'mnist', seed });
    else if (value === CSV_VALUE) {
      // Nothing to train on until a file is chosen: show the file control, keep the current run.
      this._choosingCsv = true;
    } else emit(this, 'data-edit', syntheticDefaults(value as SyntheticKind, seed));
  }

  private _onOption(key: 'samples' | 'noise' | 'classes', event: Event): void {
    if (this.data.source !== 'synthetic') return;
    emit<DataSource>(this, 'data-edit', { ...this.data, [key]: numberValue(event) });
  }

  private _onSeed(event: Event): void {
    if (this.data.source === 'csv') return;
    emit<DataSource>(this, 'data-edit', { ...this.data, seed: numberValue(event) });
  }

  private _onFile(event: Event): void {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) emit(this, 'csv-upload', file);
  }
}
customElements.define('dataset-panel', DatasetPanel);
