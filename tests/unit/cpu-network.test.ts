import { describe, expect, it } from 'vitest';
import { batchLoss, computeGradients, forward, type ForwardPass, type NetworkFunction } from '../../src/cpu/network';
import { gradientNorms, saturatedFraction } from '../../src/cpu/metrics';
import { HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, type HiddenActivation, type OutputActivation } from '../../src/model/activations';
import { LOSS_NAMES, type LossName } from '../../src/model/losses';
import { initParameters } from '../../src/model/init';
import { parameterLayout } from '../../src/model/layout';
import { createRng } from '../../src/model/rng';
import { DEFAULT_SPEC } from '../../src/model/spec';
import { expectClose, oracleForward, oracleLoss, oracleOutputRow, rows } from './cpu-oracle';

/** Odd sizes on purpose: nothing divides anything, and a batch of 7 is no power of two. */
const WIDTHS = [3, 5, 4, 2];
const BATCH = 7;
const OUTPUTS = WIDTHS[WIDTHS.length - 1];

/** Every output × loss pair validation accepts (cross-entropy on a linear output is rejected). */
const OUTPUT_LOSS_PAIRS: [OutputActivation, LossName][] = OUTPUT_ACTIVATIONS.flatMap((output) =>
  LOSS_NAMES.filter((loss) => !(loss === 'cross_entropy' && output === 'linear')).map((loss): [OutputActivation, LossName] => [output, loss]),
);

interface Case {
  network: NetworkFunction;
  parameters: Float64Array;
  inputs: Float64Array;
  targets: Float64Array;
}

/**
 * A network of WIDTHS with seeded weights and random (not zero) biases, a batch of normal inputs,
 * and targets of the kind each output expects: 0/1 for sigmoid, soft labels summing to 1 for
 * softmax (one-hot is the special case), any real number for linear.
 */
function makeCase(hidden: HiddenActivation, output: OutputActivation, seed: number): Case {
  const network: NetworkFunction = { widths: WIDTHS, hiddenActivations: [hidden, hidden], outputActivation: output };
  const parameters = initParameters({ ...DEFAULT_SPEC, ...network, seed });
  const rng = createRng(seed);
  for (const layer of parameterLayout(WIDTHS).layers) {
    for (let j = 0; j < layer.fanOut; j++) parameters[layer.biasOffset + j] = 0.5 * rng.normal();
  }
  const inputs = Float64Array.from({ length: BATCH * WIDTHS[0] }, () => rng.normal());
  const targets = new Float64Array(BATCH * OUTPUTS);
  for (let r = 0; r < BATCH; r++) {
    const row = targets.subarray(r * OUTPUTS, (r + 1) * OUTPUTS);
    if (output === 'sigmoid') row.forEach((_, k) => (row[k] = rng.next() < 0.5 ? 0 : 1));
    if (output === 'linear') row.forEach((_, k) => (row[k] = rng.normal()));
    if (output === 'softmax') {
      row.forEach((_, k) => (row[k] = rng.next()));
      const total = row.reduce((s, v) => s + v, 0);
      row.forEach((v, k) => (row[k] = v / total));
    }
  }
  return { network, parameters, inputs, targets };
}

/** The oracle's mean loss of the whole batch at `parameters`, and the sign of every hidden logit. */
function oracleBatch(loss: LossName, c: Case, parameters: ArrayLike<number>): { loss: number; hiddenSigns: string } {
  const samples = rows(c.inputs, WIDTHS[0]).map((x) => oracleForward(c.network, parameters, x));
  return {
    loss: oracleLoss(loss, c.network.outputActivation, samples.map((s) => s.o), rows(c.targets, OUTPUTS)),
    hiddenSigns: samples.flatMap((s) => s.hiddenLogits.flat().map((z) => (z > 0 ? '+' : '-'))).join(''),
  };
}

describe('forward', () => {
  it.each(HIDDEN_ACTIVATIONS.flatMap((hidden) => OUTPUT_ACTIVATIONS.map((output) => [hidden, output] as const)))(
    '%s hidden, %s output: logits and outputs match a per-sample forward pass',
    (hidden, output) => {
      const c = makeCase(hidden, output, 11);
      const pass = forward(c.network, c.parameters, c.inputs, BATCH);
      const oracle = rows(c.inputs, WIDTHS[0]).map((x) => oracleForward(c.network, c.parameters, x));
      // Only the order of float64 additions differs (the oracle adds the bias last), and the oracle's
      // tanh goes through exp: a few ulp of values of order 1.
      expectClose('hidden logits Z_1', pass.preActivations[0], oracle.flatMap((s) => s.hiddenLogits[0]), 1e-13, 1e-12);
      expectClose('logits Z_L', pass.preActivations[2], oracle.flatMap((s) => s.z), 1e-13, 1e-12);
      expectClose('outputs A_L', pass.activations[3], oracle.flatMap((s) => s.o), 1e-13, 1e-12);
      expect(pass.activations[0]).toEqual(c.inputs);
    },
  );
});

