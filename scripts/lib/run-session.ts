/**
 * Trains a Session for a number of steps with an optional loss switch and collects what a run
 * file holds. Runs unchanged in Node (the CPU path) and in the headless page (the GPU path): it
 * only talks to the Session interface.
 */
import { LOSS_NAMES, nextLoss } from '../../src/model/losses';
import type { NetworkSpec } from '../../src/model/spec';
import type { Session, StepMetrics } from '../../src/model/session';
import type { DataSource } from '../../src/data/source';

/** One configured run, as handed to either path (to the page as JSON, so only plain data). */
export interface RunRequest {
  /** Where the configuration came from, recorded in the run file. */
  config: string;
  spec: NetworkSpec;
  dataset: DataSource;
  /** Text of the CSV file for a CSV dataset (the page cannot read the disk); null otherwise. */
  csvText: string | null;
  steps: number;
  switchLossAt: number | null;
  /** Flat initial parameters, or null for the seeded ones. */
  initialParameters: number[] | null;
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

/** One run, as written to run.json. `--init` reads `initialParameters` back. */
export interface RunRecord {
  /** Marks the file as a run of this project, so `--init` can refuse anything else. */
  format: 'mlp-playground-run';
  /** Where the configuration came from: a preset name or a file path. */
  config: string;
  /** 'webgpu', 'cpu' or 'wasm'. */
  backend: Session['backend'];
  /** The WebGPU adapter (vendor, architecture, description) for GPU runs; null on the CPU. */
  adapter: string | null;
  /** The network as it started (its `loss` is the loss of step 0). */
  spec: NetworkSpec;
  /** The data. */
  dataset: DatasetRecord;
  /** Steps trained. */
  steps: number;
  /** First step trained with the next loss the output allows (src/model/losses.ts, nextLoss), or null. */
  switchLossAt: number | null;
  /** Flat parameters before step 0 (layout of src/model/layout.ts). */
  initialParameters: number[];
  /** Per-step metrics, one entry per step in order. A loss the output does not allow is NaN, written as null. */
  metrics: StepMetrics[];
  /** Flat parameters after the last step. */
  finalParameters: number[];
  /** Wall-clock timings in milliseconds. */
  timings: {
    /** Building the dataset and the session (on the GPU: device, pipelines, uploads). */
    setupMs: number;
    /** From the first step issued until every step had completed and its metrics were read. */
    trainMs: number;
    /** steps / trainMs. */
    stepsPerSecond: number;
    /** steps · batchSize / trainMs. */
    samplesPerSecond: number;
  };
}

/** Steps issued between two looks at the metrics: small enough for a live progress bar. */
const PROGRESS_CHUNK_STEPS = 25;

/**
 * Trains `steps` steps, switching to the next loss before step `switchLossAt` when given, and
 * returns the metrics of every step in order with the time it took. Metrics are taken as they
 * arrive (never waiting for unfinished GPU steps) and once more after the final flush.
 */
async function trainSteps(
  session: Session,
  steps: number,
  switchLossAt: number | null,
  onProgress: (progress: RunProgress) => void = () => {},
): Promise<{ metrics: StepMetrics[]; trainMs: number }> {
  const metrics: StepMetrics[] = [];
  const start = performance.now();
  const report = () =>
    onProgress({ completed: metrics.length, total: steps, latest: metrics[metrics.length - 1] ?? null, elapsedMs: performance.now() - start });
  let issued = 0;
  while (issued < steps) {
    if (switchLossAt !== null && issued === switchLossAt) session.setLoss(nextLoss(session.spec.loss, session.spec.outputActivation));
    const boundary = switchLossAt !== null && issued < switchLossAt ? switchLossAt : steps;
    const chunk = Math.min(PROGRESS_CHUNK_STEPS, boundary - issued);
    await session.train(chunk);
    issued += chunk;
    metrics.push(...(await session.takeMetrics()));
    report();
  }
  await session.flush();
  metrics.push(...(await session.takeMetrics()));
  const trainMs = performance.now() - start;
  report();
  if (metrics.length !== steps || metrics.some((m, i) => m.step !== i)) {
    throw new Error(`the session reported ${metrics.length} step metrics for ${steps} steps (steps ${metrics[0]?.step}…${metrics[metrics.length - 1]?.step}); expected one per step, in order`);
  }
  return { metrics, trainMs };
}

/** Runs a whole configured run on a ready session and assembles its record. */
export async function recordRun(
  session: Session,
  run: { config: string; dataset: DataSource; steps: number; switchLossAt: number | null; adapter: string | null; setupMs: number },
  onProgress?: (progress: RunProgress) => void,
): Promise<RunRecord> {
  const spec = JSON.parse(JSON.stringify(session.spec)) as NetworkSpec;
  const initial = await session.snapshot();
  const { metrics, trainMs } = await trainSteps(session, run.steps, run.switchLossAt, onProgress);
  const final = await session.snapshot();
  const { dataset } = session;
  return {
    format: 'mlp-playground-run',
    config: run.config,
    backend: session.backend,
    adapter: run.adapter,
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
    initialParameters: Array.from(initial.parameters),
    metrics,
    finalParameters: Array.from(final.parameters),
    timings: {
      setupMs: run.setupMs,
      trainMs,
      stepsPerSecond: (run.steps * 1000) / trainMs,
      samplesPerSecond: (run.steps * spec.batchSize * 1000) / trainMs,
    },
  };
}

/** The per-step metrics as CSV: one row per step, one column per scalar, per-layer norms numbered from the input side. */
export function metricsToCsv(metrics: readonly StepMetrics[]): string {
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
  ];
  const rows = metrics.map((m) =>
    [m.step, m.activeLoss, ...LOSS_NAMES.map((loss) => m.losses[loss]), m.outputDeltaNorm, m.saturatedFraction, m.globalGradNorm, ...m.gradNormW, ...m.gradNormB].join(','),
  );
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}
