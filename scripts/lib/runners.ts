/**
 * One configured run on either path: the CPU session here in Node, or the GPU session in the
 * headless page scripts/pages/run.html. Both go through recordRun, so their records compare.
 */
import type { Page } from 'puppeteer';
import type { Dataset } from '../../src/model/dataset';
import { createSession } from '../../src/train/create-session';
import { recordRun, type RunProgress, type RunRecord, type RunRequest } from './run-session';

/** Trains on the float64 CPU path in this process. */
export async function runOnCpu(request: RunRequest, dataset: Dataset, onProgress?: (progress: RunProgress) => void): Promise<RunRecord> {
  const setupStart = performance.now();
  const session = await createSession({
    spec: request.spec,
    dataset,
    backend: 'cpu',
    initialParameters: request.initialParameters ? Float64Array.from(request.initialParameters) : undefined,
  });
  try {
    return await recordRun(session, { ...request, adapter: null, setupMs: performance.now() - setupStart }, onProgress);
  } finally {
    session.dispose();
  }
}

/** A page of scripts/pages/run.html that can take one GPU run after another. */
export async function gpuRunner(page: Page): Promise<(request: RunRequest, onProgress?: (progress: RunProgress) => void) => Promise<RunRecord>> {
  let progressListener: ((progress: RunProgress) => void) | undefined;
  await page.exposeFunction('reportRunProgress', (progress: RunProgress) => progressListener?.(progress));
  return async (request, onProgress) => {
    progressListener = onProgress;
    try {
      return await page.evaluate((r) => window.runOnGpu(r), request);
    } finally {
      progressListener = undefined;
    }
  };
}
