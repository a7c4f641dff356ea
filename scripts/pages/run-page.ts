/**
 * The headless page behind GPU runs (`npm run train -- --backend gpu`, `npm run experiment`):
 * builds the dataset and a WebGPU session with the page's own modules and trains it through the
 * same loop the CPU path uses in Node. Node drives it with `window.runOnGpu(request)`.
 */
import { createSession } from '../../src/train/create-session';
import { buildDataset } from '../../src/data/source';
import { fetchMnistAsset } from '../../src/data/mnist';
import { recordRun, type RunProgress, type RunRecord, type RunRequest } from '../lib/run-session';
import { adapterLabel } from './adapter';

declare global {
  interface Window {
    pageReady: boolean;
    runOnGpu(request: RunRequest): Promise<RunRecord>;
    /** The adapter runOnGpu runs on, as run files name it. */
    runAdapter(): Promise<string>;
    /** Exposed by Node (page.exposeFunction) to draw the progress bar. */
    reportRunProgress?(progress: RunProgress): Promise<void>;
  }
}

window.runOnGpu = async (request) => {
  const setupStart = performance.now();
  const { dataset } = await buildDataset(request.dataset, {
    mnistAsset: () => fetchMnistAsset(),
    async csvFile(path) {
      if (request.csvText === null) throw new Error(`no text was handed over for the CSV file ${path}`);
      return request.csvText;
    },
  });
  const session = await createSession({
    spec: request.spec,
    dataset,
    backend: 'webgpu',
    initialParameters: request.initialParameters ? Float64Array.from(request.initialParameters) : undefined,
  });
  try {
    const adapter = await adapterLabel();
    return await recordRun(session, { ...request, runtime: 'chromium', adapter, setupMs: performance.now() - setupStart }, (progress) => void window.reportRunProgress?.(progress));
  } finally {
    session.dispose();
  }
};
window.runAdapter = adapterLabel;
window.pageReady = true;
