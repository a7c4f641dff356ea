/**
 * Comparing a GPU tensor with its CPU reference under the bounds of tolerances.ts: a failure names
 * the tensor, the worst index and both values; the largest relative error per kind is recorded so
 * the suite can print it.
 */
import { expect } from 'vitest';
import { TOLERANCES, type ToleranceKind } from './tolerances';

/** Largest relative error seen per kind: |gpu − cpu| / max(|cpu|, 1e-3·max|cpu|), so near-zero entries do not dominate. */
export const largestRelativeError = new Map<ToleranceKind, { error: number; where: string }>();
/** Number of tensors compared per kind. */
export const comparisons = new Map<ToleranceKind, number>();
/** Largest |gpu − cpu| / bound seen per kind: how much of its bound each kind used (1 would fail). */
export const largestBoundFraction = new Map<ToleranceKind, number>();

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/** Asserts gpu ≈ cpu element-wise under TOLERANCES[kind]; the message names `what`, the worst index and both values. */
export function expectClose(kind: ToleranceKind, what: string, gpu: ArrayLike<number>, cpu: ArrayLike<number>): void {
  expect(gpu.length, `${what}: GPU has ${gpu.length} values, CPU ${cpu.length}`).toBe(cpu.length);
  const { rtol, scaledAtol } = TOLERANCES[kind];
  const scale = maxAbs(cpu);
  let worstIndex = -1;
  let worstExcess = -Infinity;
  let worstRelative = 0;
  for (let i = 0; i < cpu.length; i++) {
    const difference = Math.abs(gpu[i] - cpu[i]);
    const bound = rtol * Math.abs(cpu[i]) + scaledAtol * scale;
    // NaN differences (a NaN on either side) count as failures.
    const excess = Number.isNaN(difference) ? Infinity : difference / (bound || Number.MIN_VALUE);
    if (excess > worstExcess) {
      worstExcess = excess;
      worstIndex = i;
    }
    const relative = difference / Math.max(Math.abs(cpu[i]), 1e-3 * scale, Number.MIN_VALUE);
    if (!(relative <= worstRelative)) worstRelative = relative;
  }
  comparisons.set(kind, (comparisons.get(kind) ?? 0) + 1);
  if (!(worstExcess <= (largestBoundFraction.get(kind) ?? -Infinity))) largestBoundFraction.set(kind, worstExcess);
  const seen = largestRelativeError.get(kind);
  if (!seen || !(worstRelative <= seen.error)) largestRelativeError.set(kind, { error: worstRelative, where: what });
  if (worstIndex >= 0 && !(worstExcess <= 1)) {
    const g = gpu[worstIndex];
    const c = cpu[worstIndex];
    expect.fail(
      `${what}[${worstIndex}]: GPU ${g} vs CPU ${c}, |difference| ${Math.abs(g - c)} exceeds ${kind} bound ` +
        `${rtol}·|cpu| + ${scaledAtol}·${scale} = ${rtol * Math.abs(c) + scaledAtol * scale}`,
    );
  }
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
