/**
 * What the curves panel draws, as uPlot's columns, from a run's MetricsHistory: per loss a solid
 * series while it drives training and a dashed one while it is only watched, and its test value;
 * per-layer gradient norms and the output-delta norm; test accuracy and the saturated fraction.
 *
 * A view is the whole run, the last N steps, or a range of steps. The steps it shows are read from
 * the history's pyramid at the level that fits the pixel width (one bucket per pixel, drawn as its
 * minimum and maximum in the order they occur), so a frame costs work in the pixels, not in the
 * steps behind them. The buckets read are kept between frames: while the view and its level stay
 * the same, a frame reads only the buckets that are new or were still filling, and draws exactly
 * what a read from scratch would. Test evaluations are drawn at their own steps, downsampled the
 * same way (MinMaxDownsampler), and merged into the x positions (uPlot skips `undefined`, so a
 * curve runs on across the other curves' x positions; `null` is a gap).
 */
import type uPlot from 'uplot';
import { LOSS_NAMES, type LossName } from '../model/losses';
import { downsampleMinMax, MinMaxDownsampler, type Downsampled, type SparseColumn } from './downsample';
import type { BucketStats } from './min-max-pyramid';
import type { MetricsHistory } from './metrics-history';

/** The charts of the curves panel. */
export type ChartName = 'loss' | 'gradients' | 'accuracy';

/** Which steps the charts show. */
export type CurveView =
  /** Every step recorded. */
  | { kind: 'whole' }
  /** The newest `steps` steps (all of them while there are fewer). */
  | { kind: 'follow'; steps: number }
  /** Steps `from` to `to`. */
  | { kind: 'range'; from: number; to: number };

/** The view of every step recorded. */
export const WHOLE_RUN: CurveView = { kind: 'whole' };

/** What one frame draws. */
export interface DrawnCurves {
  /** Each chart's columns. */
  charts: Record<ChartName, uPlot.AlignedData>;
  /** First step of the x axes. */
  from: number;
  /** Last step of the x axes (above `from`, so the axis has a width). */
  to: number;
  /** Steps per bucket drawn at the finest (1: every step). */
  finestStepsPerPoint: number;
  /** Steps per bucket drawn at the coarsest: above finestStepsPerPoint where older steps are held only in coarser buckets. */
  coarsestStepsPerPoint: number;
}

/** A drawn value: a number, null for a gap, undefined where the series has no point (the line runs on). */
export type Point = number | null | undefined;

/** Log axes cannot show 0, negative or missing values: those become gaps. */
function positiveOrNull(value: number): number | null {
  return value > 0 && Number.isFinite(value) ? value : null;
}

/** The steps [from, to] `view` shows of `history`. */
export function viewRange(history: MetricsHistory, view: CurveView): { from: number; to: number } {
  const first = history.firstStep;
  const last = history.length > 0 ? first + history.length - 1 : first;
  const [from, to] = view.kind === 'whole' ? [first, last] : view.kind === 'follow' ? [Math.max(first, last - view.steps + 1), last] : [view.from, view.to];
  return { from, to: Math.max(to, from + 1) };
}

/**
 * The pyramid level for `steps` steps drawn with at most `maxPoints` x positions: every step while
 * they fit, else the finest whose buckets (two x positions each) fit.
 */
export function levelFor(steps: number, maxPoints: number): number {
  if (steps <= maxPoints) return 0;
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  let level = 1;
  while (Math.ceil(steps / 2 ** level) > buckets) level++;
  return level;
}

/** A series drawn from the step buckets. */
interface StepSeries {
  /** Its column in the history's layout. */
  column: number;
  /** Drawn on a log axis (values that are not positive become gaps). */
  logAxis: boolean;
  /** For a loss: drawn where it drives training, or where it is only watched. */
  role?: { loss: LossName; driving: boolean };
}

