/**
 * Trains a guarded Session for a number of steps with an optional loss switch, scores the test
 * rows, and collects what a run file holds. Runs unchanged in Node (the CPU path, and the GPU
 * path on Node's WebGPU) and in the headless page (the GPU path in Chromium): it only talks to the
 * GuardedSession, which stops at the first non-finite metric exactly as it does on the page.
 */
import { stepPlanOf, type StepPlanView } from '../../src/train/product-plan';
import { LOSS_NAMES } from '../../src/model/losses';
import { scoreOutputs, type OutputScore } from '../../src/model/scoring';
import type { NetworkSpec } from '../../src/model/spec';
import type { Session, StepMetrics } from '../../src/model/session';
import type { DataSource } from '../../src/data/source';
import { describeFault, GradientNormTrend, type GuardedMetric } from '../../src/train/divergence-check';
import { GuardedSession } from '../../src/train/guarded-session';
import { scheduledLoss, stepsBeforeSwitch } from '../../src/train/loss-schedule';
import { isEngineRefusal } from './user-errors';

/** One configured run, as handed to either path (to the page as JSON, so only plain data). */
export interface RunRequest {
  /** Where the configuration came from, recorded in the run file. */
  config: string;
  /** The network to train. */
  spec: NetworkSpec;
  /** The data to train on. */
  dataset: DataSource;
  /** Text of the CSV file for a CSV dataset (the page cannot read the disk); null otherwise. */
  csvText: string | null;
  /** Training steps. */
  steps: number;
  /** First step trained with the next loss, or null for no switch. */
  switchLossAt: number | null;
  /** Flat initial parameters, or null for the seeded ones. */
  initialParameters: number[] | null;
  /** Score the test rows after every this many steps as well as at the end, or null for the end only. */
  testEvery: number | null;
  /** Milliseconds a GPU run may spend timing product variants on its adapter (0: the fixed rule's; the CPU path ignores it). */
  tuneMs: number;
}

/** How far a run has got, for a progress bar. */
export interface RunProgress {
  /** Steps whose metrics have arrived. */
  completed: number;
  /** Steps the run will take. */
  total: number;
  /** Metrics of the latest completed step, if any has completed. */
  latest: StepMetrics | null;
  /** Milliseconds since the first step was issued. */
  elapsedMs: number;
}

/** The dataset of a run file: its source plus the sizes that were built from it. */
type DatasetRecord = DataSource & { name: string; inputSize: number; outputSize: number; trainCount: number; testCount: number };

/** The test rows scored with the parameters of one step. */
interface TestResult extends OutputScore {
  /** Steps trained before the scoring: the parameters after step `step` − 1's update. */
  step: number;
}

/** Where and why a run stopped early: at the first metric that was not finite, as the page's guard stops. */
interface RunStop {
  /** The step whose metrics held the first non-finite figure; the run's metrics end with it. */
  step: number;
  /** Which figure of StepMetrics: a loss by name, or one of the norms. */
  metric: GuardedMetric;
  /** 1-based weight layer for a layer's gradient norm (1 = inputs to the first hidden layer); null for the other figures. */
  layer: number | null;
  /** Step of the parameters written as finalParameters, the newest kept whose metrics were all finite; null when none was. */
  keptStep: number | null;
  /** What happened, in one paragraph: step, figure, layer, what was kept and the likely cause. */
  message: string;
}

/** One run, as written to run.json. `--init` reads `initialParameters` back. */
export interface RunRecord {
  /** Marks the file as a run of this project, so `--init` can refuse anything else. */
  format: 'mlp-playground-run';
  /** Where the configuration came from: a preset name or a file path. */
  config: string;
  /** 'webgpu', 'cpu' or 'wasm'. */
  backend: Session['backend'];
  /** Where the run ran: 'node' (this Node process: the CPU path, or WebGPU through Dawn) or 'chromium' (the headless page). */
  runtime: 'node' | 'chromium';
  /** The WebGPU adapter (vendor, architecture, description) for GPU runs; null on the CPU. */
  adapter: string | null;
  /** How the GPU ran each step: the layout and, per matrix product, its variant, where that choice came from and its GFLOP/s (src/train/product-plan.ts); null on the CPU. */
  gpuPlan: StepPlanView | null;
  /** The network as it started (its `loss` is the loss of step 0). */
  spec: NetworkSpec;
  /** The data. */
  dataset: DatasetRecord;
  /** Steps asked for; a run that stopped early has metrics only up to `stopped.step`. */
  steps: number;
  /** First step trained with the next loss the output allows (src/train/loss-schedule.ts), or null. */
  switchLossAt: number | null;
  /** Null when every step was trained; otherwise where the run stopped at a non-finite metric, and why. */
  stopped: RunStop | null;
  /** Flat parameters before step 0 (layout of src/model/layout.ts). */
  initialParameters: number[];
  /** Per-step metrics, one entry per step in order. A loss the output does not allow is NaN, written as null. */
  metrics: StepMetrics[];
  /** The test rows scored every `testEvery` steps and after the last step, in step order; empty when the dataset has no test rows. */
  tests: TestResult[];
  /** Flat parameters after the last step; for a stopped run those of `stopped.keptStep`, or null when no step was kept. */
  finalParameters: number[] | null;
  /** Wall-clock timings in milliseconds. */
  timings: {
    /** Building the dataset and the session (on the GPU: device, pipelines, uploads). */
    setupMs: number;
    /** From the first step issued until every step had completed and its metrics were read, less the scoring of test rows. */
    trainMs: number;
    /** Scoring the test rows, every time together. */
    testMs: number;
    /** steps / trainMs. */
    stepsPerSecond: number;
    /** steps · batchSize / trainMs. */
    samplesPerSecond: number;
  };
}

