/**
 * The WGSL side of the tables in src/model, generated from them so that no id, count, threshold or
 * dispatch is written twice. Each table entry's own WGSL functions live in shaders/ under names
 * derived from the entry's name (activation_<name>, output_<name>_*, loss_<name>_*,
 * optimizer_<name>_update); this module writes the constants and the switches that call them.
 * Adding an entry to a table therefore needs its functions in the shader file and nothing here.
 */
import activationsSource from '../../shaders/activations.wgsl?raw';
import outputsSource from '../../shaders/outputs.wgsl?raw';
import lossRowSource from '../../shaders/loss_row.wgsl?raw';
import lossesSource from '../../shaders/losses.wgsl?raw';
import optimizersSource from '../../shaders/optimizers.wgsl?raw';
import { ACTIVATIONS, HIDDEN_ACTIVATIONS, LEAKY_RELU_SLOPE, OUTPUT_ACTIVATIONS, OUTPUTS, SIGMOID_SATURATION, SOFTMAX_SATURATION } from '../model/activations';
import { LOSS_NAMES, LOSSES } from '../model/losses';
import { OPTIMIZER_KINDS, OPTIMIZERS } from '../model/optimizers';
import { MAX_LAYERS } from '../model/validate';
import { OUTPUT_DELTA_SQUARES_OFFSET, ROW_SUM_COUNT, SATURATED_COUNT_OFFSET, layerNormOffset, lossSumOffset } from './metrics-layout';

const GENERATED = '// Generated from the tables of src/model by src/gpu/wgsl-tables.ts; edit those, not this.';

/** A WGSL u32 literal. */
function u32(value: number): string {
  return `${value}u`;
}

