/**
 * One way to start a run whatever the machine offers: WebGPU when the browser gives an adapter,
 * the float64 CPU path otherwise (or when asked for).
 */
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import { CpuSession } from './cpu-session';
import { OPTIMIZERS } from '../model/optimizers';
import { describeGpuAdapter, type GpuAdapterReport } from '../gpu/device';
import { GpuSession, type GpuSessionOptions } from './gpu-session';
import type { Session } from '../model/session';

/** The autotuner's store, for a runtime that keeps its choices (the page's localStorage, the scripts' cache file; src/gpu/tuner.ts). */
export { isStoredTuning, type StoredTuning, type TuningStore } from '../gpu/tuner';

/** What to start. */
export interface CreateSessionOptions {
  /** The network. */
  spec: NetworkSpec;
  /** The data it trains on. */
  dataset: Dataset;
  /** 'webgpu' fails without WebGPU; 'auto' (the default) falls back to the CPU. */
  backend?: 'webgpu' | 'cpu' | 'auto';
  /** Starting parameters in the flat layout; the seeded ones when omitted. */
  initialParameters?: Float64Array;
  /**
   * On WebGPU, time the product variants on this adapter within a budget and run the fastest,
   * keeping choices in the store (GpuSessionOptions.tuning); a budget of 0 runs the fixed rule's
   * variants. Absent, the fixed rule's variants run. The CPU path ignores it.
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
  const useGpu = backend === 'webgpu' || (backend === 'auto' && (await describeGpuAdapter()) !== null);
  if (useGpu) {
    const { spec, dataset, initialParameters, tuning } = options;
    return GpuSession.create({ spec, dataset, ...(initialParameters ? { initialParameters } : {}), ...(tuning ? { tuning } : {}) });
  }
  const session = new CpuSession(options.spec, options.dataset);
  if (options.initialParameters) {
    const n = options.initialParameters.length;
    const slots = Array.from({ length: OPTIMIZERS[options.spec.optimizer.kind].slots }, () => new Float64Array(n));
    await session.restore({ step: 0, loss: options.spec.loss, parameters: options.initialParameters.slice(), optimizerSlots: slots });
  }
  return session;
}
