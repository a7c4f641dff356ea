/**
 * A growing table of rows (one number per column per row) kept in bounded memory: the newest rows
 * whole, and every row summarised in a min/max pyramid. Level k of the pyramid cuts the rows into
 * buckets of 2^k consecutive rows (bucket j holds rows j·2^k … (j+1)·2^k − 1) and keeps, per bucket
 * and column, the minimum, the maximum, the sum and the count of the values that are not NaN, and
 * whether the minimum occurs before the maximum (so a drawn bucket can keep their order). Each level
 * keeps only its newest `bucketsPerLevel` buckets; a level whose buckets all fit keeps them all, so
 * the coarse levels always cover the whole history and the fine ones its recent part.
 *
 * Budget, for C columns, R = fullRows and B = bucketsPerLevel, after n rows: R·C·8 bytes for the
 * full-resolution rows, and at most B·C·33 bytes per level for ⌈log2 n⌉ levels, of which only the
 * ⌈log2(n / B)⌉ + 1 finest can be full (the coarser ones hold B/2, B/4, … buckets). So memory grows
 * with the logarithm of the run, one level per doubling; pyramidBudgetBytes states the bound.
 *
 * Reading any range of rows at level k visits one bucket per 2^k rows (coarser where level k no
 * longer holds the oldest ones), so drawing costs work proportional to the buckets drawn, not to the
 * rows behind them. Pushing a row costs two bucket folds on average: a bucket is folded into its
 * parent once, when it is complete.
 */

/** What a pyramid keeps. */
export interface PyramidBudget {
  /** Newest rows kept whole (level 0). */
  fullRows: number;
  /** Newest buckets kept at each level above 0. */
  bucketsPerLevel: number;
}

/** Per bucket and column, in this order: min, max, sum and count of the values that are not NaN. */
const FIELDS = 4;
const MIN = 0;
const MAX = 1;
const SUM = 2;
const COUNT = 3;
/** Bytes per bucket and column: the four float64 fields and the min-before-max flag. */
const BUCKET_BYTES = FIELDS * 8 + 1;
/** Slots a growable ring starts with. */
const INITIAL_SLOTS = 64;

/** Bytes a pyramid of `columns` columns holds at most after `rows` rows: the bound the file comment states. */
export function pyramidBudgetBytes(columns: number, rows: number, budget: PyramidBudget): number {
  let bytes = ringSlots(rows, budget.fullRows) * columns * 8;
  // Level k is made when the first bucket of level k − 1 is complete, at row 2^(k−1).
  for (let k = 1; 2 ** (k - 1) <= rows; k++) bytes += ringSlots(Math.ceil(rows / 2 ** k), budget.bucketsPerLevel) * columns * BUCKET_BYTES;
  return bytes;
}

/** Slots a ring grows to for `entries` entries: doubling from INITIAL_SLOTS, never beyond `limit`. */
function ringSlots(entries: number, limit: number): number {
  let slots = Math.min(INITIAL_SLOTS, limit);
  while (slots < entries && slots < limit) slots = Math.min(limit, slots * 2);
  return slots;
}

/** One level above 0: a ring of bucket summaries. */
class BucketLevel {
  /** Per slot and column the FIELDS numbers. */
  stats: Float64Array;
  /** Per slot and column: 1 when the minimum occurs at or before the maximum. */
  minFirst: Uint8Array;
  /** Oldest bucket still held. */
  oldest = 0;
  /**
   * Buckets whose slot has been started. Level 1 starts a bucket with its first row and folds each
   * row in as it comes; a higher level starts one when its first half (a bucket of the level below)
   * is complete and folds in each half when it completes, so its newest bucket may not be started yet.
   */
  started = 0;

  constructor(
    readonly columns: number,
    limit: number,
  ) {
    const slots = Math.min(INITIAL_SLOTS, limit);
    this.stats = new Float64Array(slots * columns * FIELDS);
    this.minFirst = new Uint8Array(slots * columns);
  }

  get slots(): number {
    return this.minFirst.length / this.columns;
  }

  /** Offset of bucket j's first column in `stats` (and, divided by FIELDS, in `minFirst`). */
  offset(j: number): number {
    return (j % this.slots) * this.columns * FIELDS;
  }

  /** Starts bucket j empty, growing the ring up to `limit` slots, else dropping the oldest bucket. */
  start(j: number, limit: number): void {
    if (j + 1 - this.oldest > this.slots) {
      if (this.slots < limit) this.grow(Math.min(limit, this.slots * 2));
      else this.oldest = j + 1 - this.slots;
    }
    this.started = j + 1;
    clearBucket(this.stats, this.minFirst, this.offset(j), this.columns);
  }