/** A WGSL f32 literal: WGSL rounds a decimal literal to the nearest f32, as Math.fround does. */
function f32(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** The WGSL constant naming a table entry's id, e.g. ACT_LEAKY_RELU. */
function idName(prefix: string, name: string): string {
  return `${prefix}_${name.toUpperCase()}`;
}

/** `const PREFIX_NAME: u32 = id;` for each entry of a table. */
function idConstants(prefix: string, table: Readonly<Record<string, { id: number }>>): string[] {
  return Object.entries(table).map(([name, entry]) => `const ${idName(prefix, name)}: u32 = ${u32(entry.id)};`);
}

/**
 * A function that switches on `selector` over a table's entries, each case returning (or, for a
 * void function, calling) `call(name)`.
 */
function dispatcher(signature: string, selector: string, prefix: string, names: readonly string[], call: (name: string) => string, fallback: string): string {
  const returns = signature.includes('->');
  const cases = names.map((name) => `    case ${idName(prefix, name)}: { ${returns ? 'return ' : ''}${call(name)}; }`);
  return [`fn ${signature} {`, `  switch ${selector} {`, ...cases, fallback ? `    default: { ${fallback} }` : '    default: {}', '  }', '}', ''].join('\n');
}

/** Ids of every table entry, counts, thresholds and the metrics layout: every kernel module starts with these. */
export function wgslConstants(): string {
  return [
    GENERATED,
    ...idConstants('ACT', ACTIVATIONS),
    ...idConstants('OUTPUT', OUTPUTS),
    ...idConstants('LOSS', LOSSES),
    ...idConstants('OPTIMIZER', OPTIMIZERS),
    `const LOSS_COUNT: u32 = ${u32(LOSS_NAMES.length)};`,
    `const MAX_LAYERS: u32 = ${u32(MAX_LAYERS)};`,
    `const LEAKY_RELU_SLOPE: f32 = ${f32(LEAKY_RELU_SLOPE)};`,
    `const SIGMOID_SATURATION: f32 = ${f32(SIGMOID_SATURATION)};`,
    `const SOFTMAX_SATURATION: f32 = ${f32(SOFTMAX_SATURATION)};`,
    '// The metrics ring (src/gpu/metrics-layout.ts): the row sums a step writes first, then two norms per layer.',
    `const METRIC_ROW_SUMS: u32 = ${u32(ROW_SUM_COUNT)};`,
    `const METRIC_ROW_VEC4S: u32 = ${u32(Math.ceil(ROW_SUM_COUNT / 4))};`,
    `const METRIC_LAYER_NORMS: u32 = ${u32(layerNormOffset(0))};`,
    '',
  ].join('\n');
}

/** The hidden activations (shaders/activations.wgsl) with activate(kind, z) and derivativeFromOutput(kind, a). */
export function activationsWgsl(): string {
  return [
    activationsSource,
    GENERATED,
    '// a = f(z) for the hidden activation `kind`.',
    dispatcher('activate(kind: u32, z: f32) -> f32', 'kind', 'ACT', HIDDEN_ACTIVATIONS, (name) => `activation_${name}(z)`, 'return z;'),
    "// da/dz from the activation a alone, for the hidden activation `kind`.",
    dispatcher('derivativeFromOutput(kind: u32, a: f32) -> f32', 'kind', 'ACT', HIDDEN_ACTIVATIONS, (name) => `activation_${name}_derivative(a)`, 'return 1.0;'),
  ].join('\n');
}

/** The output activations (shaders/outputs.wgsl) with their dispatchers; the including kernel defines logitAt(i). */
export function outputsWgsl(): string {
  return [
    outputsSource,
    GENERATED,
    dispatcher('outputPrepare(kind: u32, zBase: u32, outputs: u32) -> vec2<f32>', 'kind', 'OUTPUT', OUTPUT_ACTIVATIONS, (name) => `output_${name}_prepare(zBase, outputs)`, 'return vec2<f32>(0.0);'),
    dispatcher('outputValue(kind: u32, z: f32, stats: vec2<f32>) -> f32', 'kind', 'OUTPUT', OUTPUT_ACTIVATIONS, (name) => `output_${name}_value(z, stats)`, 'return z;'),
    dispatcher('outputSaturated(kind: u32, zBase: u32, outputs: u32, stats: vec2<f32>) -> f32', 'kind', 'OUTPUT', OUTPUT_ACTIVATIONS, (name) => `output_${name}_saturated(zBase, outputs, stats)`, 'return 0.0;'),
  ].join('\n');
}

/** Component `index` of an array of vec4s, as a WGSL reference. */
function vec4Slot(variable: string, index: number): string {
  return `${variable}[${Math.floor(index / 4)}][${index % 4}]`;
}

/**
 * The losses (shaders/losses.wgsl) over one batch row (shaders/loss_row.wgsl), the selected loss's
 * delta, and lossRowMetrics(row): the row's share of the step's row sums, laid out as the metrics
 * ring is (every loss, Σ(∂L/∂z)², the saturated count) in METRIC_ROW_VEC4S vec4s.
 */
export function lossesWgsl(): string {
  const sums = LOSS_NAMES.map((loss) => `  ${vec4Slot('sums', lossSumOffset(loss))} = loss_${loss}_sum(r);`);
  return [
    outputsWgsl(),
    lossRowSource,
    lossesSource,
    GENERATED,
    '// ∂L/∂z of the row for the loss `lossId`, stored through storeOutputDelta; returns Σ_k (∂L/∂z_k)².',
    dispatcher('lossDelta(lossId: u32, r: LossRow) -> f32', 'lossId', 'LOSS', LOSS_NAMES, (name) => `loss_${name}_delta(r)`, 'return 0.0;'),
    "// Row `row`'s share of the step's row sums; also stores the row's output delta for this step's loss.",
    'fn lossRowMetrics(row: u32) -> array<vec4<f32>, METRIC_ROW_VEC4S> {',
    '  let r = lossRow(row);',
    '  var sums = array<vec4<f32>, METRIC_ROW_VEC4S>();',
    ...sums,
    `  ${vec4Slot('sums', OUTPUT_DELTA_SQUARES_OFFSET)} = lossDelta(step.lossId, r);`,
    `  ${vec4Slot('sums', SATURATED_COUNT_OFFSET)} = outputSaturated(r.output, r.zBase, r.outputs, r.stats);`,
    '  return sums;',
    '}',
    '',
  ].join('\n');
}

/**
 * The optimizers (shaders/optimizers.wgsl) and updateParameter(i), which applies the rule the OPTIMIZER_KIND override constant selects. An
 * override constant, not a uniform: SwiftShader runs every case of a switch it cannot resolve,
 * masked, for every element.
 */
export function optimizersWgsl(): string {
  return [
    optimizersSource,
    GENERATED,
    `override OPTIMIZER_KIND: u32 = ${idName('OPTIMIZER', OPTIMIZER_KINDS[0])};`,
    '// Applies this step\'s update to parameter i (its gradient is gradient[i]).',
    dispatcher('updateParameter(i: u32)', 'OPTIMIZER_KIND', 'OPTIMIZER', OPTIMIZER_KINDS, (name) => `optimizer_${name}_update(i)`, ''),
  ].join('\n');
}
