/**
 * The headless page behind GPU runs on the Chromium runtime (`npm run train -- --backend gpu`,
 * `npm run experiment`) and the GPU self-check (`npm run check`): builds the dataset with the
 * page's own modules and runs scripts/lib/gpu-run.ts here, the very code the Node runtime runs in
 * Node. Node drives it with `window.runOnGpu(request)` and `window.checkGpu(request)`, which answer
 * in the encoding of scripts/lib/page-transfer.ts so that NaN stays NaN on the way.
 */
import type { Dataset } from '../../src/model/dataset';
import { buildDataset } from '../../src/data/source';
import { fetchMnistAsset } from '../../src/data/mnist';
import type { StoredTuning, TuningStore } from '../../src/train/create-session';
import { adapterOrWhyNot, checkOnGpu, trainOnGpu, type CheckRequest } from '../lib/gpu-run';
import { encodeForNode } from '../lib/page-transfer';
import type { RunRequest } from '../lib/run-session';

declare global {
  interface Window {
    pageReady: boolean;
    /** Trains one run; answers a GpuRunOutcome encoded by encodeForNode. */
    runOnGpu(request: RunRequest): Promise<string>;
    /** Exposed by Node (page.exposeFunction): the tuning choice stored under a key, or null. */
    tuningLoad?(key: string): Promise<StoredTuning | null>;
    /** Exposed by Node: stores a tuning choice under a key. */
    tuningSave?(key: string, value: StoredTuning): Promise<void>;
    /** The adapter runOnGpu runs on, as run files name it, or "none (why)". */
    runAdapter(): Promise<string>;
    /** Runs the self-check; answers a CheckOutcome encoded by encodeForNode. */
    checkGpu(request: CheckRequest): Promise<string>;
    /** Exposed by Node (page.exposeFunction) to draw the progress bar; takes a RunProgress encoded by encodeForNode. */
    reportRunProgress?(progress: string): Promise<void>;
  }
}

/** The dataset of a run request, the CSV's text handed over by Node. */
async function datasetOf(request: RunRequest): Promise<Dataset> {
  const { dataset } = await buildDataset(request.dataset, {
    mnistAsset: () => fetchMnistAsset(),
    async csvFile(path) {
      if (request.csvText === null) throw new Error(`no text was handed over for the CSV file ${path}`);
      return request.csvText;
    },
  });
  return dataset;
}

/** The tuning store Node exposes to this page (its file in the user's cache folder), or null when it exposes none. */
function nodeTuningStore(): TuningStore | null {
  const { tuningLoad, tuningSave } = window;
  if (!tuningLoad || !tuningSave) return null;
  return { load: (key) => tuningLoad(key), save: (key, value) => tuningSave(key, value) };
}

window.runOnGpu = async (request) =>
  encodeForNode(await trainOnGpu(request, 'chromium', () => datasetOf(request), nodeTuningStore(), (progress) => void window.reportRunProgress?.(encodeForNode(progress))));
window.runAdapter = adapterOrWhyNot;
window.checkGpu = async (request) => encodeForNode(await checkOnGpu(request, () => datasetOf(request.run)));
window.pageReady = true;
