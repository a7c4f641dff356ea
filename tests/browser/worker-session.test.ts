/**
 * WorkerSession, the page's CPU path in a Web Worker, against the guarantees its callers rely on:
 * - it refuses what CpuSession refuses, with CpuSession's own message;
 * - calls are handled in the order they were made, and its numbers are CpuSession's, bit for bit;
 * - evaluate() leaves the caller's inputs usable (a copy is transferred, never the caller's array);
 * - snapshot() hands out float64 copies, restore() brings them back exactly and keeps them usable;
 * - a loss the output does not allow is refused at the call, and the spec keeps its loss;
 * - dispose() rejects pending and later calls rather than leaving them pending;
 * - a worker that fails, at load or later, rejects every call with the reason, and a failure
 *   after create() reaches onError once, as an 'internal' SessionError (dispose() never does).
 * Each check runs in the page, where Workers exist, on the dev server's modules.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { parameterLayout } from '../../src/model/layout';
import { OPTIMIZERS } from '../../src/model/optimizers';
import { DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import { openPage, startBrowserFixture, type BrowserFixture } from './browser';

let fixture: BrowserFixture;
let page: Page;

declare global {
  interface Window {
    /** import() as the page runs it: given as text below so Vitest's transform of this file leaves it alone. */
    adhocImport?: (path: string) => Promise<unknown>;
    /** The Worker constructor the browser had before a test replaced it. */
    realWorker?: typeof Worker;
    /** Every Worker made since replaceWorker(), newest last. */
    createdWorkers?: Worker[];
  }
}

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPage(fixture, '/tests/browser/gpu-harness.html');
  await page.evaluate('window.adhocImport = (path) => import(path); window.realWorker = window.Worker;');
});

afterAll(async () => {
  await fixture?.close();
});

/** The modules a check needs, loaded in the page. */
type Modules = {
  WorkerSession: typeof import('../../src/train/worker-session').WorkerSession;
  CpuSession: typeof import('../../src/train/cpu-session').CpuSession;
  makeSyntheticDataset: typeof import('../../src/data/synthetic').makeSyntheticDataset;
  cloneSpec: typeof import('../../src/model/spec').cloneSpec;
  DEFAULT_SPEC: typeof import('../../src/model/spec').DEFAULT_SPEC;
};

/** Loads the modules in the page; the returned text runs there, in each evaluate. */
const LOAD_MODULES = `(async () => {
  const load = window.adhocImport;
  const [worker, cpu, synthetic, spec] = await Promise.all([
    load('/src/train/worker-session.ts'), load('/src/train/cpu-session.ts'), load('/src/data/synthetic.ts'), load('/src/model/spec.ts'),
  ]);
  window.testModules = { WorkerSession: worker.WorkerSession, CpuSession: cpu.CpuSession, makeSyntheticDataset: synthetic.makeSyntheticDataset, cloneSpec: spec.cloneSpec, DEFAULT_SPEC: spec.DEFAULT_SPEC };
})()`;

/**
 * Makes every Worker the page creates from now on run `script` (module text) instead of the
 * one asked for; `{url}` in it stands for the URL that was asked for, `{origin}` for the page's
 * origin. Undone by restoreWorker().
 */
async function replaceWorker(script: string): Promise<void> {
  await page.evaluate((text: string) => {
    const Real = window.realWorker!;
    window.createdWorkers = [];
    window.Worker = class extends Real {
      constructor(url: string | URL, options?: WorkerOptions) {
        const asked = new URL(url, location.href).href;
        const script = text.replaceAll('{url}', asked).replaceAll('{origin}', location.origin);
        super(URL.createObjectURL(new Blob([script], { type: 'text/javascript' })), options);
        window.createdWorkers!.push(this);
      }
    };
  }, script);
}

async function restoreWorker(): Promise<void> {
  await page.evaluate(() => {
    window.Worker = window.realWorker!;
  });
}

