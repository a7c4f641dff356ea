/**
 * The Session bookkeeping shared by the trainers that step to completion in the thread that calls
 * them (the float64 CpuTrainer, the WebAssembly WasmTrainer; InThreadSteps also serves the CPU
 * replica session): train() runs the steps at once and keeps their metrics until takeMetrics(), so
 * flush() has nothing to wait for.
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

/**
 * Steps run in the calling thread and their metrics kept until taken, and whether the session that
 * owns them was disposed: every call but dispose() throws `disposedMessage` after it.
 */
export class InThreadSteps<Metrics> {
  private pending: Metrics[] = [];
  private disposed = false;

  constructor(
    /** Takes one step and returns its metrics. */
    private readonly step: () => Metrics,
    /** What a call after dispose() says. */
    private readonly disposedMessage: string,
  ) {}

  /** Runs `steps` steps at once, keeping their metrics. */
  train(steps: number): void {
    this.checkAlive();
    if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`train() takes a whole number of steps, got ${steps}`);
    for (let s = 0; s < steps; s++) this.pending.push(this.step());
  }

  /** The metrics kept since the last call, in step order. */
  take(): Metrics[] {
    this.checkAlive();
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  /** Forgets the metrics kept (they belong to a history that no longer continues). */
  drop(): void {
    this.pending = [];
  }

  /** Marks the owner disposed and drops the metrics kept; true the first time. */
  dispose(): boolean {
    if (this.disposed) return false;
    this.disposed = true;
    this.pending = [];
    return true;
  }

  checkAlive(): void {
    if (this.disposed) throw new Error(this.disposedMessage);
  }
}

export abstract class InThreadSession<Trainer extends InThreadTrainer> {
  private readonly steps: InThreadSteps<StepMetrics>;

  protected constructor(
    /** The trainer doing the work. */
    protected readonly trainer: Trainer,
    /** What a call after dispose() says. */
    disposedMessage: string,
  ) {
    this.steps = new InThreadSteps(() => trainer.step(), disposedMessage);
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
    this.steps.train(steps);
  }

  setLoss(loss: LossName): void {
    this.checkAlive();
    this.trainer.setLoss(loss);
  }

  async takeMetrics(): Promise<StepMetrics[]> {
    return this.steps.take();
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
    this.steps.drop();
  }

  /** Marks the session disposed and drops its waiting metrics; true the first time. */
  protected markDisposed(): boolean {
    return this.steps.dispose();
  }

  protected checkAlive(): void {
    this.steps.checkAlive();
  }
}
