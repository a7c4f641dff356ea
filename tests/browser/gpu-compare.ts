/**
 * Comparing a GPU tensor with its CPU reference under the bounds of src/train/tensor-bounds.ts: a failure names
 * the tensor, the worst index and both values; the largest relative error per kind is recorded so
 * the suite can print it.
 */
import { expect } from 'vitest';
import { compareTensors, type ToleranceKind } from '../../src/train/tensor-bounds';

/** Largest relative error seen per kind: |gpu − cpu| / max(|cpu|, 1e-3·max|cpu|), so near-zero entries do not dominate. */
export const largestRelativeError = new Map<ToleranceKind, { error: number; where: string }>();
/** Number of tensors compared per kind. */
export const comparisons = new Map<ToleranceKind, number>();
/** Largest |gpu − cpu| / bound seen per kind: how much of its bound each kind used (1 would fail). */
export const largestBoundFraction = new Map<ToleranceKind, number>();

/** Asserts gpu ≈ cpu element-wise under the kind's bound (src/train/tensor-bounds.ts); the message names `what`, the worst index and both values. */
export function expectClose(kind: ToleranceKind, what: string, gpu: ArrayLike<number>, cpu: ArrayLike<number>): void {
  expect(gpu.length, `${what}: GPU has ${gpu.length} values, CPU ${cpu.length}`).toBe(cpu.length);
  const result = compareTensors(kind, what, gpu, cpu);
  comparisons.set(kind, (comparisons.get(kind) ?? 0) + 1);
  if (!(result.boundFraction <= (largestBoundFraction.get(kind) ?? -Infinity))) largestBoundFraction.set(kind, result.boundFraction);
  const seen = largestRelativeError.get(kind);
  if (!seen || !(result.largestRelativeError <= seen.error)) largestRelativeError.set(kind, { error: result.largestRelativeError, where: what });
  if (!result.passed) expect.fail(result.message);
}

/** One line per kind: the largest relative error, where it was seen, and the largest fraction of the bound used. */
export function formatErrorReport(): string {
  return [...largestRelativeError.entries()]
    .map(
      ([kind, { error, where }]) =>
        `  ${kind.padEnd(16)} ${error.toExponential(2)}  (${comparisons.get(kind)} tensors; worst: ${where}; ` +
        `largest fraction of the bound used: ${(largestBoundFraction.get(kind) ?? 0).toFixed(3)})`,
    )
    .join('\n');
}
