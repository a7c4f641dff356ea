/**
 * The bounded history store behind the curves (src/ui/min-max-pyramid.ts): every bucket it hands
 * out, at any level and over any range, must hold exactly the minimum, maximum, mean and count of a
 * brute-force scan of the rows it covers, in a long random series with spikes, gaps and infinities;
 * a read must visit a number of buckets set by the range and the level, not by the rows behind
 * them; truncation must forget exactly what it says; and memory must stay within the stated budget.
 */
import { describe, expect, test } from 'vitest';
import { createRng, type Rng } from '../../src/model/rng';
import { BucketStats, MinMaxPyramid, pyramidBudgetBytes, type PyramidBudget } from '../../src/ui/min-max-pyramid';
import { HISTORY_BUDGET, MetricsHistory } from '../../src/ui/metrics-history';

/**
 * Values as metrics come: mostly a smooth decay, with spikes, negatives, NaN (no value), infinities
 * and repeats. Every finite value is a multiple of 2⁻¹⁰ below 2²⁰ in size, so any sum of a million of
 * them is exact in float64 and the means compare exactly, whatever order the pyramid adds them in.
 */
function wildValue(rng: Rng, i: number): number {
  const roll = rng.next();
  if (roll < 0.03) return Number.NaN;
  if (roll < 0.04) return rng.next() < 0.5 ? Infinity : -Infinity;
  if (roll < 0.1) return Math.round((rng.next() - 0.5) * 2 ** 30) / 1024;
  if (roll < 0.2) return 0.5;
  return Math.round((1000 * Math.exp(-i / 200_000) + 10 * rng.normal()) * 1024) / 1024;
}

/** What a scan of rows [start, end) of `column` finds: what a bucket must hold. */
function scan(column: Float64Array, start: number, end: number): { count: number; min: number; max: number; mean: number; minFirst: boolean } {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let minAt = -1;
  let maxAt = -1;
  for (let i = start; i < end; i++) {
    const v = column[i];
    if (Number.isNaN(v)) continue;
    if (count === 0 || v < min) [min, minAt] = [v, i];
    if (count === 0 || v > max) [max, maxAt] = [v, i];
    sum += v;
    count++;
  }
  return { count, min, max, mean: count > 0 ? sum / count : Number.NaN, minFirst: minAt <= maxAt };
}

/** The bucket as the pyramid holds it, in the shape `scan` returns. */
function held(bucket: BucketStats, c: number): ReturnType<typeof scan> {
  return { count: bucket.count(c), min: bucket.min(c), max: bucket.max(c), mean: bucket.mean(c), minFirst: bucket.minFirst(c) };
}

/** Reads [from, to) at `level` and checks every bucket and the cover against the columns; returns the buckets visited. */
function checkRead(pyramid: MinMaxPyramid, columns: Float64Array[], from: number, to: number, level: number, label: string): number {
  let visited = 0;
  let previousEnd = -1;
  let previousLevel = Infinity;
  pyramid.read(from, to, level, (start, end, k, bucket) => {
    visited++;
    expect(k, `${label}: level of the bucket at ${start}`).toBeGreaterThanOrEqual(level);
    expect(k, `${label}: the finest level holding row ${start}`).toBe(pyramid.finestHolding(start, level));
    expect(k, `${label}: levels get finer towards the newest rows`).toBeLessThanOrEqual(previousLevel);
    expect(start % 2 ** k, `${label}: bucket start aligned`).toBe(0);
    expect(end, `${label}: bucket end`).toBe(Math.min(pyramid.length, start + 2 ** k));
    if (previousEnd >= 0) expect(start, `${label}: buckets follow each other`).toBe(previousEnd);
    else expect(start, `${label}: the first bucket holds row ${from}`).toBeLessThanOrEqual(from);
    for (let c = 0; c < columns.length; c++) expect(held(bucket, c), `${label}: column ${c}, rows ${start}–${end - 1} at level ${k}`).toEqual(scan(columns[c], start, end));
    previousEnd = end;
    previousLevel = k;
  });
  if (to > from && from < pyramid.length) expect(previousEnd, `${label}: the last bucket reaches ${Math.min(to, pyramid.length)}`).toBeGreaterThanOrEqual(Math.min(to, pyramid.length));
  return visited;
}

