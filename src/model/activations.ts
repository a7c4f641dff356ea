/**
 * The one table of activations and losses. The CPU reference calls these functions directly; the
 * WGSL shaders switch on the numeric `id` of each entry (shaders/common.wgsl holds the same ids),
 * so the two paths cannot disagree about which function a name means.
 */

export const HIDDEN_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear'] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

export const OUTPUT_ACTIVATIONS = ['sigmoid', 'softmax', 'linear'] as const;
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];

export const LOSSES = ['mse', 'cross_entropy'] as const;
export type LossName = (typeof LOSSES)[number];

/** Slope of leaky ReLU for z < 0 (Keras' LeakyReLU default is 0.3; TF's leaky_relu is 0.2; 0.01 is the common paper value). */
export const LEAKY_RELU_SLOPE = 0.01;

/** An element-wise activation: a = f(z) and its derivative. */
export interface ElementwiseActivation {
  /** Numeric id used by the shaders (shaders/common.wgsl). */
  readonly id: number;
  /** Name shown to users. */
  readonly label: string;
  /** a = f(z). */
  forward(z: number): number;
  /** da/dz, given both z and a = f(z) (each function uses whichever is exact and cheap). */
  derivative(z: number, a: number): number;
}

function sigmoid(z: number): number {
  // Two branches keep exp() from overflowing for large |z|.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Element-wise activations by name. Softmax is row-wise and lives in `softmaxRow`. */
export const ACTIVATIONS: Readonly<Record<HiddenActivation, ElementwiseActivation>> = {
  linear: { id: 0, label: 'Linear', forward: (z) => z, derivative: () => 1 },
  sigmoid: { id: 1, label: 'Sigmoid', forward: sigmoid, derivative: (_z, a) => a * (1 - a) },
  tanh: { id: 2, label: 'Tanh', forward: Math.tanh, derivative: (_z, a) => 1 - a * a },
  relu: { id: 3, label: 'ReLU', forward: (z) => (z > 0 ? z : 0), derivative: (z) => (z > 0 ? 1 : 0) },
  leaky_relu: {
    id: 4,
    label: 'Leaky ReLU',
    forward: (z) => (z > 0 ? z : LEAKY_RELU_SLOPE * z),
    derivative: (z) => (z > 0 ? 1 : LEAKY_RELU_SLOPE),
  },
};

/** Numeric ids of the output activations, as the shaders see them. */
export const OUTPUT_ACTIVATION_IDS: Readonly<Record<OutputActivation, number>> = {
  linear: 0,
  sigmoid: 1,
  softmax: 5,
};

/** Numeric ids of the losses, as the shaders see them. */
export const LOSS_IDS: Readonly<Record<LossName, number>> = { mse: 0, cross_entropy: 1 };

export const OUTPUT_LABELS: Readonly<Record<OutputActivation, string>> = {
  sigmoid: 'Sigmoid',
  softmax: 'Softmax',
  linear: 'Linear',
};

export const LOSS_LABELS: Readonly<Record<LossName, string>> = { mse: 'MSE', cross_entropy: 'Cross-entropy' };

/** Applies the output activation to one row of logits z, writing into o. */
export function outputActivationRow(kind: OutputActivation, z: ArrayLike<number>, o: { [i: number]: number; length: number }): void {
  if (kind === 'softmax') {
    softmaxRow(z, o);
    return;
  }
  const f = ACTIVATIONS[kind].forward;
  for (let k = 0; k < z.length; k++) o[k] = f(z[k]);
}

/** Numerically stable softmax of one row (the maximum is subtracted before exp). */
export function softmaxRow(z: ArrayLike<number>, o: { [i: number]: number; length: number }): void {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) max = Math.max(max, z[k]);
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    o[k] = Math.exp(z[k] - max);
    sum += o[k];
  }
  for (let k = 0; k < z.length; k++) o[k] /= sum;
}

