/**
 * One way to start a run whatever the machine offers: WebGPU when the browser gives an adapter,
 * the float64 CPU path otherwise (or when asked for), or the float32 WebAssembly path when asked for.
 */
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import { CpuSession } from './cpu-session';
import { OPTIMIZERS } from '../model/optimizers';
import { describeGpuAdapter, type GpuAdapterReport } from '../gpu/device';
import { GpuSession, type GpuSessionOptions } from './gpu-session';
import type { Session } from '../model/session';
import { WasmSession } from './wasm-session';
import { WasmWorkerSession } from './wasm-worker-session';

/** The autotuner's store, for a runtime that keeps its choices (the page's localStorage, the scripts' cache file; src/gpu/tuner.ts). */
export { isStoredTuning, type StoredTuning, type TuningStore } from '../gpu/tuner';

/** What to start. */
export interface CreateSessionOptions {
  /** The network. */
  spec: NetworkSpec;
  /** The data it trains on. */
  dataset: Dataset;
  /**
   * 'webgpu' fails without WebGPU; 'auto' (the default) falls back to the float64 CPU path; 'wasm'
   * is the float32 WebAssembly path: in Web Workers, or on this thread when `wasmModule` is given.
   */
  backend?: 'webgpu' | 'cpu' | 'wasm' | 'auto';
  /** Starting parameters in the flat layout; the seeded ones when omitted. */
  initialParameters?: Float64Array;
  /** 'wasm' in workers: threads for the products; navigator.hardwareConcurrency when omitted (one without cross-origin isolation). */
  threads?: number;
  /** 'wasm' on this thread (Node, where there are no Web Workers): the compiled single-thread kernel binary, asm/build/products.wasm. */
  wasmModule?: WebAssembly.Module;
  /**
   * On WebGPU, time the product variants on this adapter within a budget and run the fastest,
   * keeping choices in the store (GpuSessionOptions.tuning); a budget of 0 runs the fixed rule's
   * variants. Absent, the fixed rule's variants run. The CPU and WebAssembly paths ignore it.
   */
  tuning?: GpuSessionOptions['tuning'];
}

/** The adapter WebGPU offers this page (name, architecture, description), or null without WebGPU. */
export function describeBackend(): Promise<GpuAdapterReport | null> {
  return describeGpuAdapter();
}

/** Starts a session on the requested backend; 'auto' uses WebGPU when `navigator.gpu` gives an adapter. */
export async function createSession(options: CreateSessionOptions): Promise<Session> {
  const backend = options.backend ?? 'auto';
  const { spec, dataset, initialParameters } = options;
  if (backend === 'wasm') {
    const { wasmModule } = options;
    if (wasmModule) return WasmSession.create({ spec, dataset, initialParameters, threads: 1, module: async () => wasmModule });
    if (typeof Worker === 'undefined') throw new Error("the 'wasm' backend needs Web Workers or, on this thread, the compiled kernels: pass wasmModule (asm/build/products.wasm)");
    return WasmWorkerSession.create(spec, dataset, { threads: options.threads, initialParameters });
  }
  const useGpu = backend === 'webgpu' || (backend === 'auto' && (await describeGpuAdapter()) !== null);
  if (useGpu) {
    return GpuSession.create({ spec, dataset, ...(initialParameters ? { initialParameters } : {}), ...(options.tuning ? { tuning: options.tuning } : {}) });
  }
  const session = new CpuSession(spec, dataset);
  if (initialParameters) {
    const n = initialParameters.length;
    const slots = Array.from({ length: OPTIMIZERS[spec.optimizer.kind].slots }, () => new Float64Array(n));
    await session.restore({ step: 0, loss: spec.loss, parameters: initialParameters.slice(), optimizerSlots: slots });
  }
  return session;
}
