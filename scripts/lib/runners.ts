/**
 * One configured run on either path: the CPU session here in Node, or the GPU session in the
 * headless page scripts/pages/run.html. Both go through recordRun, so their records compare; on
 * both, the engine's refusal of the network becomes a ConfigError naming it.
 */
import type { Page } from 'puppeteer';
import type { Dataset } from '../../src/model/dataset';
import { createSession } from '../../src/train/create-session';
import { decodeFromPage } from './page-transfer';
import { recordRun, startGuardedSession, type RunProgress, type RunRecord, type RunRequest } from './run-session';
import { ConfigError } from './user-errors';

/** What the run page answers: the record, or what refused the run (a field of the command line or config, and why). */
export type GpuRunOutcome = { record: RunRecord } | { refused: { field: string; message: string } };

/** Trains on the float64 CPU path in this process. */
export async function runOnCpu(request: RunRequest, dataset: Dataset, onProgress?: (progress: RunProgress) => void): Promise<RunRecord> {
  const setupStart = performance.now();
  const initialParameters = request.initialParameters ? Float64Array.from(request.initialParameters) : undefined;
  const started = await startGuardedSession(() => createSession({ spec: request.spec, dataset, backend: 'cpu', initialParameters }));
  if ('refusal' in started) throw new ConfigError(request.config, [{ field: 'spec', message: started.refusal }]);
  try {
    return await recordRun(started.session, { ...request, adapter: null, setupMs: performance.now() - setupStart }, onProgress);
  } finally {
    started.session.dispose();
  }
}

/** A page of scripts/pages/run.html that can take one GPU run after another. */
export async function gpuRunner(page: Page): Promise<(request: RunRequest, onProgress?: (progress: RunProgress) => void) => Promise<RunRecord>> {
  let progressListener: ((progress: RunProgress) => void) | undefined;
  await page.exposeFunction('reportRunProgress', (progress: string) => progressListener?.(decodeFromPage<RunProgress>(progress)));
  return async (request, onProgress) => {
    progressListener = onProgress;
    try {
      const outcome = decodeFromPage<GpuRunOutcome>(await page.evaluate((r) => window.runOnGpu(r), request));
      if ('refused' in outcome) throw new ConfigError(request.config, [outcome.refused]);
      return outcome.record;
    } finally {
      progressListener = undefined;
    }
  };
}
