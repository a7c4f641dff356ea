/**
 * Where `npm run bench` measures: a page of headless Chromium (scripts/pages/bench-page.ts), or this
 * Node process on Node's WebGPU. Both run the measurements of bench-measure.ts, so the figures of
 * the two runtimes compare.
 */
import { createRequire } from 'node:module';
import type { MatmulVariant } from '../../src/gpu/kernels';
import { gpuProvider } from '../../src/gpu/runtime';
import { adapterLabel } from '../pages/adapter';
import { matmulVariants, measureFirstStep, measureMatmul, measureTrainer } from './bench-measure';
import type { BenchRequest, BenchResult, FirstStepRequest, FirstStepResult, MatmulResult } from './bench-types';
import { launchHeadless } from './browser';
import { nodeDatasetFiles } from './config-files';
import type { GpuRuntime } from './gpu-runtime';
import type { ScriptHost } from './host';
import { loadNodeWebGpu, RuntimeUnavailableError } from './node-webgpu';

/** The measurements on one runtime. */
export interface BenchTarget {
  /** Where they run. */
  runtime: GpuRuntime;
  /** What runs WebGPU there: the browser's version, or Dawn's package version and backend. */
  detail: string;
  /** The WebGPU adapter, as run files name it. */
  adapter: string;
  /**
   * Milliseconds from nothing to a runtime ready for a first session. Chromium: starting the
   * script's Vite server, launching the browser and loading the bench page with the engine's
   * modules. Node: loading Dawn and finding an adapter (the script's Node process has the engine's
   * modules loaded already, as every run of these scripts does).
   */
  startMs: number;
  /** Steady-state throughput of one trainer (bench-measure.ts, measureTrainer). */
  trainer(request: BenchRequest): Promise<BenchResult>;
  /** The product variants to time on size³, the trainer's rule first (bench-measure.ts, matmulVariants). */
  matmulVariants(size: number): Promise<MatmulVariant[]>;
  /** Our matrix-product kernel alone (bench-measure.ts, measureMatmul). */
  matmul(size: number, variant: MatmulVariant, windows: number, windowSeconds: number): Promise<MatmulResult>;
  /** Dataset, session and one step from nothing (bench-measure.ts, measureFirstStep). */
  firstStep(request: FirstStepRequest): Promise<FirstStepResult>;
  /** Closes the browser; nothing to do in Node. */
  close(): Promise<void>;
}

/**
 * TF.js's WebGPU backend looks for WebGPU at navigator.gpu, and its Node platform code (loaded as
 * ES modules here) calls require('util'): give this process both, for the TF.js side of the Node
 * runtime. Our engine reads neither: it has Dawn through src/gpu/runtime.ts.
 */
function prepareTfjsForNode(gpu: GPU): void {
  if (typeof navigator === 'undefined') Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!('gpu' in navigator)) Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  if (!('require' in globalThis)) Object.defineProperty(globalThis, 'require', { value: createRequire(import.meta.url), configurable: true, writable: true });
}

/** The measurements in this process on Node's WebGPU, which must load (see resolveRuntime). */
async function nodeTarget(host: ScriptHost): Promise<BenchTarget> {
  const node = await loadNodeWebGpu();
  if (!node.available) throw new RuntimeUnavailableError(`Node's WebGPU cannot be used: ${node.reason}`);
  const gpu = gpuProvider().gpu();
  if (gpu) prepareTfjsForNode(gpu);
  const { mnistAsset } = nodeDatasetFiles(host.projectRoot, host.projectRoot);
  return {
    runtime: 'node',
    detail: node.description,
    adapter: await adapterLabel(),
    startMs: node.startMs,
    trainer: (request) => measureTrainer(request, mnistAsset),
    matmulVariants,
    matmul: measureMatmul,
    firstStep: (request) => measureFirstStep(request, mnistAsset),
    close: async () => {},
  };
}

/** The measurements in a page of a freshly launched headless Chromium. */
async function chromiumTarget(host: ScriptHost): Promise<BenchTarget> {
  const start = performance.now();
  const headless = await launchHeadless(host);
  try {
    const page = await headless.open('/scripts/pages/bench.html');
    const startMs = performance.now() - start;
    return {
      runtime: 'chromium',
      detail: `${headless.version}, headless, flags of scripts/find-browser.mjs`,
      adapter: await page.evaluate(() => window.benchAdapter()),
      startMs,
      trainer: (request) => page.evaluate((r) => window.benchTrainer(r), request),
      matmulVariants: (size) => page.evaluate((n) => window.benchMatmulVariants(n), size),
      matmul: (size, variant, windows, seconds) => page.evaluate((...args) => window.benchMatmul(...args), size, variant, windows, seconds),
      firstStep: (request) => page.evaluate((r) => window.benchFirstStep(r), request),
      close: () => headless.close(),
    };
  } catch (error) {
    await headless.close();
    throw error;
  }
}

/** The measurements on `runtime`. */
export function openBenchTarget(runtime: GpuRuntime, host: ScriptHost): Promise<BenchTarget> {
  return runtime === 'node' ? nodeTarget(host) : chromiumTarget(host);
}
