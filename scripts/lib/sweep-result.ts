/**
 * A sweep trained to the end and what it found, the same in Node (the CPU path) and in the headless
 * page (the GPU path, scripts/pages/run-page.ts): plain data, so it crosses from the page as JSON.
 */
import type { DataSource } from '../../src/data/source';
import type { Dataset } from '../../src/model/dataset';
import type { LossName } from '../../src/model/losses';
import type { NetworkSpec } from '../../src/model/spec';
import type { SweepSetup } from '../../src/model/sweep';
import type { ValidationProblem } from '../../src/model/validate';
import { SweepRefusal, SweepRun } from '../../src/train/sweep-run';
import type { RunProgress } from './run-session';

/** What `npm run experiment -- sweep` asks the page to train. */
export interface SweepRequest {
  /** The grid, steps, seeds per cell and threshold, checked. */
  setup: SweepSetup;
  /** The network every cell varies. */
  spec: NetworkSpec;
  /** Its data. */
  dataset: DataSource;
  /** Text of the CSV file for a CSV dataset; null otherwise. */
  csvText: string | null;
}

/** What one run of the sweep found. */
export interface SweepRunResult {
  /** Its cell (SweepCell.index). */
  cell: number;
  /** Its seed. */
  seed: number;
  /** The loss it trained with. */
  loss: LossName;
  /** Batch MSE of its first step, before any update. */
  firstMse: number;
  /** Its batch MSE averaged over its last smoothingSteps steps. */
  finalMse: number;
  /** The step at which that average first reached the threshold; null when it never did. */
  stepsToThreshold: number | null;
  /** Whether it stalled (stallCriterion). */
  stalled: boolean;
}

/** A finished sweep. */
export interface SweepResult {
  /** 'webgpu' or 'cpu'. */
  backend: 'webgpu' | 'cpu';
  /** The WebGPU adapter in one line; null on the CPU. */
  adapter: string | null;
  /** The cells' values, by cell. */
  cells: { xValue: number; yValue: number }[];
  /** Every run, in run order. */
  runs: SweepRunResult[];
  /** Network shapes trained one after the other, each one replica session. */
  groups: number;
  /** Wall-clock milliseconds from the first check to the last metric. */
  elapsedMs: number;
}

/** A sweep trained to its end, or the problems that refused it (under the sweep's fields). */
export type SweepOutcome = { result: SweepResult } | { refused: ValidationProblem[] };

/** Trains the sweep of `request` on `dataset` to its end, reporting progress in run-steps. */
export async function trainSweep(request: SweepRequest, dataset: Dataset, backend: 'webgpu' | 'cpu', adapter: string | null, onProgress: (progress: RunProgress) => void): Promise<SweepOutcome> {
  const start = performance.now();
  // adapterOrWhyNot names a runtime without an adapter "none (why)": the sweep is refused with the why.
  if (backend === 'webgpu' && adapter?.startsWith('none (')) {
    return { refused: [{ field: 'backend', message: `WebGPU offers no adapter here, ${adapter.slice('none '.length)}; sweep with --backend cpu instead.` }] };
  }
  let sweep: SweepRun;
  try {
    sweep = await SweepRun.start({ setup: request.setup, base: request.spec, dataset, backend });
  } catch (error) {
    if (error instanceof SweepRefusal) return { refused: error.problems };
    throw error;
  }
  let failure: string | null = null;
  sweep.onError = (error) => (failure ??= `${error.kind}: ${error.message}`);
  try {
    while (!sweep.finished) {
      await sweep.advance();
      if (failure) throw new Error(`the GPU reported ${failure}`);
      onProgress({ completed: sweep.replicaStepsDone, total: sweep.totalReplicaSteps, latest: null, elapsedMs: performance.now() - start });
    }
    const { summaries } = sweep;
    return {
      result: {
        backend,
        adapter,
        cells: sweep.cells.map(({ xValue, yValue }) => ({ xValue, yValue })),
        runs: sweep.runs.map((run) => ({
          cell: run.cell,
          seed: run.spec.seed,
          loss: run.loss,
          firstMse: summaries.firstMse[run.index],
          finalMse: summaries.smoothedMse(run.index),
          stepsToThreshold: summaries.stepsToThreshold[run.index] || null,
          stalled: summaries.stalled(run.index) === true,
        })),
        groups: sweep.groups.length,
        elapsedMs: performance.now() - start,
      },
    };
  } finally {
    await sweep.dispose();
  }
}
