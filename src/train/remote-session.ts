/**
 * A Session whose trainer lives in a Web Worker and is driven through Comlink: the CPU worker
 * (WorkerSession) and the WebAssembly worker (WasmWorkerSession) differ only in the worker they
 * start and how they create their run. Calls reach the worker in the order they were made and the
 * worker handles each before the next, so a `takeMetrics` after a `train` sees that train's steps.
 *
 * A worker that fails once the session exists is reported to `onError`, once, as an 'internal'
 * error, so a page shows it where it shows a GPU's errors. Unlike a GPU's internal error, it is
 * final: the session answers no more (every call rejects with the reason), and going on needs a
 * new session (restored from a snapshot taken before). A failure during create() is create()'s
 * rejection instead.
 */
import * as Comlink from 'comlink';
import type { Dataset } from '../model/dataset';
import { assertLossAllowed, type LossName } from '../model/losses';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import type { Session, SessionError, StepMetrics, TrainerSnapshot } from '../model/session';
import type { WorkerLink } from './worker-link';

/** The Session calls a trainer's worker offers (src/train/cpu-worker.ts, src/train/wasm-worker.ts). */
export interface SessionWorker {
  /** Session.train. */
  train(steps: number): Promise<void>;
  /** Session.setLoss. */
  setLoss(loss: LossName): void;
  /** Session.takeMetrics. */
  takeMetrics(): Promise<StepMetrics[]>;
  /** Session.flush. */
  flush(): Promise<void>;
  /** Session.snapshot, its arrays transferred to the caller. */
  snapshot(): Promise<TrainerSnapshot>;
  /** Session.restore. */
  restore(snapshot: TrainerSnapshot): Promise<void>;
  /** Session.evaluate, its result transferred to the caller. */
  evaluate(inputs: Float32Array, count: number): Promise<Float32Array>;
}

export abstract class RemoteSession implements Session {
  abstract readonly backend: Session['backend'];
  /** Receives the worker's failure, once, when it ends; unset, it goes to console.error. Not called for dispose(). */
  onError: ((error: SessionError) => void) | undefined = undefined;
  private readonly currentSpec: NetworkSpec;
  private issued = 0;

  protected constructor(
    spec: NetworkSpec,
    readonly dataset: Dataset,
    /** The worker holding the trainer, already running it: its failures from now on are this session's. */
    private readonly remote: WorkerLink<SessionWorker>,
    /** What kind of worker it is, as messages name it: "CPU", "WebAssembly". */
    private readonly workerKind: string,
  ) {
    this.currentSpec = cloneSpec(spec);
    remote.onFailure = (reason) => this.reportFailure(reason);
  }

  get spec(): NetworkSpec {
    return this.currentSpec;
  }

  get stepsTaken(): number {
    return this.issued;
  }

  async train(steps: number): Promise<void> {
    this.issued += steps;
    await this.remote.call((worker) => worker.train(steps));
  }

  setLoss(loss: LossName): void {
    // Refused here, as the trainers refuse it, so `spec.loss` never names a loss the worker declined.
    assertLossAllowed(loss, this.currentSpec.outputActivation);
    this.currentSpec.loss = loss;
    // Calls are handled in order, so the next train() already uses the new loss; if the worker
    // has failed, that train() rejects and says so.
    void this.remote.call((worker) => worker.setLoss(loss)).catch(() => undefined);
  }

  takeMetrics(): Promise<StepMetrics[]> {
    return this.remote.call((worker) => worker.takeMetrics());
  }

  async flush(): Promise<void> {
    // The worker handles calls in order and finishes each train() before the next call, so once
    // this round trip returns, every earlier train() is done.
    await this.remote.call((worker) => worker.flush());
  }

  snapshot(): Promise<TrainerSnapshot> {
    return this.remote.call((worker) => worker.snapshot());
  }

  async restore(snapshot: TrainerSnapshot): Promise<void> {
    // Not transferred: the caller keeps the snapshot (the guard's last good one) to restore it again.
    await this.remote.call((worker) => worker.restore(snapshot));
    this.issued = snapshot.step;
    this.currentSpec.loss = snapshot.loss;
  }

  evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    // The caller may reuse `inputs`, so the worker is handed a copy it can own.
    const copy = inputs.slice();
    return this.remote.call((worker) => worker.evaluate(Comlink.transfer(copy, [copy.buffer]), count));
  }

  dispose(): void {
    this.remote.terminate(new Error(`this ${this.workerKind} session was disposed`));
  }

  private reportFailure(reason: string): void {
    const error: SessionError = { kind: 'internal', message: reason };
    if (this.onError) this.onError(error);
    else console.error(`${this.workerKind} worker: ${error.message}`);
  }
}
