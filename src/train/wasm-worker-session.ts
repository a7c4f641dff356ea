/**
 * The page's path without WebGPU: the float32 WebAssembly trainer in a Web Worker
 * (src/train/wasm-worker.ts), its products split across `navigator.hardwareConcurrency` workers
 * when the page is cross-origin isolated. Without isolation there is no SharedArrayBuffer, so one
 * worker trains alone and `singleThreadReason` says why, for the page's banner.
 */
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import { RemoteSession } from './remote-session';
import type { WasmWorker } from './wasm-worker';
import { WorkerLink } from './worker-link';

/** How to start a session in workers. */
export interface WasmWorkerSessionOptions {
  /** Threads wanted for the products, the trainer's worker included; navigator.hardwareConcurrency when omitted. */
  threads?: number;
  /** Starting parameters in the flat layout; the seeded ones when omitted. */
  initialParameters?: Float64Array;
}

/** What a page that is not cross-origin isolated is told, and what its host can do about it. */
const NOT_ISOLATED_REASON =
  'the page is not cross-origin isolated, so its workers cannot share memory (the host must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';

export class WasmWorkerSession extends RemoteSession {
  readonly backend = 'wasm' as const;
  /** Threads computing the products: the trainer's worker and its helpers. */
  readonly threads: number;
  /** Why the products run in one worker although more threads were wanted; null when they got what they wanted. */
  readonly singleThreadReason: string | null;

  private constructor(
    spec: NetworkSpec,
    dataset: Dataset,
    private readonly link: WorkerLink<WasmWorker>,
    threads: number,
    wanted: number,
  ) {
    super(spec, dataset, link, 'WebAssembly');
    this.threads = threads;
    this.singleThreadReason = threads === 1 && wanted > 1 ? NOT_ISOLATED_REASON : null;
  }

  /** Starts the workers and a run of `spec` on `dataset`; rejects with the trainer's message if the spec does not fit. */
  static async create(spec: NetworkSpec, dataset: Dataset, options: WasmWorkerSessionOptions = {}): Promise<WasmWorkerSession> {
    const wanted = options.threads ?? navigator.hardwareConcurrency ?? 1;
    if (!(Number.isInteger(wanted) && wanted >= 1)) throw new Error(`the WebAssembly path needs a whole number of threads of at least 1, got ${wanted}`);
    const link = new WorkerLink<WasmWorker>(new Worker(new URL('./wasm-worker.ts', import.meta.url), { type: 'module' }), 'the WebAssembly worker');
    let threads: number;
    try {
      threads = await link.call((worker) => worker.create(spec, dataset, globalThis.crossOriginIsolated ? wanted : 1, options.initialParameters ?? null));
    } catch (error) {
      link.terminate(new Error('the WebAssembly session could not start'));
      throw error;
    }
    return new WasmWorkerSession(spec, dataset, link, threads, wanted);
  }

  /** ∂L/∂θ of the last step in the flat layout (tests compare it with the float64 reference). */
  readGradient(): Promise<Float64Array> {
    return this.link.call((worker) => worker.readGradient());
  }

  /** Milliseconds that `count` forward products of the first layer over a whole batch take on this session's threads (benchmarks). */
  timeForwardProducts(count: number): Promise<number> {
    return this.link.call((worker) => worker.timeForwardProducts(count));
  }
}