  /** An independent copy of this level. */
  clone(): BucketLevel {
    const copy = new BucketLevel(this.columns, 1);
    copy.stats = this.stats.slice();
    copy.minFirst = this.minFirst.slice();
    copy.oldest = this.oldest;
    copy.started = this.started;
    return copy;
  }

  private grow(slots: number): void {
    const stats = new Float64Array(slots * this.columns * FIELDS);
    const minFirst = new Uint8Array(slots * this.columns);
    const width = this.columns * FIELDS;
    for (let j = this.oldest; j < this.started; j++) {
      const from = this.offset(j);
      const to = (j % slots) * width;
      stats.set(this.stats.subarray(from, from + width), to);
      minFirst.set(this.minFirst.subarray(from / FIELDS, (from + width) / FIELDS), to / FIELDS);
    }
    this.stats = stats;
    this.minFirst = minFirst;
  }
}

/** Sets `columns` summaries from `offset` on to empty. */
function clearBucket(stats: Float64Array, minFirst: Uint8Array, offset: number, columns: number): void {
  for (let c = 0; c < columns; c++) {
    const at = offset + c * FIELDS;
    stats[at + MIN] = Infinity;
    stats[at + MAX] = -Infinity;
    stats[at + SUM] = 0;
    stats[at + COUNT] = 0;
    minFirst[at / FIELDS] = 1;
  }
}

/** Folds one value, later than every value already in the summary at `at`, into it. NaN is not a value. */
function foldValue(stats: Float64Array, minFirst: Uint8Array, at: number, value: number): void {
  if (Number.isNaN(value)) return;
  if (stats[at + COUNT] === 0) {
    stats[at + MIN] = value;
    stats[at + MAX] = value;
    minFirst[at / FIELDS] = 1;
  } else if (value < stats[at + MIN]) {
    stats[at + MIN] = value;
    minFirst[at / FIELDS] = 0;
  } else if (value > stats[at + MAX]) {
    stats[at + MAX] = value;
    minFirst[at / FIELDS] = 1;
  }
  stats[at + SUM] += value;
  stats[at + COUNT]++;
}

/**
 * Folds the summary at `from` into the one at `to`, whose values all come earlier. An extreme that
 * ties keeps the earlier occurrence, as a scan of the values in order would.
 */
function foldSummary(source: Float64Array, sourceFirst: Uint8Array, from: number, target: Float64Array, targetFirst: Uint8Array, to: number): void {
  if (source[from + COUNT] === 0) return;
  if (target[to + COUNT] === 0) {
    target[to + MIN] = source[from + MIN];
    target[to + MAX] = source[from + MAX];
    targetFirst[to / FIELDS] = sourceFirst[from / FIELDS];
  } else {
    const minFromLater = source[from + MIN] < target[to + MIN];
    const maxFromLater = source[from + MAX] > target[to + MAX];
    if (minFromLater) target[to + MIN] = source[from + MIN];
    if (maxFromLater) target[to + MAX] = source[from + MAX];
    // Both extremes from one side keep that side's order; one from each puts the earlier side's first.
    if (minFromLater && maxFromLater) targetFirst[to / FIELDS] = sourceFirst[from / FIELDS];
    else if (minFromLater) targetFirst[to / FIELDS] = 0;
    else if (maxFromLater) targetFirst[to / FIELDS] = 1;
  }
  target[to + SUM] += source[from + SUM];
  target[to + COUNT] += source[from + COUNT];
}

/** One bucket as a read hands it over: valid only during the visit. */
export class BucketStats {
  /** Per column: min, max, sum and count of its values that are not NaN. */
  readonly stats: Float64Array;
  /** Per column: 1 when the minimum occurs at or before the maximum. */
  readonly order: Uint8Array;

  constructor(
    /** Numbers per row. */
    readonly columns: number,
  ) {
    this.stats = new Float64Array(columns * FIELDS);
    this.order = new Uint8Array(columns);
  }

  /** Values of column c in the bucket that are not NaN. */
  count(c: number): number {
    return this.stats[c * FIELDS + COUNT];
  }

  /** Smallest value of column c (Infinity when count is 0). */
  min(c: number): number {
    return this.stats[c * FIELDS + MIN];
  }

  /** Largest value of column c (−Infinity when count is 0). */
  max(c: number): number {
    return this.stats[c * FIELDS + MAX];
  }

  /** Mean of the values of column c that are not NaN (NaN when there are none). */
  mean(c: number): number {
    const count = this.count(c);
    return count > 0 ? this.stats[c * FIELDS + SUM] / count : Number.NaN;
  }

  /** Whether the first occurrence of column c's minimum is at or before that of its maximum. */
  minFirst(c: number): boolean {
    return this.order[c] === 1;
  }
}

