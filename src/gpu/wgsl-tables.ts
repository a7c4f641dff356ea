/**
 * The WGSL side of the tables in src/model, generated from them so that no id, count or threshold
 * is written twice: every kernel module starts with this text (PipelineCache prepends it).
 */
import { ACTIVATIONS, HIDDEN_ACTIVATIONS, LEAKY_RELU_SLOPE, OUTPUT_ACTIVATIONS, OUTPUTS, SIGMOID_SATURATION, SOFTMAX_SATURATION } from '../model/activations';
import { LOSS_NAMES, LOSSES } from '../model/losses';
import { OPTIMIZER_KINDS, OPTIMIZERS } from '../model/optimizers';
import { MAX_LAYERS } from '../model/validate';

/** A WGSL u32 literal. */
function u32(value: number): string {
  return `${value}u`;
}

/** A WGSL f32 literal: WGSL rounds a decimal literal to the nearest f32, as Math.fround does. */
function f32(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** `const PREFIX_NAME: u32 = id;` for each entry of a table. */
function idConstants(prefix: string, names: readonly string[], idOf: (name: string) => number): string[] {
  return names.map((name) => `const ${prefix}_${name.toUpperCase()}: u32 = ${u32(idOf(name))};`);
}

/** The generated prelude: ids of every table entry, counts and thresholds. */
export function wgslTables(): string {
  return [
    '// Generated from the tables of src/model by src/gpu/wgsl-tables.ts; edit those, not this.',
    ...idConstants('ACT', HIDDEN_ACTIVATIONS, (name) => ACTIVATIONS[name as keyof typeof ACTIVATIONS].id),
    ...idConstants('OUTPUT', OUTPUT_ACTIVATIONS, (name) => OUTPUTS[name as keyof typeof OUTPUTS].id),
    ...idConstants('LOSS', LOSS_NAMES, (name) => LOSSES[name as keyof typeof LOSSES].id),
    ...idConstants('OPTIMIZER', OPTIMIZER_KINDS, (name) => OPTIMIZERS[name as keyof typeof OPTIMIZERS].id),
    `const LOSS_COUNT: u32 = ${u32(LOSS_NAMES.length)};`,
    `const MAX_LAYERS: u32 = ${u32(MAX_LAYERS)};`,
    `const LEAKY_RELU_SLOPE: f32 = ${f32(LEAKY_RELU_SLOPE)};`,
    `const SIGMOID_SATURATION: f32 = ${f32(SIGMOID_SATURATION)};`,
    `const SOFTMAX_SATURATION: f32 = ${f32(SOFTMAX_SATURATION)};`,
    '',
  ].join('\n');
}
