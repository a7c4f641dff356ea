/**
 * What the curves panel draws, as uPlot's columns, from a run's MetricsHistory: per loss a solid
 * series while it drives training and a dashed one while it is only watched, and its test value;
 * per-layer gradient norms and the output-delta norm; test accuracy and the saturated fraction.
 * The history only grows between rewinds, so each frame downsamples only what is new
 * (MinMaxDownsampler) and draws exactly what a downsampling of the whole history would.
 */
import type uPlot from 'uplot';
import { LOSSES, LOSS_NAMES } from '../model/losses';
import { MinMaxDownsampler, type Downsampled, type SparseColumn } from './downsample';
import type { MetricsHistory, TestEvaluation } from './metrics-history';

/** The charts of the curves panel. */
export type ChartName = 'loss' | 'gradients' | 'accuracy';

/** Log axes cannot show 0, negative or missing values: those become gaps. */
function positiveOrNull(value: number): number | null {
  return value > 0 && Number.isFinite(value) ? value : null;
}

function aligned(sampled: Downsampled): uPlot.AlignedData {
  return [sampled.x, ...sampled.series] as uPlot.AlignedData;
}

/** The three charts' columns, kept up to date frame by frame for one history at a time. */
export class CurveSeries {
  private readonly samplers: Record<ChartName, MinMaxDownsampler>;
  /** The history the buckets were built from, and how often it had been trimmed then. */
  private history: MetricsHistory | null = null;
  private trims = 0;
  /** Step of the history's first row when the test evaluations were placed (they sit at step − first). */
  private first = 0;
  /** Test evaluations by row index, and how many of the history's tests are placed. */
  private readonly testAt = new Map<number, TestEvaluation>();
  private testsPlaced = 0;

  constructor(
    /** x positions each chart draws at most. */
    readonly maxPoints: number,
  ) {
    this.samplers = { loss: new MinMaxDownsampler(maxPoints), gradients: new MinMaxDownsampler(maxPoints), accuracy: new MinMaxDownsampler(maxPoints) };
  }

  /** Each chart's columns for `history` as it stands, scanning only the rows and tests added since the last call. */
  update(history: MetricsHistory): Record<ChartName, uPlot.AlignedData> {
    const steps = history.column('step');
    const first = steps.length > 0 ? steps[0] : 0;
    if (history !== this.history || history.trims !== this.trims || first !== this.first) {
      // Another run, a rewind, or a first row that moved the tests' positions: start again.
      this.history = history;
      this.trims = history.trims;
      this.first = first;
      this.testAt.clear();
      this.testsPlaced = 0;
      for (const sampler of Object.values(this.samplers)) sampler.reset();
    }
    // A test evaluation lands at the step it was taken, which the curves may already have passed.
    let testsChangedFrom = Infinity;
    for (const test of history.tests.slice(this.testsPlaced)) {
      this.testAt.set(test.step - first, test);
      testsChangedFrom = Math.min(testsChangedFrom, test.step - first);
    }
    this.testsPlaced = history.tests.length;

    const active = history.column('active');
    // A value belongs to the solid series while its loss drives, and to the dashed one otherwise;
    // the step of a switch is in both, so each line continues to the marker.
    const driving = (loss: number, i: number) => active[i] === loss || (i > 0 && active[i - 1] === loss);
    const watched = (loss: number, i: number) => active[i] !== loss || (i > 0 && active[i - 1] !== loss);
    const testColumn = (read: (t: TestEvaluation) => number): SparseColumn => (i) => {
      const t = this.testAt.get(i);
      return t ? read(t) : null;
    };
    const loss = this.samplers.loss.update(
      steps,
      [
        ...LOSS_NAMES.flatMap((loss): SparseColumn[] => {
          const values = history.column(loss);
          const id = LOSSES[loss].id;
          return [(i) => (driving(id, i) ? positiveOrNull(values[i]) : null), (i) => (watched(id, i) ? positiveOrNull(values[i]) : null)];
        }),
        ...LOSS_NAMES.map((loss) => testColumn((t) => t.losses[loss])),
      ].map((column): SparseColumn => (i) => {
        const v = column(i);
        return v === null ? null : positiveOrNull(v);
      }),
      testsChangedFrom,
    );
    const delta = history.column('outputDeltaNorm');
    const gradients = this.samplers.gradients.update(steps, [
      ...Array.from({ length: history.layerCount }, (_, l): SparseColumn => {
        const column = history.layerNorm(l);
        return (i) => positiveOrNull(column[i]);
      }),
      (i) => positiveOrNull(delta[i]),
    ]);
    const saturated = history.column('saturatedFraction');
    const accuracy = this.samplers.accuracy.update(steps, [testColumn((t) => t.accuracy), (i) => saturated[i]], testsChangedFrom);
    return { loss: aligned(loss), gradients: aligned(gradients), accuracy: aligned(accuracy) };
  }
}