describe('MinMaxPyramid', () => {
  test('min, max and mean of every bucket of any range, at any level, equal a brute-force scan of a million-row series', () => {
    const rng = createRng(41);
    const rows = 1_000_000;
    // A small budget, so that most rows are long gone from the fine levels and reads mix levels.
    const budget: PyramidBudget = { fullRows: 5_000, bucketsPerLevel: 64 };
    const columns = [new Float64Array(rows), new Float64Array(rows), new Float64Array(rows)];
    const pyramid = new MinMaxPyramid(columns.length, budget);
    const row = new Float64Array(columns.length);
    for (let i = 0; i < rows; i++) {
      for (let c = 0; c < columns.length; c++) row[c] = columns[c][i] = wildValue(rng, i);
      pyramid.push(row);
    }
    expect(pyramid.length).toBe(rows);
    let coarserThanAsked = 0;
    for (let trial = 0; trial < 60; trial++) {
      const from = rng.int(rows);
      const to = from + 1 + rng.int(rows - from);
      const level = rng.int(pyramid.levelCount + 1);
      const label = `rows ${from}–${to - 1} at level ${level}`;
      const visited = checkRead(pyramid, columns, from, to, level, label);
      // Work bounded by the buckets drawn: one per 2^level rows, plus one per level where older rows are coarser.
      expect(visited, label).toBeLessThanOrEqual(Math.ceil((to - from) / 2 ** level) + 1 + pyramid.levelCount);
      if (pyramid.finestHolding(from, level) > level) coarserThanAsked++;
    }
    // The newest rows at full resolution, whole buckets over the newest part of each level.
    checkRead(pyramid, columns, rows - 3_000, rows, 0, 'the newest rows');
    checkRead(pyramid, columns, rows - 64 * 8, rows, 3, 'the newest buckets of level 3');
    checkRead(pyramid, columns, 0, rows, pyramid.levelCount, 'the top level');
    // The walk did what it is for: some reads fell back to coarser levels for old rows.
    expect(coarserThanAsked).toBeGreaterThan(10);
  });

  test('a read of any range at the level that fits 1,000 pixels visits at most about 1,000 buckets, whatever the rows behind them', () => {
    const pyramid = new MinMaxPyramid(1, HISTORY_BUDGET);
    const rng = createRng(3);
    for (let i = 0; i < 3_000_000; i++) pyramid.push([rng.next()]);
    const pixels = 1000;
    for (const [from, to] of [
      [0, 3_000_000],
      [2_990_000, 3_000_000],
      [1_000_000, 2_000_000],
      [123_456, 123_999],
      [0, 10],
    ]) {
      const level = Math.max(0, Math.ceil(Math.log2((to - from) / pixels)));
      let visited = 0;
      pyramid.read(from, to, level, () => visited++);
      expect(visited, `rows ${from}–${to}`).toBeLessThanOrEqual(pixels + 1 + pyramid.levelCount);
      // Where the level asked for still holds the rows, the drawing has the resolution asked for;
      // older rows come coarser (rows 123,456–123,999 of 3,000,000 are one bucket by now).
      if (pyramid.finestHolding(from, level) === level) expect(visited, `rows ${from}–${to}`).toBeGreaterThan(Math.min(to - from, pixels) / 4);
      else expect(visited, `rows ${from}–${to}`).toBeLessThanOrEqual(2);
    }
  });

  test('truncate forgets exactly the rows it says when they are held whole, else back to a bucket start, and the pyramid goes on', () => {
    const rng = createRng(12);
    const budget: PyramidBudget = { fullRows: 300, bucketsPerLevel: 16 };
    const columns = [[] as number[], [] as number[]];
    const pyramid = new MinMaxPyramid(2, budget);
    // Rows held whole rebuild every level exactly, except within 2^(m+1) rows of the oldest one,
    // where m is the first level whose buckets reach back past the rows held whole.
    let m = 1;
    while ((budget.bucketsPerLevel - 3) * 2 ** m < budget.fullRows) m++;
    const margin = 2 ** (m + 1);
    let exact = 0;
    let rounded = 0;
    for (let round = 0; round < 300; round++) {
      const add = rng.next() < 0.2 ? rng.int(20_000) : rng.int(400);
      for (let k = 0; k < add; k++) {
        const i = columns[0].length;
        const row = columns.map(() => wildValue(rng, i));
        row.forEach((v, c) => columns[c].push(v));
        pyramid.push(row);
      }
      if (rng.next() < 0.5 && pyramid.length > 0) {
        // Mostly a step back into the rows held whole, as a restored snapshot is; sometimes far back.
        const back = rng.next() < 0.7 ? rng.int(Math.min(pyramid.length, 350)) : rng.int(pyramid.length + 1);
        const wanted = pyramid.length - back;
        const heldWhole = wanted === 0 || wanted - margin >= pyramid.firstFullRow;
        // Before truncating: the finest level holding each row near `wanted`.
        const near = Math.max(0, wanted - 2 ** 16);
        const finestBefore = Array.from({ length: wanted - near }, (_, i) => pyramid.finestHolding(near + i, 0));
        const kept = pyramid.truncate(wanted);
        expect(kept, `truncate to ${wanted}`).toBeLessThanOrEqual(wanted);
        if (heldWhole) {
          expect(kept, `rows up to ${wanted} were held whole`).toBe(wanted);
          exact++;
        } else if (kept < wanted) {
          // Back to the start of a bucket that held the first row forgotten together with later ones.
          expect(kept % 2 ** finestBefore[kept - near], `truncate to ${wanted}`).toBe(0);
          expect(wanted - kept, `truncate to ${wanted}`).toBeLessThan(2 ** finestBefore[kept - near]);
          rounded++;
        }
        for (const column of columns) column.length = kept;
        expect(pyramid.length).toBe(kept);
      }
      const arrays = columns.map((column) => Float64Array.from(column));
      const n = pyramid.length;
      if (n === 0) continue;
      const from = rng.int(n);
      checkRead(pyramid, arrays, from, n, rng.int(pyramid.levelCount + 1), `round ${round}`);
      checkRead(pyramid, arrays, Math.max(0, n - 40), n, 0, `round ${round}, newest rows`);
    }
    expect(exact).toBeGreaterThan(30);
    expect(rounded).toBeGreaterThan(3);
  });

  test('memory stays within the stated budget for 10⁷ rows of the default network, far below keeping every row', () => {
    const history = new MetricsHistory(3);
    const columns = history.layout.columns;
    const pyramid = new MinMaxPyramid(columns, HISTORY_BUDGET);
    const row = new Float64Array(columns);
    const checkpoints = [10_000, 1_000_000, 10_000_000];
    const reached: number[] = [];
    for (let i = 0; i < 10_000_000; i++) {
      row.fill(Math.sin(i / 1000));
      pyramid.push(row);
      if (checkpoints.includes(i + 1)) {
        expect(pyramid.bytes, `${i + 1} rows`).toBeLessThanOrEqual(pyramidBudgetBytes(columns, i + 1, HISTORY_BUDGET));
        reached.push(pyramid.bytes);
      }
    }
    expect(reached).toHaveLength(3);
    // The bound itself: logarithmic in the rows (a level per doubling), a few megabytes where
    // every row as float64 would be 800 MB.
    expect(pyramidBudgetBytes(columns, 10_000_000, HISTORY_BUDGET)).toBeLessThan(16 * 2 ** 20);
    expect(pyramidBudgetBytes(columns, 10_000_000, HISTORY_BUDGET) - pyramidBudgetBytes(columns, 5_000_000, HISTORY_BUDGET)).toBeLessThanOrEqual(columns * HISTORY_BUDGET.bucketsPerLevel * 33);
    expect(reached[2]).toBeLessThan((10_000_000 * columns * 8) / 50);
  });
});