describe('losses', () => {
  it.each(OUTPUT_LOSS_PAIRS)('%s output, %s: both reported losses match the textbook formulas', (output, loss) => {
    const c = makeCase('tanh', output, 23);
    const result = computeGradients(c.network, c.parameters, c.inputs, c.targets, BATCH, loss);
    // Textbook and stable forms agree to a few ulp while outputs stay away from 0 and 1.
    expect(Math.abs(result.losses.mse - oracleBatch('mse', c, c.parameters).loss)).toBeLessThanOrEqual(1e-13);
    if (output === 'linear') {
      expect(result.losses.cross_entropy).toBeNaN();
    } else {
      expect(Math.abs(result.losses.cross_entropy - oracleBatch('cross_entropy', c, c.parameters).loss)).toBeLessThanOrEqual(1e-13);
    }
  });

  /** A hand-made forward pass of one layer whose logits are exactly `z`. */
  function passWithLogits(output: OutputActivation, z: number[]): ForwardPass {
    return {
      batch: 1,
      preActivations: [Float64Array.from(z)],
      activations: [new Float64Array(1), Float64Array.from(oracleOutputRow(output, z))],
    };
  }

  it('sigmoid cross-entropy stays finite and exact for logits of ±800', () => {
    // log(1 + e^800) = 800 + log(1 + e^−800), and e^−800 is below the smallest double: the elements are 800, 800 and log(1 + e^30).
    const loss = batchLoss('cross_entropy', 'sigmoid', passWithLogits('sigmoid', [800, -800, 30]), Float64Array.from([0, 1, 0]));
    expect(loss).toBe((800 + 800 + (30 + Math.log1p(Math.exp(-30)))) / 3);
  });

  it('softmax cross-entropy stays finite and exact for logits of ±1000', () => {
    // logsumexp([1000, 0, −1000]) = 1000 + log(1 + e^−1000 + e^−2000) = 1000 in float64; Σ t·z = 0.
    const loss = batchLoss('cross_entropy', 'softmax', passWithLogits('softmax', [1000, 0, -1000]), Float64Array.from([0, 1, 0]));
    expect(loss).toBe(1000);
  });
});

/**
 * Bounds of the gradient check. The five-point difference quotient
 * (−L(θ+2h) + 8L(θ+h) − 8L(θ−h) + L(θ−2h)) / 12h errs by h⁴·L⁽⁵⁾/30 ≈ 3e-14·L⁽⁵⁾ (truncation) plus
 * 1.5·δ/h ≈ 2e-12 (rounding, δ ≈ 1e-15 for losses of order 1 summed over 14 terms). Above
 * GRADIENT_FLOOR that is a relative error below 3e-7, so the required 1e-6 has room without
 * depending on luck; below it, the same absolute noise is bounded by 1e-6·GRADIENT_FLOOR.
 */
const STEP = 1e-3;
const MAX_RELATIVE_ERROR = 1e-6;
const GRADIENT_FLOOR = 1e-5;
/** A seed whose hidden logits all lie more than a step's reach from ReLU's kink at 0 (the check asserts it). */
const GRADIENT_CHECK_SEED = 1;

function expectGradientClose(name: string, analytic: ArrayLike<number>, numeric: ArrayLike<number>): void {
  let worst = -1;
  let worstError = 0;
  for (let i = 0; i < numeric.length; i++) {
    const scale = Math.max(Math.abs(analytic[i]), Math.abs(numeric[i]));
    const difference = Math.abs(analytic[i] - numeric[i]);
    const error = scale >= GRADIENT_FLOOR ? difference / scale : difference / GRADIENT_FLOOR;
    if (!(error <= worstError)) {
      worst = i;
      worstError = error;
    }
  }
  if (!(worstError < MAX_RELATIVE_ERROR)) {
    expect.fail(`${name}: relative error ${worstError} at [${worst}]: analytic ${analytic[worst]}, central differences ${numeric[worst]}`);
  }
}

