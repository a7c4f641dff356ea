/**
 * The GPU engine's host-side arithmetic, in Node (no browser needed): uniform packing, dispatch
 * grids, the capacity check and the step plan. The numbers expected here are worked out in the
 * test from WGSL's layout rules and the limits, not taken from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { checkCapacity as checkLayoutCapacity } from '../../src/gpu/capacity';
import { elementGrid, layerAlignment, matmulGrid, matmulKernels } from '../../src/gpu/kernels';
import { chooseStepPlan, stepMultiplyAdds } from '../../src/gpu/step-plan';
import { layoutTrainer } from '../../src/gpu/trainer-layout';
import { defineStruct, packStruct } from '../../src/gpu/wgsl-struct';
import type { NetworkSpec } from '../../src/model/spec';
import { DEFAULT_SPEC, cloneSpec } from '../../src/model/spec';

describe('packStruct', () => {
  it('lays 4-byte scalars out in order and rounds the struct up to 16 bytes', () => {
    const struct = defineStruct('Five', {
      a: { type: 'u32', doc: 'a' },
      b: { type: 'f32', doc: 'b' },
      c: { type: 'u32', doc: 'c' },
      d: { type: 'f32', doc: 'd' },
      e: { type: 'u32', doc: 'e' },
    });
    const bytes = packStruct(struct, { e: 1, d: -2, c: 4294967295, b: 0.5, a: 7 });
    expect(bytes.byteLength).toBe(32);
    const view = new DataView(bytes);
    expect(view.getUint32(0, true)).toBe(7);
    expect(view.getFloat32(4, true)).toBe(0.5);
    expect(view.getUint32(8, true)).toBe(4294967295);
    expect(view.getFloat32(12, true)).toBe(-2);
    expect(view.getUint32(16, true)).toBe(1);
    expect(view.getUint32(20, true)).toBe(0);
  });
});

describe('dispatch grids', () => {
  it('cover every output of a product with 32 × 32 blocks, sizes off the block included', () => {
    expect(matmulGrid(1, 1)).toEqual([1, 1]);
    expect(matmulGrid(100, 785)).toEqual([Math.ceil(785 / 32), Math.ceil(100 / 32)]);
    expect(matmulGrid(64, 32)).toEqual([1, 2]);
  });

  it('give vec4 register products only to layers whose widths and weight offset are multiples of 4', () => {
    expect(layerAlignment(784, 256, 0)).toBe('vec4');
    expect(layerAlignment(256, 10, 784 * 256 + 256)).toBe('scalar');
    expect(layerAlignment(17, 8, 0)).toBe('scalar');
    expect(layerAlignment(8, 8, 2)).toBe('scalar');
    expect(matmulKernels('registers', 'vec4').weightGrad.name).not.toBe(matmulKernels('registers', 'scalar').weightGrad.name);
    expect(matmulKernels('workgroup-memory', 'vec4').forward.name).toBe(matmulKernels('workgroup-memory', 'scalar').forward.name);
  });

  it('fold a long element dispatch into rows no wider than the per-dimension limit', () => {
    const count = 70_000 * 256 + 3;
    const grid = elementGrid(count, 256, 65535);
    expect(grid.x).toBe(65535);
    expect(grid.rowPitch).toBe(65535 * 256);
    // Every element has an invocation: the last one sits in row y − 1.
    expect(grid.x * grid.y * 256).toBeGreaterThanOrEqual(count);
    expect((grid.y - 1) * grid.x * 256).toBeLessThan(count);
    expect(elementGrid(10, 256, 65535)).toEqual({ x: 1, y: 1, rowPitch: 256 });
  });
});

describe('capacity check', () => {
  const limits = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };
  /** checkCapacity over the buffers a trainer of `spec` would allocate (its layout, planned as the trainer plans it). */
  const checkCapacity = (input: { spec: NetworkSpec; trainCount: number; stepsPerSubmission: number; evaluationRows: number }, deviceLimits: typeof limits) =>
    checkLayoutCapacity(
      layoutTrainer({ ...input, plan: chooseStepPlan(input.spec.widths, input.spec.batchSize, false), limits: { minUniformBufferOffsetAlignment: 256, maxComputeWorkgroupsPerDimension: 65535 } }),
      input.spec,
      deviceLimits,
    );

  it('names the buffer, its size and the limit when one buffer is too large', () => {
    const spec = cloneSpec({ ...DEFAULT_SPEC, widths: [20000, 20000, 1], hiddenActivations: ['relu'], batchSize: 1 });
    const parameters = 20000 * 20000 + 20000 + 20000 + 1;
    expect(() => checkCapacity({ spec, trainCount: 1, stepsPerSubmission: 1, evaluationRows: 1 }, limits)).toThrow(
      `parameters [${parameters}] needs ${4 * parameters} bytes but maxStorageBufferBindingSize is ${1 << 30} bytes`,
    );
  });

  it('names maxBufferSize when that is the smaller limit, and checks the training data too', () => {
    const spec = cloneSpec({ ...DEFAULT_SPEC, widths: [784, 10], hiddenActivations: [], outputActivation: 'softmax', loss: 'cross_entropy' });
    const small = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 20 };
    expect(() => checkCapacity({ spec, trainCount: 1000, stepsPerSubmission: 1, evaluationRows: 1 }, small)).toThrow(
      `training inputs [1000 × 784] needs ${1000 * 784 * 4} bytes but maxBufferSize is ${1 << 20} bytes`,
    );
  });

  it('accepts an MNIST-size network', () => {
    const spec = cloneSpec({ ...DEFAULT_SPEC, widths: [784, 1024, 1024, 10], hiddenActivations: ['relu', 'relu'], outputActivation: 'softmax', batchSize: 1024 });
    expect(() => checkCapacity({ spec, trainCount: 60000, stepsPerSubmission: 1, evaluationRows: 4096 }, limits)).not.toThrow();
  });
});

describe('step plan', () => {
  it('fuses a tiny network into one workgroup and lays a large one out in tiled products', () => {
    // 2-8-8-1, batch 64: 3·64·(2·8 + 8·8 + 8·1) multiply-adds.
    expect(stepMultiplyAdds([2, 8, 8, 1], 64)).toBe(3 * 64 * (16 + 64 + 8));
    const tiny = chooseStepPlan([2, 8, 8, 1], 64, true);
    expect(tiny.kernel).toBe('fused');
    expect(tiny.reason).toContain(`${3 * 64 * 88} multiply-adds per step`);
    const large = chooseStepPlan([784, 256, 256, 10], 256, true);
    expect(large.kernel).toBe('layered');
  });

  it('picks register tiles and 4-invocation reductions on CPU adapters, workgroup-memory tiles and 256 on GPUs', () => {
    expect(chooseStepPlan([784, 256, 10], 256, true)).toMatchObject({ matmul: 'registers', reductionWorkgroupSize: 4 });
    expect(chooseStepPlan([784, 256, 10], 256, false)).toMatchObject({ matmul: 'workgroup-memory', reductionWorkgroupSize: 256 });
  });

  it('honours forced choices and says so', () => {
    const plan = chooseStepPlan([2, 8, 1], 4, true, { kernel: 'layered', matmul: 'workgroup-memory' });
    expect(plan).toMatchObject({ kernel: 'layered', matmul: 'workgroup-memory' });
    expect(plan.reason).toContain('requested by the caller');
  });
});
