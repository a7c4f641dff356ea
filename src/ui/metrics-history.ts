/**
 * The history of a run in bounded memory (src/ui/min-max-pyramid.ts): the newest steps whole, and
 * every step in a min/max pyramid whose levels keep each bucket's minimum, maximum and mean. Loss
 * switches and test evaluations are kept exactly, whatever the run's length.
 *
 * Budget (HISTORY_BUDGET), per series (each loss, each loss's "drives" flag, the output-delta and
 * global norms, the saturated fraction, one gradient norm per weight layer: 10 series for the
 * default network): 8 bytes for each of the newest 32,768 steps, and at most 2,048 buckets of 33
 * bytes per pyramid level, one level per doubling of the run. For the default network that is at
 * most 2.5 MiB of whole steps and 0.64 MiB per full level: 9.0 MiB at 10⁶ steps, 11.6 MiB at 10⁷,
 * 15.5 MiB at 10⁹ (pyramidBudgetBytes gives the bound; the unit tests check it), where keeping
 * every step would take 80 bytes a step (800 MB at 10⁷). Each test evaluation adds 8 bytes per
 * loss and 24 more; the page scores at most 4 a second (src/ui/run-evaluation.ts), under 0.6 MiB an hour.
 *
 * A rewind (trimFrom) is exact back to 64 steps after the oldest step held whole; further back,
 * the steps between the start of the bucket that held them and the step gone back to become gaps.
 *
 * Exports (toCsv, exportRows) write every step the history holds whole, and older steps at the
 * finest resolution kept for them, saying which in their header (describeResolution).
 */
import { LOSS_NAMES, LOSSES, type LossName, type LossValues } from '../model/losses';
import type { StepMetrics } from '../model/session';
import { MinMaxPyramid, pyramidBudgetBytes, type BucketStats, type PyramidBudget } from './min-max-pyramid';

/** What a page's history keeps: see the file comment. */
export const HISTORY_BUDGET: PyramidBudget = { fullRows: 32_768, bucketsPerLevel: 2_048 };

/** A Float64Array that doubles when full; `view()` is the filled part. */
class GrowableColumn {
  private data = new Float64Array(64);
  length = 0;

  push(value: number): void {
    this.insert(this.length, value);
  }

  /** Puts `value` at index i, moving the values from i on one place later. */
  insert(i: number, value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.copyWithin(i + 1, i, this.length);
    this.data[i] = value;
    this.length++;
  }

