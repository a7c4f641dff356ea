/**
 * The headless page behind GPU runs (`npm run train -- --backend gpu`, `npm run experiment`):
 * builds the dataset and a guarded WebGPU session with the page's own modules and trains it through
 * the same loop the CPU path uses in Node. Node drives it with `window.runOnGpu(request)`, which
 * answers in the encoding of scripts/lib/page-transfer.ts so that NaN stays NaN on the way.
 */
import { createSession } from '../../src/train/create-session';
import { buildDataset } from '../../src/data/source';
import { fetchMnistAsset } from '../../src/data/mnist';
import { encodeForNode } from '../lib/page-transfer';
import type { GpuRunOutcome } from '../lib/runners';
import { recordRun, startGuardedSession, type RunRequest } from '../lib/run-session';
import { isEngineRefusal } from '../lib/user-errors';
import { adapterLabel } from './adapter';

declare global {
  interface Window {
    pageReady: boolean;
    /** Trains one run; answers a GpuRunOutcome encoded by encodeForNode. */
    runOnGpu(request: RunRequest): Promise<string>;
    /** Exposed by Node (page.exposeFunction) to draw the progress bar; takes a RunProgress encoded by encodeForNode. */
    reportRunProgress?(progress: string): Promise<void>;
  }
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
  const { dataset } = await buildDataset(request.dataset, {
    mnistAsset: () => fetchMnistAsset(),
    async csvFile(path) {
      if (request.csvText === null) throw new Error(`no text was handed over for the CSV file ${path}`);
      return request.csvText;
    },
  });
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

window.runOnGpu = async (request) => encodeForNode(await runOnGpu(request));
window.pageReady = true;
