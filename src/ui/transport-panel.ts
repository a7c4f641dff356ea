/**
 * Play/Pause, Step, Reset and the loss switch, with the keyboard shortcuts listed. The loss switch
 * acts on the running session: it never resets the network.
 */
import { LitElement, css, html } from 'lit';
import type { OutputActivation } from '../model/activations';
import { LOSSES, LOSS_NAMES, lossAllows, type LossName } from '../model/losses';
import { DEFAULT_SPEC } from '../model/spec';
import { emit, panelStyles } from './form';

/** Shortcut keys and what they do; the playground handles the keys, this list shows them. */
const SHORTCUTS: readonly { key: string; action: string }[] = [
  { key: 'Space', action: 'play / pause' },
  { key: 'S', action: 'one step' },
  { key: 'L', action: 'switch to the next loss' },
  { key: 'R', action: 'reset' },
];

export class TransportPanel extends LitElement {
  static override properties = {
    running: { type: Boolean },
    loss: { type: String },
    output: { type: String },
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
  /** The output activation, which decides the losses that may be chosen. */
  declare output: OutputActivation;
  /** False while no session exists (buttons disabled). */
  declare ready: boolean;
  /** Steps taken by the current run. */
  declare steps: number;
  /** Epoch of the current step. */
  declare epoch: number;

  constructor() {
    super();
    this.running = false;
    this.loss = DEFAULT_SPEC.loss;
    this.output = DEFAULT_SPEC.outputActivation;
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
        ${LOSS_NAMES.map(
          (loss) => html`<label
            ><input
              type="radio"
              name="loss"
              .value=${loss}
              .checked=${loss === this.loss}
              ?disabled=${!lossAllows(loss, this.output)}
              @change=${this._onLossChange}
            /><span>${LOSSES[loss].label}</span></label
          >`,
        )}
      </fieldset>
      ${LOSS_NAMES.filter((loss) => !lossAllows(loss, this.output)).map((loss) => html`<p class="hint">${LOSSES[loss].refusal}</p>`)}
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