/** The step buckets read for a view, one entry per bucket, with their points. */
class BucketPoints {
  /** First step of each bucket. */
  firstStep: number[] = [];
  /** Last step of each bucket. */
  lastStep: number[] = [];
  /** Level each bucket was read at. */
  level: number[] = [];
  /** Per bucket, per loss: bit 2i set where loss i drove a step of it, bit 2i + 1 where it was watched. */
  roles: number[] = [];
  /** Index in `x` of each bucket's first point. */
  pointAt: number[] = [];
  /** The steps of the points: a bucket's first step, and its last when it holds more than one. */
  x: number[] = [];
  /** Per step series, its points, aligned with x. */
  values: Point[][];

  constructor(series: number) {
    this.values = Array.from({ length: series }, () => []);
  }

  get count(): number {
    return this.firstStep.length;
  }

  /** Keeps buckets [start, end) and their points. */
  keep(start: number, end: number): void {
    const pointStart = start < this.count ? this.pointAt[start] : this.x.length;
    const pointEnd = end < this.count ? this.pointAt[end] : this.x.length;
    for (const list of [this.firstStep, this.lastStep, this.level, this.roles, this.pointAt]) {
      list.splice(end);
      list.splice(0, start);
    }
    this.pointAt = this.pointAt.map((at) => at - pointStart);
    for (const list of [this.x, ...this.values]) {
      list.splice(pointEnd);
      list.splice(0, pointStart);
    }
  }
}

/** The roles of the losses in a bucket (BucketPoints.roles). */
function rolesOf(history: MetricsHistory, bucket: BucketStats): number {
  let roles = 0;
  LOSS_NAMES.forEach((loss, i) => {
    const c = history.layout.drives[loss];
    if (bucket.count(c) === 0) return;
    if (bucket.max(c) > 0) roles |= 1 << (2 * i);
    if (bucket.min(c) < 1) roles |= 1 << (2 * i + 1);
  });
  return roles;
}

/** x positions of two downsamplings merged (each already increasing), with each one's series on them: undefined where it has no point. */
export function mergeOnX(a: { x: number[]; series: Point[][] }, b: { x: number[]; series: Point[][] }): { x: number[]; a: Point[][]; b: Point[][] } {
  const x: number[] = [];
  const outA: Point[][] = a.series.map(() => []);
  const outB: Point[][] = b.series.map(() => []);
  let i = 0;
  let j = 0;
  while (i < a.x.length || j < b.x.length) {
    const takeA = j >= b.x.length || (i < a.x.length && a.x[i] <= b.x[j]);
    const takeB = i >= a.x.length || (j < b.x.length && b.x[j] <= a.x[i]);
    x.push(takeA ? a.x[i] : b.x[j]);
    a.series.forEach((values, s) => outA[s].push(takeA ? values[i] : undefined));
    b.series.forEach((values, s) => outB[s].push(takeB ? values[j] : undefined));
    if (takeA) i++;
    if (takeB) j++;
  }
  return { x, a: outA, b: outB };
}

