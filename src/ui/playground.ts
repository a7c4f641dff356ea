import { LitElement, html } from 'lit';

/** The playground page (panels arrive with the UI issue). */
export class MlpPlayground extends LitElement {
  override render() {
    return html`<h1>MLP on WebGPU</h1>`;
  }
}
customElements.define('mlp-playground', MlpPlayground);
