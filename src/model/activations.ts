/**
 * The tables of hidden and output activations. Each entry owns its label, its CPU formulas and,
 * through its name, its WGSL functions; the numeric ids the shaders switch on are the entries'
 * positions, generated into WGSL by src/gpu/wgsl-tables.ts, so the two paths cannot disagree about
 * which function a name means.
 *
 * WGSL (shaders/activations.wgsl) defines for every hidden activation `name`:
 *   fn activation_<name>(z: f32) -> f32                 a = f(z)
 *   fn activation_<name>_derivative(a: f32) -> f32      da/dz from a alone (the GPU keeps A, not Z)
 * and (shaders/outputs.wgsl) for every output activation `name`:
 *   fn output_<name>_prepare(zBase: u32, outputs: u32) -> vec2<f32>          row statistics it needs
 *   fn output_<name>_value(z: f32, stats: vec2<f32>) -> f32                  o_k from z_k
 *   fn output_<name>_saturated(zBase: u32, outputs: u32, stats: vec2<f32>) -> f32   saturated count
 */
import { numbered } from './table';

/** Slope of leaky ReLU for z < 0 (Keras' LeakyReLU default is 0.3; TF's leaky_relu is 0.2; 0.01 is the common paper value). */
export const LEAKY_RELU_SLOPE = 0.01;

/**
 * Whether an output counts as saturated: for sigmoid, o(1 − o) < 0.01 per element (|z| > ~4.6);
 * for softmax, a row whose largest probability exceeds 0.99. Linear outputs never saturate.
 */
export const SIGMOID_SATURATION = 0.01;
export const SOFTMAX_SATURATION = 0.99;

/** An element-wise activation: a = f(z) and its derivative. */
export interface ElementwiseActivation {
  /** Numeric id the shaders switch on: the entry's position in ACTIVATIONS. */
  readonly id: number;
  /** Name shown to users. */
  readonly label: string;
  /** a = f(z). */
  forward(z: number): number;
  /** da/dz, given both z and a = f(z) (each function uses whichever is exact and cheap). */
  derivative(z: number, a: number): number;
}

/** A writable row of numbers (a Float64Array, a subarray or a plain array). */
export type WritableRow = { [i: number]: number; length: number };

/** The activation of the output layer: applied to a whole row, because softmax needs the row. */
export interface OutputFunction {
  /** Numeric id the shaders switch on: the entry's position in OUTPUTS. */
  readonly id: number;
  /** Name shown to users. */
  readonly label: string;
  /** Writes o = f(z) for one row of logits. */
  row(z: ArrayLike<number>, o: WritableRow): void;
  /** What the saturated fraction counts: single elements (divided by B·K) or whole rows (divided by B). */
  readonly saturationUnit: 'element' | 'row';
  /** Saturated elements (or 0/1 for a row unit) in the row o[start … start + count − 1] of outputs. */
  saturatedInRow(o: ArrayLike<number>, start: number, count: number): number;
}

function sigmoid(z: number): number {
  // Two branches keep exp() from overflowing for large |z|.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Element-wise activations by name, in the order the page lists them. */
export const ACTIVATIONS = numbered({
  sigmoid: { label: 'Sigmoid', forward: sigmoid, derivative: (_z: number, a: number) => a * (1 - a) },
  tanh: { label: 'Tanh', forward: Math.tanh, derivative: (_z: number, a: number) => 1 - a * a },
  relu: { label: 'ReLU', forward: (z: number) => (z > 0 ? z : 0), derivative: (z: number) => (z > 0 ? 1 : 0) },
  leaky_relu: {
    label: 'Leaky ReLU',
    forward: (z: number) => (z > 0 ? z : LEAKY_RELU_SLOPE * z),
    derivative: (z: number) => (z > 0 ? 1 : LEAKY_RELU_SLOPE),
  },
  linear: { label: 'Linear', forward: (z: number) => z, derivative: () => 1 },
} satisfies Record<string, Omit<ElementwiseActivation, 'id'>>);

export type HiddenActivation = keyof typeof ACTIVATIONS;
export const HIDDEN_ACTIVATIONS = Object.keys(ACTIVATIONS) as HiddenActivation[];

/** Numerically stable softmax of one row (the maximum is subtracted before exp). */
export function softmaxRow(z: ArrayLike<number>, o: WritableRow): void {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) max = Math.max(max, z[k]);
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    o[k] = Math.exp(z[k] - max);
    sum += o[k];
  }
  for (let k = 0; k < z.length; k++) o[k] /= sum;
}

/** An output activation that applies a hidden activation element by element. */
function elementwiseRow(f: (z: number) => number): (z: ArrayLike<number>, o: WritableRow) => void {
  return (z, o) => {
    for (let k = 0; k < z.length; k++) o[k] = f(z[k]);
  };
}

/** Output activations by name, in the order the page lists them. */
export const OUTPUTS = numbered({
  sigmoid: {
    label: 'Sigmoid',
    row: elementwiseRow(sigmoid),
    saturationUnit: 'element',
    saturatedInRow(o: ArrayLike<number>, start: number, count: number): number {
      let saturated = 0;
      for (let k = start; k < start + count; k++) if (o[k] * (1 - o[k]) < SIGMOID_SATURATION) saturated++;
      return saturated;
    },
  },
  softmax: {
    label: 'Softmax',
    row: softmaxRow,
    saturationUnit: 'row',
    saturatedInRow(o: ArrayLike<number>, start: number, count: number): number {
      let largest = 0;
      for (let k = start; k < start + count; k++) largest = Math.max(largest, o[k]);
      return largest > SOFTMAX_SATURATION ? 1 : 0;
    },
  },
  linear: { label: 'Linear', row: elementwiseRow((z) => z), saturationUnit: 'element', saturatedInRow: () => 0 },
} satisfies Record<string, Omit<OutputFunction, 'id'>>);

export type OutputActivation = keyof typeof OUTPUTS;
export const OUTPUT_ACTIVATIONS = Object.keys(OUTPUTS) as OutputActivation[];

/** Applies the output activation to one row of logits z, writing into o. */
export function outputActivationRow(kind: OutputActivation, z: ArrayLike<number>, o: WritableRow): void {
  OUTPUTS[kind].row(z, o);
}
