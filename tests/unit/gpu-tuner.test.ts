/**
 * The autotuner's decisions, in Node, with a timer that reports set figures instead of timing a GPU
 * and a store in memory: what it times, what it keeps, and when it leaves the fixed rule alone.
 * Timing on a real device is exercised by tests/browser/gpu-tuning.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { GpuAdapterReport } from '../../src/gpu/device';
import { MATMUL_VARIANT_NAMES, type MatmulVariant } from '../../src/gpu/kernels';
import { chooseStepPlan, productShapes, variantFor, type ProductShape } from '../../src/gpu/step-plan';
import { candidateVariants, tunePlan, type StoredTuning, type TuningStore } from '../../src/gpu/tuner';

const adapter: GpuAdapterReport = { vendor: 'acme', architecture: 'rdna9', device: 'x1', description: 'Acme X1', isCpuAdapter: false };
const limits = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };
const network = { widths: [784, 256, 256, 10], batchSize: 256 };

function memoryStore(): TuningStore & { entries: Map<string, StoredTuning> } {
  const entries = new Map<string, StoredTuning>();
  return {
    entries,
    load: async (key) => entries.get(key) ?? null,
    save: async (key, value) => {
      entries.set(key, value);
    },
  };
}

/** A timer whose variants have set speeds (GFLOP/s), which counts its calls and advances a fake clock `costMs` per call. */
function fakeTimer(speeds: Partial<Record<MatmulVariant, number | Error>>, costMs = 10) {
  const calls: { shape: string; variant: MatmulVariant }[] = [];
  let now = 0;
  return {
    calls,
    clock: () => now,
    timer: async (shape: ProductShape, variant: MatmulVariant) => {
      calls.push({ shape: shape.key, variant });
      now += costMs;
      const speed = speeds[variant] ?? 1;
      if (speed instanceof Error) throw speed;
      return speed;
    },
  };
}

const rule = chooseStepPlan(network.widths, network.batchSize, false);
const distinct = new Set(productShapes(network.widths, network.batchSize).map((shape) => shape.key)).size;

