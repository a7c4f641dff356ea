/**
 * The Sweep view: many copies of the main view's network trained side by side over a grid of two
 * settings, every cell MSE and cross-entropy from identical weights and batches, shown as two
 * heatmaps and their difference, filled in as the runs report. The form, progress, Pause and Reset
 * are here; the process is SweepController's. A cell of the MSE or cross-entropy map opens its run
 * in the main view (the `open-run` event), where the loss switch is live.
 */
import { LitElement, css, html, nothing } from 'lit';
import { cssProperties } from './css-properties';
import { ACTIVATIONS, OUTPUTS } from '../model/activations';
import { LOSSES, type LossName } from '../model/losses';
import { OPTIMIZERS } from '../model/optimizers';
import type { NetworkSpec } from '../model/spec';
import {
  SWEEP_LOSSES,
  SWEEP_MEASURES,
  SWEEP_MEASURE_NAMES,
  SWEEP_SETTINGS,
  SWEEP_SETTING_NAMES,
  axisValues,
  cellMeasure,
  runIndex,
  smoothingSteps,
  stallCriterion,
  type SweepMeasure,
  type SweepSetup,
} from '../model/sweep';
import { emit, fieldProblems, panelStyles } from './form';
import { SweepController, readForm, type SweepBase, type SweepFormField } from './sweep-controller';
import type { HeatmapCell } from './sweep-heatmap';
import './sweep-heatmap';

/** What the `open-run` event carries: the run to open in the main view and what it trained on. */
export interface OpenRunRequest {
  /** The run's spec: its seed, init scale, learning rate and loss. */
  spec: NetworkSpec;
  /** The data it trained on. */
  base: SweepBase;
  /** Where it sits in the sweep, for the status line. */
  description: string;
}

/** What the view's test hook reports about one run of the sweep (SweepView.debugRun). */
export interface SweepRunDebug {
  /** The run's spec. */
  spec: NetworkSpec;
  /** Its batch MSE of step 0, before any update; NaN before it reported. */
  firstMse: number;
  /** Steps it has reported. */
  stepsDone: number;
}

/** Sequential colours, light to dark (viridis-like, reversed so 0 is light): MSE, steps, the stalled fraction. */
const SEQUENTIAL = ['#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'];
/** Diverging colours for the difference: cross-entropy better (MSE − CE > 0) in its blue, MSE better in its orange. */
const DIVERGING = { negative: '#d9480f', zero: '#f7f7f7', positive: '#1c64d9' };
/** A cell with nothing to show yet, and a run that never reached the threshold. */
const EMPTY_COLOR = '#e9ecef';
const NEVER_COLOR = '#212529';

function hexToRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** A colour between `a` (t = 0) and `b` (t = 1), as red, green and blue from 0 to 255. */
function mix(a: string, b: string, t: number): number[] {
  const [x, y] = [hexToRgb(a), hexToRgb(b)];
  return x.map((c, i) => Math.round(c + (y[i] - c) * t));
}

/** The sequential colour of t in [0, 1]. */
function sequential(t: number): number[] {
  const at = Math.max(0, Math.min(1, t)) * (SEQUENTIAL.length - 1);
  const i = Math.min(Math.floor(at), SEQUENTIAL.length - 2);
  return mix(SEQUENTIAL[i], SEQUENTIAL[i + 1], at - i);
}

/** The diverging colour of t in [−1, 1]. */
function diverging(t: number): number[] {
  const clamped = Math.max(-1, Math.min(1, t));
  return clamped < 0 ? mix(DIVERGING.zero, DIVERGING.negative, -clamped) : mix(DIVERGING.zero, DIVERGING.positive, clamped);
}

/** A cell's background and the text colour that reads on it (light text on dark colours, by relative luminance). */
function paint(rgb: number[]): Pick<HeatmapCell, 'color' | 'ink'> {
  const luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  return { color: `rgb(${rgb.join(', ')})`, ink: luminance < 0.5 ? '#fff' : '#111' };
}

