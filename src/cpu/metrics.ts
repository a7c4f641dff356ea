/**
 * The norms and the saturation figure of StepMetrics (src/train/session.ts), from float64 values:
 * the numbers the GPU path's metrics are checked against.
 */
import { OUTPUTS, type OutputActivation } from '../model/activations';
import type { ParameterLayout } from '../model/layout';
import type { StepMetrics } from '../model/session';

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
 * Fraction of saturated outputs in a batch of network outputs o (row-major [batch, K]), as the
 * output activation's table entry counts them: sigmoid elements with o(1 − o) below
 * SIGMOID_SATURATION over B·K, softmax rows whose largest probability exceeds SOFTMAX_SATURATION
 * over B. A linear output never saturates.
 */
export function saturatedFraction(output: OutputActivation, o: ArrayLike<number>, batch: number): number {
  const entry = OUTPUTS[output];
  const outputs = o.length / batch;
  let saturated = 0;
  for (let r = 0; r < batch; r++) saturated += entry.saturatedInRow(o, r * outputs, outputs);
  return saturated / (entry.saturationUnit === 'row' ? batch : o.length);
}
