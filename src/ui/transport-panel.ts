/**
 * Play/Pause, Step, Reset, the speed, the loss switch, the fork into MSE and cross-entropy, and a
 * switch and a pause scheduled at a step, with the keyboard shortcuts listed. The loss switch acts on the running session: it never resets
 * the network. Run settings are reported whole ('run-settings-edit'); the playground checks them.
 */
import { LitElement, css, html } from 'lit';
import type { OutputActivation } from '../model/activations';
import { LOSSES, LOSS_NAMES, lossAllows, type LossName } from '../model/losses';
import { DEFAULT_SPEC } from '../model/spec';
import type { ValidationProblem } from '../model/validate';
import { FORK_ACTION } from './fork-branches';
import { emit, fieldProblems, numberValue, panelStyles } from './form';
import { DEFAULT_RUN_SETTINGS, SPEEDS, speedLabel, type RunSettings } from './run-settings';

/** Shortcut keys and what they do; the playground handles the keys, this list shows them. */
const SHORTCUTS: readonly { key: string; action: string }[] = [
  { key: 'Space', action: 'play / pause' },
  { key: 'S', action: 'one step' },
  { key: 'L', action: 'switch to the next loss' },
  { key: 'F', action: FORK_ACTION.charAt(0).toLowerCase() + FORK_ACTION.slice(1) },
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
    settings: { attribute: false },
    switchTo: { type: String },
    measuredSpeed: { type: Number },
    problems: { attribute: false },
    forked: { type: Boolean },
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
      input[type='range'] {
        flex: 1 1 8rem;
        min-width: 0;
      }
      .speed output {
        font-variant-numeric: tabular-nums;
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
  /** The run settings as the run uses them: speed, scheduled switch and pause. */
  declare settings: RunSettings;
  /** The loss a switch scheduled now would switch to: the next one the output allows after the running loss. */
  declare switchTo: LossName;
  /** Finished steps per second, as the training loop measures them: the actual speed. */
  declare measuredSpeed: number;
  /** What is wrong with an edited run setting, shown under its control. */
  declare problems: ValidationProblem[];
  /** Whether the run is forked (the loss switch and Fork then wait for a branch to be kept). */
  declare forked: boolean;

  constructor() {
    super();
    this.running = false;
    this.loss = DEFAULT_SPEC.loss;
    this.output = DEFAULT_SPEC.outputActivation;
    this.ready = false;
    this.steps = 0;
    this.epoch = 0;
    this.settings = { ...DEFAULT_RUN_SETTINGS };
    this.switchTo = DEFAULT_SPEC.loss;
    this.measuredSpeed = 0;
    this.problems = [];
    this.forked = false;
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
      <div class="row"><button type="button" ?disabled=${!this.ready || this.forked} aria-describedby="fork-hint" @click=${this._onFork}>${FORK_ACTION}</button></div>
      <p class="hint" id="fork-hint">
        ${this.forked ? 'The run is forked: keep one branch (under the curves) to switch its loss or fork again.' : 'Two branches from this very state, in lockstep: one per loss, their curves overlaid.'}
      </p>
      ${this._renderSettings()}
      <div class="hint">
        Keys (not while typing in a field):
        <ul>
          ${SHORTCUTS.map((s) => html`<li><kbd>${s.key}</kbd> ${s.action}</li>`)}
        </ul>
      </div>
    `;
  }

  private _renderSettings() {
    const { speed, switchLossAt, pauseAt } = this.settings;
    const speedIndex = SPEEDS.indexOf(speed);
    const switchHint =
      this.switchTo === this.loss
        ? 'Empty for none; this output allows no other loss.'
        : switchLossAt !== null && this.steps > switchLossAt
          ? `Switched at step ${switchLossAt}; a new step switches from ${LOSSES[this.loss].label} to ${LOSSES[this.switchTo].label}.`
          : `Empty for none; steps from it on train with ${LOSSES[this.switchTo].label}.`;
    return html`
      <div class="row speed">
        <label for="speed"><span>Speed</span></label>
        <input
          id="speed"
          type="range"
          min="0"
          max=${SPEEDS.length - 1}
          step="1"
          .value=${String(speedIndex)}
          ?disabled=${!this.ready}
          aria-valuetext=${speedLabel(speed)}
          aria-describedby="speed-now"
          @change=${this._onSpeed}
        />
        <output for="speed" data-testid="speed-setting">${speedLabel(speed)}</output>
      </div>
      <p class="hint" id="speed-now">Actual: <span data-testid="measured-speed">${this.measuredSpeed.toFixed(this.measuredSpeed < 10 ? 1 : 0)}</span> steps/s</p>
      <label
        ><span>Switch loss at step</span
        ><input type="number" min="1" step="1" placeholder="none" .value=${switchLossAt === null ? '' : String(switchLossAt)} ?disabled=${!this.ready} aria-describedby="switch-hint" @change=${this._onSwitchAt}
      /></label>
      <p class="hint" id="switch-hint">${switchHint}</p>
      ${fieldProblems(this.problems, 'run.switchLossAt')}
      <label
        ><span>Pause at step</span
        ><input type="number" min="1" step="1" placeholder="none" .value=${pauseAt === null ? '' : String(pauseAt)} ?disabled=${!this.ready} aria-describedby="pause-hint" @change=${this._onPauseAt}
      /></label>
      <p class="hint" id="pause-hint">Empty for none; Play stops once this many steps are trained.</p>
      ${fieldProblems(this.problems, 'run.pauseAt')}
    `;
  }

  /** Reports the run settings with `change` applied, for the playground to check and apply. */
  private _emitSettings(change: Partial<RunSettings>): void {
    emit(this, 'run-settings-edit', { ...this.settings, ...change });
  }

  private _onSpeed(event: Event): void {
    const index = Number((event.target as HTMLInputElement).value);
    this._emitSettings({ speed: SPEEDS[index] ?? this.settings.speed });
  }

  /** A step field: empty means none; anything else goes to the checker as typed, which names what is wrong. */
  private _stepValue(event: Event): number | null {
    return (event.target as HTMLInputElement).value.trim() === '' ? null : numberValue(event);
  }

  private _onSwitchAt(event: Event): void {
    this._emitSettings({ switchLossAt: this._stepValue(event) });
  }

  private _onPauseAt(event: Event): void {
    this._emitSettings({ pauseAt: this._stepValue(event) });
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

  private _onFork(): void {
    emit(this, 'fork-run', null);
  }

  private _onLossChange(event: Event): void {
    emit(this, 'loss-change', (event.target as HTMLInputElement).value as LossName);
  }
}
customElements.define('transport-panel', TransportPanel);
