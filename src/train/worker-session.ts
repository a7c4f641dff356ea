/**
 * A Session whose steps run in a Web Worker on the float64 CPU trainer: the page's path when the
 * browser has no WebGPU. Training happens off the main thread, so the page stays responsive even
 * though the CPU is far slower than a GPU.
 */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class WorkerSession implements Session {
  readonly backend = 'cpu' as const;
  private readonly worker: Worker;
  private readonly currentSpec: NetworkSpec;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 0;
  private issued = 0;

  private constructor(spec: NetworkSpec, readonly dataset: Dataset) {
    this.currentSpec = cloneSpec(spec);
    this.worker = new Worker(new URL('./cpu-worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<WorkerReply>) => this.settle(event.data);
    this.worker.onerror = (event) => {
      const error = new Error(`the CPU worker failed: ${event.message}`);
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
  }

  /** Starts a worker and a CPU run of `spec` on `dataset` in it; rejects with the trainer's message if the spec does not fit. */
  static async create(spec: NetworkSpec, dataset: Dataset): Promise<WorkerSession> {
    const session = new WorkerSession(spec, dataset);
    try {
      await session.call({ method: 'create', spec, dataset });
    } catch (error) {
      session.dispose();
      throw error;
    }
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
    await this.call({ method: 'train', steps });
  }

  setLoss(loss: LossName): void {
    this.currentSpec.loss = loss;
    // Requests are answered in order, so the next train() already uses the new loss; a refusal
    // (e.g. cross-entropy on a linear output) is reported by that train() call too.
    void this.call({ method: 'setLoss', loss }).catch(() => undefined);
  }

  takeMetrics(): Promise<StepMetrics[]> {
    return this.call({ method: 'takeMetrics' }) as Promise<StepMetrics[]>;
  }

  async flush(): Promise<void> {
    // The worker answers in order; once a no-op round trip returns, every earlier train() is done.
    await this.call({ method: 'setLoss', loss: this.currentSpec.loss });
  }

  snapshot(): Promise<TrainerSnapshot> {
    return this.call({ method: 'snapshot' }) as Promise<TrainerSnapshot>;
  }

  async restore(snapshot: TrainerSnapshot): Promise<void> {
    await this.call({ method: 'restore', snapshot });
    this.issued = snapshot.step;
    this.currentSpec.loss = snapshot.loss;
  }

  evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    return this.call({ method: 'evaluate', inputs, count }) as Promise<Float32Array>;
  }

  dispose(): void {
    this.worker.terminate();
    const error = new Error('this CPU session was disposed');
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  private call(body: RequestBody): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id } as WorkerRequest);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(new Error(reply.message));
  }
}
