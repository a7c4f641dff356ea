/**
 * The one table of GPU-vs-CPU bounds, used by the test suite and by the self-check a user runs on
 * their own adapter (self-check.ts, `npm run check`, the page's "Check this GPU"). The GPU computes in float32 (unit roundoff u = 2⁻²⁴ ≈ 6.0e-8),
 * the CPU in float64, which is exact by comparison. An element passes when
 *
 *     |gpu − cpu| ≤ rtol·|cpu| + scaledAtol·max_i |cpu_i|
 *
 * The scaled absolute term is there because every quantity here is a sum whose terms can cancel:
 * a float32 sum of K terms is off by up to about K·u·Σ|terms| (Higham, worst case), and Σ|terms|
 * is of the order of the largest entries of the tensor, not of the entry itself. Widths in the
 * tests go up to 785 and batches up to 100. These bounds are fixed from that reasoning; a failure
 * means a bug to find, not a bound to widen.
 */

/** One tensor kind's bound. */
export interface Tolerance {
  /** Relative part, on |cpu|. */
  rtol: number;
  /** Absolute part, as a fraction of the largest |cpu| of the tensor. */
  scaledAtol: number;
}

const U = 2 ** -24;

/** Gradients: see weightGradient below. */
const GRADIENT_BOUND: Tolerance = { rtol: 8 * 785 * U, scaledAtol: 8 * 785 * U };

export const TOLERANCES = {
  /**
   * Network outputs: each layer is a sum over ≤ 785 inputs (≤ 785·u ≈ 4.7e-5 relative to Σ|a·w|),
   * over up to three layers, then exp/tanh at a few ulp (WGSL: exp within 3 + 2|x| ulp). Outputs
   * are probabilities or O(1) values, so the errors stay below 4·785·u relative and absolute.
   */
  forward: { rtol: 4 * 785 * U, scaledAtol: 4 * 785 * U },
  /**
   * Mean losses: the logits carry the forward bound above; the batch sum adds (100/256 + 8 tree
   * levels)·u; log/exp add a few ulp. The logit error dominates: same bound as forward.
   */
  loss: { rtol: 4 * 785 * U, scaledAtol: 4 * 785 * U },
  /**
   * ∂L/∂W: a batch sum (≤ 100 terms) of products of activations (forward bound) and deltas, which
   * are themselves back-propagated sums over ≤ 785 outputs per layer. Two chained sums of ≤ 785
   * terms on top of the forward error: 8·785·u.
   */
  weightGradient: GRADIENT_BOUND,
  /** ∂L/∂b: the same batch sum with activations of 1, so the same bound. */
  biasGradient: GRADIENT_BOUND,
  /** Gradient norms, ‖∂L/∂z‖ of the output: a sum of squares of gradient entries, so the gradient bound. */
  gradientNorm: GRADIENT_BOUND,
  /**
   * Parameter change after up to 20 steps, p − p₀ (p₀ is identical on both paths, so comparing
   * the change rather than p keeps the bound on the scale of the updates, not of the weights).
   * The change is Σ updates; each update (lr·g, momentum's velocity, or Adam's α·m/(√v+ε), whose
   * ratio carries the relative error of g) has the gradient bound, so the relative part is the
   * gradient's; the updates may cancel, so the absolute part is 20 gradient bounds on the largest
   * change.
   */
  parameterChange: { rtol: 8 * 785 * U, scaledAtol: 20 * 8 * 785 * U },
} as const satisfies Record<string, Tolerance>;

export type ToleranceKind = keyof typeof TOLERANCES;

/** How a GPU tensor compares with its CPU reference under one kind's bound. */
export interface TensorComparison {
  /** Whether every element is within the bound (a NaN on either side is not). */
  passed: boolean;
  /** The element that used most of its bound, or -1 for an empty tensor. */
  worstIndex: number;
  /** |gpu − cpu| over the bound at the worst element: above 1 fails. */
  boundFraction: number;
  /** The largest |gpu − cpu| / max(|cpu|, 1e-3·max|cpu|), so near-zero entries do not dominate. */
  largestRelativeError: number;
  /** Why it failed, naming `what`, the index, both values and the bound; empty when it passed. */
  message: string;
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/** Compares `gpu` with `cpu` element by element under TOLERANCES[kind]; `what` names the tensor in the message. */
export function compareTensors(kind: ToleranceKind, what: string, gpu: ArrayLike<number>, cpu: ArrayLike<number>): TensorComparison {
  if (gpu.length !== cpu.length) {
    return { passed: false, worstIndex: -1, boundFraction: Infinity, largestRelativeError: Infinity, message: `${what}: GPU has ${gpu.length} values, CPU ${cpu.length}` };
  }
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
  const passed = worstIndex < 0 || worstExcess <= 1;
  const g = gpu[worstIndex];
  const c = cpu[worstIndex];
  const message = passed
    ? ''
    : `${what}[${worstIndex}]: GPU ${g} vs CPU ${c}, |difference| ${Math.abs(g - c)} exceeds ${kind} bound ` +
      `${rtol}·|cpu| + ${scaledAtol}·${scale} = ${rtol * Math.abs(c) + scaledAtol * scale}`;
  return { passed, worstIndex, boundFraction: worstIndex < 0 ? 0 : worstExcess, largestRelativeError: worstRelative, message };
}