/** A setting's value as a cell's row or column shows it. */
function valueText(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

/** A measure's value as a cell shows it. */
function measureText(measure: SweepMeasure, value: number): string {
  if (Number.isNaN(value)) return '';
  if (measure === 'stepsToThreshold') return value === Number.POSITIVE_INFINITY ? 'never' : String(Math.round(value));
  if (measure === 'stalled') return `${Math.round(100 * value)}%`;
  return value.toPrecision(2);
}

/** The network in a line: shape, activations, optimizer, batch, initial weights, seed. */
function networkLine(spec: NetworkSpec): string {
  const hidden = [...new Set(spec.hiddenActivations)].map((a) => ACTIVATIONS[a].label.toLowerCase()).join('/');
  return (
    `[${spec.widths.join(', ')}]${hidden ? `, ${hidden} hidden` : ''}, ${OUTPUTS[spec.outputActivation].label.toLowerCase()} output, ` +
    `${OPTIMIZERS[spec.optimizer.kind].label} at learning rate ${spec.optimizer.learningRate}, batch ${spec.batchSize}, ` +
    `weights ${spec.init.scale}× the ${spec.init.kind === 'glorot' ? 'Glorot' : 'He'} limit, seed ${spec.seed}`
  );
}

export class SweepView extends LitElement {
  static override properties = {
    base: { attribute: false },
    _measure: { state: true },
  };

  static override styles = [
    panelStyles,
    css`
      :host {
        max-width: 84rem;
      }
      .intro {
        margin: 0 0 0.5rem;
        max-width: 60rem;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem;
        align-items: flex-start;
      }
      fieldset {
        border: 1px solid #d5d9e0;
        border-radius: 4px;
        margin: 0;
        padding: 0.3rem 0.6rem;
      }
      legend {
        font-weight: 600;
      }
      label > span:first-child {
        min-width: 5.5rem;
      }
      input[type='text'] {
        width: 5.5rem;
      }
      .buttons {
        display: flex;
        gap: 0.4rem;
        align-items: center;
        margin: 0.5rem 0;
      }
      .status {
        background: #e8f0fe;
        border: 1px solid #90b4f0;
        border-radius: 6px;
        padding: 0.3rem 0.6rem;
        margin: 0.4rem 0;
        min-height: 1.3em;
      }
      .notice {
        background: #fdecea;
        border: 1px solid #e57373;
        border-radius: 6px;
        padding: 0.3rem 0.6rem;
      }
      progress {
        width: 18rem;
      }
      .measures {
        display: flex;
        gap: 1rem;
      }
      .maps {
        display: grid;
        grid-template-columns: repeat(3, minmax(0, 1fr));
        gap: 1rem;
        margin-top: 0.5rem;
      }
      @media (max-width: 900px) {
        .maps {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      .scale {
        display: flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.75rem;
      }
      .bar {
        width: 10rem;
        height: 0.7rem;
        border: 1px solid #aaa;
      }
      .swatch {
        display: inline-block;
        width: 0.8rem;
        height: 0.8rem;
        border: 1px solid #aaa;
        vertical-align: middle;
      }
    `,
  ];

  /** What the sweep varies: the main view's running network and data; null until it has one. */
  declare base: SweepBase | null;
  /** The measure the maps show. */
  declare _measure: SweepMeasure;

  private readonly controller = new SweepController(this);

  constructor() {
    super();
    this.base = null;
    this._measure = 'stalled';
  }

  /** Pauses the sweep with `reason` in its status line (the playground does when a run is opened). */
  pause(reason: string): void {
    this.controller.pause(reason);
  }

  /** Puts the sweep's setup in the address while this view shows, and takes it out when it does not. */
  showInAddress(shown: boolean): void {
    this.controller.showInAddress(shown);
  }

  /** Test hook (tests/browser/ui-sweep.test.ts): a run of the running sweep by cell, seed number and loss; null without a sweep. */
  debugRun(cell: number, seedNumber: number, loss: LossName): SweepRunDebug | null {
    const sweep = this.controller.sweep;
    if (!sweep) return null;
    const index = runIndex(sweep.options.setup, cell, seedNumber, loss);
    return { spec: sweep.runs[index].spec, firstMse: sweep.summaries.firstMse[index], stepsDone: sweep.summaries.stepsDone[index] };
  }

  override render() {
    const { controller } = this;
    const sweep = controller.sweep;
    const setup = sweep?.options.setup ?? readForm(controller.form).setup;
    const base = sweep ? controller.base : this.base;
    return html`
      <h2>Sweep: where MSE stalls and cross-entropy does not</h2>
      <p class="intro">
        Trains many copies of the main view's network side by side, over a grid of two settings. Every cell trains MSE and cross-entropy from
        identical initial weights and batches, for each of its seeds, so any difference between the maps is the loss alone.
      </p>
      <p class="hint" data-testid="sweep-base">
        ${base ? html`Network: ${networkLine(base.spec)}; data: ${base.dataset.name} (${base.dataset.trainCount} training samples), on ${base.backend === 'webgpu' ? 'WebGPU' : 'the CPU'}.${sweep ? ' (As when this sweep started.)' : ' Change it in the main view.'}` : 'The main view has no network yet.'}
      </p>
      ${controller.notice ? html`<p class="notice" role="alert">${controller.notice}</p>` : nothing}
      <form @submit=${this._onSubmit}>
        ${this.axisFields('x', 'Columns (x axis)')} ${this.axisFields('y', 'Rows (y axis)')}
        <fieldset>
          <legend>Runs</legend>
          ${this.textField('steps', 'Steps', 'Steps per run')} ${this.textField('seedsPerCell', 'Seeds', 'Seeds per cell')}
          ${this.textField('threshold', 'MSE threshold', 'MSE threshold')}
        </fieldset>
      </form>
      <div class="buttons">
        <button type="button" @click=${this._onStart}>Start sweep</button>
        <button type="button" ?disabled=${!sweep || sweep.finished} @click=${this._onPlayToggle}>${controller.playing ? 'Pause' : 'Resume'}</button>
        <button type="button" ?disabled=${!sweep} @click=${this._onReset}>Reset</button>
        ${sweep
          ? html`<progress aria-label="Sweep progress" max=${sweep.totalReplicaSteps} .value=${sweep.replicaStepsDone}></progress>
              <span data-testid="sweep-progress">${sweep.replicaStepsDone.toLocaleString('en-US')} of ${sweep.totalReplicaSteps.toLocaleString('en-US')} run-steps${sweep.groups.length > 1 ? `, group ${sweep.groupProgress.group + 1} of ${sweep.groupProgress.of}` : ''}</span>`
          : nothing}
      </div>
      <div class="status" role="status" aria-live="polite" data-testid="sweep-status">${controller.status}</div>
      ${setup
        ? html`<p class="hint" data-testid="sweep-criterion">
            Stalled: ${stallCriterion(setup)}. Steps to the threshold: the first step at which that ${smoothingSteps(setup.steps)}-step average is at or below
            ${setup.threshold}. Final batch MSE: that average at the end (or now, while it runs). With several seeds a cell shows the mean MSE, the median
            steps and the fraction stalled.
          </p>`
        : nothing}
      <fieldset class="measures" role="radiogroup" aria-label="Heatmap measure">
        <legend>Show</legend>
        ${SWEEP_MEASURE_NAMES.map(
          (measure) =>
            html`<label><input type="radio" name="measure" .value=${measure} .checked=${measure === this._measure} @change=${() => (this._measure = measure)} /><span>${SWEEP_MEASURES[measure].label}</span></label>`,
        )}
      </fieldset>
      ${sweep ? this.maps(sweep.options.setup) : html`<p class="hint">The maps fill in once a sweep runs.</p>`}
    `;
  }

  private axisFields(axis: 'x' | 'y', legend: string) {
    const field = `${axis}.setting` as SweepFormField;
    const problems = this.controller.problems;
    const name = axis.toUpperCase();
    return html`<fieldset>
      <legend>${legend}</legend>
      <label
        ><span>Setting</span
        ><select aria-label="${name} axis setting" @change=${(e: Event) => this.controller.edit(field, (e.target as HTMLSelectElement).value)}>
          ${SWEEP_SETTING_NAMES.map((s) => html`<option value=${s} ?selected=${s === this.controller.form[field]}>${SWEEP_SETTINGS[s].label}</option>`)}
        </select></label
      >
      ${fieldProblems(problems, field)} ${this.textField(`${axis}.from` as SweepFormField, 'From', `${name} axis from`)}
      ${this.textField(`${axis}.to` as SweepFormField, 'To', `${name} axis to`)} ${this.textField(`${axis}.count` as SweepFormField, 'Values', `${name} axis values`)}
    </fieldset>`;
  }

  private textField(field: SweepFormField, label: string, name: string) {
    const id = `problem-${field.replace('.', '-')}`;
    const problem = this.controller.problems.some((p) => p.field === field);
    return html`<label
        ><span>${label}</span
        ><input
          type="text"
          inputmode="decimal"
          aria-label=${name}
          aria-invalid=${problem ? 'true' : 'false'}
          aria-describedby=${problem ? id : nothing}
          .value=${this.controller.form[field]}
          @change=${(e: Event) => this.controller.edit(field, (e.target as HTMLInputElement).value)}
      /></label>
      ${fieldProblems(this.controller.problems, field, id)}`;
  }

  /** The two loss maps and their difference, for the measure chosen. */
  private maps(setup: SweepSetup) {
    const sweep = this.controller.sweep!;
    const measure = this._measure;
    const xs = axisValues(setup.x).map(valueText);
    const ys = axisValues(setup.y).map(valueText);
    const xLabel = SWEEP_SETTINGS[setup.x.setting].label;
    const yLabel = SWEEP_SETTINGS[setup.y.setting].label;
    const values = Object.fromEntries(SWEEP_LOSSES.map((loss) => [loss, sweep.cells.map((cell) => cellMeasure(setup, sweep.summaries, cell.index, loss, measure))])) as Record<LossName, number[]>;
    const finite = SWEEP_LOSSES.flatMap((loss) => values[loss]).filter((v) => Number.isFinite(v));
    const top = measure === 'stalled' ? 1 : measure === 'stepsToThreshold' ? setup.steps : Math.max(2 * setup.threshold, ...finite);
    const seeds = setup.seedsPerCell === 1 ? '1 seed' : `${setup.seedsPerCell} seeds`;
    const where = (index: number) => `${xLabel} ${xs[index % xs.length]}, ${yLabel.toLowerCase()} ${ys[Math.floor(index / xs.length)]}`;
    const lossCells = (loss: LossName): HeatmapCell[] =>
      values[loss].map((value, index) => ({
        ...paint(Number.isNaN(value) ? hexToRgb(EMPTY_COLOR) : value === Number.POSITIVE_INFINITY ? hexToRgb(NEVER_COLOR) : sequential(value / top)),
        text: measureText(measure, value),
        description: `${where(index)}: ${LOSSES[loss].label} run${setup.seedsPerCell > 1 ? 's' : ''}, ${SWEEP_MEASURES[measure].label.toLowerCase()} ${measureText(measure, value) || 'not yet known'} (${seeds}). Opens the first seed's run in the main view.`,
      }));
    const differences = values.mse.map((mse, index) => {
      const ce = values.cross_entropy[index];
      if (Number.isNaN(mse) || Number.isNaN(ce)) return Number.NaN;
      if (mse === ce) return 0;
      // Steps: a loss that never reached the threshold is as far behind as the map goes.
      if (!Number.isFinite(mse) || !Number.isFinite(ce)) return Number.isFinite(ce) ? top : -top;
      return mse - ce;
    });
    const span = Math.max(...differences.filter((d) => Number.isFinite(d)).map(Math.abs), measure === 'stalled' ? 1 : 1e-9);
    const differenceCells: HeatmapCell[] = differences.map((difference, index) => ({
      ...paint(Number.isNaN(difference) ? hexToRgb(EMPTY_COLOR) : diverging(difference / span)),
      text: Number.isNaN(difference) ? '' : `${difference > 0 ? '+' : ''}${measureText(measure, difference)}`,
      description: `${where(index)}: MSE minus cross-entropy, ${Number.isNaN(difference) ? 'not yet known' : `${difference > 0 ? '+' : ''}${measureText(measure, difference)}`}${difference > 0 ? ' (cross-entropy did better)' : difference < 0 ? ' (MSE did better)' : ''}.`,
    }));
    const title = (what: string) => `${what}: ${SWEEP_MEASURES[measure].label.toLowerCase()}`;
    return html`
      <div class="scale">
        <span>0</span><span class="bar" ${cssProperties({ background: `linear-gradient(to right, ${SEQUENTIAL.join(', ')})` })}></span><span>${measure === 'stalled' ? '100%' : measureText(measure, top)}</span>
        ${measure === 'stepsToThreshold' ? html`<span><span class="swatch" ${cssProperties({ background: NEVER_COLOR })}></span> never reached</span>` : nothing}
        <span><span class="swatch" ${cssProperties({ background: EMPTY_COLOR })}></span> not yet known</span>
        <span>Difference: <span class="swatch" ${cssProperties({ background: DIVERGING.positive })}></span> cross-entropy better, <span class="swatch" ${cssProperties({ background: DIVERGING.negative })}></span> MSE better</span>
      </div>
      <div class="maps">
        <sweep-heatmap
          data-loss="mse"
          .heading=${title('MSE runs')}
          .xLabel=${xLabel}
          .yLabel=${yLabel}
          .xValues=${xs}
          .yValues=${ys}
          .cells=${lossCells('mse')}
          opensRuns
          @cell-activate=${(e: CustomEvent<number>) => this._openRun(e.detail, 'mse')}
        ></sweep-heatmap>
        <sweep-heatmap
          data-loss="cross_entropy"
          .heading=${title('Cross-entropy runs')}
          .xLabel=${xLabel}
          .yLabel=${yLabel}
          .xValues=${xs}
          .yValues=${ys}
          .cells=${lossCells('cross_entropy')}
          opensRuns
          @cell-activate=${(e: CustomEvent<number>) => this._openRun(e.detail, 'cross_entropy')}
        ></sweep-heatmap>
        <sweep-heatmap data-loss="difference" .heading=${title('MSE minus cross-entropy')} .xLabel=${xLabel} .yLabel=${yLabel} .xValues=${xs} .yValues=${ys} .cells=${differenceCells}></sweep-heatmap>
      </div>
    `;
  }

  private _openRun(cell: number, loss: LossName): void {
    const sweep = this.controller.sweep;
    const base = this.controller.base;
    if (!sweep || !base) return;
    const run = sweep.runs[runIndex(sweep.options.setup, cell, 0, loss)];
    const { xValue, yValue } = sweep.cells[cell];
    const { setup } = sweep.options;
    const description = `${SWEEP_SETTINGS[setup.x.setting].label} ${valueText(xValue)}, ${SWEEP_SETTINGS[setup.y.setting].label.toLowerCase()} ${valueText(yValue)}, ${LOSSES[loss].label}, seed ${run.spec.seed}`;
    emit<OpenRunRequest>(this, 'open-run', { spec: run.spec, base, description });
  }

  private _onSubmit(event: Event): void {
    event.preventDefault();
    void this.controller.start(this.base);
  }

  private _onStart(): void {
    void this.controller.start(this.base);
  }

  private _onPlayToggle(): void {
    this.controller.playToggle();
  }

  private _onReset(): void {
    this.controller.reset();
  }
}
customElements.define('sweep-view', SweepView);