  at(i: number): number {
    return this.data[i];
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  get bytes(): number {
    return this.data.byteLength;
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
 * Test evaluations as columns, in step order, one per step: a later evaluation at the same step
 * (the weights of a step the run went back to) replaces the earlier one.
 */
class TestColumns {
  readonly step = new GrowableColumn();
  readonly losses = Object.fromEntries(LOSS_NAMES.map((loss) => [loss, new GrowableColumn()])) as Record<LossName, GrowableColumn>;
  readonly accuracy = new GrowableColumn();
  /** For every add so far, the index it wrote: what a view drawn before it must redraw from. */
  private readonly writes = new GrowableColumn();

  get count(): number {
    return this.step.length;
  }

  /** Adds done so far (each wrote one index). */
  get adds(): number {
    return this.writes.length;
  }

  get bytes(): number {
    return [this.step, ...Object.values(this.losses), this.accuracy, this.writes].reduce((sum, column) => sum + column.bytes, 0);
  }

  add(evaluation: TestEvaluation): void {
    // Evaluations land in step order but for a rewind, so the place is found from the end.
    let i = this.count;
    while (i > 0 && this.step.at(i - 1) > evaluation.step) i--;
    if (i > 0 && this.step.at(i - 1) === evaluation.step) {
      i--;
      for (const loss of LOSS_NAMES) this.losses[loss].set(i, evaluation.losses[loss]);
      this.accuracy.set(i, evaluation.accuracy);
    } else {
      this.step.insert(i, evaluation.step);
      for (const loss of LOSS_NAMES) this.losses[loss].insert(i, evaluation.losses[loss]);
      this.accuracy.insert(i, evaluation.accuracy);
    }
    this.writes.push(i);
  }

  /** Forgets the evaluations after `step`. */
  keepThrough(step: number): void {
    let keep = this.count;
    while (keep > 0 && this.step.at(keep - 1) > step) keep--;
    for (const column of [this.step, ...Object.values(this.losses), this.accuracy]) column.length = keep;
  }

  /** The lowest index written by the adds after the first `seen` (Infinity when there were none). */
  changedSince(seen: number): number {
    let lowest = Infinity;
    for (let a = seen; a < this.writes.length; a++) lowest = Math.min(lowest, this.writes.at(a));
    return lowest;
  }

  evaluation(i: number): TestEvaluation {
    return { step: this.step.at(i), losses: Object.fromEntries(LOSS_NAMES.map((loss) => [loss, this.losses[loss].at(i)])) as LossValues, accuracy: this.accuracy.at(i) };
  }
}

/**
 * Names of the per-step columns: one per loss (by its name, StepMetrics.losses), `active` (the id
 * of the loss that drove the step, src/model/losses.ts) and the other scalars of StepMetrics.
 */
export type StepColumn = LossName | 'step' | 'active' | 'outputDeltaNorm' | 'globalGradNorm' | 'saturatedFraction';

/** The scalar columns besides the losses, in the CSV's order with its names. */
const SCALARS = [
  { name: 'globalGradNorm', csv: 'global_grad_norm' },
  { name: 'outputDeltaNorm', csv: 'output_delta_norm' },
  { name: 'saturatedFraction', csv: 'saturated_fraction' },
] as const;

function isLossName(name: string): name is LossName {
  return (LOSS_NAMES as readonly string[]).includes(name);
}

/** Which column of the pyramid holds each series of a history. */
export interface HistoryLayout {
  /** Each loss's value per step. */
  loss: Record<LossName, number>;
  /** Per loss: 1 on a step it drove, 0 on a step it was only watched (NaN on a step lost to a rewind). */
  drives: Record<LossName, number>;
  /** ‖∂L/∂z‖ of the output layer. */
  outputDeltaNorm: number;
  /** ‖∂L/∂θ‖ over every layer. */
  globalGradNorm: number;
  /** Fraction of saturated outputs. */
  saturatedFraction: number;
  /** ‖∂L/∂W_l‖ per weight layer. */
  layers: number[];
  /** Columns in all. */
  columns: number;
}

function historyLayout(layerCount: number): HistoryLayout {
  const loss = Object.fromEntries(LOSS_NAMES.map((name, i) => [name, i])) as Record<LossName, number>;
  const drives = Object.fromEntries(LOSS_NAMES.map((name, i) => [name, LOSS_NAMES.length + i])) as Record<LossName, number>;
  const next = 2 * LOSS_NAMES.length;
  const layers = Array.from({ length: layerCount }, (_, l) => next + 3 + l);
  return { loss, drives, outputDeltaNorm: next, globalGradNorm: next + 1, saturatedFraction: next + 2, layers, columns: next + 3 + layerCount };
}

/** Steps of one resolution, oldest first: what an export states about its rows. */
export interface ResolutionRange {
  /** First step of the range. */
  firstStep: number;
  /** Last step of the range. */
  lastStep: number;
  /** Steps each row of the range covers (a power of two; 1 is every step); the last row may cover fewer. */
  stepsPerRow: number;
}

/** One series of an export: per row the mean over its steps, and the smallest and largest value. */
export interface ExportedSeries {
  /** Its name in the CSV header. */
  csvName: string;
  /** Its name in the JSON export (gradNormW, with `layer`, for the layers' norms). */
  jsonName: string;
  /** The weight layer of a gradient norm (0 for the first); null for the other series. */
  layer: number | null;
  /** Its column in the history's layout. */
  column: number;
  /** Mean of the row's values that are not NaN (NaN where there are none). */
  mean: number[];
  /** Smallest value of the row (NaN where there is none). */
  min: number[];
  /** Largest value of the row (NaN where there is none). */
  max: number[];
}

/** The history at the finest resolution it keeps for each range of steps. */
export interface ExportedHistory {
  /** Which steps have which resolution. */
  ranges: ResolutionRange[];
  /** First step of each row. */
  firstStep: number[];
  /** Last step of each row. */
  lastStep: number[];
  /** Per row, the id of the loss that drove most of its steps (NaN for a row whose steps were lost to a rewind). */
  active: number[];
  /** Each loss, then the layers' gradient norms, then the global norm, output-delta norm and saturated fraction (the CSV's order). */
  series: ExportedSeries[];
}

/** Steps in words, with thousands separators. */
function stepText(step: number): string {
  return step.toLocaleString('en-US');
}

/**
 * What an export says about its rows: every step, or which ranges are summarised in rows of how
 * many steps (each value then the mean over the row's steps, with its minimum and maximum).
 */
export function describeResolution(ranges: readonly ResolutionRange[]): string {
  if (ranges.every((range) => range.stepsPerRow === 1)) return 'Every step has its own row.';
  const parts = ranges.map(
    (range) =>
      `steps ${stepText(range.firstStep)}–${stepText(range.lastStep)} ${range.stepsPerRow === 1 ? 'one row per step' : `in rows of ${stepText(range.stepsPerRow)} steps`}`,
  );
  return (
    `Older steps are kept only as min/max buckets, so rows cover: ${parts.join('; ')}. ` +
    'A row covers its steps from step to last_step; each value is the mean over those steps (NaN values left out), ' +
    'and <name>_min and <name>_max are the smallest and largest value among them.'
  );
}

export class MetricsHistory {
  /** Which pyramid column holds each series. */
  readonly layout: HistoryLayout;
  private pyramid: MinMaxPyramid;
  /** The step of row 0 (meaningful once a row is recorded). */
  private first = 0;
  /** The loss that drove the first step; later ones follow from the switches. */
  private firstLoss: LossName | null = null;
  private readonly row: Float64Array;
  private readonly testColumns = new TestColumns();
  /** Every loss switch, in step order; a run's starting loss is not a switch. */
  readonly switches: LossSwitch[] = [];
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
    /** What is kept (HISTORY_BUDGET unless a test asks for less). */
    readonly budget: PyramidBudget = HISTORY_BUDGET,
  ) {
    this.layout = historyLayout(layerCount);
    this.pyramid = new MinMaxPyramid(this.layout.columns, budget);
    this.row = new Float64Array(this.layout.columns);
  }

  /**
   * An independent copy: the same steps, switches and test evaluations, growing apart from here on.
   * A forked run's second branch starts from one, so both branches' curves hold the steps before the fork.
   */
  clone(): MetricsHistory {
    const copy = new MetricsHistory(this.layerCount, this.budget);
    copy.pyramid = this.pyramid.clone();
    copy.first = this.first;
    copy.firstLoss = this.firstLoss;
    copy.switches.push(...this.switches.map((s) => ({ ...s })));
    for (const evaluation of this.tests) copy.testColumns.add(evaluation);
    copy.revision = this.revision;
    return copy;
  }

  /** Steps recorded. */
  get length(): number {
    return this.pyramid.length;
  }

  /** The first step recorded (0 before any). */
  get firstStep(): number {
    return this.pyramid.length > 0 ? this.first : 0;
  }

  /** The oldest step still held whole; older ones are held in buckets. */
  get firstFullStep(): number {
    return this.first + this.pyramid.firstFullRow;
  }

  /** Bytes the history holds for its steps (the pyramid), which budgetBytes bounds. */
  get stepBytes(): number {
    return this.pyramid.bytes;
  }

  /** Bytes the history holds for its test evaluations. */
  get testBytes(): number {
    return this.testColumns.bytes;
  }

  /** Bytes the steps may take at most at this length (the pyramid's stated bound). */
  get budgetBytes(): number {
    return pyramidBudgetBytes(this.layout.columns, this.length, this.budget);
  }

  /** Every test evaluation, in step order (a copy: it takes time in the number of evaluations). */
  get tests(): TestEvaluation[] {
    return Array.from({ length: this.testColumns.count }, (_, i) => this.testColumns.evaluation(i));
  }

  /** The test evaluations as columns, in step order, for drawing. */
  get testSeries(): { readonly count: number; readonly adds: number; step: Float64Array; losses: Record<LossName, Float64Array>; accuracy: Float64Array; changedSince(seen: number): number } {
    const tests = this.testColumns;
    return {
      count: tests.count,
      adds: tests.adds,
      step: tests.step.view(),
      losses: Object.fromEntries(LOSS_NAMES.map((loss) => [loss, tests.losses[loss].view()])) as Record<LossName, Float64Array>,
      accuracy: tests.accuracy.view(),
      changedSince: (seen) => tests.changedSince(seen),
    };
  }

  /**
   * Appends metrics in step order, noting a switch wherever the active loss changes. A step the
   * history already holds replaces it and every later one (the run went back there); a step beyond
   * the next one leaves the steps in between as gaps, since their metrics never came.
   */
  append(metrics: readonly StepMetrics[]): void {
    for (const m of metrics) {
      if (this.length === 0) {
        this.first = m.step;
        this.firstLoss = m.activeLoss;
      } else if (m.step < this.first + this.length) {
        this.trimFrom(m.step);
        if (this.length === 0) [this.first, this.firstLoss] = [m.step, m.activeLoss];
      }
      while (this.first + this.length < m.step) this.pushGap();
      const previous = this.switches.at(-1)?.loss ?? this.firstLoss;
      if (m.activeLoss !== previous) this.switches.push({ step: m.step, loss: m.activeLoss });
      const { row, layout } = this;
      for (const loss of LOSS_NAMES) {
        row[layout.loss[loss]] = m.losses[loss];
        row[layout.drives[loss]] = loss === m.activeLoss ? 1 : 0;
      }
      row[layout.outputDeltaNorm] = m.outputDeltaNorm;
      row[layout.globalGradNorm] = m.globalGradNorm;
      row[layout.saturatedFraction] = m.saturatedFraction;
      layout.layers.forEach((column, l) => (row[column] = m.gradNormW[l] ?? Number.NaN));
      this.pyramid.push(row);
    }
    if (metrics.length > 0) this.revision++;
  }

  /**
   * Forgets every step from `step` on, with the switches and test evaluations made after the
   * parameters of `step`: the run went back there (a restored snapshot, a device-loss recovery)
   * and those steps will be trained, and reported, again. Steps before `step` that were held only
   * in buckets that also held later steps become gaps.
   */
  trimFrom(step: number): void {
    const row = Math.max(0, Math.min(this.length, step - this.first));
    const kept = this.pyramid.truncate(row);
    for (let r = kept; r < row; r++) this.pushGap();
    // A switch at `step` itself is undone too: the restored run picks its loss again from there.
    this.switches.splice(0, this.switches.length, ...this.switches.filter((s) => s.step < step));
    // A test at `step` evaluated exactly the parameters the run goes back to.
    this.testColumns.keepThrough(step);
    this.trims++;
    this.revision++;
  }

  addTest(evaluation: TestEvaluation): void {
    this.testColumns.add(evaluation);
    this.revision++;
  }

  /** A per-step column over the steps held whole (every step of a history shorter than HISTORY_BUDGET.fullRows): a copy. */
  column(name: StepColumn): Float64Array {
    const from = this.pyramid.firstFullRow;
    return Float64Array.from({ length: this.length - from }, (_, i) => this.valueAt(from + i, name));
  }

  /** ‖∂L/∂W_l‖ of weight layer l over the steps held whole: a copy. */
  layerNorm(l: number): Float64Array {
    const from = this.pyramid.firstFullRow;
    return Float64Array.from({ length: this.length - from }, (_, i) => this.pyramid.value(from + i, this.layout.layers[l]));
  }

  /** The most recent step's metrics, as columns, or null before the first step. */
  latest(name: StepColumn): number | null {
    return this.length > 0 ? this.valueAt(this.length - 1, name) : null;
  }

  /** Every loss of the most recent step (NaN for each before the first step). */
  latestLosses(): LossValues {
    return Object.fromEntries(LOSS_NAMES.map((loss) => [loss, this.latest(loss) ?? NaN])) as LossValues;
  }

  /**
   * Visits the buckets covering steps [fromStep, toStep) at `level` (2^level steps each), coarser
   * where that level no longer holds them (MinMaxPyramid.read); the visitor gets each bucket's
   * first and last step. Level 0 visits single steps.
   */
  readBuckets(fromStep: number, toStep: number, level: number, visit: (firstStep: number, lastStep: number, level: number, bucket: BucketStats) => void): void {
    this.pyramid.read(fromStep - this.first, toStep - this.first, level, (start, end, k, bucket) => visit(this.first + start, this.first + end - 1, k, bucket));
  }

  /** The finest level, `level` or coarser, that holds the bucket containing `step`. */
  finestLevelAt(step: number, level: number): number {
    return this.pyramid.finestHolding(step - this.first, level);
  }

  /** The first step of the bucket that holds `step` at the finest level, `level` or coarser, that holds it. */
  bucketStart(step: number, level: number): number {
    const width = 2 ** this.finestLevelAt(step, level);
    return this.first + Math.floor((step - this.first) / width) * width;
  }

  /** The whole history at the finest resolution kept for each range of steps. */
  exportRows(): ExportedHistory {
    const { layout } = this;
    const series: ExportedSeries[] = [
      ...LOSS_NAMES.map((loss) => ({ csvName: loss, jsonName: loss, layer: null, column: layout.loss[loss] })),
      ...layout.layers.map((column, l) => ({ csvName: `grad_norm_w${l + 1}`, jsonName: 'gradNormW', layer: l, column })),
      ...SCALARS.map((scalar) => ({ csvName: scalar.csv, jsonName: scalar.name, layer: null, column: layout[scalar.name] })),
    ].map((s) => ({ ...s, mean: [], min: [], max: [] }));
    const rows: ExportedHistory = { ranges: [], firstStep: [], lastStep: [], active: [], series };
    this.readBuckets(this.first, this.first + this.length, 0, (firstStep, lastStep, level, bucket) => {
      const stepsPerRow = 2 ** level;
      const range = rows.ranges.at(-1);
      if (range && range.stepsPerRow === stepsPerRow) range.lastStep = lastStep;
      else rows.ranges.push({ firstStep, lastStep, stepsPerRow });
      rows.firstStep.push(firstStep);
      rows.lastStep.push(lastStep);
      // The loss that drove the most steps: the largest mean of the "drives" flags.
      let active = Number.NaN;
      let most = 0;
      for (const loss of LOSS_NAMES) {
        const share = bucket.mean(layout.drives[loss]);
        if (share > most) [active, most] = [LOSSES[loss].id, share];
      }
      rows.active.push(active);
      for (const s of series) {
        const some = bucket.count(s.column) > 0;
        s.mean.push(bucket.mean(s.column));
        s.min.push(some ? bucket.min(s.column) : Number.NaN);
        s.max.push(some ? bucket.max(s.column) : Number.NaN);
      }
    });
    return rows;
  }

  /**
   * The history as CSV. While every step is held whole: one row per step, test columns filled at
   * the steps they were taken. Once older steps are held only in buckets: '#' lines first, saying
   * which steps have which resolution (describeResolution) and listing every loss switch; then one
   * row per bucket (step, last_step, each value's mean, min and max) and one row per test evaluation.
   */
  toCsv(): string {
    const rows = this.exportRows();
    const tests = this.testColumns;
    const testHeaders = [...LOSS_NAMES.map((loss) => `test_${loss}`), 'test_accuracy'];
    const testValues = (i: number) => [...LOSS_NAMES.map((loss) => tests.losses[loss].at(i)), tests.accuracy.at(i)];
    const activeName = (id: number) => (Number.isNaN(id) ? '' : LOSS_NAMES[id]);
    if (rows.ranges.every((range) => range.stepsPerRow === 1)) {
      const lines = [['step', 'active_loss', ...rows.series.map((s) => s.csvName), ...testHeaders].join(',')];
      const testAt = new Map(Array.from({ length: tests.count }, (_, i) => [tests.step.at(i), i]));
      rows.firstStep.forEach((step, r) => {
        const test = testAt.get(step);
        lines.push([step, activeName(rows.active[r]), ...rows.series.map((s) => s.mean[r]), ...(test === undefined ? testHeaders.map(() => '') : testValues(test))].join(','));
      });
      return lines.join('\n') + '\n';
    }
    const switches = this.switches.map((s) => `step ${stepText(s.step)} → ${s.loss}`).join('; ');
    const lines = [
      `# Metrics of steps ${stepText(this.first)}–${stepText(this.first + this.length - 1)}. ${describeResolution(rows.ranges)}`,
      '# active_loss names the loss that drove most of a row\'s steps. Each test evaluation has a row of its own (step = last_step = the step it scored), with only the test columns filled.',
      `# Loss switches (exact): ${switches || 'none'}.`,
      ['step', 'last_step', 'active_loss', ...rows.series.flatMap((s) => [s.csvName, `${s.csvName}_min`, `${s.csvName}_max`]), ...testHeaders].join(','),
    ];
    const emptyValues = rows.series.flatMap(() => ['', '', '']);
    let t = 0;
    const testRowsThrough = (step: number) => {
      for (; t < tests.count && tests.step.at(t) <= step; t++) lines.push([tests.step.at(t), tests.step.at(t), '', ...emptyValues, ...testValues(t)].join(','));
    };
    rows.firstStep.forEach((step, r) => {
      testRowsThrough(step - 1);
      lines.push([step, rows.lastStep[r], activeName(rows.active[r]), ...rows.series.flatMap((s) => [s.mean[r], s.min[r], s.max[r]]), ...testHeaders.map(() => '')].join(','));
    });
    testRowsThrough(Infinity);
    return lines.join('\n') + '\n';
  }

  /** Row i's value of a named column (row i must be held whole). */
  private valueAt(i: number, name: StepColumn): number {
    if (name === 'step') return this.first + i;
    if (name === 'active') {
      const driving = LOSS_NAMES.find((loss) => this.pyramid.value(i, this.layout.drives[loss]) === 1);
      return driving === undefined ? Number.NaN : LOSSES[driving].id;
    }
    return this.pyramid.value(i, isLossName(name) ? this.layout.loss[name] : this.layout[name]);
  }

  /** A step whose metrics are missing: NaN in every column. */
  private pushGap(): void {
    this.row.fill(Number.NaN);
    this.pyramid.push(this.row);
  }
}
