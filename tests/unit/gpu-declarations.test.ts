/**
 * The GPU engine's declarations, in Node: uniform structs laid out by WGSL's uniform rules, every
 * table entry with its WGSL functions, and every dispatch of every trainer layout binding exactly
 * what its kernel declares. The compiled shaders themselves are exercised by tests/browser.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MATMUL_VARIANT_NAMES, kernelModule, productBlock, variantFits, variantNeeds } from '../../src/gpu/kernels';
import { chooseStepPlan } from '../../src/gpu/step-plan';
import { layoutTrainer } from '../../src/gpu/trainer-layout';
import { NETWORK_SHAPE, OPTIMIZER_PARAMS } from '../../src/gpu/uniforms';
import { defineStruct, packStruct } from '../../src/gpu/wgsl-struct';
import { HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS } from '../../src/model/activations';
import { LOSS_NAMES } from '../../src/model/losses';
import { OPTIMIZER_KINDS, OPTIMIZER_UNIFORMS } from '../../src/model/optimizers';
import { DEFAULT_SPEC, cloneSpec, type NetworkSpec } from '../../src/model/spec';
import { MAX_LAYERS } from '../../src/model/validate';

const shader = (name: string) => readFileSync(fileURLToPath(new URL(`../../shaders/${name}`, import.meta.url)), 'utf8');

describe('uniform structs', () => {
  it('put an array of structs on a 16-byte boundary and say where the padding went', () => {
    // layerCount and batch take 8 bytes; the array must start at 16; each LayerShape is 8 u32 = 32 bytes.
    expect(NETWORK_SHAPE.offsets.layers).toBe(16);
    expect(NETWORK_SHAPE.size).toBe(16 + MAX_LAYERS * 32);
    expect(NETWORK_SHAPE.wgsl).toContain('_pad0: u32,');
    expect(NETWORK_SHAPE.wgsl).toContain('layers: array<LayerShape, MAX_LAYERS>,');
    const bytes = new DataView(packStruct(NETWORK_SHAPE, { layerCount: 2, batch: 7, layers: [{ fanIn: 3, fanOut: 5, weightOffset: 0, biasOffset: 15, activation: 1, activationOffset: 21, deltaOffset: 56, inputOffset: 0 }] }));
    expect([bytes.getUint32(0, true), bytes.getUint32(4, true), bytes.getUint32(16, true), bytes.getUint32(16 + 12, true), bytes.getUint32(16 + 32, true)]).toEqual([2, 7, 3, 15, 0]);
  });

  it('refuse a missing field, an unknown one and a u32 that is not a whole number in range', () => {
    const pair = defineStruct('Pair', { a: { type: 'u32', doc: 'a' }, b: { type: 'f32', doc: 'b' } });
    expect(() => packStruct(pair, { a: 1 })).toThrow('Pair.b was not given a value');
    expect(() => packStruct(pair, { a: 1, b: 2, c: 3 })).toThrow('Pair has no field "c"');
    expect(() => packStruct(pair, { a: -1, b: 2 })).toThrow('Pair.a is a u32, got -1');
    expect(() => packStruct(pair, { a: 0.5, b: 2 })).toThrow('Pair.a is a u32, got 0.5');
  });

  it('give OptimizerParams a field for every uniform some optimizer reads', () => {
    for (const name of OPTIMIZER_UNIFORMS) expect(OPTIMIZER_PARAMS.fields).toHaveProperty(name);
  });
});

describe('the product family', () => {
  it('states each variant\'s block and what it needs, and fits the default limits every adapter offers', () => {
    // WebGPU's defaults: 16384 bytes of workgroup memory, 256 invocations per workgroup.
    const defaults = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };
    expect(productBlock('registers')).toEqual([32, 32]);
    expect(productBlock('workgroup-memory')).toEqual([32, 32]);
    expect(productBlock('tiled-64-k16')).toEqual([64, 64]);
    expect(productBlock('tiled-128-k8-double')).toEqual([128, 128]);
    // 128 × 8 floats of A and 8 × 128 of B, twice: exactly the default 16 KiB.
    expect(variantNeeds('tiled-128-k8-double')).toEqual({ workgroupStorageBytes: 4 * (128 * 8 + 8 * 128) * 2, invocations: 256 });
    for (const variant of MATMUL_VARIANT_NAMES) expect(variantFits(variant, defaults), variant).toBe(true);
    expect(variantFits('tiled-128-k8-double', { ...defaults, maxComputeWorkgroupStorageSize: 16383 })).toBe(false);
  });
});

describe('table entries and their WGSL', () => {
  // The generated dispatchers call these by name; a missing one would fail only when a kernel compiles.
  it.each([
    ...HIDDEN_ACTIVATIONS.flatMap((name) => [['activations.wgsl', `fn activation_${name}(`], ['activations.wgsl', `fn activation_${name}_derivative(`]]),
    ...OUTPUT_ACTIVATIONS.flatMap((name) => ['prepare', 'value', 'saturated'].map((part) => ['outputs.wgsl', `fn output_${name}_${part}(`])),
    ...LOSS_NAMES.flatMap((name) => [['losses.wgsl', `fn loss_${name}_sum(`], ['losses.wgsl', `fn loss_${name}_delta(`]]),
    ...OPTIMIZER_KINDS.map((name) => ['optimizers.wgsl', `fn optimizer_${name}_update(`]),
  ])('shaders/%s defines %s', (file, signature) => {
    expect(shader(file)).toContain(signature);
  });
});

describe('trainer layouts', () => {
  const limits = { minUniformBufferOffsetAlignment: 256, maxComputeWorkgroupsPerDimension: 65535 };
  const specs: [string, NetworkSpec][] = [
    ['tiny sigmoid', cloneSpec(DEFAULT_SPEC)],
    ['mnist-shaped softmax with Adam', { ...cloneSpec(DEFAULT_SPEC), widths: [784, 256, 10], hiddenActivations: ['relu'], outputActivation: 'softmax', loss: 'cross_entropy', batchSize: 64, optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam' } }],
    ['odd widths, momentum', { ...cloneSpec(DEFAULT_SPEC), widths: [3, 17, 5, 1], hiddenActivations: ['tanh', 'leaky_relu'], batchSize: 7, optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'momentum' } }],
  ];
  const plans = [{ kernel: 'fused', matmul: 'registers' } as const, ...MATMUL_VARIANT_NAMES.map((matmul) => ({ kernel: 'layered', matmul }) as const)];

  it.each(specs.flatMap(([name, spec]) => plans.map((overrides) => [name, spec, overrides] as const)))(
    '%s, %o: every dispatch binds exactly what its kernel declares, and every kernel module declares each binding once',
    (_name, spec, overrides) => {
      const plan = chooseStepPlan(spec.widths, spec.batchSize, true, overrides);
      // layoutTrainer throws, naming the dispatch, when a dispatch's buffers differ from its kernel's bindings.
      const layout = layoutTrainer({ spec, plan, trainCount: 100, stepsPerSubmission: 4, evaluationRows: 50, limits });
      const layers = spec.widths.length - 1;
      expect(layout.step).toHaveLength(plan.kernel === 'fused' ? 1 : 3 * layers + 2);
      expect(layout.evaluation).toHaveLength(layers + 1);
      for (const dispatch of [...layout.step, ...layout.evaluation]) {
        const module = kernelModule(dispatch.kernel);
        dispatch.kernel.bindings.forEach((binding, index) => {
          expect(module.split(`@group(0) @binding(${index}) `)).toHaveLength(2);
          expect(module).toContain(`@group(0) @binding(${index}) var<${binding.access === 'uniform' ? 'uniform' : `storage, ${binding.access}`}> ${binding.name}:`);
        });
      }
      // Each buffer is planned once, however many dispatches bind it.
      expect(new Set(layout.allBuffers).size).toBe(layout.allBuffers.length);
    },
  );
});