describe('computeGradients', () => {
  const combinations = HIDDEN_ACTIVATIONS.flatMap((hidden) => OUTPUT_LOSS_PAIRS.map(([output, loss]) => [hidden, output, loss] as const));

  it.each(combinations)(`%s hidden, %s output, %s: every ∂L/∂θ matches central differences to ${MAX_RELATIVE_ERROR}`, (hidden, output, loss) => {
    const c = makeCase(hidden, output, GRADIENT_CHECK_SEED);
    const result = computeGradients(c.network, c.parameters, c.inputs, c.targets, BATCH, loss);
    const hasKink = hidden === 'relu' || hidden === 'leaky_relu';
    const base = oracleBatch(loss, c, c.parameters);
    const numeric = new Float64Array(c.parameters.length);
    const shifted = c.parameters.slice();
    for (let i = 0; i < shifted.length; i++) {
      const at = (offset: number): number => {
        shifted[i] = c.parameters[i] + offset;
        const shiftedBatch = oracleBatch(loss, c, shifted);
        if (hasKink) {
          // A kink between θ and θ ± 2h would make the quotient average two slopes.
          expect(shiftedBatch.hiddenSigns, `a hidden logit changes sign when θ[${i}] moves by ${offset}`).toBe(base.hiddenSigns);
        }
        return shiftedBatch.loss;
      };
      numeric[i] = (-at(2 * STEP) + 8 * at(STEP) - 8 * at(-STEP) + at(-2 * STEP)) / (12 * STEP);
      shifted[i] = c.parameters[i];
    }
    expectGradientClose(`∂L/∂θ (${hidden}, ${output}, ${loss})`, result.gradient, numeric);
    // The check is only meaningful if the gradient is not trivially small.
    expect(Math.max(...Array.from(result.gradient, Math.abs))).toBeGreaterThan(1e-2);
  });

  it.each(OUTPUT_LOSS_PAIRS)('%s output, %s: the output delta is ∂L/∂Z_L by central differences', (output, loss) => {
    const c = makeCase('sigmoid', output, 5);
    const result = computeGradients(c.network, c.parameters, c.inputs, c.targets, BATCH, loss);
    const logits = result.forward.preActivations[2];
    const targetRows = rows(c.targets, OUTPUTS);
    const lossOfLogits = (z: Float64Array): number =>
      oracleLoss(loss, output, rows(z, OUTPUTS).map((row) => oracleOutputRow(output, row)), targetRows);
    const numeric = Float64Array.from(logits, (_, i) => {
      const at = (offset: number): number => {
        const shifted = logits.slice();
        shifted[i] += offset;
        return lossOfLogits(shifted);
      };
      return (-at(2 * STEP) + 8 * at(STEP) - 8 * at(-STEP) + at(-2 * STEP)) / (12 * STEP);
    });
    expectGradientClose(`∂L/∂Z_L (${output}, ${loss})`, result.outputDelta, numeric);
  });

  it('for one sigmoid output at o = 0.6, 0.95, 0.999 and t = 0, the deltas are 2(o − t)·o(1 − o)/(B·K) for MSE and (o − t)/(B·K) for cross-entropy', () => {
    // One layer with weight 1 and bias 0, so each row's logit is its input, z = log(o/(1 − o)).
    const network: NetworkFunction = { widths: [1, 1], hiddenActivations: [], outputActivation: 'sigmoid' };
    const probabilities = [0.6, 0.95, 0.999];
    const parameters = Float64Array.from([1, 0]);
    const inputs = Float64Array.from(probabilities, (o) => Math.log(o / (1 - o)));
    const targets = new Float64Array(3);
    const mse = computeGradients(network, parameters, inputs, targets, 3, 'mse');
    const crossEntropy = computeGradients(network, parameters, inputs, targets, 3, 'cross_entropy');
    const denominator = 3 * 1;
    // o comes back from its logit to within a few ulp, which bounds the deltas' error likewise.
    expectClose('o', mse.outputs, probabilities, 1e-15, 0);
    expectClose('MSE delta', mse.outputDelta, probabilities.map((o) => (2 * o * o * (1 - o)) / denominator), 1e-15, 0);
    expectClose('cross-entropy delta', crossEntropy.outputDelta, probabilities.map((o) => o / denominator), 1e-15, 0);
    // At o = 0.999 MSE keeps 2·o(1 − o) ≈ 0.2% of the cross-entropy delta: the stall the playground shows.
    expect(mse.outputDelta[2] / crossEntropy.outputDelta[2]).toBeLessThan(0.0021);
  });

  it('with saturated sigmoid outputs, the MSE delta is the cross-entropy delta times 2·o(1 − o), and nearly vanishes', () => {
    // One layer whose logits sit at ±8 … ±24 on the wrong side of every target.
    const network: NetworkFunction = { widths: [2, 3], hiddenActivations: [], outputActivation: 'sigmoid' };
    const parameters = Float64Array.from([4, -5, 6, 4, -5, 6, 0, 0, 0]);
    const inputs = Float64Array.from([1, 1, 2, 2]);
    const targets = Float64Array.from([0, 1, 0, 0, 1, 0]);
    const mse = computeGradients(network, parameters, inputs, targets, 2, 'mse');
    const crossEntropy = computeGradients(network, parameters, inputs, targets, 2, 'cross_entropy');
    const factor = mse.outputs.map((ok) => 2 * ok * (1 - ok));
    expect(Math.max(...factor)).toBeLessThan(1e-3);
    expectClose('MSE delta', mse.outputDelta, crossEntropy.outputDelta.map((d, k) => d * factor[k]), 0, 1e-12);
    expect(mse.globalGradNorm).toBeLessThan(1e-3 * crossEntropy.globalGradNorm);
    // Cross-entropy keeps a delta of (o − t)/(B·K), nearly ±1/6 here.
    expect(Math.min(...Array.from(crossEntropy.outputDelta, Math.abs))).toBeGreaterThan(0.99 / 6);
    expect(mse.saturatedFraction).toBe(1);
  });

  it('with a confidently wrong softmax, the MSE delta nearly vanishes while cross-entropy keeps (o − t)/B', () => {
    const network: NetworkFunction = { widths: [1, 3], hiddenActivations: [], outputActivation: 'softmax' };
    const parameters = Float64Array.from([10, 0, 0, 0, 0, 0]);
    const mse = computeGradients(network, parameters, Float64Array.from([1]), Float64Array.from([0, 1, 0]), 1, 'mse');
    const crossEntropy = computeGradients(network, parameters, Float64Array.from([1]), Float64Array.from([0, 1, 0]), 1, 'cross_entropy');
    expect(mse.outputDeltaNorm).toBeLessThan(1e-3 * crossEntropy.outputDeltaNorm);
    // o ≈ (1, 0, 0) against t = (0, 1, 0): the cross-entropy delta is nearly (1, −1, 0), of norm √2.
    expect(crossEntropy.outputDeltaNorm).toBeGreaterThan(0.999 * Math.SQRT2);
  });

  it('reports the Frobenius norm of each layer’s gradient blocks and the global norm over all of them', () => {
    const c = makeCase('tanh', 'softmax', 3);
    const result = computeGradients(c.network, c.parameters, c.inputs, c.targets, BATCH, 'cross_entropy');
    const layers = parameterLayout(WIDTHS).layers;
    const blockNorm = (from: number, to: number): number => Math.hypot(...result.gradient.subarray(from, to));
    expectClose('‖∂L/∂W_l‖', result.gradNormW, layers.map((l) => blockNorm(l.weightOffset, l.biasOffset)), 0, 1e-14);
    expectClose('‖∂L/∂b_l‖', result.gradNormB, layers.map((l) => blockNorm(l.biasOffset, l.biasOffset + l.fanOut)), 0, 1e-14);
    expect(result.globalGradNorm).toBeCloseTo(Math.hypot(...result.gradient), 14);
    expect(result.outputDeltaNorm).toBeCloseTo(Math.hypot(...result.outputDelta), 14);
    expect(gradientNorms(parameterLayout(WIDTHS), result.gradient).globalGradNorm).toBe(result.globalGradNorm);
  });

  it('refuses cross-entropy on a linear output, and sizes that do not fit the network, naming the numbers', () => {
    const network: NetworkFunction = { widths: [2, 3, 1], hiddenActivations: ['relu'], outputActivation: 'linear' };
    const parameters = new Float64Array(parameterLayout(network.widths).totalParameters);
    const inputs = new Float64Array(4);
    const targets = new Float64Array(2);
    expect(() => computeGradients(network, parameters, inputs, targets, 2, 'cross_entropy')).toThrow(/cross-entropy needs probabilities/);
    expect(() => computeGradients(network, new Float64Array(12), inputs, targets, 2, 'mse')).toThrow(/has 13 parameters but 12 were given/);
    expect(() => computeGradients(network, parameters, inputs, targets, 3, 'mse')).toThrow(/3 rows of 2 inputs need 6 values but only 4/);
    expect(() => computeGradients(network, parameters, inputs, new Float64Array(1), 2, 'mse')).toThrow(/2 rows of 1 targets need 2 values but only 1/);
  });
});

describe('saturatedFraction', () => {
  it('counts sigmoid elements with o(1 − o) < 0.01 and softmax rows whose largest probability exceeds 0.99', () => {
    // o(1 − o) = 0.25, 0.004975, 0.000999, 0.09: the middle two are saturated.
    expect(saturatedFraction('sigmoid', [0.5, 0.995, 0.001, 0.9], 2)).toBe(0.5);
    // Rows with largest probability 0.995, 0.5 and 0.98: only the first is saturated.
    expect(saturatedFraction('softmax', [0.995, 0.004, 0.001, 0.5, 0.3, 0.2, 0.98, 0.01, 0.01], 3)).toBe(1 / 3);
    expect(saturatedFraction('linear', [100, -100], 1)).toBe(0);
  });
});
