/**
 * One configured run on any path: the CPU session here in Node, the GPU session here in Node on
 * Node's WebGPU (Dawn), or the GPU session in the headless page scripts/pages/run.html. All go
 * through recordRun, so their records compare.
 */
import type { Page } from 'puppeteer';
import type { Dataset } from '../../src/model/dataset';
import { createSession } from '../../src/train/create-session';
import { adapterLabel } from '../pages/adapter';
import { recordRun, type RunProgress, type RunRecord, type RunRequest } from './run-session';

/** Trains `request` on `backend` in this process and records it. */
async function runInProcess(
  request: RunRequest,
  dataset: Dataset,
  backend: 'cpu' | 'webgpu',
  adapter: string | null,
  onProgress?: (progress: RunProgress) => void,
): Promise<RunRecord> {
  const setupStart = performance.now();
  const session = await createSession({
    spec: request.spec,
    dataset,
    backend,
    initialParameters: request.initialParameters ? Float64Array.from(request.initialParameters) : undefined,
  });
  try {
    return await recordRun(session, { ...request, runtime: 'node', adapter, setupMs: performance.now() - setupStart }, onProgress);
  } finally {
    session.dispose();
  }
}

/** Trains on the float64 CPU path in this process. */
export function runOnCpu(request: RunRequest, dataset: Dataset, onProgress?: (progress: RunProgress) => void): Promise<RunRecord> {
  return runInProcess(request, dataset, 'cpu', null, onProgress);
}

/** Trains on WebGPU in this process; Node's WebGPU must have been set up first (scripts/lib/node-webgpu.ts). */
export async function runOnNodeGpu(request: RunRequest, dataset: Dataset, onProgress?: (progress: RunProgress) => void): Promise<RunRecord> {
  return runInProcess(request, dataset, 'webgpu', await adapterLabel(), onProgress);
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