/** Steps issued between two looks at the metrics: small enough for a live progress bar. */
const PROGRESS_CHUNK_STEPS = 25;

/** The test rows of the session's dataset scored with its current parameters, as taken after `step` steps. */
async function scoreTestRows(session: Session, step: number): Promise<TestResult> {
  const { dataset, spec } = session;
  const outputs = await session.evaluate(dataset.testX, dataset.testCount);
  return { step, ...scoreOutputs(spec.outputActivation, outputs, dataset.testY, dataset.testCount, dataset.outputSize, dataset.classNames !== undefined) };
}

/** The paragraph of a stopped run: the guard's fault in words, what is kept, and what the gradient norms suggest. */
function stopMessage(session: GuardedSession, metrics: readonly StepMetrics[]): RunStop {
  const fault = session.fault!;
  const keptStep = session.lastGoodSnapshot?.step ?? null;
  const trend = new GradientNormTrend();
  for (const m of metrics) if (m.step < fault.step) trend.record(m.step, m.globalGradNorm);
  const kept =
    keptStep === null
      ? 'no step before it gave finite metrics, so no parameters are kept (finalParameters is null)'
      : `finalParameters holds the parameters of step ${keptStep}, the newest kept whose metrics were all finite`;
  return {
    step: fault.step,
    metric: fault.metric,
    layer: fault.layer,
    keptStep,
    message: `Step ${fault.step}: ${describeFault(fault)}; the run stopped there, and ${kept}. ${trend.likelyCause(session.spec.optimizer.learningRate)}`,
  };
}

/**
 * Trains up to `steps` steps, switching to the next loss before step `switchLossAt` when given,
 * and scores the test rows every `testEvery` steps. Metrics are taken as they arrive (never
 * waiting for unfinished GPU steps) and once more after the final flush. Stops early at the first
 * non-finite metric, whose step ends the metrics. Steps a recovery from a lost GPU device trains
 * again replace the metrics of their first pass.
 */
async function trainSteps(
  session: GuardedSession,
  run: Pick<RunRequest, 'steps' | 'switchLossAt' | 'testEvery'>,
  onProgress: (progress: RunProgress) => void,
): Promise<{ metrics: StepMetrics[]; tests: TestResult[]; trainMs: number; testMs: number }> {
  const { steps, switchLossAt, testEvery } = run;
  const metrics: StepMetrics[] = [];
  const tests: TestResult[] = [];
  const schedule = { firstLoss: session.spec.loss, output: session.spec.outputActivation, switchAt: switchLossAt };
  const hasTestRows = session.dataset.testCount > 0;
  let testMs = 0;
  const start = performance.now();
  const report = () =>
    onProgress({ completed: metrics.length, total: steps, latest: metrics[metrics.length - 1] ?? null, elapsedMs: performance.now() - start });
  const take = async () => {
    for (const m of await session.takeMetrics()) {
      metrics.length = Math.min(metrics.length, m.step);
      metrics.push(m);
    }
  };
  while (session.stepsTaken < steps && !session.fault) {
    const taken = session.stepsTaken;
    // Set from the step count, not toggled, so steps trained again after a device loss keep their loss.
    const loss = scheduledLoss(schedule, taken);
    if (session.spec.loss !== loss) session.setLoss(loss);
    const nextTest = testEvery !== null && hasTestRows ? (Math.floor(taken / testEvery) + 1) * testEvery : steps;
    await session.train(Math.min(PROGRESS_CHUNK_STEPS, nextTest - taken, stepsBeforeSwitch(schedule, taken), steps - taken));
    await take();
    if (session.stepsTaken === nextTest && nextTest < steps && !session.fault) {
      // The queued steps finish first, so their time counts as training, not as scoring.
      await session.flush();
      const testStart = performance.now();
      tests.push(await scoreTestRows(session, nextTest));
      testMs += performance.now() - testStart;
    }
    report();
  }
  await session.flush();
  await take();
  const trainMs = performance.now() - start - testMs;
  report();
  const expected = session.fault ? session.fault.step + 1 : steps;
  if (metrics.length !== expected || metrics.some((m, i) => m.step !== i)) {
    throw new Error(`the session reported ${metrics.length} step metrics for ${expected} steps (steps ${metrics[0]?.step}…${metrics[metrics.length - 1]?.step}); expected one per step, in order`);
  }
  // A test scored before the fault was seen (GPU metrics arrive late) scored parameters that already gave non-finite metrics.
  if (session.fault) return { metrics, tests: tests.filter((test) => test.step < session.fault!.step), trainMs, testMs };
  if (hasTestRows) {
    const testStart = performance.now();
    tests.push(await scoreTestRows(session, steps));
    testMs += performance.now() - testStart;
  }
  return { metrics, tests, trainMs, testMs };
}

