/**
 * A Session whose steps run in a Web Worker on the float64 CPU trainer: the page's path when
 * neither WebGPU nor the WebAssembly path can run, and after a lost GPU. Training happens off the
 * main thread, so the page stays responsive even though the CPU is far slower than a GPU. Calls
 * reach the worker (src/train/cpu-worker.ts) through Comlink (src/train/remote-session.ts, which
 * also says what happens when the worker fails).
 */
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import type { CpuWorker } from './cpu-worker';
import { RemoteSession } from './remote-session';
import { WorkerLink } from './worker-link';

export class WorkerSession extends RemoteSession {
  readonly backend = 'cpu' as const;

  private constructor(spec: NetworkSpec, dataset: Dataset, link: WorkerLink<CpuWorker>) {
    super(spec, dataset, link, 'CPU');
  }

  /** Starts a worker and a CPU run of `spec` on `dataset` in it; rejects with the trainer's message if the spec does not fit, or with the worker's failure. */
  static async create(spec: NetworkSpec, dataset: Dataset): Promise<WorkerSession> {
    const link = new WorkerLink<CpuWorker>(new Worker(new URL('./cpu-worker.ts', import.meta.url), { type: 'module' }), 'the CPU worker');
    try {
      await link.call((worker) => worker.create(spec, dataset));
    } catch (error) {
      link.terminate(new Error('this CPU session was disposed'));
      throw error;
    }
    return new WorkerSession(spec, dataset, link);
  }
}
