/**
 * One configured run on any path: the CPU session or the WebAssembly session here in Node, the GPU
 * session here in Node on Node's WebGPU (Dawn), or the GPU session in the headless page
 * scripts/pages/run.html. All go through recordRun, so their records compare; on all, the engine's
 * refusal of the network becomes a ConfigError naming it. The GPU self-check runs in the same two
 * GPU places.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer';
import type { Dataset } from '../../src/model/dataset';
import type { Session } from '../../src/model/session';
import { createSession, type StoredTuning, type TuningStore } from '../../src/train/create-session';
import type { SelfCheckReport } from '../../src/train/self-check';
import { checkOnGpu, trainOnGpu, type CheckOutcome, type CheckRequest, type GpuRunOutcome } from './gpu-run';
import { decodeFromPage } from './page-transfer';
import { recordRun, startGuardedSession, type RunProgress, type RunRecord, type RunRequest } from './run-session';
import { ConfigError } from './user-errors';

/** Trains in this process on the session `create` starts from the run's initial parameters; the engine's refusal of the network becomes a ConfigError. */
async function runHere(
  request: RunRequest,
  create: (initialParameters: Float64Array | undefined) => Promise<Session>,
  onProgress?: (progress: RunProgress) => void,
): Promise<RunRecord> {
  const setupStart = performance.now();
  const initialParameters = request.initialParameters ? Float64Array.from(request.initialParameters) : undefined;
  const started = await startGuardedSession(() => create(initialParameters));
  if ('refusal' in started) throw new ConfigError(request.config, [{ field: 'spec', message: started.refusal }]);
  try {
    return await recordRun(started.session, { ...request, runtime: 'node', adapter: null, setupMs: performance.now() - setupStart }, onProgress);
  } finally {
    started.session.dispose();
  }
}

/** Trains on the float64 CPU path in this process. */
export function runOnCpu(request: RunRequest, dataset: Dataset, onProgress?: (progress: RunProgress) => void): Promise<RunRecord> {
  return runHere(request, (initialParameters) => createSession({ spec: request.spec, dataset, backend: 'cpu', initialParameters }), onProgress);
}

/** The compiled single-thread kernel binary (built by scripts/build-wasm.mjs, which `npm run train` runs first). */
async function nodeKernelModule(): Promise<WebAssembly.Module> {
  const path = fileURLToPath(new URL('../../asm/build/products.wasm', import.meta.url));
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new Error(`the WebAssembly kernels are not built (${path} is missing): run \`node scripts/build-wasm.mjs\` or \`npm run build\``);
  }
  return WebAssembly.compile(bytes);
}

/** Trains on the float32 WebAssembly path in this process, on one thread: Node has no Web Workers (the page splits products across them). */
export async function runOnWasm(request: RunRequest, dataset: Dataset, onProgress?: (progress: RunProgress) => void): Promise<RunRecord> {
  // Loaded first: kernels that are not built are not a refusal of the network.
  const wasmModule = await nodeKernelModule();
  return runHere(request, (initialParameters) => createSession({ spec: request.spec, dataset, backend: 'wasm', wasmModule, initialParameters }), onProgress);
}

/** The record of a GPU run, or its refusal as a ConfigError under the run's config. */
function recordOf(request: RunRequest, outcome: GpuRunOutcome): RunRecord {
  if ('refused' in outcome) throw new ConfigError(request.config, [outcome.refused]);
  return outcome.record;
}

/** The report of a self-check, or its refusal as a ConfigError under the checked run's config. */
function reportOf(request: CheckRequest, outcome: CheckOutcome): SelfCheckReport {
  if ('refused' in outcome) throw new ConfigError(request.run.config, [outcome.refused]);
  return outcome.report;
}

/** Trains on WebGPU in this process, tuning choices kept in `store`; Node's WebGPU must have been set up first (scripts/lib/node-webgpu.ts). */
export async function runOnNodeGpu(request: RunRequest, dataset: Dataset, store: TuningStore | null, onProgress?: (progress: RunProgress) => void): Promise<RunRecord> {
  return recordOf(request, await trainOnGpu(request, 'node', async () => dataset, store, onProgress));
}

/** Runs the GPU self-check in this process, on `dataset` (`request.run.dataset` built here); Node's WebGPU must have been set up first. */
export async function checkOnNodeGpu(request: CheckRequest, dataset: Dataset): Promise<SelfCheckReport> {
  return reportOf(request, await checkOnGpu(request, async () => dataset));
}

/** Runs the GPU self-check in a page of scripts/pages/run.html. */
export async function checkInPage(page: Page, request: CheckRequest): Promise<SelfCheckReport> {
  return reportOf(request, decodeFromPage<CheckOutcome>(await page.evaluate((r) => window.checkGpu(r), request)));
}

/** A page of scripts/pages/run.html that can take one GPU run after another, its tuning choices kept in `store` here in Node. */
export async function gpuRunner(page: Page, store: TuningStore | null): Promise<(request: RunRequest, onProgress?: (progress: RunProgress) => void) => Promise<RunRecord>> {
  let progressListener: ((progress: RunProgress) => void) | undefined;
  await page.exposeFunction('reportRunProgress', (progress: string) => progressListener?.(decodeFromPage<RunProgress>(progress)));
  if (store) {
    // The page has no file system: its tuner reads and writes the store through these.
    await page.exposeFunction('tuningLoad', (key: string) => store.load(key));
    await page.exposeFunction('tuningSave', (key: string, value: StoredTuning) => store.save(key, value));
  }
  return async (request, onProgress) => {
    progressListener = onProgress;
    try {
      return recordOf(request, decodeFromPage<GpuRunOutcome>(await page.evaluate((r) => window.runOnGpu(r), request)));
    } finally {
      progressListener = undefined;
    }
  };
}
