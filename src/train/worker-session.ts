/**
 * A Session whose steps run in a Web Worker on the float64 CPU trainer: the page's path when the
 * browser has no WebGPU. Training happens off the main thread, so the page stays responsive even
 * though the CPU is far slower than a GPU. Calls reach the worker (src/train/cpu-worker.ts) through
 * Comlink and are handled there in the order they were made.
 *
 * A worker that fails (its script does not load, an error escapes it, a message from it cannot be
 * read) is ended: every call waiting for it and every later call rejects with the reason, and
 * `onError` receives it once, as an 'internal' error, so a page shows it where it shows a GPU's
 * errors. Unlike a GPU's internal error, it is final: the session answers no more, and going on
 * needs a new session (restored from a snapshot taken before).
 */
import * as Comlink from 'comlink';
import type { Dataset } from '../model/dataset';
import { assertLossAllowed, type LossName } from '../model/losses';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import type { Session, SessionError, StepMetrics, TrainerSnapshot } from '../model/session';
import type { CpuWorker } from './cpu-worker';

export class WorkerSession implements Session {
  readonly backend = 'cpu' as const;
  /** Receives the worker's failure, once, when it ends; unset, it goes to console.error. Not called for dispose(). */
  onError: ((error: SessionError) => void) | undefined = undefined;
  private readonly worker: Worker;
  private readonly remote: Comlink.Remote<CpuWorker>;
  private readonly currentSpec: NetworkSpec;
  private issued = 0;
  /** Why the worker answers no more (it failed, or dispose() ended it); null while it works. */
  private endReason: Error | null = null;
  /** Rejects with endReason when the worker ends, so calls still waiting for it reject too (Comlink alone would leave them pending). */
  private readonly ended: Promise<never>;
  private rejectEnded: (error: Error) => void = () => undefined;
  /** Set once create() has resolved: a failure before that is create()'s rejection, not an onError report. */
  private started = false;

  private constructor(spec: NetworkSpec, readonly dataset: Dataset) {
    this.currentSpec = cloneSpec(spec);
    this.ended = new Promise<never>((_, reject) => {
      this.rejectEnded = reject;
    });
    // The rejection is read by the calls racing it; with none waiting it is not an unhandled error.
    this.ended.catch(() => undefined);
    this.worker = new Worker(new URL('./cpu-worker.ts', import.meta.url), { type: 'module' });
    this.worker.addEventListener('error', (event) => this.fail(workerErrorText(event)));
    this.worker.addEventListener('messageerror', () => this.fail('a message from the worker could not be read'));
    this.remote = Comlink.wrap<CpuWorker>(this.worker);
  }

  /** Starts a worker and a CPU run of `spec` on `dataset` in it; rejects with the trainer's message if the spec does not fit. */
  static async create(spec: NetworkSpec, dataset: Dataset): Promise<WorkerSession> {
    const session = new WorkerSession(spec, dataset);
    try {
      await session.call((worker) => worker.create(spec, dataset));
    } catch (error) {
      session.dispose();
      throw error;
    }
    session.started = true;
    return session;
  }

  get spec(): NetworkSpec {
    return this.currentSpec;
  }

  get stepsTaken(): number {
    return this.issued;
  }

  async train(steps: number): Promise<void> {
    this.issued += steps;
    await this.call((worker) => worker.train(steps));
  }

  setLoss(loss: LossName): void {
    // Refused here, as CpuSession and GpuSession refuse it, so `spec.loss` never names a loss the worker declined.
    assertLossAllowed(loss, this.currentSpec.outputActivation);
    this.currentSpec.loss = loss;
    // Calls are handled in order, so the next train() already uses the new loss; if the worker
    // has failed, that train() rejects and says so.
    void this.call((worker) => worker.setLoss(loss)).catch(() => undefined);
  }

  takeMetrics(): Promise<StepMetrics[]> {
    return this.call((worker) => worker.takeMetrics());
  }

  async flush(): Promise<void> {
    // The worker handles calls in order and finishes each train() before the next call, so once
    // this round trip returns, every earlier train() is done.
    await this.call((worker) => worker.flush());
  }

  snapshot(): Promise<TrainerSnapshot> {
    return this.call((worker) => worker.snapshot());
  }

  async restore(snapshot: TrainerSnapshot): Promise<void> {
    // Not transferred: the caller keeps the snapshot (the guard's last good one) to restore it again.
    await this.call((worker) => worker.restore(snapshot));
    this.issued = snapshot.step;
    this.currentSpec.loss = snapshot.loss;
  }

  evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    // The caller may reuse `inputs`, so the worker is handed a copy it can own.
    const copy = inputs.slice();
    return this.call((worker) => worker.evaluate(Comlink.transfer(copy, [copy.buffer]), count));
  }

  dispose(): void {
    this.worker.terminate();
    this.end(new Error('this CPU session was disposed'));
  }

  /** Makes `request` of the worker; rejects instead once the worker has ended, or when it ends before answering. */
  private call<T>(request: (worker: Comlink.Remote<CpuWorker>) => Promise<T>): Promise<T> {
    if (this.endReason) return Promise.reject(this.endReason);
    return Promise.race([request(this.remote), this.ended]);
  }

  /**
   * The worker failed: it is stopped (whatever state an escaped error left it in is not trusted),
   * calls reject from now on, and onError hears of it once the session has started.
   */
  private fail(reason: string): void {
    if (this.endReason) return;
    this.worker.terminate();
    this.end(new Error(`the CPU worker failed: ${reason}`));
    if (!this.started) return;
    const error: SessionError = { kind: 'internal', message: reason };
    if (this.onError) this.onError(error);
    else console.error(`CPU worker: ${error.message}`);
  }

  private end(reason: Error): void {
    if (this.endReason) return;
    this.endReason = reason;
    this.rejectEnded(reason);
  }
}

/** What a worker's error event says: the escaped error and where it was thrown, or that the script did not load. */
function workerErrorText(event: Event): string {
  // A plain Event, or an ErrorEvent without a message, means the worker's script could not be loaded at all.
  if (!(event instanceof ErrorEvent) || !event.message) return 'its script did not load';
  const place = event.filename ? ` (${event.filename.split('/').pop()}:${event.lineno}:${event.colno})` : '';
  return `${event.message}${place}`;
}
