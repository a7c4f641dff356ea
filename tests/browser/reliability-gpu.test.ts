/**
 * The GPU path under faults and long runs, in headless Chromium (SwiftShader):
 * - divergence: learning rate 100 until float32 overflows; the guard must stop at the first
 *   non-finite metric and go back to exactly the parameters it kept;
 * - device loss: a GuardedSession over a GPU session, the device destroyed mid-run, must report it,
 *   build a new session, hold exactly the parameters of its last snapshot, and keep training;
 * - a long run: GPU buffers are counted by wrapping createBuffer and destroy on the page. After
 *   warm-up no buffer may be created, the readback staging pool included (its size follows the
 *   readbacks in flight, which the run's pattern keeps as in warm-up); the JS heap after GC is
 *   reported at warm-up and at the end.
 *   SOAK_STEPS sets the run's length (2,000 by default; the 20,000-step soak is
 *   `SOAK_STEPS=20000 npx vitest run --project browser tests/browser/reliability-gpu.test.ts`).
 *
 * The page is the GPU test harness page (any page of the dev server would do: the test imports the
 * modules it needs through Vite). The device is reached as the tests in gpu-session.test.ts reach
 * it: acquireGpu() hands out the shared context every GPU session of the page uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Page } from 'puppeteer';
import { startBrowserFixture, openPage, type BrowserFixture } from './browser';
import type { GuardEvent } from '../../src/train/guarded-session';

const SOAK_STEPS = Number(process.env.SOAK_STEPS ?? 2000);
/** Steps before the first buffer count: two rounds of the run's pattern, so the readback pool has grown to what the pattern needs. */
const WARM_UP_STEPS = 512;

/**
 * Buffers by kind: mappable (MAP_READ) buffers are the readback staging pool, which grows with the
 * number of readbacks in flight at once; every other buffer is made with the network and must stay.
 */
interface BufferCounts {
  /** Non-mappable buffers created. */
  otherCreated: number;
  /** Non-mappable buffers destroyed. */
  otherDestroyed: number;
  /** MAP_READ buffers created. */
  mappableCreated: number;
  /** MAP_READ buffers destroyed. */
  mappableDestroyed: number;
}

let fixture: BrowserFixture;
let page: Page;
let cdp: CDPSession;

declare global {
  interface Window {
    /** GPU buffer traffic on the page since the counters were installed. */
    reliabilityBufferCounts?: BufferCounts;
    /** The page's own dynamic import, for modules served by the Vite dev server. */
    reliabilityImport?: (path: string) => Promise<unknown>;
  }
}

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPage(fixture, '/tests/browser/gpu-harness.html');
  cdp = await page.createCDPSession();
  await page.evaluate(() => {
    const counts: BufferCounts = { otherCreated: 0, otherDestroyed: 0, mappableCreated: 0, mappableDestroyed: 0 };
    const mappable = new WeakSet<GPUBuffer>();
    const destroyed = new WeakSet<GPUBuffer>();
    const createBuffer = GPUDevice.prototype.createBuffer;
    GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
      const buffer = createBuffer.call(this, descriptor);
      if (descriptor.usage & GPUBufferUsage.MAP_READ) {
        mappable.add(buffer);
        counts.mappableCreated++;
      } else counts.otherCreated++;
      return buffer;
    };
    const destroy = GPUBuffer.prototype.destroy;
    // destroy() may be called twice on one buffer; only the first frees it.
    GPUBuffer.prototype.destroy = function (this: GPUBuffer) {
      if (!destroyed.has(this)) {
        destroyed.add(this);
        if (mappable.has(this)) counts.mappableDestroyed++;
        else counts.otherDestroyed++;
      }
      return destroy.call(this);
    };
    window.reliabilityBufferCounts = counts;
  });
  // Given as text so Vitest's transform of this file cannot rewrite the import() the page runs.
  await page.evaluate('window.reliabilityImport = (path) => import(path)');
});

afterAll(async () => {
  await fixture?.close();
});

/** JS heap in use after a full garbage collection, in bytes. */
async function heapAfterGc(): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

