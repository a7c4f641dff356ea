/**
 * The float64 reference: forward pass, both losses and backpropagation of one batch, written as
 * plain loops so a reader can check each line against DESIGN.md ("Numerical conventions"). Every
 * activation, loss and output delta comes from the tables in src/model (activations.ts, losses.ts),
 * which the WGSL shaders key off too.
 */
import { ACTIVATIONS, outputActivationRow, type OutputActivation } from '../model/activations';
import { LOSSES, LOSS_NAMES, lossAllows, assertLossAllowed, type LossName, type LossValues } from '../model/losses';
import { parameterLayout, type ParameterLayout } from '../model/layout';
import type { NetworkSpec } from '../model/spec';
import { euclideanNorm, gradientNorms, saturatedFraction } from './metrics';

/** The part of a spec that decides what the network computes (not how it trains). */
export type NetworkFunction = Pick<NetworkSpec, 'widths' | 'hiddenActivations' | 'outputActivation'>;

/** Every intermediate value of one forward pass over a batch. */
export interface ForwardPass {
  /** Rows in the batch, B. */
  batch: number;
  /** Z_l = A_(l−1)·W_l + b_l for each weight layer l, row-major [B, n_l], input side first. */
  preActivations: Float64Array[];
  /** A_0 … A_L, row-major [B, n_l]: A_0 is the input, A_L the output after the output activation. */
  activations: Float64Array[];
}

/** Losses, gradient and the figures StepMetrics reports, of one batch. */
export interface BatchGradients {
  /** The forward pass everything else was computed from. */
  forward: ForwardPass;
  /** Network outputs A_L after the output activation, row-major [B, K]. */
  outputs: Float64Array;
  /** The loss L that `outputDelta` and `gradient` are derivatives of. */
  loss: LossName;
  /** Every loss of the batch (StepMetrics.losses): NaN for a loss the output does not allow. */
  losses: LossValues;
  /** ∂L/∂Z_L, the output delta, row-major [B, K]. */
  outputDelta: Float64Array;
  /** ∂L/∂θ in the flat parameter layout (src/model/layout.ts). */
  gradient: Float64Array;
  /** ‖∂L/∂W_l‖ (Frobenius) per weight layer, input side first. */
  gradNormW: number[];
  /** ‖∂L/∂b_l‖ per weight layer. */
  gradNormB: number[];
  /** √(Σ_l ‖∂L/∂W_l‖² + ‖∂L/∂b_l‖²). */
  globalGradNorm: number;
  /** ‖∂L/∂Z_L‖ over the batch. */
  outputDeltaNorm: number;
  /** Fraction of saturated outputs (see `saturatedFraction` in ./metrics). */
  saturatedFraction: number;
}

function checkSizes(
  network: NetworkFunction,
  layout: ParameterLayout,
  parameters: ArrayLike<number>,
  inputs: ArrayLike<number>,
  batch: number,
): void {
  if (parameters.length !== layout.totalParameters) {
    throw new Error(
      `the network [${network.widths.join(', ')}] has ${layout.totalParameters} parameters but ${parameters.length} were given; ` +
        'pass the flat vector from initParameters or a snapshot of this network',
    );
  }
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`the batch size must be a whole number of at least 1, got ${batch}`);
  const needed = batch * network.widths[0];
  if (inputs.length < needed) {
    throw new Error(`${batch} rows of ${network.widths[0]} inputs need ${needed} values but only ${inputs.length} were given`);
  }
}

/** Runs the network on `batch` rows of `inputs` (row-major [batch, n_0]), keeping every Z and A. */
export function forward(
  network: NetworkFunction,
  parameters: ArrayLike<number>,
  inputs: ArrayLike<number>,
  batch: number,
): ForwardPass {
  const layout = parameterLayout(network.widths);
  checkSizes(network, layout, parameters, inputs, batch);
  const inputCopy = new Float64Array(batch * network.widths[0]);
  for (let i = 0; i < inputCopy.length; i++) inputCopy[i] = inputs[i];
  const activations: Float64Array[] = [inputCopy];
  const preActivations: Float64Array[] = [];
  const lastLayer = layout.layers.length - 1;
  layout.layers.forEach(({ fanIn, fanOut, weightOffset, biasOffset }, l) => {
    const previous = activations[l];
    const z = new Float64Array(batch * fanOut);
    for (let r = 0; r < batch; r++) {
      const row = r * fanOut;
      for (let j = 0; j < fanOut; j++) z[row + j] = parameters[biasOffset + j];
      for (let i = 0; i < fanIn; i++) {
        const a = previous[r * fanIn + i];
        const weightRow = weightOffset + i * fanOut;
        for (let j = 0; j < fanOut; j++) z[row + j] += a * parameters[weightRow + j];
      }
    }
    const a = new Float64Array(batch * fanOut);
    if (l === lastLayer) {
      for (let r = 0; r < batch; r++) {
        outputActivationRow(network.outputActivation, z.subarray(r * fanOut, (r + 1) * fanOut), a.subarray(r * fanOut, (r + 1) * fanOut));
      }
    } else {
      const f = ACTIVATIONS[network.hiddenActivations[l]].forward;
      for (let k = 0; k < z.length; k++) a[k] = f(z[k]);
    }
    preActivations.push(z);
    activations.push(a);
  });
  return { batch, preActivations, activations };
}

