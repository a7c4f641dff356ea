/**
 * A Web Worker that runs the float32 WebAssembly trainer off the page's main thread. It holds one
 * WasmSession and exposes it through Comlink to WasmWorkerSession (src/train/wasm-worker-session.ts).
 * With more than one thread it starts that many − 1 helper workers (src/train/wasm-helper.ts) on
 * one shared memory and does its own share of the work; without cross-origin isolation
 * there is no SharedArrayBuffer, and it trains alone.
 */
import * as Comlink from 'comlink';
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import { fetchKernelModule } from '../wasm/kernel-urls';
import type { HelperSetup, HelperThreads } from '../wasm/threads';
import { WasmSession } from './wasm-session';
import { sessionCalls } from './worker-calls';

let session: WasmSession | null = null;

function current(): WasmSession {
  if (!session) throw new Error('the WebAssembly worker has no session: create one first');
  return session;
}

/** Starts one helper worker per setup and resolves once each listens; rejects, stopping them all, if one fails to start. */
async function startHelpers(setups: HelperSetup[]): Promise<HelperThreads> {
  const workers = setups.map(() => new Worker(new URL('./wasm-helper.ts', import.meta.url), { type: 'module' }));
  const terminate = () => workers.forEach((worker) => worker.terminate());
  try {
    await Promise.all(
      workers.map(
        (worker, i) =>
          new Promise<void>((resolve, reject) => {
            worker.addEventListener('message', (event: MessageEvent<string>) => (event.data === 'ready' ? resolve() : reject(new Error(event.data))), { once: true });
            worker.addEventListener('error', (event) => reject(new Error(`helper thread ${i} could not start: ${event.message || 'its script did not load'}`)));
            worker.postMessage(setups[i]);
          }),
      ),
    );
  } catch (error) {
    terminate();
    throw error;
  }
  return { terminate };
}

/** What the worker offers the page: the Session calls of its WasmSession, after `create`. */
const wasmWorker = {
  /**
   * Starts a run of `spec` on `dataset` on `threads` threads (1 without cross-origin isolation in
   * this worker), replacing any earlier one; resolves with the threads it got. Throws the
   * trainer's message when the spec does not fit.
   */
  async create(spec: NetworkSpec, dataset: Dataset, threads: number, initialParameters: Float64Array | null): Promise<number> {
    session?.dispose();
    session = null;
    session = await WasmSession.create({
      spec,
      dataset,
      ...(initialParameters ? { initialParameters } : {}),
      threads: self.crossOriginIsolated ? threads : 1,
      module: fetchKernelModule,
      startHelpers,
    });
    return session.threads;
  },
  ...sessionCalls(current),
  async readGradient(): Promise<Float64Array> {
    const gradient = await current().readGradient();
    return Comlink.transfer(gradient, [gradient.buffer]);
  },
  timeForwardProducts(count: number): Promise<number> {
    return current().timeForwardProducts(count);
  },
};

/** The worker's calls as WasmWorkerSession sees them (Comlink.Remote of this type). */
export type WasmWorker = typeof wasmWorker;

Comlink.expose(wasmWorker);