/** Called for each bucket of a read, in row order: rows [start, end) at `level` (bucket width 2^level). */
export type BucketVisitor = (start: number, end: number, level: number, bucket: BucketStats) => void;

export class MinMaxPyramid {
  /** Full-resolution rows, row-major, in a ring of up to fullRows rows. */
  private rows: Float64Array;
  /** Oldest row still held whole. */
  private oldestRow = 0;
  /** Levels 1, 2, …; levels[k − 1] is level k. */
  private readonly levels: BucketLevel[] = [];
  private _length = 0;
  private readonly scratch: BucketStats;

  constructor(
    /** Numbers per row. */
    readonly columns: number,
    /** What is kept (see the file comment). */
    readonly budget: PyramidBudget,
  ) {
    if (!(Number.isInteger(budget.fullRows) && budget.fullRows >= 1 && Number.isInteger(budget.bucketsPerLevel) && budget.bucketsPerLevel >= 4)) {
      throw new RangeError(`A pyramid keeps at least 1 full row and 4 buckets per level, whole numbers; got ${budget.fullRows} and ${budget.bucketsPerLevel}.`);
    }
    this.rows = new Float64Array(Math.min(INITIAL_SLOTS, budget.fullRows) * columns);
    this.scratch = new BucketStats(columns);
  }

  /** Rows pushed (and not truncated). */
  get length(): number {
    return this._length;
  }

  /** The first row still held at full resolution. */
  get firstFullRow(): number {
    return this.oldestRow;
  }

  /** Levels above 0 so far: the coarsest has one bucket holding every row. */
  get levelCount(): number {
    return this.levels.length;
  }

  /** Bytes of every array the pyramid holds. */
  get bytes(): number {
    return this.rows.byteLength + this.levels.reduce((sum, level) => sum + level.stats.byteLength + level.minFirst.byteLength, 0);
  }

  /** An independent copy holding the same rows and buckets: both then grow apart (a forked run's two histories). */
  clone(): MinMaxPyramid {
    const copy = new MinMaxPyramid(this.columns, this.budget);
    copy.rows = this.rows.slice();
    copy.oldestRow = this.oldestRow;
    copy._length = this._length;
    copy.levels.push(...this.levels.map((level) => level.clone()));
    return copy;
  }

  /** Appends a row of `columns` numbers (NaN where a column has no value). */
  push(row: ArrayLike<number>): void {
    const n = this._length;
    this.storeRow(n, row);
    this._length = n + 1;
    // Level 1 takes each row as it comes; a complete bucket goes up into its parent.
    if (n % 2 === 0) this.startBucket(1, n / 2);
    this.foldRow(n);
    if (n % 2 === 1) this.completed(1, (n - 1) / 2);
  }

  /** The value of column c in row i, which must be held whole (row ≥ firstFullRow). */
  value(i: number, c: number): number {
    return this.rows[this.rowOffset(i) + c];
  }

  /**
   * Forgets every row from `length` on. Where the rows just before it are held only in buckets that
   * also hold later rows, it forgets back to the start of such a bucket instead: returns the length kept.
   */
  truncate(length: number): number {
    let kept = Math.max(0, Math.min(length, this._length));
    if (kept === this._length) return kept;
    // [0, kept) splits into one complete block of 2^b rows per set bit b of `kept`. Every level's
    // newest bucket is rebuilt from those blocks, so each must be held in buckets of level b or
    // finer (levels only get finer towards the newest rows, so its first row decides). Clearing
    // bit b and the bits below it keeps the higher bits' blocks, whose places only depend on those bits.
    for (let b = 0; 2 ** b <= kept; b++) {
      const block = Math.floor(kept / 2 ** b) - 1;
      if (block % 2 === 0 && this.finestHolding(block * 2 ** b, 0) > b) kept = block * 2 ** b;
    }
    this._length = kept;
    this.oldestRow = Math.min(this.oldestRow, kept);
    this.levels.forEach((level, index) => {
      const k = index + 1;
      const j = Math.floor(kept / 2 ** k);
      // Bucket j holds rows from `kept` on, or it is [j·2^k, kept): it starts again from its
      // complete first half, when it has one (the block of bit k − 1, read from the finer levels).
      level.started = j;
      level.oldest = Math.min(level.oldest, j);
      if (Math.floor(kept / 2 ** (k - 1)) % 2 === 0) return;
      this.startBucket(k, j);
      const into = level.offset(j);
      this.read(j * 2 ** k, j * 2 ** k + 2 ** (k - 1), 0, (_start, _end, _level, half) => {
        for (let c = 0; c < this.columns; c++) foldSummary(half.stats, half.order, c * FIELDS, level.stats, level.minFirst, into + c * FIELDS);
      });
    });
    return kept;
  }

