import type { Dataset } from '../model/dataset';
import { createRng, permutation } from '../model/rng';

/** Samples before the split: row-major features and encoded targets, in generation or file order. */
export interface DatasetRows {
  /** Short dataset name (becomes Dataset.name). */
  name: string;
  /** Features per sample. */
  inputSize: number;
  /** Target columns per sample. */
  outputSize: number;
  /** Number of samples. */
  count: number;
  /** Features, row-major [count, inputSize]. */
  x: Float32Array;
  /** Targets, row-major [count, outputSize]. */
  y: Float32Array;
}

/** Largest seed: the generators keep 32 bits of a seed (createRng, deriveSeed), so a larger one would repeat a smaller one. */
const MAX_SEED = 0xffffffff;

/**
 * What is wrong with a seed of a split or of generated points: nothing for an integer from 0 to
 * 2³² − 1, else one message naming it. Every data module checks its seed here.
 */
export function seedProblems(seed: number): string[] {
  if (!Number.isInteger(seed)) return [`seed must be an integer, got ${seed}; use one from 0 to ${MAX_SEED}`];
  if (seed < 0 || seed > MAX_SEED) {
    return [`seed must be from 0 to ${MAX_SEED} (2³² − 1), got ${seed}; a seed outside that range would give the same data as another seed`];
  }
  return [];
}

/**
 * Turns a test fraction into a sample count, refusing fractions that would leave no training sample.
 * The one rounding rule every dataset source uses, so "20 %" means the same number everywhere.
 */
export function testCountFor(count: number, testFraction: number): number {
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new RangeError(`test fraction must be in [0, 1), got ${testFraction}; use e.g. 0.2 for a 20 % test set`);
  }
  const testCount = Math.round(count * testFraction);
  if (testCount >= count) {
    throw new RangeError(
      `a test fraction of ${testFraction} takes all ${count} samples; lower it or add samples so training keeps at least one`,
    );
  }
  return testCount;
}

/**
 * Splits rows into a test and a training set by a seeded permutation: the first `testCount`
 * permuted samples are the test set, the rest (in permuted order) the training set. The same
 * rows, count and seed always give the same split.
 */
export function splitRows(rows: DatasetRows, testCount: number, seed: number): Dataset {
  const { count, inputSize, outputSize, x, y } = rows;
  if (!(Number.isInteger(testCount) && testCount >= 0 && testCount < count)) {
    throw new RangeError(`test count must be an integer in [0, ${count - 1}] for ${count} samples, got ${testCount}`);
  }
  const order = permutation(count, createRng(seed));
  const trainCount = count - testCount;
  const trainX = new Float32Array(trainCount * inputSize);
  const trainY = new Float32Array(trainCount * outputSize);
  const testX = new Float32Array(testCount * inputSize);
  const testY = new Float32Array(testCount * outputSize);
  for (let position = 0; position < count; position++) {
    const source = order[position];
    const inTest = position < testCount;
    const target = inTest ? position : position - testCount;
    (inTest ? testX : trainX).set(x.subarray(source * inputSize, (source + 1) * inputSize), target * inputSize);
    (inTest ? testY : trainY).set(y.subarray(source * outputSize, (source + 1) * outputSize), target * outputSize);
  }
  return { name: rows.name, inputSize, outputSize, trainX, trainY, trainCount, testX, testY, testCount };
}
