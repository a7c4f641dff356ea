/**
 * Reduces long columns to at most `maxPoints` x positions for drawing, keeping each bucket's
 * minimum and maximum (in the order they occur), so spikes stay visible however long the run.
 * The history itself is never thinned; only what is drawn is.
 */

/** A column to draw, read by index: a value, or null where the series has no value (a gap). */
export type SparseColumn = (index: number) => number | null;

export interface Downsampled {
  /** x values (steps). */
  x: number[];
  /** One array per input column, aligned with x. */
  series: (number | null)[][];
}

/**
 * Buckets of consecutive indices; each gives two points (at the bucket's first and last x) holding
 * the bucket's min and max per series, or one point when the bucket has one element.
 * With n ≤ maxPoints the columns are returned unchanged (as arrays).
 */
export function downsampleMinMax(x: ArrayLike<number>, columns: readonly SparseColumn[], maxPoints: number): Downsampled {
  const n = x.length;
  if (n <= maxPoints) {
    return {
      x: Array.from(x),
      series: columns.map((column) =>
        Array.from({ length: n }, (_, i) => {
          const v = column(i);
          return v === null || Number.isNaN(v) ? null : v;
        }),
      ),
    };
  }
  const bucket = Math.ceil(n / Math.max(1, Math.floor(maxPoints / 2)));
  const outX: number[] = [];
  const outSeries: (number | null)[][] = columns.map(() => []);
  for (let start = 0; start < n; start += bucket) {
    const end = Math.min(n, start + bucket);
    const twoPoints = end - start > 1;
    outX.push(x[start]);
    if (twoPoints) outX.push(x[end - 1]);
    columns.forEach((column, c) => {
      let min = Infinity;
      let max = -Infinity;
      let minAt = -1;
      let maxAt = -1;
      for (let i = start; i < end; i++) {
        const v = column(i);
        if (v === null || Number.isNaN(v)) continue;
        if (v < min) [min, minAt] = [v, i];
        if (v > max) [max, maxAt] = [v, i];
      }
      const out = outSeries[c];
      if (minAt < 0) {
        out.push(null);
        if (twoPoints) out.push(null);
      } else if (!twoPoints) out.push(min);
      else if (minAt <= maxAt) out.push(min, max);
      else out.push(max, min);
    });
  }
  return { x: outX, series: outSeries };
}