  /**
   * Visits the buckets that cover rows [from, to), in order: at `level`, or where that level no
   * longer holds them, at the finest level that does. The first may start before `from` and the
   * last end after `to`. Level 0 visits single rows.
   */
  read(from: number, to: number, level: number, visit: BucketVisitor): void {
    const end = Math.min(to, this._length);
    for (let row = Math.max(0, from); row < end; ) {
      // Levels only get finer towards the newest rows, so `row` (the end of a coarser bucket) starts a bucket here too.
      const k = this.finestHolding(row, level);
      const width = 2 ** k;
      const j = Math.floor(row / width);
      const start = j * width;
      const stop = Math.min(this._length, start + width);
      this.fillScratch(k, j);
      visit(start, stop, k, this.scratch);
      row = stop;
    }
  }

  /** The finest level, `level` or coarser, that holds the bucket containing row i. */
  finestHolding(i: number, level: number): number {
    if (level === 0 && i >= this.oldestRow) return 0;
    for (let k = Math.max(1, level); k <= this.levels.length; k++) if (Math.floor(i / 2 ** k) >= this.levels[k - 1].oldest) return k;
    return this.levels.length;
  }

  private rowOffset(i: number): number {
    return (i % (this.rows.length / this.columns)) * this.columns;
  }

  private storeRow(i: number, row: ArrayLike<number>): void {
    const slots = this.rows.length / this.columns;
    if (i - this.oldestRow >= slots) {
      if (slots < this.budget.fullRows) {
        const bigger = new Float64Array(Math.min(this.budget.fullRows, slots * 2) * this.columns);
        for (let r = this.oldestRow; r < i; r++) bigger.set(this.rows.subarray(this.rowOffset(r), this.rowOffset(r) + this.columns), (r % (bigger.length / this.columns)) * this.columns);
        this.rows = bigger;
      } else this.oldestRow = i + 1 - slots;
    }
    const at = this.rowOffset(i);
    for (let c = 0; c < this.columns; c++) this.rows[at + c] = row[c];
  }

  private startBucket(k: number, j: number): void {
    if (k > this.levels.length) this.levels.push(new BucketLevel(this.columns, this.budget.bucketsPerLevel));
    this.levels[k - 1].start(j, this.budget.bucketsPerLevel);
  }

  /** Row i into its level-1 bucket. */
  private foldRow(i: number): void {
    const level = this.levels[0];
    const into = level.offset(Math.floor(i / 2));
    const at = this.rowOffset(i);
    for (let c = 0; c < this.columns; c++) foldValue(level.stats, level.minFirst, into + c * FIELDS, this.rows[at + c]);
  }

  /** Bucket `child` of level k − 1 into bucket j of level k. */
  private foldBucket(k: number, j: number, child: number): void {
    const source = this.levels[k - 2];
    const target = this.levels[k - 1];
    const from = source.offset(child);
    const to = target.offset(j);
    for (let c = 0; c < this.columns; c++) foldSummary(source.stats, source.minFirst, from + c * FIELDS, target.stats, target.minFirst, to + c * FIELDS);
  }

  /** Bucket j of level k is complete: it goes into its parent, which it starts or completes. */
  private completed(k: number, j: number): void {
    for (;;) {
      const parent = Math.floor(j / 2);
      if (j % 2 === 0) this.startBucket(k + 1, parent);
      this.foldBucket(k + 1, parent, j);
      if (j % 2 === 0) return;
      k++;
      j = parent;
    }
  }

  /**
   * Bucket j of level k into the scratch summary. A complete bucket is its slot. The newest bucket,
   * while incomplete, is its slot (the halves completed so far) followed by the newest bucket of
   * each level below that is itself incomplete and so not folded up yet; level 1 has every row.
   */
  private fillScratch(k: number, j: number): void {
    const { stats, order } = this.scratch;
    clearBucket(stats, order, 0, this.columns);
    if (k === 0) {
      const at = this.rowOffset(j);
      for (let c = 0; c < this.columns; c++) foldValue(stats, order, c * FIELDS, this.rows[at + c]);
      return;
    }
    this.foldSlot(k, j);
    if ((j + 1) * 2 ** k <= this._length) return;
    for (let l = k - 1; l >= 1 && this._length % 2 ** l !== 0; l--) this.foldSlot(l, Math.floor(this._length / 2 ** l));
  }

  /** The slot of bucket j of level k into the scratch summary, if that bucket has been started. */
  private foldSlot(k: number, j: number): void {
    const level = this.levels[k - 1];
    if (j >= level.started) return;
    const from = level.offset(j);
    for (let c = 0; c < this.columns; c++) foldSummary(level.stats, level.minFirst, from + c * FIELDS, this.scratch.stats, this.scratch.order, c * FIELDS);
  }
}
