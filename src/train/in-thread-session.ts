/**
 * The Session bookkeeping shared by the trainers that step to completion in the thread that calls
 * them (the float64 CpuTrainer, the WebAssembly WasmTrainer): train() runs the steps at once and
 * keeps their metrics until takeMetrics(), so flush() has nothing to wait for.
 */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { StepMetrics, TrainerSnapshot } from '../model/session';

/** What InThreadSession needs of its trainer. */
export interface InThreadTrainer {
  /** The network; its `loss` follows setLoss. */
  readonly spec: NetworkSpec;
  /** The data it trains on. */
  readonly dataset: Dataset;
  /** Steps taken so far. */
  readonly stepsTaken: number;
  /** Takes one step and returns its metrics. */
  step(): StepMetrics;
  /** Selects the loss for the next step on. */
  setLoss(loss: LossName): void;
  /** Copies of the parameters and optimizer state. */
  snapshot(): TrainerSnapshot;
  /** Continues from `snapshot`. */
  restore(snapshot: TrainerSnapshot): void;
}

export abstract class InThreadSession<Trainer extends InThreadTrainer> {
  private pendingMetrics: StepMetrics[] = [];
  private disposed = false;

  protected constructor(
    /** The trainer doing the work. */
    protected readonly trainer: Trainer,
    /** What a call after dispose() says. */
    private readonly disposedMessage: string,
  ) {}

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

  /** Marks the session disposed and drops its waiting metrics; true the first time. */
  protected markDisposed(): boolean {
    if (this.disposed) return false;
    this.disposed = true;
    this.pendingMetrics = [];
    return true;
  }

  protected checkAlive(): void {
    if (this.disposed) throw new Error(this.disposedMessage);
  }
}
