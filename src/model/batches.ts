import { createRng, deriveSeed, permutation } from './rng';

/**
 * The order in which training samples are visited, shared by both trainers so a GPU run and a CPU
 * run see the same batches. Samples form an endless stream of seeded epoch permutations; step s
 * takes positions s·B … s·B + B − 1 of that stream, so every batch is full and no sample is
 * dropped (a batch may straddle two epochs). The order depends only on (n, B, seed), never on
 * the loss, so switching the loss keeps the batch order.
 */
export class BatchSchedule {
  private readonly permutations = new Map<number, Uint32Array>();

  constructor(
    /** Number of training samples. */
    readonly sampleCount: number,
    /** Samples per step. */
    readonly batchSize: number,
    /** Seed of the shuffling (derived from the network seed). */
    readonly seed: number,
  ) {
    if (!(sampleCount > 0)) throw new Error(`a batch schedule needs at least one sample, got ${sampleCount}`);
  }

  /** The permutation of epoch e (0-based). Only the two most recent epochs are kept. */
  epochOrder(epoch: number): Uint32Array {
    let order = this.permutations.get(epoch);
    if (!order) {
      order = permutation(this.sampleCount, createRng(deriveSeed(this.seed, `epoch ${epoch}`)));
      this.permutations.set(epoch, order);
      for (const key of this.permutations.keys()) if (key < epoch - 1) this.permutations.delete(key);
    }
    return order;
  }

  /** Writes the sample indices of step `step` into out[offset … offset + B − 1]. */
  indicesForStep(step: number, out: Uint32Array, offset = 0): void {
    const n = this.sampleCount;
    let position = step * this.batchSize;
    for (let i = 0; i < this.batchSize; i++, position++) {
      out[offset + i] = this.epochOrder(Math.floor(position / n))[position % n];
    }
  }

  /** Epoch that step `step` starts in (for display). */
  epochOfStep(step: number): number {
    return Math.floor((step * this.batchSize) / this.sampleCount);
  }
}

/** The shuffling seed for a network seed. */
export function shuffleSeed(networkSeed: number): number {
  return deriveSeed(networkSeed, 'batches');
}