/** log(1 + exp(x)) = max(x, 0) + log(1 + exp(−|x|)), which never overflows. */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Sum over one row of the unnormalised loss, computed from the logits z where that is the stable
 * form (DESIGN.md, "Numerical conventions"):
 * - mse: Σ_k (o_k − t_k)²
 * - cross_entropy, sigmoid: Σ_k max(z,0) − z·t + log(1 + exp(−|z|))
 * - cross_entropy, softmax: logsumexp(z) − Σ_k t_k·z_k
 * Divide by `lossDenominator` for the mean the user sees.
 */
export function rowLoss(
  loss: LossName,
  output: OutputActivation,
  z: ArrayLike<number>,
  o: ArrayLike<number>,
  t: ArrayLike<number>,
): number {
  let sum = 0;
  if (loss === 'mse') {
    for (let k = 0; k < o.length; k++) sum += (o[k] - t[k]) ** 2;
    return sum;
  }
  if (output === 'softmax') {
    let max = -Infinity;
    for (let k = 0; k < z.length; k++) max = Math.max(max, z[k]);
    let expSum = 0;
    for (let k = 0; k < z.length; k++) expSum += Math.exp(z[k] - max);
    const logSumExp = max + Math.log(expSum);
    for (let k = 0; k < z.length; k++) sum += t[k] * z[k];
    // Targets that sum to 1 make this logsumexp(z) − Σ t·z.
    let tSum = 0;
    for (let k = 0; k < t.length; k++) tSum += t[k];
    return tSum * logSumExp - sum;
  }
  if (output === 'sigmoid') {
    for (let k = 0; k < z.length; k++) sum += softplus(z[k]) - z[k] * t[k];
    return sum;
  }
  // Cross-entropy on a linear output is rejected by validation; reaching here is a programming error.
  throw new Error(`cross-entropy is not defined for a ${output} output`);
}

/**
 * What the summed row losses are divided by: B·K for MSE and for sigmoid cross-entropy (a mean over
 * every output element), B for softmax cross-entropy (a mean over samples), as Keras does.
 */
export function lossDenominator(loss: LossName, output: OutputActivation, batch: number, outputs: number): number {
  return loss === 'cross_entropy' && output === 'softmax' ? batch : batch * outputs;
}

/**
 * ∂L/∂z for one row of the output layer, L being the mean loss over the batch (DESIGN.md):
 * - sigmoid + MSE: 2(o − t)·o(1 − o) / (B·K)
 * - sigmoid + CE: (o − t) / (B·K)
 * - softmax + MSE: o ⊙ (g − Σ_k g_k·o_k), g = 2(o − t) / (B·K)
 * - softmax + CE: (o − t) / B
 * - linear + MSE: 2(o − t) / (B·K)
 */
export function rowOutputDelta(
  loss: LossName,
  output: OutputActivation,
  o: ArrayLike<number>,
  t: ArrayLike<number>,
  batch: number,
  delta: { [i: number]: number; length: number },
): void {
  const K = o.length;
  const denom = lossDenominator(loss, output, batch, K);
  if (loss === 'cross_entropy') {
    if (output === 'linear') throw new Error('cross-entropy is not defined for a linear output');
    for (let k = 0; k < K; k++) delta[k] = (o[k] - t[k]) / denom;
    return;
  }
  if (output === 'softmax') {
    let dot = 0;
    for (let k = 0; k < K; k++) dot += ((2 * (o[k] - t[k])) / denom) * o[k];
    for (let k = 0; k < K; k++) delta[k] = o[k] * ((2 * (o[k] - t[k])) / denom - dot);
    return;
  }
  const saturation = output === 'sigmoid' ? (k: number) => o[k] * (1 - o[k]) : () => 1;
  for (let k = 0; k < K; k++) delta[k] = ((2 * (o[k] - t[k])) / denom) * saturation(k);
}

/**
 * Whether an output counts as saturated: for sigmoid, o(1 − o) < 0.01 per element (|z| > ~4.6);
 * for softmax, a row whose largest probability exceeds 0.99. Linear outputs never saturate.
 */
export const SIGMOID_SATURATION = 0.01;
export const SOFTMAX_SATURATION = 0.99;