describe('GPU device loss under a GuardedSession', () => {
  it('reports the loss, recreates the session, restores the last snapshot exactly and keeps training', async () => {
    const result = await page.evaluate(async () => {
      const load = window.reliabilityImport!;
      const { GuardedSession } = (await load('/src/train/guarded-session.ts')) as typeof import('../../src/train/guarded-session');
      const { createSession } = (await load('/src/train/create-session.ts')) as typeof import('../../src/train/create-session');
      const { acquireGpu } = (await load('/src/gpu/device.ts')) as typeof import('../../src/gpu/device');
      const { makeSyntheticDataset } = (await load('/src/data/synthetic.ts')) as typeof import('../../src/data/synthetic');
      const { DEFAULT_SPEC, cloneSpec } = (await load('/src/model/spec.ts')) as typeof import('../../src/model/spec');

      const dataset = makeSyntheticDataset({ kind: 'circle', samples: 400, seed: 1 });
      const spec = { ...cloneSpec(DEFAULT_SPEC), optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam' as const, learningRate: 0.01 } };
      const events: GuardEvent[] = [];
      const backends: string[] = [];
      const guard = await GuardedSession.create({
        createSession: async () => {
          const session = await createSession({ spec, dataset, backend: 'webgpu' });
          backends.push(session.backend);
          return session;
        },
        onStatus: (event) => events.push(event),
        snapshotEverySteps: 100,
        // The cadence is counted in steps alone here, so which snapshot is kept does not depend on timing.
        minSnapshotIntervalMs: 0,
      });
      const stepsSeen: number[] = [];
      for (let call = 0; call < 4; call++) {
        await guard.train(40);
        await guard.flush();
        stepsSeen.push(...(await guard.takeMetrics()).map((m) => m.step));
      }
      const kept = guard.lastGoodSnapshot!;
      const keptParameters = Array.from(kept.parameters);
      const keptSlots = kept.optimizerSlots.map((slot) => Array.from(slot));
      const stepsBeforeLoss = guard.stepsTaken;
      // Steps still queued when the device goes: their work is lost, the snapshot is not.
      await guard.train(20);

      const lostContext = await acquireGpu();
      lostContext.device.destroy();
      const deadline = performance.now() + 20_000;
      while (!events.some((e) => e.kind === 'recovered' || e.kind === 'recovery-failed') && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const newContext = await acquireGpu();
      const restored = await guard.snapshot();
      const stepsAfterRecovery = guard.stepsTaken;
      const parameterMismatches = keptParameters.filter((value, i) => !Object.is(value, restored.parameters[i])).length;
      const slotMismatches = keptSlots.flatMap((slot, s) => slot.filter((value, i) => !Object.is(value, restored.optimizerSlots[s][i]))).length;

      const after: { step: number; finite: boolean }[] = [];
      for (let call = 0; call < 3; call++) {
        await guard.train(25);
        await guard.flush();
        after.push(...(await guard.takeMetrics()).map((m) => ({ step: m.step, finite: Number.isFinite(m.losses.mse) && Number.isFinite(m.globalGradNorm) })));
      }
      const result = {
        events: events.map((e) => ({ kind: e.kind, message: e.message })),
        backends,
        condition: guard.condition,
        deviceReplaced: lostContext.lost && newContext !== lostContext && !newContext.lost,
        stepsSeen,
        stepsBeforeLoss,
        keptStep: kept.step,
        restoredStep: restored.step,
        stepsAfterRecovery,
        parameterCount: keptParameters.length,
        parameterMismatches,
        slotCount: keptSlots.length,
        slotMismatches,
        after,
        finalSteps: guard.stepsTaken,
      };
      guard.dispose();
      return result;
    });

    expect(result.stepsSeen).toEqual(Array.from({ length: 160 }, (_, i) => i));
    expect(result.backends).toEqual(['webgpu', 'webgpu']);
    expect(result.deviceReplaced).toBe(true);
    expect(result.events.map((e) => e.kind)).toEqual(['device-lost', 'recovered']);
    expect(result.events[0].message).toContain('The GPU device was lost at step 180');
    expect(result.events[0].message).toContain(`restoring the parameters of step ${result.keptStep}`);
    expect(result.events[1].message).toContain(`continues from step ${result.keptStep}`);
    expect(result.condition).toBe('ready');
    // train(40) calls met a due snapshot (every 100 steps) at step 120; at 160 the next was not yet due.
    expect(result.keptStep).toBe(120);
    expect(result.restoredStep).toBe(result.keptStep);
    expect(result.stepsAfterRecovery).toBe(result.keptStep);
    expect(result.parameterCount).toBeGreaterThan(0);
    expect(result.parameterMismatches).toBe(0);
    expect(result.slotCount).toBe(2);
    expect(result.slotMismatches).toBe(0);
    expect(result.after.map((m) => m.step)).toEqual(Array.from({ length: 75 }, (_, i) => result.keptStep + i));
    expect(result.after.every((m) => m.finite)).toBe(true);
    expect(result.finalSteps).toBe(result.keptStep + 75);
  });
});

describe('a diverging GPU run under a GuardedSession', () => {
  it('stops at the first non-finite float32 metric, names it, and restores the kept parameters exactly', async () => {
    const result = await page.evaluate(async () => {
      const load = window.reliabilityImport!;
      const { GuardedSession } = (await load('/src/train/guarded-session.ts')) as typeof import('../../src/train/guarded-session');
      const { createSession } = (await load('/src/train/create-session.ts')) as typeof import('../../src/train/create-session');
      const { makeSyntheticDataset } = (await load('/src/data/synthetic.ts')) as typeof import('../../src/data/synthetic');
      const { DEFAULT_SPEC, cloneSpec } = (await load('/src/model/spec.ts')) as typeof import('../../src/model/spec');
      const dataset = makeSyntheticDataset({ kind: 'gaussians', samples: 200, seed: 3 });
      const spec = {
        ...cloneSpec(DEFAULT_SPEC),
        widths: [2, 6, 1],
        hiddenActivations: ['tanh' as const],
        outputActivation: 'linear' as const,
        loss: 'mse' as const,
        optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'momentum' as const, learningRate: 100 },
        batchSize: 16,
      };
      const events: GuardEvent[] = [];
      const guard = await GuardedSession.create({
        createSession: () => createSession({ spec, dataset, backend: 'webgpu' }),
        onStatus: (event) => events.push(event),
        snapshotEverySteps: 2,
        minSnapshotIntervalMs: 0,
      });
      const taken: { step: number; values: number[] }[] = [];
      let refusal = '';
      for (let call = 0; call < 200 && guard.condition === 'ready'; call++) {
        await guard.train(2).catch((error: unknown) => (refusal = String(error)));
        await guard.flush();
        for (const m of await guard.takeMetrics()) taken.push({ step: m.step, values: [m.losses.mse, m.outputDeltaNorm, m.globalGradNorm, ...m.gradNormW, ...m.gradNormB] });
      }
      const fault = guard.fault;
      await guard.train(1).catch((error: unknown) => (refusal = String(error)));
      const kept = guard.lastGoodSnapshot!;
      const keptParameters = Array.from(kept.parameters);
      await guard.restoreLastGood();
      const restored = await guard.snapshot();
      await guard.train(1);
      await guard.flush();
      const [next] = await guard.takeMetrics();
      guard.dispose();
      return {
        fault,
        events: events.map((e) => ({ kind: e.kind, message: e.message })),
        refusal,
        takenSteps: taken.map((t) => t.step),
        lastTakenFinite: taken.length > 0 && taken[taken.length - 1].values.every(Number.isFinite),
        earlierFinite: taken.slice(0, -1).every((t) => t.values.every(Number.isFinite)),
        keptStep: kept.step,
        restoredStep: restored.step,
        mismatches: keptParameters.filter((value, i) => !Object.is(value, restored.parameters[i])).length,
        nextStep: next?.step,
        nextFinite: next !== undefined && Number.isFinite(next.losses.mse) && Number.isFinite(next.globalGradNorm),
      };
    });

    expect(result.fault, 'learning rate 100 should overflow float32 within 400 steps').not.toBeNull();
    const fault = result.fault!;
    console.log(`GPU divergence: ${result.events[0].message}`);
    expect(result.takenSteps).toEqual(Array.from({ length: fault.step + 1 }, (_, i) => i));
    expect(result.earlierFinite).toBe(true);
    expect(result.lastTakenFinite).toBe(false);
    expect(result.events.map((e) => e.kind)).toEqual(['non-finite', 'restored']);
    expect(result.events[0].message).toContain(`Step ${fault.step}: `);
    if (fault.layer !== null) expect(result.events[0].message).toContain(`layer ${fault.layer}'s`);
    expect(result.refusal).toContain(`training is stopped`);
    expect(result.keptStep).toBeLessThan(fault.step);
    expect(result.restoredStep).toBe(result.keptStep);
    expect(result.mismatches).toBe(0);
    expect(result.nextStep).toBe(result.keptStep);
    expect(result.nextFinite).toBe(true);
  });
});

describe('a long GPU run', () => {
  it(`${SOAK_STEPS} steps: no buffer is made after warm-up but pooled readbacks; JS heap reported`, async () => {
    const run = async (steps: number) =>
      page.evaluate(async (count) => {
        const guard = window.reliabilitySoak!;
        let finite = true;
        const check = (metrics: { losses: { mse: number }; globalGradNorm: number }[]): void => {
          for (const m of metrics) finite &&= Number.isFinite(m.losses.mse) && Number.isFinite(m.globalGradNorm);
        };
        for (let done = 0; done < count; ) {
          // As the page's training loop does: a batch of steps per frame, metrics taken every frame,
          // and only a few frames' worth of steps in flight (here: a flush every 4 frames).
          const batch = Math.min(64, count - done);
          await guard.train(batch);
          done += batch;
          check(await guard.takeMetrics());
          if (done % (4 * 64) === 0) await guard.flush();
        }
        await guard.flush();
        check(await guard.takeMetrics());
        return { steps: guard.stepsTaken, finite, counts: { ...window.reliabilityBufferCounts! } };
      }, steps);

    await page.evaluate(async () => {
      const load = window.reliabilityImport!;
      const { GuardedSession } = (await load('/src/train/guarded-session.ts')) as typeof import('../../src/train/guarded-session');
      const { createSession } = (await load('/src/train/create-session.ts')) as typeof import('../../src/train/create-session');
      const { makeSyntheticDataset } = (await load('/src/data/synthetic.ts')) as typeof import('../../src/data/synthetic');
      const { DEFAULT_SPEC, cloneSpec } = (await load('/src/model/spec.ts')) as typeof import('../../src/model/spec');
      const dataset = makeSyntheticDataset({ kind: 'spiral', samples: 500, seed: 2 });
      const spec = { ...cloneSpec(DEFAULT_SPEC), optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'momentum' as const, learningRate: 0.1 } };
      window.reliabilitySoak = await GuardedSession.create({ createSession: () => createSession({ spec, dataset, backend: 'webgpu' }) });
    });
    const started = performance.now();
    const warm = await run(WARM_UP_STEPS);
    const heapStart = await heapAfterGc();
    const end = await run(SOAK_STEPS - WARM_UP_STEPS);
    const heapEnd = await heapAfterGc();
    const seconds = (performance.now() - started) / 1000;
    const condition = await page.evaluate(() => {
      const guard = window.reliabilitySoak!;
      const state = guard.condition;
      guard.dispose();
      return state;
    });
    const live = (c: BufferCounts) => ({ other: c.otherCreated - c.otherDestroyed, pooled: c.mappableCreated - c.mappableDestroyed });
    const [warmLive, endLive] = [live(warm.counts), live(end.counts)];
    console.log(
      `soak: ${end.steps} steps in ${seconds.toFixed(1)} s; live GPU buffers after ${warm.steps} steps ${warmLive.other} + ${warmLive.pooled} readback, ` +
        `at the end ${endLive.other} + ${endLive.pooled} readback; ` +
        `JS heap after GC ${(heapStart / 2 ** 20).toFixed(2)} MiB after warm-up, ${(heapEnd / 2 ** 20).toFixed(2)} MiB at the end`,
    );
    expect(warm.steps).toBe(WARM_UP_STEPS);
    expect(end.steps).toBe(SOAK_STEPS);
    expect(warm.finite && end.finite).toBe(true);
    expect(condition).toBe('ready');
    expect(warmLive.other).toBeGreaterThan(0);
    // Buffers, layouts and bind groups are made once per network (DESIGN.md): none after warm-up.
    expect(end.counts.otherCreated).toBe(warm.counts.otherCreated);
    expect(endLive.other).toBe(warmLive.other);
    // With as many readbacks in flight as during warm-up, the staging pool has all it needs by then.
    expect(endLive.pooled).toBe(warmLive.pooled);
  });
});

declare global {
  interface Window {
    /** The guarded GPU session the long-run test drives across page.evaluate calls. */
    reliabilitySoak?: import('../../src/train/guarded-session').GuardedSession;
  }
}
