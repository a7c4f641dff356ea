/**
 * The page the GPU tests drive: it builds GPU sessions from cases sent by Node, runs them, and
 * returns what they computed. It computes no expected values; Node compares with the CPU path.
 */
import { acquireGpu, describeGpuAdapter, type GpuAdapterReport } from '../../src/gpu/device';
import { createSession } from '../../src/train/create-session';
import type { MatmulVariant } from '../../src/gpu/kernels';
import type { StoredTuning, TuningStore } from '../../src/gpu/tuner';
import { selfCheck, type SelfCheckReport } from '../../src/train/self-check';
import { ForkedRun } from '../../src/train/fork';
import type { TrainerSnapshot } from '../../src/model/session';
import type { LossName } from '../../src/model/losses';
import { openSession, runCase } from './gpu-run-case';
import { datasetOf, decodeFloat32, decodeFloat64, encodeArray, type HarnessCase, type HarnessResult } from './gpu-wire';

/** Tuning stores kept in the page by name, so a second run can find what a first one stored. */
const tuningStores = new Map<string, Map<string, StoredTuning>>();

function memoryStore(name: string): TuningStore {
  const entries = tuningStores.get(name) ?? new Map<string, StoredTuning>();
  tuningStores.set(name, entries);
  return { load: async (key) => entries.get(key) ?? null, save: async (key, value) => void entries.set(key, value) };
}

/** Steps as the session reported them, in the order takeMetrics returned them, and how many came before flush. */
export interface MetricsStream {
  /** Step numbers of every metrics record, in order. */
  steps: number[];
  /** Records takeMetrics returned right after train(), before flush (never waits: may be fewer than issued). */
  beforeFlush: number;
  /** Whether every reported loss and norm was finite. */
  allFinite: boolean;
}

/** A TrainerSnapshot with its arrays as base64 Float64Arrays. */
export interface WireSnapshot {
  /** Steps taken when the snapshot was made. */
  step: number;
  /** Loss active then. */
  loss: LossName;
  /** Flat parameters. */
  parameters: string;
  /** Optimizer slots. */
  optimizerSlots: string[];
}

/** Two runs of the same steps from one snapshot. */
export interface RestoreRuns {
  /** Parameters after the steps, first run (base64 Float64Array). */
  first: string;
  /** Parameters after the same steps replayed from the restored snapshot. */
  replayed: string;
  /** MSE per step of the first run and of the replay. */
  firstMse: number[];
  replayedMse: number[];
  /** Step numbers reported by the replay. */
  replayedSteps: number[];
}

/** A fork on the GPU, as the harness reports it. */
export interface ForkOutcome {
  /** The state at the fork: both branches' snapshots (base64 Float64Array parameters, slots). */
  atFork: WireSnapshot[];
  /** Each branch's parameters after the steps following the fork, base64 Float64Array. */
  after: string[];
  /** Each branch's metrics after the fork (losses NaN → null). */
  metrics: HarnessResult['metrics'][];
}

/** What the Node side calls through page.evaluate. */
export interface GpuHarness {
  /** The adapter the sessions run on. */
  adapter(): Promise<GpuAdapterReport | null>;
  /** Runs the cases one after another. */
  runCases(cases: HarnessCase[]): Promise<HarnessResult[]>;
  /** Outputs for `count` rows (base64 Float32Array) with the initial parameters, as base64 Float32Array. */
  evaluateRows(input: HarnessCase, rows: string, count: number): Promise<string>;
  /** The backend createSession picks with backend 'auto'. */
  autoBackend(input: HarnessCase): Promise<string>;
  /** The error GpuSession.create throws for `input`, or null when it builds. */
  creationError(input: HarnessCase): Promise<string | null>;
  /** Trains `chunks` of steps back to back without waiting, then collects every metrics record. */
  metricsStream(input: HarnessCase, chunks: number[]): Promise<MetricsStream>;
  /** Trains `before` steps, snapshots, trains `after`, issues `after` more, restores the snapshot and trains `after` again. */
  restoreRuns(input: HarnessCase, before: number, after: number): Promise<RestoreRuns>;
  /** Restores `snapshot` into a new session and trains `steps` more: parameters after them (base64 Float64Array) and the steps reported. */
  continueFrom(input: HarnessCase, snapshot: WireSnapshot, steps: number): Promise<{ parameters: string; steps: number[]; losses: string[] }>;
  /** Destroys the device under a live session: what onError received and what train() threw afterwards. */
  deviceLoss(input: HarnessCase): Promise<{ kinds: string[]; message: string; trainError: string | null }>;
  /** Wall-clock time of `steps` steps after a warm-up, with the dispatch and submission counts. */
  timeSteps(input: HarnessCase, steps: number): Promise<{ millisecondsPerStep: number; dispatchesPerStep: number; stepsPerSubmission: number; plan: string }>;
  /** Runs `input` as runCases does, its products tuned within `budgetMs` with the page's store `storeName`. */
  runTuned(input: HarnessCase, budgetMs: number, storeName: string): Promise<HarnessResult>;
  /** Trains `before` steps, forks into an MSE and a cross-entropy branch, trains both `after` steps: each branch's state at the fork and after. */
  forkRun(input: HarnessCase, before: number, after: number): Promise<ForkOutcome>;
  /** The self-check of `input`'s network (src/train/self-check.ts), over `variants` or every candidate, with planted override constants. */
  selfCheck(input: HarnessCase, variants: MatmulVariant[] | null, productConstants: Record<string, number> | null): Promise<SelfCheckReport>;
}

declare global {
  interface Window {
    gpuHarness: GpuHarness;
  }
}