/** The first index of the increasing `values` holding `value` or more (values.length when none does). */
function firstAtLeast(values: Float64Array, value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The three charts' columns, kept up to date frame by frame for one history at a time. */
export class CurveSeries {
  /** The history the kept buckets were read from, how often it had been trimmed then, and the level read at. */
  private history: MetricsHistory | null = null;
  private trims = -1;
  private level = -1;
  private series: StepSeries[] = [];
  private buckets = new BucketPoints(0);
  /** The whole run's tests, downsampled incrementally, and how many adds of the history's tests it has seen. */
  private wholeRunTests: MinMaxDownsampler;
  private testAddsSeen = 0;

  constructor(
    /** x positions each chart draws at most for the steps (and as many again for test evaluations), unless update is given another. */
    readonly maxPoints: number,
  ) {
    this.wholeRunTests = new MinMaxDownsampler(maxPoints);
  }

  /** Each chart's columns for `history` as it stands, reading only the buckets that are new or still filling since the last call. */
  update(history: MetricsHistory, view: CurveView = WHOLE_RUN, maxPoints = this.maxPoints): DrawnCurves {
    const { from, to } = viewRange(history, view);
    const level = levelFor(to - from + 1, maxPoints);
    if (history !== this.history || history.trims !== this.trims) {
      // Another run, or a rewind: start again.
      this.history = history;
      this.trims = history.trims;
      this.series = this.seriesOf(history);
      this.buckets = new BucketPoints(this.series.length);
      this.wholeRunTests.reset();
      this.testAddsSeen = 0;
    }
    this.readSteps(history, from, to, level);
    const steps = { x: this.buckets.x, series: this.buckets.values };
    const tests = this.readTests(history, view, from, to, maxPoints);
    const lossCount = LOSS_NAMES.length;
    const loss = mergeOnX(steps, { x: tests.x, series: tests.series.slice(0, lossCount) });
    const accuracy = mergeOnX({ x: steps.x, series: steps.series.slice(-1) }, { x: tests.x, series: tests.series.slice(lossCount) });
    const gradients = steps.series.slice(2 * lossCount, -1);
    const widths = this.buckets.level.map((k) => 2 ** k);
    return {
      charts: {
        loss: [loss.x, ...loss.a.slice(0, 2 * lossCount), ...loss.b] as uPlot.AlignedData,
        gradients: [steps.x.slice(), ...gradients.map((values) => values.slice())] as uPlot.AlignedData,
        accuracy: [accuracy.x, ...accuracy.b, ...accuracy.a] as uPlot.AlignedData,
      },
      from,
      to,
      finestStepsPerPoint: widths.length > 0 ? Math.min(...widths) : 1,
      coarsestStepsPerPoint: widths.length > 0 ? Math.max(...widths) : 1,
    };
  }

  /** The step series of the three charts, in the order update() lays them out: loss, gradients, then the saturated fraction. */
  private seriesOf(history: MetricsHistory): StepSeries[] {
    const { layout } = history;
    return [
      ...LOSS_NAMES.flatMap((loss): StepSeries[] => [
        { column: layout.loss[loss], logAxis: true, role: { loss, driving: true } },
        { column: layout.loss[loss], logAxis: true, role: { loss, driving: false } },
      ]),
      ...layout.layers.map((column): StepSeries => ({ column, logAxis: true })),
      { column: layout.outputDeltaNorm, logAxis: true },
      { column: layout.saturatedFraction, logAxis: false },
    ];
  }

  /**
   * Brings the kept buckets to steps [from, to] at `level`: drops those before `from`, reads again
   * the newest one kept (it may have been filling) and reads what follows. Another level, a view
   * starting before the kept buckets, or kept buckets the history now holds only coarser, read
   * them all again.
   */
  private readSteps(history: MetricsHistory, from: number, to: number, level: number): void {
    const kept = this.buckets;
    let reuse = level === this.level && kept.count > 0 && from >= kept.firstStep[0];
    if (reuse) {
      // Kept: the buckets that reach `from` and start by `to`, but the newest of those, which is read again.
      let first = 0;
      while (first < kept.count && kept.lastStep[first] < from) first++;
      let end = kept.count;
      while (end > first && kept.firstStep[end - 1] > to) end--;
      kept.keep(first, Math.max(first, end - 1));
      reuse = this.stillHeld(history);
    }
    if (!reuse) {
      this.level = level;
      this.buckets = new BucketPoints(this.series.length);
    }
    const buckets = this.buckets;
    const readFrom = buckets.count > 0 ? buckets.lastStep[buckets.count - 1] + 1 : from;
    // A loss's line runs on through the first bucket after it stops driving (or starts), so each
    // line reaches the switch: a bucket's roles count with those of the bucket before it.
    let previousRoles = buckets.count > 0 ? buckets.roles[buckets.count - 1] : 0;
    if (buckets.count === 0) {
      const start = history.bucketStart(readFrom, level);
      if (start > history.firstStep) history.readBuckets(start - 1, start, level, (_first, _last, _level, bucket) => (previousRoles = rolesOf(history, bucket)));
    }
    history.readBuckets(readFrom, to + 1, level, (firstStep, lastStep, bucketLevel, bucket) => {
      const roles = rolesOf(history, bucket);
      const shownRoles = roles | previousRoles;
      previousRoles = roles;
      buckets.firstStep.push(firstStep);
      buckets.lastStep.push(lastStep);
      buckets.level.push(bucketLevel);
      buckets.roles.push(roles);
      buckets.pointAt.push(buckets.x.length);
      const twoPoints = lastStep > firstStep;
      buckets.x.push(firstStep);
      if (twoPoints) buckets.x.push(lastStep);
      this.series.forEach((series, s) => {
        const out = buckets.values[s];
        const role = series.role;
        const roleBit = role ? 1 << (2 * LOSS_NAMES.indexOf(role.loss) + (role.driving ? 0 : 1)) : 0;
        if (bucket.count(series.column) === 0 || (role && (shownRoles & roleBit) === 0)) {
          out.push(null);
          if (twoPoints) out.push(null);
          return;
        }
        const shown = (value: number) => (series.logAxis ? positiveOrNull(value) : value);
        if (!twoPoints) {
          out.push(shown(bucket.min(series.column)));
          return;
        }
        const ordered = bucket.minFirst(series.column) ? [bucket.min(series.column), bucket.max(series.column)] : [bucket.max(series.column), bucket.min(series.column)];
        const [a, b] = ordered.map(shown);
        // One extreme off a log axis: the line runs on through the other, rather than breaking.
        if (a === null && b === null) out.push(null, null);
        else out.push(a ?? undefined, b ?? undefined);
      });
    });
  }

  /**
   * Whether the history still holds each kept bucket at the level it was read at. A level drops its
   * oldest buckets as the run grows, and a read from scratch would then take coarser ones there;
   * levels only get finer towards the newest steps, so the first bucket of each level decides.
   */
  private stillHeld(history: MetricsHistory): boolean {
    const { firstStep, level } = this.buckets;
    for (let b = 0; b < firstStep.length; b++) {
      if ((b === 0 || level[b] !== level[b - 1]) && history.finestLevelAt(firstStep[b], this.level) !== level[b]) return false;
    }
    return true;
  }

  /** The test evaluations in the view, downsampled: the whole run's incrementally, a part's from scratch. */
  private readTests(history: MetricsHistory, view: CurveView, from: number, to: number, maxPoints: number): Downsampled {
    const tests = history.testSeries;
    const columns = (offset: number): SparseColumn[] => [
      ...LOSS_NAMES.map((loss): SparseColumn => (i) => positiveOrNull(tests.losses[loss][offset + i])),
      (i) => {
        const accuracy = tests.accuracy[offset + i];
        return Number.isNaN(accuracy) ? null : accuracy;
      },
    ];
    if (view.kind === 'whole') {
      if (maxPoints !== this.wholeRunTests.maxPoints) {
        this.wholeRunTests = new MinMaxDownsampler(maxPoints);
        this.testAddsSeen = 0;
      }
      const changedFrom = this.testAddsSeen === 0 ? 0 : tests.changedSince(this.testAddsSeen);
      this.testAddsSeen = tests.adds;
      return this.wholeRunTests.update(tests.step, columns(0), changedFrom);
    }
    const start = firstAtLeast(tests.step, from);
    const end = firstAtLeast(tests.step, to + 1);
    return downsampleMinMax(tests.step.subarray(start, end), columns(start), maxPoints);
  }
}

/**
 * Fewest CSS pixels of plot width per marker of a sparse series (the test evaluations). Past that
 * density the series is drawn as its line alone: a filled circle per evaluation on every draw made
 * the curves' work per frame (curves-panel.ts) grow over a long run until the series reached its cap (BENCHMARKS.md,
 * the 10-minute page run).
 */
const MIN_PIXELS_PER_MARKER = 8;

/** Whether the non-null values of `values[from..to]` are few enough for `plotPixels` of width to mark each one. */
export function markersFit(values: ArrayLike<number | null | undefined>, from: number, to: number, plotPixels: number): boolean {
  const most = Math.floor(plotPixels / MIN_PIXELS_PER_MARKER);
  let count = 0;
  for (let i = Math.max(0, from); i <= to && i < values.length; i++) {
    if (values[i] != null && ++count > most) return false;
  }
  return true;
}
