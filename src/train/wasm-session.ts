/**
 * The float32 WebAssembly trainer behind the Session interface, on the thread that creates it: in
 * Node (the scripts, the unit tests) and inside the page's wasm worker (src/train/wasm-worker.ts),
 * which WasmWorkerSession drives from the page.
 */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';
import { WasmTrainer, type WasmTrainerOptions } from '../wasm/trainer';

export class WasmSession implements Session {
  readonly backend = 'wasm' as const;
  private pendingMetrics: StepMetrics[] = [];
  private disposed = false;

  private constructor(
    /** The trainer doing the work. */
    private readonly trainer: WasmTrainer,
  ) {}

  /** Starts a run (WasmTrainer.create); rejects listing every problem with the spec. */
  static async create(options: WasmTrainerOptions): Promise<WasmSession> {
    return new WasmSession(await WasmTrainer.create(options));
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

  /** Threads computing the products, this one included. */
  get threads(): number {
    return this.trainer.threads;
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
    return this.trainer.evaluate(inputs, count);
  }

  /** ∂L/∂θ of the last step in the flat layout (tests compare it with the float64 reference). */
  async readGradient(): Promise<Float64Array> {
    this.checkAlive();
    return this.trainer.gradient();
  }

  /** Milliseconds that `count` forward products of the first layer over a whole batch take (benchmarks). */
  async timeForwardProducts(count: number): Promise<number> {
    this.checkAlive();
    return this.trainer.timeForwardProducts(count);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pendingMetrics = [];
    this.trainer.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this WebAssembly session was disposed; create a new one to keep training');
  }
}
