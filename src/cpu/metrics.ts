/**
 * The norms and the saturation figure of StepMetrics (src/train/session.ts), from float64 values:
 * the numbers the GPU path's metrics are checked against.
 */
import { SIGMOID_SATURATION, SOFTMAX_SATURATION, type OutputActivation } from '../model/activations';
import type { ParameterLayout } from '../model/layout';
import type { StepMetrics } from '../train/session';

/** Euclidean norm of values[from … to − 1]. */
export function euclideanNorm(values: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}

/** Frobenius norms of ∂L/∂W_l and ∂L/∂b_l per weight layer, and the global norm over all of them. */
export function gradientNorms(
  layout: ParameterLayout,
  gradient: ArrayLike<number>,
): Pick<StepMetrics, 'gradNormW' | 'gradNormB' | 'globalGradNorm'> {
  const gradNormW = layout.layers.map((layer) => euclideanNorm(gradient, layer.weightOffset, layer.biasOffset));
  const gradNormB = layout.layers.map((layer) => euclideanNorm(gradient, layer.biasOffset, layer.biasOffset + layer.fanOut));
  let squares = 0;
  for (let l = 0; l < layout.layers.length; l++) squares += gradNormW[l] ** 2 + gradNormB[l] ** 2;
  return { gradNormW, gradNormB, globalGradNorm: Math.sqrt(squares) };
}

/**
 * Fraction of saturated outputs in a batch of network outputs o (row-major [batch, K]): sigmoid
 * elements with o(1 − o) below SIGMOID_SATURATION, softmax rows whose largest probability exceeds
 * SOFTMAX_SATURATION. A linear output never saturates.
 */
export function saturatedFraction(output: OutputActivation, o: ArrayLike<number>, batch: number): number {
  if (output === 'linear') return 0;
  if (output === 'sigmoid') {
    let saturated = 0;
    for (let k = 0; k < o.length; k++) if (o[k] * (1 - o[k]) < SIGMOID_SATURATION) saturated++;
    return saturated / o.length;
  }
  const outputs = o.length / batch;
  let saturatedRows = 0;
  for (let r = 0; r < batch; r++) {
    let largest = 0;
    for (let k = 0; k < outputs; k++) largest = Math.max(largest, o[r * outputs + k]);
    if (largest > SOFTMAX_SATURATION) saturatedRows++;
  }
  return saturatedRows / batch;
}
