/**
 * The CPU trainer behind the Session interface, so the UI, scripts and tests drive it exactly as
 * they drive the GPU trainer.
 */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';
import { CpuTrainer } from '../cpu/trainer';

export class CpuSession implements Session {
  readonly backend = 'cpu' as const;
  private readonly trainer: CpuTrainer;
  private pendingMetrics: StepMetrics[] = [];
  private disposed = false;

  /** Starts a run of `spec` on `dataset` from the seeded initial weights; throws listing every problem with the spec. */
  constructor(spec: NetworkSpec, dataset: Dataset) {
    this.trainer = new CpuTrainer(spec, dataset);
  }

  /** The network; its `loss` follows `setLoss`. Treat it as read-only. */
  get spec(): NetworkSpec {
    return this.trainer.spec;
  }

  get dataset(): Dataset {
    return this.trainer.dataset;
  }

  get stepsTaken(): number {
    return this.trainer.stepsTaken;
  }

  async train(steps: number): Promise<void> {
    this.checkAlive();
    if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`train() takes a whole number of steps, got ${steps}`);
    for (let s = 0; s < steps; s++) this.pendingMetrics.push(this.trainer.step());
  }

  setLoss(loss: LossName): void {
    this.checkAlive();
    this.trainer.setLoss(loss);
  }

  async takeMetrics(): Promise<StepMetrics[]> {
    this.checkAlive();
    const taken = this.pendingMetrics;
    this.pendingMetrics = [];
    return taken;
  }

  async flush(): Promise<void> {
    // Steps run to completion inside train(), so every issued step's metrics are already waiting.
    this.checkAlive();
  }

  async snapshot(): Promise<TrainerSnapshot> {
    this.checkAlive();
    return this.trainer.snapshot();
  }

  async restore(snapshot: TrainerSnapshot): Promise<void> {
    this.checkAlive();
    this.trainer.restore(snapshot);
    // Metrics of steps before the restore belong to a history that no longer continues.
    this.pendingMetrics = [];
  }

  async evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    this.checkAlive();
    return Float32Array.from(this.trainer.evaluate(inputs, count));
  }

  dispose(): void {
    this.disposed = true;
    this.pendingMetrics = [];
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this CPU session was disposed; create a new CpuSession to keep training');
  }
}