/**
 * Starts the guarded session of a run as the page does, with `create` making the session now and
 * again after a lost GPU device; or the engine's refusal of the network (over the CPU path's
 * memory or the device's limits, say), which is the user's to fix. Anything else is a bug and throws.
 */
export async function startGuardedSession(create: () => Promise<Session>): Promise<{ session: GuardedSession } | { refusal: string }> {
  try {
    return { session: await GuardedSession.create({ createSession: create }) };
  } catch (error) {
    if (isEngineRefusal(error)) return { refusal: error.message };
    throw error;
  }
}

/** Runs a whole configured run on a ready guarded session and assembles its record. */
export async function recordRun(
  session: GuardedSession,
  run: Pick<RunRequest, 'config' | 'dataset' | 'steps' | 'switchLossAt' | 'testEvery'> & { runtime: RunRecord['runtime']; adapter: string | null; setupMs: number },
  onProgress: (progress: RunProgress) => void = () => {},
): Promise<RunRecord> {
  const spec = JSON.parse(JSON.stringify(session.spec)) as NetworkSpec;
  const initial = await session.snapshot();
  const { metrics, tests, trainMs, testMs } = await trainSteps(session, run, onProgress);
  const stopped = session.fault ? stopMessage(session, metrics) : null;
  const final = stopped ? session.lastGoodSnapshot : await session.snapshot();
  const { dataset } = session;
  return {
    format: 'mlp-playground-run',
    config: run.config,
    backend: session.backend,
    runtime: run.runtime,
    adapter: run.adapter,
    gpuPlan: stepPlanOf(session),
    spec,
    dataset: {
      ...run.dataset,
      name: dataset.name,
      inputSize: dataset.inputSize,
      outputSize: dataset.outputSize,
      trainCount: dataset.trainCount,
      testCount: dataset.testCount,
    },
    steps: run.steps,
    switchLossAt: run.switchLossAt,
    stopped,
    initialParameters: Array.from(initial.parameters),
    metrics,
    tests,
    finalParameters: final ? Array.from(final.parameters) : null,
    timings: {
      setupMs: run.setupMs,
      trainMs,
      testMs,
      stepsPerSecond: (metrics.length * 1000) / trainMs,
      samplesPerSecond: (metrics.length * spec.batchSize * 1000) / trainMs,
    },
  };
}

/**
 * The per-step metrics as CSV: one row per step, one column per scalar, per-layer norms numbered
 * from the input side, then the test results: `test_<loss>` for every loss and `test_accuracy`
 * on the row of the step after whose update the test rows were scored (a TestResult of step s on
 * the row of step s − 1), empty on the other rows. A figure that is not a number is written NaN.
 */
export function metricsToCsv(metrics: readonly StepMetrics[], tests: readonly TestResult[]): string {
  const layers = metrics[0]?.gradNormW.length ?? 0;
  const header = [
    'step',
    'activeLoss',
    ...LOSS_NAMES,
    'outputDeltaNorm',
    'saturatedFraction',
    'globalGradNorm',
    ...Array.from({ length: layers }, (_, l) => `gradNormW${l}`),
    ...Array.from({ length: layers }, (_, l) => `gradNormB${l}`),
    ...LOSS_NAMES.map((loss) => `test_${loss}`),
    'test_accuracy',
  ];
  const testAfter = new Map(tests.map((test) => [test.step - 1, test]));
  const noTest = Array.from({ length: LOSS_NAMES.length + 1 }, () => '');
  const rows = metrics.map((m) => {
    const test = testAfter.get(m.step);
    const testCells = test ? [...LOSS_NAMES.map((loss) => test.losses[loss]), test.accuracy] : noTest;
    return [m.step, m.activeLoss, ...LOSS_NAMES.map((loss) => m.losses[loss]), m.outputDeltaNorm, m.saturatedFraction, m.globalGradNorm, ...m.gradNormW, ...m.gradNormB, ...testCells].join(',');
  });
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}
