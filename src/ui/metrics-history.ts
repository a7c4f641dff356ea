/**
 * The whole history of a run, kept as growable columns (uPlot's columnar shape) so that a long run
 * costs a few arrays, not an object per step, and the charts can downsample it for drawing.
 */
import { LOSS_NAMES, LOSSES, type LossName, type LossValues } from '../model/losses';
import type { StepMetrics } from '../model/session';

/** A Float64Array that doubles when full; `view()` is the filled part. */
class GrowableColumn {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i];
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** A loss switch at a step: the step from which `loss` drove training. */
export interface LossSwitch {
  /** First step trained with the new loss. */
  step: number;
  /** The loss selected. */
  loss: LossName;
}

/** One evaluation on the held-out test rows. */
export interface TestEvaluation {
  /** Steps taken when the parameters were evaluated. */
  step: number;
  /** Every loss on the test rows (NaN for one the output does not allow). */
  losses: LossValues;
  /** Fraction classified correctly (NaN when the targets are not classes). */
  accuracy: number;
}

/**
 * Names of the per-step columns: one per loss (by its name, StepMetrics.losses), `active` (the id
 * of the loss that drove the step, src/model/losses.ts) and the other scalars of StepMetrics.
 */
export type StepColumn = LossName | 'step' | 'active' | 'outputDeltaNorm' | 'globalGradNorm' | 'saturatedFraction';

export class MetricsHistory {
  private readonly columns = Object.fromEntries(
    [...LOSS_NAMES, 'step', 'active', 'outputDeltaNorm', 'globalGradNorm', 'saturatedFraction'].map((name) => [name, new GrowableColumn()]),
  ) as Record<StepColumn, GrowableColumn>;
  private readonly layerNorms: GrowableColumn[];
  /** Every loss switch, in step order; a run's starting loss is not a switch. */
  readonly switches: LossSwitch[] = [];
  /** Every test evaluation, in step order. */
  readonly tests: TestEvaluation[] = [];
  /** Bumped on every change, so views can tell whether to redraw. */
  revision = 0;
  /**
   * Bumped by every trimFrom: between two trims the history only grows, so a view that keeps
   * what it derived from earlier rows (the curves' buckets) starts again only when this changes.
   */
  trims = 0;

  constructor(
    /** Number of weight layers (one gradient-norm column each). */
    readonly layerCount: number,
  ) {
    this.layerNorms = Array.from({ length: layerCount }, () => new GrowableColumn());
  }

  /** Steps recorded. */
  get length(): number {
    return this.columns.step.length;
  }

  /** Appends metrics in step order, noting a switch wherever the active loss changes. */
  append(metrics: readonly StepMetrics[]): void {
    for (const m of metrics) {
      const active = LOSSES[m.activeLoss].id;
      const previous = this.length > 0 ? this.columns.active.at(this.length - 1) : active;
      if (active !== previous) this.switches.push({ step: m.step, loss: m.activeLoss });
      this.columns.step.push(m.step);
      for (const loss of LOSS_NAMES) this.columns[loss].push(m.losses[loss]);
      this.columns.active.push(active);
      this.columns.outputDeltaNorm.push(m.outputDeltaNorm);
      this.columns.globalGradNorm.push(m.globalGradNorm);
      this.columns.saturatedFraction.push(m.saturatedFraction);
      m.gradNormW.forEach((norm, l) => this.layerNorms[l]?.push(norm));
    }
    if (metrics.length > 0) this.revision++;
  }

  /**
   * Forgets every step from `step` on, with the switches and test evaluations made after the
   * parameters of `step`: the run went back there (a restored snapshot, a device-loss recovery)
   * and those steps will be trained, and reported, again.
   */
  trimFrom(step: number): void {
    const steps = this.columns.step;
    let keep = steps.length;
    while (keep > 0 && steps.at(keep - 1) >= step) keep--;
    for (const column of [...Object.values(this.columns), ...this.layerNorms]) column.length = keep;
    // A switch at `step` itself is undone too: the restored run picks its loss again from there.
    this.switches.splice(0, this.switches.length, ...this.switches.filter((s) => s.step < step));
    // A test at `step` evaluated exactly the parameters the run goes back to.
    this.tests.splice(0, this.tests.length, ...this.tests.filter((t) => t.step <= step));
    this.trims++;
    this.revision++;
  }

  addTest(evaluation: TestEvaluation): void {
    this.tests.push(evaluation);
    this.revision++;
  }

  /** A per-step column (a view of the live data: copy it before keeping it). */
  column(name: StepColumn): Float64Array {
    return this.columns[name].view();
  }

  /** ‖∂L/∂W_l‖ of weight layer l for every step. */
  layerNorm(l: number): Float64Array {
    return this.layerNorms[l].view();
  }

  /** The most recent step's metrics, as columns, or null before the first step. */
  latest(name: StepColumn): number | null {
    const n = this.length;
    return n > 0 ? this.columns[name].at(n - 1) : null;
  }

  /** Every loss of the most recent step (NaN for each before the first step). */
  latestLosses(): LossValues {
    return Object.fromEntries(LOSS_NAMES.map((loss) => [loss, this.latest(loss) ?? NaN])) as LossValues;
  }

  /** The history as CSV: one row per step, test columns filled at the steps they were taken. */
  toCsv(): string {
    const layerHeaders = this.layerNorms.map((_, l) => `grad_norm_w${l + 1}`);
    const header = ['step', 'active_loss', ...LOSS_NAMES, ...layerHeaders, 'global_grad_norm', 'output_delta_norm', 'saturated_fraction', ...LOSS_NAMES.map((loss) => `test_${loss}`), 'test_accuracy'];
    const lines = [header.join(',')];
    const testsByStep = new Map(this.tests.map((t) => [t.step, t]));
    const c = this.columns;
    for (let i = 0; i < this.length; i++) {
      const step = c.step.at(i);
      const test = testsByStep.get(step);
      lines.push(
        [
          step,
          LOSS_NAMES[c.active.at(i)],
          ...LOSS_NAMES.map((loss) => c[loss].at(i)),
          ...this.layerNorms.map((column) => column.at(i)),
          c.globalGradNorm.at(i),
          c.outputDeltaNorm.at(i),
          c.saturatedFraction.at(i),
          ...LOSS_NAMES.map((loss) => (test ? test.losses[loss] : '')),
          test ? test.accuracy : '',
        ].join(','),
      );
    }
    return lines.join('\n') + '\n';
  }
}