/**
 * Mean loss of a finished forward pass against `targets` (row-major [B, K]). A loss the output
 * does not allow (cross-entropy on a linear output) gives NaN, so every loss can always be
 * reported side by side.
 */
export function batchLoss(
  loss: LossName,
  output: OutputActivation,
  pass: ForwardPass,
  targets: Float32Array | Float64Array,
): number {
  if (!lossAllows(loss, output)) return NaN;
  const z = pass.preActivations[pass.preActivations.length - 1];
  const o = pass.activations[pass.activations.length - 1];
  const { batch } = pass;
  const outputs = o.length / batch;
  if (targets.length < o.length) {
    throw new Error(`${batch} rows of ${outputs} targets need ${o.length} values but only ${targets.length} were given`);
  }
  let sum = 0;
  for (let r = 0; r < batch; r++) {
    const from = r * outputs;
    const to = from + outputs;
    sum += LOSSES[loss].rowSum(output, z.subarray(from, to), o.subarray(from, to), targets.subarray(from, to));
  }
  return sum / LOSSES[loss].denominator(output, batch, outputs);
}

/**
 * Forward pass, every loss, and the gradient of `loss` with respect to every parameter, by
 * backpropagation: dW_l = A_(l−1)ᵀ·dZ_l, db_l = Σ_rows dZ_l, dZ_(l−1) = (dZ_l·W_lᵀ) ⊙ f′(Z_(l−1)).
 */
export function computeGradients(
  network: NetworkFunction,
  parameters: ArrayLike<number>,
  inputs: ArrayLike<number>,
  targets: Float32Array | Float64Array,
  batch: number,
  loss: LossName,
): BatchGradients {
  assertLossAllowed(loss, network.outputActivation);
  const pass = forward(network, parameters, inputs, batch);
  const layout = parameterLayout(network.widths);
  const output = network.outputActivation;
  const losses = Object.fromEntries(LOSS_NAMES.map((name) => [name, batchLoss(name, output, pass, targets)])) as LossValues;

  const outputs = network.widths[network.widths.length - 1];
  const o = pass.activations[pass.activations.length - 1];
  const outputDelta = new Float64Array(batch * outputs);
  for (let r = 0; r < batch; r++) {
    const from = r * outputs;
    const to = from + outputs;
    LOSSES[loss].rowDelta(output, o.subarray(from, to), targets.subarray(from, to), batch, outputDelta.subarray(from, to));
  }

  const gradient = new Float64Array(layout.totalParameters);
  let delta = outputDelta;
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    const { fanIn, fanOut, weightOffset, biasOffset } = layout.layers[l];
    const previous = pass.activations[l];
    for (let r = 0; r < batch; r++) {
      for (let i = 0; i < fanIn; i++) {
        const a = previous[r * fanIn + i];
        const weightRow = weightOffset + i * fanOut;
        for (let j = 0; j < fanOut; j++) gradient[weightRow + j] += a * delta[r * fanOut + j];
      }
      for (let j = 0; j < fanOut; j++) gradient[biasOffset + j] += delta[r * fanOut + j];
    }
    if (l === 0) break;
    // Layer l's input A_(l−1) is the output of hidden layer l−1, whose pre-activation is Z_(l−1).
    const derivative = ACTIVATIONS[network.hiddenActivations[l - 1]].derivative;
    const z = pass.preActivations[l - 1];
    const previousDelta = new Float64Array(batch * fanIn);
    for (let r = 0; r < batch; r++) {
      for (let i = 0; i < fanIn; i++) {
        const weightRow = weightOffset + i * fanOut;
        let sum = 0;
        for (let j = 0; j < fanOut; j++) sum += delta[r * fanOut + j] * parameters[weightRow + j];
        const k = r * fanIn + i;
        previousDelta[k] = sum * derivative(z[k], previous[k]);
      }
    }
    delta = previousDelta;
  }
  return {
    forward: pass,
    outputs: o,
    loss,
    losses,
    outputDelta,
    gradient,
    ...gradientNorms(layout, gradient),
    outputDeltaNorm: euclideanNorm(outputDelta, 0, outputDelta.length),
    saturatedFraction: saturatedFraction(output, o, batch),
  };
}
