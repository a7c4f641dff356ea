/**
 * Reduces long columns to at most `maxPoints` x positions for drawing, keeping each bucket's
 * minimum and maximum (in the order they occur), so spikes stay visible however long the run.
 * The curves draw the test evaluations through it (the steps come from the history's own min/max
 * pyramid, src/ui/min-max-pyramid.ts, which never needs a scan of the steps behind a bucket).
 *
 * Buckets are runs of consecutive indices, each as wide as the others (the last may be shorter).
 * While the columns fit in `maxPoints`, every bucket is one index wide, so the columns come back
 * whole. Beyond that the width is the smallest power of two that needs no more than
 * ⌊maxPoints / 2⌋ buckets: a growing history then changes width only when it doubles, and the new
 * buckets are pairs of the old ones merged, never a rescan. MinMaxDownsampler keeps the buckets
 * between calls, so a frame scans only the indices added (or changed) since the last one.
 */

/** A column to draw, read by index: a value, or null where the series has no value (a gap). */
export type SparseColumn = (index: number) => number | null;

export interface Downsampled {
  /** x values (steps). */
  x: number[];
  /** One array per input column, aligned with x. */
  series: (number | null)[][];
}

/** Bucket width for `n` indices: 1 while they fit in maxPoints, else the power of two described above. */
function bucketWidth(n: number, maxPoints: number): number {
  if (n <= maxPoints) return 1;
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  let width = 2;
  while (Math.ceil(n / width) > buckets) width *= 2;
  return width;
}

/**
 * Min and max of each bucket of one column, with the index where each first occurs (-1 for a
 * bucket with no value: a gap). Every value but null and NaN counts, infinities included.
 */
class BucketExtremes {
  min: number[] = [];
  minAt: number[] = [];
  max: number[] = [];
  maxAt: number[] = [];

  get count(): number {
    return this.min.length;
  }

  /** Keeps buckets [0, count) and forgets the rest. */
  truncate(count: number): void {
    for (const list of [this.min, this.minAt, this.max, this.maxAt]) list.length = Math.min(list.length, count);
  }

  /** Folds values [from, to) of `column`, all in bucket `b`, into that bucket (opened empty when new). */
  scan(column: SparseColumn, b: number, from: number, to: number): void {
    if (b === this.count) this.open();
    let min = this.min[b];
    let minAt = this.minAt[b];
    let max = this.max[b];
    let maxAt = this.maxAt[b];
    for (let i = from; i < to; i++) {
      const v = column(i);
      if (v === null || Number.isNaN(v)) continue;
      // Strict comparisons: an extreme that repeats keeps its first index.
      if (minAt < 0 || v < min) [min, minAt] = [v, i];
      if (maxAt < 0 || v > max) [max, maxAt] = [v, i];
    }
    [this.min[b], this.minAt[b], this.max[b], this.maxAt[b]] = [min, minAt, max, maxAt];
  }

  /**
   * Every `factor` consecutive buckets merged into one. Folding bucket summaries in order gives
   * what scanning their values in order gives, so the result equals a scan at the wider width.
   */
  merged(factor: number): BucketExtremes {
    const wider = new BucketExtremes();
    for (let b = 0; b < this.count; b++) {
      const into = Math.floor(b / factor);
      if (into === wider.count) wider.open();
      if (this.minAt[b] >= 0 && (wider.minAt[into] < 0 || this.min[b] < wider.min[into])) [wider.min[into], wider.minAt[into]] = [this.min[b], this.minAt[b]];
      if (this.maxAt[b] >= 0 && (wider.maxAt[into] < 0 || this.max[b] > wider.max[into])) [wider.max[into], wider.maxAt[into]] = [this.max[b], this.maxAt[b]];
    }
    return wider;
  }

  private open(): void {
    this.min.push(Infinity);
    this.minAt.push(-1);
    this.max.push(-Infinity);
    this.maxAt.push(-1);
  }
}

/**
 * The downsampling of a growing set of columns, kept between calls: each `update` scans only the
 * indices that are new or changed since the previous one, and returns what `downsampleMinMax`
 * returns for the same columns from scratch.
 */
export class MinMaxDownsampler {
  private width = 1;
  /** Indices folded into the buckets so far. */
  private length = 0;
  private columns: BucketExtremes[] = [];

  constructor(
    /** x positions drawn at most (for maxPoints ≥ 2; below that a bucket still gives two). */
    readonly maxPoints: number,
  ) {}

  /** Forgets every bucket, so the next update scans every index: for a rewound or a new history. */
  reset(): void {
    this.width = 1;
    this.length = 0;
    this.columns = [];
  }

  /**
   * Brings the buckets up to date with `columns` of `x.length` indices and returns them drawn.
   * Values below the previous call's length must be unchanged, except from `changedFrom` on (a
   * value that arrived late, such as a test evaluation); a history that was trimmed must `reset`.
   */
  update(x: ArrayLike<number>, columns: readonly SparseColumn[], changedFrom = Infinity): Downsampled {
    const n = x.length;
    if (n < this.length || columns.length !== this.columns.length) {
      this.reset();
      this.columns = columns.map(() => new BucketExtremes());
    }
    const width = bucketWidth(n, this.maxPoints);
    if (width > this.width) {
      this.columns = this.columns.map((extremes) => extremes.merged(width / this.width));
      this.width = width;
    }
    // Buckets from the one holding the first changed index are scanned again from their start;
    // the last bucket of the previous call, if not full, goes on from where it stopped.
    let from = this.length;
    if (changedFrom < this.length) {
      const bucket = Math.floor(Math.max(0, changedFrom) / width);
      from = bucket * width;
      for (const extremes of this.columns) extremes.truncate(bucket);
    }
    columns.forEach((column, c) => {
      for (let start = from; start < n; ) {
        const b = Math.floor(start / width);
        const end = Math.min(n, (b + 1) * width);
        this.columns[c].scan(column, b, start, end);
        start = end;
      }
    });
    this.length = n;
    return this.drawn(x);
  }

  /** Each bucket as one point (one index) or two (its first and last x, holding min and max in the order they occur). */
  private drawn(x: ArrayLike<number>): Downsampled {
    const n = this.length;
    const width = this.width;
    const buckets = Math.ceil(n / width);
    const outX: number[] = [];
    for (let b = 0; b < buckets; b++) {
      const start = b * width;
      const end = Math.min(n, start + width);
      outX.push(x[start]);
      if (end - start > 1) outX.push(x[end - 1]);
    }
    const series = this.columns.map((extremes) => {
      const out: (number | null)[] = [];
      for (let b = 0; b < buckets; b++) {
        const twoPoints = Math.min(n, (b + 1) * width) - b * width > 1;
        if (extremes.minAt[b] < 0) {
          out.push(null);
          if (twoPoints) out.push(null);
        } else if (!twoPoints) out.push(extremes.min[b]);
        else if (extremes.minAt[b] <= extremes.maxAt[b]) out.push(extremes.min[b], extremes.max[b]);
        else out.push(extremes.max[b], extremes.min[b]);
      }
      return out;
    });
    return { x: outX, series };
  }
}

/**
 * The columns downsampled from scratch: what a MinMaxDownsampler returns after any sequence of
 * updates that ends with these columns. With x.length ≤ maxPoints they come back whole, NaN as gaps.
 */
export function downsampleMinMax(x: ArrayLike<number>, columns: readonly SparseColumn[], maxPoints: number): Downsampled {
  return new MinMaxDownsampler(maxPoints).update(x, columns);
}