window.gpuHarness = {
  adapter: describeGpuAdapter,
  runTuned: (input, budgetMs, storeName) => runCase(input, { budgetMs, store: memoryStore(storeName) }),
  async forkRun(input, before, after) {
    const session = await openSession(input);
    await session.train(before);
    // As the page does every frame: the steps before the fork are the run's, not a branch's.
    await session.flush();
    await session.takeMetrics();
    const fork = await ForkedRun.create(session, () => openSession(input), ['mse', 'cross_entropy']);
    try {
      const wire = (snapshot: TrainerSnapshot): WireSnapshot => ({ step: snapshot.step, loss: snapshot.loss, parameters: encodeArray(snapshot.parameters), optimizerSlots: snapshot.optimizerSlots.map(encodeArray) });
      const atFork = await Promise.all(fork.branches.map(async (branch) => wire(await branch.session.snapshot())));
      await fork.train(after);
      await fork.flush();
      const metrics = await fork.takeMetrics();
      const finals = await Promise.all(fork.branches.map(async (branch) => encodeArray((await branch.session.snapshot()).parameters)));
      return {
        atFork,
        after: finals,
        metrics: metrics.map((list) => list.map((m) => ({ ...m, losses: Object.fromEntries(Object.entries(m.losses).map(([loss, value]) => [loss, Number.isNaN(value) ? null : value])) as Record<LossName, number | null> }))),
      };
    } finally {
      fork.dispose();
    }
  },
  selfCheck: (input, variants, productConstants) =>
    selfCheck({
      spec: input.spec,
      dataset: datasetOf(input),
      ...(input.initialParameters === '' ? {} : { initialParameters: decodeFloat64(input.initialParameters) }),
      ...(variants ? { variants } : {}),
      ...(productConstants ? { productConstants } : {}),
    }),
  async runCases(cases) {
    const results: HarnessResult[] = [];
    for (const testCase of cases) {
      try {
        results.push(await runCase(testCase));
      } catch (error) {
        throw new Error(`case ${testCase.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return results;
  },
  async evaluateRows(input, rows, count) {
    const session = await openSession(input);
    try {
      return encodeArray(await session.evaluate(decodeFloat32(rows), count));
    } finally {
      session.dispose();
    }
  },
  async autoBackend(input) {
    const session = await createSession({ spec: input.spec, dataset: datasetOf(input), backend: 'auto' });
    session.dispose();
    return session.backend;
  },
  async creationError(input) {
    try {
      (await openSession(input)).dispose();
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
  async metricsStream(input, chunks) {
    const session = await openSession(input);
    try {
      for (const steps of chunks) await session.train(steps);
      const early = await session.takeMetrics();
      await session.flush();
      const all = [...early, ...(await session.takeMetrics())];
      const finite = all.every((m) => [m.losses.mse, m.globalGradNorm, m.outputDeltaNorm, ...m.gradNormW, ...m.gradNormB].every(Number.isFinite));
      return { steps: all.map((m) => m.step), beforeFlush: early.length, allFinite: finite };
    } finally {
      session.dispose();
    }
  },
  async restoreRuns(input, before, after) {
    const session = await openSession(input);
    try {
      await session.train(before);
      const saved = await session.snapshot();
      await session.takeMetrics();
      await session.train(after);
      await session.flush();
      const firstMetrics = await session.takeMetrics();
      const first = (await session.snapshot()).parameters;
      // Steps issued and never taken: restore must drop their metrics, still in flight.
      await session.train(after);
      await session.restore(saved);
      await session.train(after);
      await session.flush();
      const replayedMetrics = await session.takeMetrics();
      const replayed = (await session.snapshot()).parameters;
      return {
        first: encodeArray(first),
        replayed: encodeArray(replayed),
        firstMse: firstMetrics.map((m) => m.losses.mse),
        replayedMse: replayedMetrics.map((m) => m.losses.mse),
        replayedSteps: replayedMetrics.map((m) => m.step),
      };
    } finally {
      session.dispose();
    }
  },
  async continueFrom(input, snapshot, steps) {
    const session = await openSession(input);
    try {
      await session.restore({
        step: snapshot.step,
        loss: snapshot.loss,
        parameters: decodeFloat64(snapshot.parameters),
        optimizerSlots: snapshot.optimizerSlots.map(decodeFloat64),
      });
      await session.train(steps);
      await session.flush();
      const metrics = await session.takeMetrics();
      const parameters = (await session.snapshot()).parameters;
      return { parameters: encodeArray(parameters), steps: metrics.map((m) => m.step), losses: metrics.map((m) => m.activeLoss) };
    } finally {
      session.dispose();
    }
  },
  async deviceLoss(input) {
    const session = await openSession(input);
    const kinds: string[] = [];
    let message = '';
    const reported = new Promise<void>((resolve) => {
      session.onError = (error) => {
        kinds.push(error.kind);
        message = error.message;
        resolve();
      };
    });
    await session.train(2);
    (await acquireGpu()).device.destroy();
    await reported;
    let trainError: string | null = null;
    try {
      await session.train(1);
    } catch (error) {
      trainError = error instanceof Error ? error.message : String(error);
    }
    session.dispose();
    return { kinds, message, trainError };
  },
  async timeSteps(input, steps) {
    const session = await openSession(input);
    try {
      await session.train(steps);
      await session.flush();
      await session.takeMetrics();
      const start = performance.now();
      await session.train(steps);
      await session.flush();
      const milliseconds = performance.now() - start;
      return {
        millisecondsPerStep: milliseconds / steps,
        dispatchesPerStep: session.trainer.dispatchesPerStep,
        stepsPerSubmission: session.trainer.stepsPerSubmission,
        plan: `${session.trainer.plan.kernel}, ${session.trainer.plan.matmul} products (${session.trainer.plan.reason})`,
      };
    } finally {
      session.dispose();
    }
  },
};
