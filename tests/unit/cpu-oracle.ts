/**
 * An independent oracle for the CPU reference tests: a per-sample forward pass over nested arrays
 * and the textbook loss formulas written from probabilities, sharing no code with src/cpu or the
 * activation table. Plain enough to check by eye; too slow for anything but small tests.
 */
import { expect } from 'vitest';
import { LEAKY_RELU_SLOPE, type HiddenActivation, type OutputActivation } from '../../src/model/activations';
import type { LossName } from '../../src/model/losses';
import type { NetworkFunction } from '../../src/cpu/network';

const HIDDEN: Record<HiddenActivation, (z: number) => number> = {
  linear: (z) => z,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: (z) => (Math.exp(z) - Math.exp(-z)) / (Math.exp(z) + Math.exp(-z)),
  relu: (z) => Math.max(0, z),
  leaky_relu: (z) => (z >= 0 ? z : LEAKY_RELU_SLOPE * z),
};

/** Output activation of one row of logits. */
export function oracleOutputRow(kind: OutputActivation, z: number[]): number[] {
  if (kind === 'softmax') {
    const e = z.map(Math.exp);
    const total = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / total);
  }
  return z.map(kind === 'sigmoid' ? HIDDEN.sigmoid : HIDDEN.linear);
}

/** One sample through the network: every hidden layer's logits, the output logits z and the outputs o. */
export interface OracleSample {
  /** Logits of each hidden layer, input side first. */
  hiddenLogits: number[][];
  /** Logits of the output layer. */
  z: number[];
  /** Outputs after the output activation. */
  o: number[];
}

/** Runs one sample, reading W_l[i][j] and b_l[j] from the flat layout (src/model/layout.ts). */
export function oracleForward(network: NetworkFunction, parameters: ArrayLike<number>, x: number[]): OracleSample {
  const hiddenLogits: number[][] = [];
  let a = x;
  let offset = 0;
  const layers = network.widths.length - 1;
  for (let l = 0; l < layers; l++) {
    const fanIn = network.widths[l];
    const fanOut = network.widths[l + 1];
    const weight = (i: number, j: number): number => parameters[offset + i * fanOut + j];
    const bias = (j: number): number => parameters[offset + fanIn * fanOut + j];
    const z: number[] = [];
    for (let j = 0; j < fanOut; j++) {
      let sum = 0;
      for (let i = 0; i < fanIn; i++) sum += a[i] * weight(i, j);
      z.push(sum + bias(j));
    }
    offset += fanIn * fanOut + fanOut;
    if (l === layers - 1) return { hiddenLogits, z, o: oracleOutputRow(network.outputActivation, z) };
    hiddenLogits.push(z);
    a = z.map(HIDDEN[network.hiddenActivations[l]]);
  }
  throw new Error('a network has at least one weight layer');
}

/**
 * Mean loss over a batch from probabilities, as textbooks write it:
 * MSE = mean over B·K of (o − t)²; binary CE = −mean over B·K of t·log o + (1 − t)·log(1 − o);
 * categorical CE = −mean over B of Σ_k t_k·log o_k. Accurate while o stays away from 0 and 1.
 */
export function oracleLoss(loss: LossName, output: OutputActivation, outputs: number[][], targets: number[][]): number {
  const elements = outputs.length * outputs[0].length;
  let sum = 0;
  outputs.forEach((o, r) => {
    const t = targets[r];
    o.forEach((ok, k) => {
      if (loss === 'mse') sum += (ok - t[k]) ** 2;
      else if (output === 'sigmoid') sum -= t[k] * Math.log(ok) + (1 - t[k]) * Math.log(1 - ok);
      else if (output === 'softmax') sum -= t[k] * Math.log(ok);
      else throw new Error('cross-entropy of a linear output is undefined');
    });
  });
  const denominator = loss === 'cross_entropy' && output === 'softmax' ? outputs.length : elements;
  return sum / denominator;
}

/** Rows of a row-major array. */
export function rows(values: ArrayLike<number>, width: number): number[][] {
  const result: number[][] = [];
  for (let r = 0; r * width < values.length; r++) result.push(Array.from({ length: width }, (_, k) => values[r * width + k]));
  return result;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise; on failure names the tensor,
 * the first and the worst failing index, and both values there.
 */
export function expectClose(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): void {
  expect(actual.length, `${name}: length`).toBe(expected.length);
  let failures = 0;
  let first = -1;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    const bound = atol + rtol * Math.abs(expected[i]);
    if (!(error <= bound)) {
      failures++;
      if (first < 0) first = i;
      const excess = Number.isNaN(error) ? Infinity : error / bound;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (failures > 0) {
    const at = (i: number): string => `[${i}] actual ${actual[i]} expected ${expected[i]} (|diff| ${Math.abs(actual[i] - expected[i])})`;
    expect.fail(
      `${name}: ${failures} of ${expected.length} values outside atol ${atol} + rtol ${rtol}·|expected|; first ${at(first)}; worst ${at(worst)}`,
    );
  }
}
