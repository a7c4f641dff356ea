/**
 * The headless page behind GPU runs (`npm run train -- --backend gpu`, `npm run experiment`) and
 * the GPU self-check (`npm run check`):
 * builds the dataset and a guarded WebGPU session with the page's own modules and trains it through
 * the same loop the CPU path uses in Node. Node drives it with `window.runOnGpu(request)`, which
 * answers in the encoding of scripts/lib/page-transfer.ts so that NaN stays NaN on the way.
 */
import type { MatmulVariant } from '../../src/gpu/kernels';
import type { Dataset } from '../../src/model/dataset';
import { createSession } from '../../src/train/create-session';
import { selfCheck, type SelfCheckReport } from '../../src/train/self-check';
import { buildDataset } from '../../src/data/source';
import { fetchMnistAsset } from '../../src/data/mnist';
import { encodeForNode } from '../lib/page-transfer';
import type { GpuRunOutcome } from '../lib/runners';
import { recordRun, startGuardedSession, type RunRequest } from '../lib/run-session';
import { isEngineRefusal } from '../lib/user-errors';
import { adapterLabel } from './adapter';
import { trainSweep, type SweepRequest } from '../lib/sweep-result';

/** What `npm run check` asks of the page: a run's network, data and starting weights, the steps and the variants to check. */
export interface CheckRequest {
  /** The run's network, dataset, CSV text and initial parameters, as for a run (its steps and switch are not used). */
  run: RunRequest;
  /** Steps trained on both paths. */
  steps: number;
  /** The product variants to check, or null for every one the autotuner might pick. */
  variants: MatmulVariant[] | null;
}

/** What the page answers a check: the report, or what refused it. */
export type CheckOutcome = { report: SelfCheckReport } | { refused: { field: string; message: string } };

declare global {
  interface Window {
    pageReady: boolean;
    /** Trains one run; answers a GpuRunOutcome encoded by encodeForNode. */
    runOnGpu(request: RunRequest): Promise<string>;
    /** Runs the self-check; answers a CheckOutcome encoded by encodeForNode. */
    checkGpu(request: CheckRequest): Promise<string>;
    /** Exposed by Node (page.exposeFunction) to draw the progress bar; takes a RunProgress encoded by encodeForNode. */
    reportRunProgress?(progress: string): Promise<void>;
  }
}

/** The dataset of a run request, the CSV's text handed over by Node. */
async function datasetOf(request: Pick<RunRequest, 'dataset' | 'csvText'>): Promise<Dataset> {
  const { dataset } = await buildDataset(request.dataset, {
    mnistAsset: () => fetchMnistAsset(),
    async csvFile(path) {
      if (request.csvText === null) throw new Error(`no text was handed over for the CSV file ${path}`);
      return request.csvText;
    },
  });
  return dataset;
}

async function runOnGpu(request: RunRequest): Promise<GpuRunOutcome> {
  const setupStart = performance.now();
  let adapter: string;
  try {
    adapter = await adapterLabel();
  } catch (error) {
    if (isEngineRefusal(error)) return { refused: { field: '--backend', message: `${error.message}; train with --backend cpu instead` } };
    throw error;
  }
  const dataset = await datasetOf(request);
  const initialParameters = request.initialParameters ? Float64Array.from(request.initialParameters) : undefined;
  const started = await startGuardedSession(() => createSession({ spec: request.spec, dataset, backend: 'webgpu', initialParameters }));
  if ('refusal' in started) return { refused: { field: 'spec', message: started.refusal } };
  try {
    const record = await recordRun(started.session, { ...request, adapter, setupMs: performance.now() - setupStart }, (progress) => void window.reportRunProgress?.(encodeForNode(progress)));
    return { record };
  } finally {
    started.session.dispose();
  }
}

async function checkGpu(request: CheckRequest): Promise<CheckOutcome> {
  const dataset = await datasetOf(request.run);
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

/** Trains a sweep on the GPU (`npm run experiment -- sweep`); answers a SweepOutcome encoded by encodeForNode. */
declare global {
  interface Window {
    runSweep(request: SweepRequest): Promise<string>;
  }
}

window.runSweep = async (request) => {
  const dataset = await datasetOf(request);
  return encodeForNode(await trainSweep(request, dataset, 'webgpu', await adapterLabel(), (progress) => void window.reportRunProgress?.(encodeForNode(progress))));
};
window.runOnGpu = async (request) => encodeForNode(await runOnGpu(request));
window.checkGpu = async (request) => encodeForNode(await checkGpu(request));
window.pageReady = true;