/**
 * The real CPU worker, plus a listener that lets an error escape it (outside any call) when it
 * receives "crash"; messages are handled in order, so a call sent after "crash" is pending when
 * the page hears of the error.
 */
const CRASHING_WORKER = `import '{url}';
self.addEventListener('message', (event) => {
  if (event.data === 'crash') throw new Error('worker crashed on purpose');
});`;

beforeAll(async () => {
  await page.evaluate(LOAD_MODULES);
});

describe('WorkerSession', () => {
  test('refuses what CpuSession refuses, with its message', async () => {
    const cases: Partial<NetworkSpec>[] = [
      { widths: [5, 4, 1], hiddenActivations: ['tanh'] },
      { widths: [2, 4, 3], hiddenActivations: ['tanh'] },
      { batchSize: 100000 },
      { optimizer: { ...DEFAULT_SPEC.optimizer, learningRate: -1 } },
    ];
    const results = await page.evaluate(async (changes) => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const out: { cpu: string; worker: string }[] = [];
      for (const change of changes) {
        const spec = { ...m.cloneSpec(m.DEFAULT_SPEC), ...change };
        let cpu = 'accepted';
        try {
          new m.CpuSession(spec, dataset);
        } catch (error) {
          cpu = (error as Error).message;
        }
        const worker = await m.WorkerSession.create(spec, dataset).then(
          (session) => {
            session.dispose();
            return 'accepted';
          },
          (error: Error) => error.message,
        );
        out.push({ cpu, worker });
      }
      return out;
    }, cases);
    for (const { cpu, worker } of results) {
      expect(cpu).not.toBe('accepted');
      expect(worker).toBe(cpu);
    }
  });

  test('handles calls in order, with the numbers of CpuSession; flush waits for issued steps', async () => {
    const result = await page.evaluate(async () => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const spec = m.cloneSpec(m.DEFAULT_SPEC);
      const session = await m.WorkerSession.create(spec, dataset);
      const reference = new m.CpuSession(spec, dataset);
      // Not awaited: the second train() and takeMetrics() are sent while the first still runs.
      const first = session.train(5);
      const second = session.train(7);
      const metrics = await session.takeMetrics();
      await Promise.all([first, second]);
      await reference.train(12);
      const referenceMetrics = await reference.takeMetrics();
      void session.train(3);
      await session.flush();
      const afterFlush = (await session.takeMetrics()).map((m) => m.step);
      session.dispose();
      return { metrics, referenceMetrics, afterFlush, stepsTaken: session.stepsTaken };
    });
    expect(result.metrics.map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(result.metrics).toEqual(result.referenceMetrics);
    expect(result.afterFlush).toEqual([12, 13, 14]);
    expect(result.stepsTaken).toBe(15);
  });

  test('evaluate() leaves the caller’s arrays usable and gives CpuSession’s outputs', async () => {
    const result = await page.evaluate(async () => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const spec = m.cloneSpec(m.DEFAULT_SPEC);
      const session = await m.WorkerSession.create(spec, dataset);
      const reference = new m.CpuSession(spec, dataset);
      await session.train(4);
      await reference.train(4);
      const out = [];
      // A copy, a view into the dataset's own buffer at an offset, and a single row.
      for (const [start, rows] of [
        [0, 20],
        [2, 4],
        [7, 1],
      ]) {
        const copy = start === 0;
        const inputs = copy
          ? dataset.testX.slice(0, rows * dataset.inputSize)
          : dataset.testX.subarray(start * dataset.inputSize, (start + rows) * dataset.inputSize);
        const before = Array.from(inputs);
        const outputs = await session.evaluate(inputs, rows);
        const expected = await reference.evaluate(inputs, rows);
        out.push({
          rows,
          inputsIntact: inputs.byteLength === rows * dataset.inputSize * 4 && Array.from(inputs).every((v, i) => v === before[i]),
          datasetBufferIntact: dataset.testX.buffer.byteLength > 0,
          outputs: Array.from(outputs),
          expected: Array.from(expected),
        });
      }
      session.dispose();
      return out;
    });
    for (const entry of result) {
      expect(entry.inputsIntact).toBe(true);
      expect(entry.datasetBufferIntact).toBe(true);
      expect(entry.outputs).toHaveLength(entry.rows);
      expect(entry.outputs).toEqual(entry.expected);
    }
  });

  test('snapshot() gives float64 copies; restore() brings them back exactly and leaves them usable', async () => {
    const optimizers = ['sgd', 'momentum', 'adam'] as const;
    const results = await page.evaluate(async (kinds) => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const out = [];
      for (const kind of kinds) {
        const spec = m.cloneSpec(m.DEFAULT_SPEC);
        spec.optimizer.kind = kind;
        const session = await m.WorkerSession.create(spec, dataset);
        await session.train(6);
        const snapshot = await session.snapshot();
        const kept = Array.from(snapshot.parameters);
        await session.train(4);
        await session.restore(snapshot);
        const stepAfterRestore = session.stepsTaken;
        const restored = await session.snapshot();
        // Restored twice from the same object: restore() must not have taken its buffers.
        await session.train(2);
        await session.restore(snapshot);
        const again = await session.snapshot();
        session.dispose();
        out.push({
          kind,
          step: snapshot.step,
          isFloat64: snapshot.parameters instanceof Float64Array && snapshot.optimizerSlots.every((slot) => slot instanceof Float64Array),
          parameterCount: snapshot.parameters.length,
          slots: snapshot.optimizerSlots.length,
          stepAfterRestore,
          restoredExact: Array.from(restored.parameters).every((v, i) => v === kept[i]),
          snapshotStillUsable: snapshot.parameters.length === kept.length,
          againExact: Array.from(again.parameters).every((v, i) => v === kept[i]),
        });
      }
      return out;
    }, optimizers);
    for (const entry of results) {
      expect(entry.step).toBe(6);
      expect(entry.isFloat64).toBe(true);
      expect(entry.parameterCount).toBe(parameterLayout(DEFAULT_SPEC.widths).totalParameters);
      expect(entry.slots).toBe(OPTIMIZERS[entry.kind].slots);
      expect(entry.stepAfterRestore).toBe(6);
      expect(entry.restoredExact).toBe(true);
      expect(entry.snapshotStillUsable).toBe(true);
      expect(entry.againExact).toBe(true);
    }
  });

  test('a loss the output does not allow is refused at the call, and the spec keeps its loss', async () => {
    const result = await page.evaluate(async () => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const session = await m.WorkerSession.create({ ...m.cloneSpec(m.DEFAULT_SPEC), outputActivation: 'linear', loss: 'mse' }, dataset);
      let refusal = 'accepted';
      try {
        session.setLoss('cross_entropy');
      } catch (error) {
        refusal = (error as Error).message;
      }
      const loss = session.spec.loss;
      // The worker still trains with the loss it had.
      await session.train(2);
      const metrics = await session.takeMetrics();
      session.dispose();
      return { refusal, loss, activeLosses: metrics.map((m) => m.activeLoss) };
    });
    expect(result.refusal).toMatch(/cross-entropy/i);
    expect(result.refusal).toMatch(/linear/i);
    expect(result.loss).toBe('mse');
    expect(result.activeLosses).toEqual(['mse', 'mse']);
  });

  test('dispose() rejects pending and later calls, and is not reported as a failure', async () => {
    const result = await page.evaluate(async () => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const session = await m.WorkerSession.create(m.cloneSpec(m.DEFAULT_SPEC), dataset);
      const reported: string[] = [];
      session.onError = (error) => reported.push(error.message);
      const pending = session.train(20000);
      const pendingMetrics = session.takeMetrics();
      session.dispose();
      const settle = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.message);
      return {
        pending: await settle(pending),
        pendingMetrics: await settle(pendingMetrics),
        later: await settle(session.snapshot()),
        laterTrain: await settle(session.train(1)),
        reported,
      };
    });
    for (const outcome of [result.pending, result.pendingMetrics, result.later, result.laterTrain]) expect(outcome).toMatch(/disposed/);
    expect(result.reported).toEqual([]);
  });

  test('a worker that fails while loading makes create() reject with the reason', async () => {
    const cases = [
      { script: "import '{origin}/no-such-module-for-this-test.js';", reason: /the CPU worker failed: its script did not load/ },
      { script: "throw new Error('boom at load');", reason: /the CPU worker failed: .*boom at load/ },
      { script: "import '{url}'; throw new Error('thrown after the worker loaded');", reason: /the CPU worker failed: .*thrown after the worker loaded/ },
    ];
    for (const { script, reason } of cases) {
      await replaceWorker(script);
      const outcome = await page.evaluate(async () => {
        const m = (window as unknown as { testModules: Modules }).testModules;
        const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
        return m.WorkerSession.create(m.cloneSpec(m.DEFAULT_SPEC), dataset).then(
          (session) => {
            session.dispose();
            return 'resolved';
          },
          (error: Error) => error.message,
        );
      });
      await restoreWorker();
      expect(outcome).toMatch(reason);
    }
  });

  test('a worker that fails after create() reports it once through onError, and every call rejects with the reason', async () => {
    await replaceWorker(CRASHING_WORKER);
    const result = await page.evaluate(async () => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const session = await m.WorkerSession.create(m.cloneSpec(m.DEFAULT_SPEC), dataset);
      const reported: { kind: string; message: string }[] = [];
      session.onError = (error) => reported.push({ ...error });
      await session.train(3);
      const before = (await session.takeMetrics()).length;
      const reportedBeforeCrash = reported.length;
      // The Worker WorkerSession made, the one it talks to.
      window.createdWorkers!.at(-1)!.postMessage('crash');
      const pending = session.train(1_000_000);
      const settle = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.message);
      const pendingOutcome = await settle(pending);
      const later = [await settle(session.takeMetrics()), await settle(session.snapshot()), await settle(session.evaluate(dataset.testX.slice(0, 2), 1)), await settle(session.flush())];
      session.dispose();
      return { before, reportedBeforeCrash, pendingOutcome, later, reported };
    });
    await restoreWorker();
    expect(result.before).toBe(3);
    expect(result.reportedBeforeCrash).toBe(0);
    expect(result.pendingOutcome).toMatch(/the CPU worker failed: .*worker crashed on purpose/);
    for (const outcome of result.later) expect(outcome).toBe(result.pendingOutcome);
    expect(result.reported).toHaveLength(1);
    expect(result.reported[0].kind).toBe('internal');
    expect(result.reported[0].message).toContain('worker crashed on purpose');
  });

  test('without onError, a failure after create() goes to console.error', async () => {
    await replaceWorker(CRASHING_WORKER);
    const errors: string[] = [];
    const listen = (message: { type(): string; text(): string }) => {
      if (message.type() === 'error') errors.push(message.text());
    };
    page.on('console', listen);
    const outcome = await page.evaluate(async () => {
      const m = (window as unknown as { testModules: Modules }).testModules;
      const dataset = m.makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 1 });
      const session = await m.WorkerSession.create(m.cloneSpec(m.DEFAULT_SPEC), dataset);
      window.createdWorkers!.at(-1)!.postMessage('crash');
      const pending = session.train(1_000_000);
      const message = await pending.then(
        () => 'resolved',
        (error: Error) => error.message,
      );
      session.dispose();
      return message;
    });
    page.off('console', listen);
    await restoreWorker();
    expect(outcome).toContain('worker crashed on purpose');
    expect(errors.some((text) => text.startsWith('CPU worker:') && text.includes('worker crashed on purpose'))).toBe(true);
  });
});