describe('the autotuner', () => {
  it('times every candidate of every distinct shape, the rule\'s first, and runs the fastest', async () => {
    const fake = fakeTimer({ 'tiled-64-k16-double': 50, 'workgroup-memory': 20 });
    const { plan, report } = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store: null, timer: fake.timer, clock: fake.clock });
    const candidates = candidateVariants(rule.matmul, limits);
    expect(candidates[0]).toBe(rule.matmul);
    expect(fake.calls).toHaveLength(distinct * candidates.length);
    for (const shape of productShapes(network.widths, network.batchSize)) expect(variantFor(plan, shape)).toBe('tiled-64-k16-double');
    expect(report.shapes.every((s) => s.source === 'measured' && s.candidates[0].variant === 'tiled-64-k16-double')).toBe(true);
  });

  it('uses a stored choice without timing, and measures again for another adapter or another shape', async () => {
    const store = memoryStore();
    const first = fakeTimer({ 'tiled-64-k8-double': 9 });
    await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store, timer: first.timer, clock: first.clock });
    expect(store.entries.size).toBe(distinct);

    const again = fakeTimer({ registers: 99 });
    const stored = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store, timer: again.timer, clock: again.clock });
    expect(again.calls).toEqual([]);
    expect(stored.report.shapes.every((s) => s.source === 'stored' && s.chosen === 'tiled-64-k8-double')).toBe(true);

    const otherAdapter = fakeTimer({});
    await tunePlan(rule, network, { adapter: { ...adapter, description: 'Acme X1 (new driver)' }, limits }, { budgetMs: 1e9, store, timer: otherAdapter.timer, clock: otherAdapter.clock });
    expect(otherAdapter.calls.length).toBeGreaterThan(0);

    const otherShape = fakeTimer({});
    await tunePlan(rule, { ...network, batchSize: 128 }, { adapter, limits }, { budgetMs: 1e9, store, timer: otherShape.timer, clock: otherShape.clock });
    // Every shape of the new batch size differs from the stored ones (the batch is a dimension of each product).
    expect(new Set(otherShape.calls.map((c) => c.shape)).size).toBe(distinct);
  });

  it('times again what was stored on another clock, and reports the clock each timing and the run used', async () => {
    const store = memoryStore();
    const onHost = fakeTimer({ 'tiled-64-k8-double': 9 });
    const first = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store, timer: onHost.timer, clock: onHost.clock });
    expect(first.report.clock).toBe('submission');
    expect([...store.entries.values()].every((entry) => entry.candidates.every((timing) => timing.clock === 'submission'))).toBe(true);
    const onHostEntries = new Map(store.entries);

    // The same adapter now times with timestamp queries: the host's figures also count the submission, so none is reused.
    const onGpu = fakeTimer({ registers: 40 });
    const second = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store, timer: onGpu.timer, clock: onGpu.clock, timerClock: () => 'timestamp-query' });
    expect(onGpu.calls).toHaveLength(distinct * candidateVariants(rule.matmul, limits).length);
    expect(second.report.clock).toBe('timestamp-query');
    expect(second.report.shapes.every((s) => s.source === 'measured' && s.chosen === 'registers' && s.candidates.every((timing) => timing.clock === 'timestamp-query'))).toBe(true);

    // A choice stored before timings named their clock counts as timed on the host's: used as it is there, timed again with timestamps.
    const oldStyle = (): ReturnType<typeof memoryStore> => {
      const copy = memoryStore();
      for (const [key, value] of onHostEntries) copy.entries.set(key, { ...value, candidates: value.candidates.map(({ variant, gflops }) => ({ variant, gflops })) });
      return copy;
    };
    const onHostAgain = fakeTimer({});
    const reused = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store: oldStyle(), timer: onHostAgain.timer, clock: onHostAgain.clock });
    expect(onHostAgain.calls).toEqual([]);
    expect(reused.report.shapes.every((s) => s.source === 'stored' && s.chosen === 'tiled-64-k8-double')).toBe(true);
    const onGpuAgain = fakeTimer({});
    await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store: oldStyle(), timer: onGpuAgain.timer, clock: onGpuAgain.clock, timerClock: () => 'timestamp-query' });
    expect(onGpuAgain.calls).toHaveLength(distinct * candidateVariants(rule.matmul, limits).length);
  });

  it('gives the fixed rule\'s plan with a budget of 0, timing nothing', async () => {
    const fake = fakeTimer({ registers: 1000 });
    const store = memoryStore();
    const { plan, report } = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 0, store, timer: fake.timer, clock: fake.clock });
    expect(fake.calls).toEqual([]);
    expect(plan.tuned).toEqual({});
    expect(report.shapes.every((s) => s.source === 'rule' && s.chosen === rule.matmul)).toBe(true);
    expect(store.entries.size).toBe(0);
  });

  it('stops at its budget: shapes it did not reach keep the rule; the next run times only what is missing', async () => {
    const store = memoryStore();
    const candidates = candidateVariants(rule.matmul, limits);
    // 10 ms a candidate, 35 ms of budget: the first shape gets its first four candidates, nothing more.
    const fake = fakeTimer({ 'tiled-64-k16': 40 }, 10);
    const { plan, report } = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 35, store, timer: fake.timer, clock: fake.clock });
    expect(fake.calls).toHaveLength(4);
    expect(report.shapes[0]).toMatchObject({ source: 'measured' });
    expect(report.shapes.slice(1).every((s) => s.source === 'rule')).toBe(true);
    expect(Object.keys(plan.tuned)).toHaveLength(1);
    // The shape cut short is stored as incomplete, with the four timings it has.
    expect([...store.entries.values()].map((entry) => [entry.complete, entry.candidates.length])).toEqual([[false, 4]]);

    // A second run with the same budget times the first shape's remaining candidates, then moves on.
    const again = fakeTimer({ 'tiled-64-k16': 40 }, 10);
    const second = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 35, store, timer: again.timer, clock: again.clock });
    expect(again.calls.filter((c) => c.shape === report.shapes[0].key).map((c) => c.variant)).toEqual(candidates.slice(4, 8));
    expect(second.report.shapes[0].candidates).toHaveLength(Math.min(candidates.length, 8));
    expect(new Set(again.calls.map((c) => c.variant)).size).toBe(again.calls.length);
  });

  it('skips a variant that cannot run, with its message, and never chooses it', async () => {
    const broken = new Error('pipeline creation failed: workgroup storage exceeds the limit');
    const fake = fakeTimer({ 'tiled-128-k8-double': broken, 'workgroup-memory': 5 });
    const { plan, report } = await tunePlan(rule, network, { adapter, limits }, { budgetMs: 1e9, store: null, timer: fake.timer, clock: fake.clock });
    for (const shape of report.shapes) {
      expect(shape.chosen).not.toBe('tiled-128-k8-double');
      expect(shape.candidates.find((c) => c.variant === 'tiled-128-k8-double')).toEqual({ variant: 'tiled-128-k8-double', gflops: null, error: broken.message });
    }
    expect(Object.values(plan.tuned).every((variant) => variant === 'workgroup-memory')).toBe(true);
  });

  it('leaves out variants the device cannot run, and tunes nothing of a fused step', async () => {
    const small = { maxComputeWorkgroupStorageSize: 8192, maxComputeInvocationsPerWorkgroup: 64 };
    const candidates = candidateVariants('workgroup-memory', small);
    expect(candidates).toContain('registers');
    expect(candidates).not.toContain('tiled-128-k8-double');
    expect(candidates.length).toBeLessThan(MATMUL_VARIANT_NAMES.length);
    const tiny = chooseStepPlan([2, 8, 1], 16, false);
    expect(tiny.kernel).toBe('fused');
    const fake = fakeTimer({});
    const { plan } = await tunePlan(tiny, { widths: [2, 8, 1], batchSize: 16 }, { adapter, limits }, { budgetMs: 1e9, store: null, timer: fake.timer, clock: fake.clock });
    expect(fake.calls).toEqual([]);
    expect(plan).toBe(tiny);
  });
});
