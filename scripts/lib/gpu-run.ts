/**
 * The GPU work of the headless commands, in the process that has WebGPU: the headless page
 * scripts/pages/run.html (the Chromium runtime) or this Node process on Dawn (the Node runtime).
 * Both start the same guarded session and record a run through recordRun, both run the same
 * self-check, and both answer a refusal the same way, so a network the device cannot take, or a
 * runtime without an adapter, reads the same on either.
 */
import type { Dataset } from '../../src/model/dataset';
import type { MatmulVariant } from '../../src/gpu/kernels';
import { createSession, type TuningStore } from '../../src/train/create-session';
import { selfCheck, type SelfCheckReport } from '../../src/train/self-check';
import { adapterLabel } from '../pages/adapter';
import { recordRun, startGuardedSession, type RunProgress, type RunRecord, type RunRequest } from './run-session';
import { isEngineRefusal } from './user-errors';

/** What refused a run or a check: a field of the command line or config, and why. */
interface Refusal {
  /** The flag or config field the user can change, e.g. "spec" or "--backend". */
  field: string;
  /** What was refused and why, with what to do. */
  message: string;
}

/** What a GPU run answers: the record, or what refused the run. */
export type GpuRunOutcome = { record: RunRecord } | { refused: Refusal };

/** What `npm run check` asks for: a run's network, data and starting weights, the steps and the variants to check. */
export interface CheckRequest {
  /** The run's network, dataset, CSV text and initial parameters, as for a run (its steps and switch are not used). */
  run: RunRequest;
  /** Steps trained on both paths. */
  steps: number;
  /** The product variants to check, or null for every one the autotuner might pick. */
  variants: MatmulVariant[] | null;
}

/** What a check answers: the report, or what refused it. */
export type CheckOutcome = { report: SelfCheckReport } | { refused: Refusal };

/**
 * The adapter of this runtime as run files name it, or "none (why)" where it offers none: the run
 * or check that follows is then refused with the reason, as the command's exit code says.
 */
export async function adapterOrWhyNot(): Promise<string> {
  try {
    return await adapterLabel();
  } catch (error) {
    if (isEngineRefusal(error)) return `none (${error.message})`;
    throw error;
  }
}

/**
 * Trains `request` on WebGPU here, on `runtime`, with the dataset `buildDataset` gives (timed as
 * setup, as the session is), its product variants tuned within request.tuneMs with choices kept in
 * `store`; the engine's refusals come back as `refused`, anything else throws.
 */
export async function trainOnGpu(
  request: RunRequest,
  runtime: RunRecord['runtime'],
  buildDataset: () => Promise<Dataset>,
  store: TuningStore | null,
  onProgress?: (progress: RunProgress) => void,
): Promise<GpuRunOutcome> {
  const setupStart = performance.now();
  let adapter: string;
  try {
    adapter = await adapterLabel();
  } catch (error) {
    if (isEngineRefusal(error)) return { refused: { field: '--backend', message: `${error.message}; train with --backend cpu instead` } };
    throw error;
  }
  const dataset = await buildDataset();
  const initialParameters = request.initialParameters ? Float64Array.from(request.initialParameters) : undefined;
  const tuning = { budgetMs: request.tuneMs, store };
  const started = await startGuardedSession(() => createSession({ spec: request.spec, dataset, backend: 'webgpu', initialParameters, tuning }));
  if ('refusal' in started) return { refused: { field: 'spec', message: started.refusal } };
  try {
    return { record: await recordRun(started.session, { ...request, runtime, adapter, setupMs: performance.now() - setupStart }, onProgress) };
  } finally {
    started.session.dispose();
  }
}

/** Runs the self-check (src/train/self-check.ts) of `request` here on the dataset `buildDataset` gives; the engine's refusals come back as `refused`. */
export async function checkOnGpu(request: CheckRequest, buildDataset: () => Promise<Dataset>): Promise<CheckOutcome> {
  const dataset = await buildDataset();
  const { spec, initialParameters } = request.run;
  try {
    const report = await selfCheck({
      spec,
      dataset,
      steps: request.steps,
      ...(initialParameters ? { initialParameters: Float64Array.from(initialParameters) } : {}),
      ...(request.variants ? { variants: request.variants } : {}),
    });
    return { report };
  } catch (error) {
    if (isEngineRefusal(error)) return { refused: { field: 'spec', message: error.message } };
    throw error;
  }
}
