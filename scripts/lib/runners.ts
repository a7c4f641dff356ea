/**
 * One configured run on any path: the CPU session or the WebAssembly session here in Node, or the
 * GPU session in the headless page scripts/pages/run.html. All go through recordRun, so their
 * records compare.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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
  const setupStart = performance.now();
  const session = await createSession({
    spec: request.spec,
    dataset,
    backend: 'wasm',
    wasmModule: await nodeKernelModule(),
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
