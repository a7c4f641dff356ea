/**
 * Play/Pause, Step, Reset and the loss switch, with the keyboard shortcuts listed. The loss switch
 * acts on the running session: it never resets the network.
 */
import { LitElement, css, html } from 'lit';
import { LOSSES, LOSS_LABELS, type LossName } from '../model/activations';
import { emit, panelStyles } from './form';

/** Shortcut keys and what they do; the playground handles the keys, this list shows them. */
const SHORTCUTS: readonly { key: string; action: string }[] = [
  { key: 'Space', action: 'play / pause' },
  { key: 'S', action: 'one step' },
  { key: 'L', action: 'toggle the loss' },
  { key: 'R', action: 'reset' },
];

export class TransportPanel extends LitElement {
  static override properties = {
    running: { type: Boolean },
    loss: { type: String },
    crossEntropyAllowed: { type: Boolean },
    ready: { type: Boolean },
    steps: { type: Number },
    epoch: { type: Number },
  };

  static override styles = [
    panelStyles,
    css`
      .buttons button {
        min-width: 4.5rem;
      }
      fieldset {
        border: 1px solid #d5d9e0;
        border-radius: 4px;
        margin: 0.5rem 0;
        padding: 0.3rem 0.6rem;
        display: flex;
        gap: 1rem;
      }
      legend {
        font-weight: 600;
      }
      .counter {
        font-variant-numeric: tabular-nums;
      }
      kbd {
        border: 1px solid #aaa;
        border-radius: 3px;
        padding: 0 0.25rem;
        font-size: 0.8rem;
        background: #f8f8f8;
      }
      ul {
        margin: 0.3rem 0 0;
        padding-left: 1rem;
      }
    `,
  ];

  /** Whether training is running (the first button then reads "Pause"). */
  declare running: boolean;
  /** The loss driving training. */
  declare loss: LossName;
  /** False for a linear output, where cross-entropy is undefined. */
  declare crossEntropyAllowed: boolean;
  /** False while no session exists (buttons disabled). */
  declare ready: boolean;
  /** Steps taken by the current run. */
  declare steps: number;
  /** Epoch of the current step. */
  declare epoch: number;

  constructor() {
    super();
    this.running = false;
    this.loss = 'mse';
    this.crossEntropyAllowed = true;
    this.ready = false;
    this.steps = 0;
    this.epoch = 0;
  }

  override render() {
    return html`
      <h2>Run</h2>
      <div class="row buttons">
        <button type="button" ?disabled=${!this.ready} @click=${this._onPlayPause}>${this.running ? 'Pause' : 'Play'}</button>
        <button type="button" ?disabled=${!this.ready || this.running} @click=${this._onStep}>Step</button>
        <button type="button" ?disabled=${!this.ready} @click=${this._onReset}>Reset</button>
      </div>
      <p class="counter" aria-label="progress">Step <output data-testid="step-count">${this.steps}</output>, epoch ${this.epoch}</p>
      <fieldset role="radiogroup" aria-label="Loss">
        <legend>Loss</legend>
        ${LOSSES.map(
          (loss) => html`<label
            ><input
              type="radio"
              name="loss"
              .value=${loss}
              .checked=${loss === this.loss}
              ?disabled=${loss === 'cross_entropy' && !this.crossEntropyAllowed}
              @change=${this._onLossChange}
            /><span>${LOSS_LABELS[loss]}</span></label
          >`,
        )}
      </fieldset>
      ${this.crossEntropyAllowed ? '' : html`<p class="hint">Cross-entropy needs a sigmoid or softmax output.</p>`}
      <div class="hint">
        Keys (not while typing in a field):
        <ul>
          ${SHORTCUTS.map((s) => html`<li><kbd>${s.key}</kbd> ${s.action}</li>`)}
        </ul>
      </div>
    `;
  }

  private _onPlayPause(): void {
    emit(this, 'play-toggle', null);
  }

  private _onStep(): void {
    emit(this, 'step-once', null);
  }

  private _onReset(): void {
    emit(this, 'reset-run', null);
  }

  private _onLossChange(event: Event): void {
    emit(this, 'loss-change', (event.target as HTMLInputElement).value as LossName);
  }
}
customElements.define('transport-panel', TransportPanel);
