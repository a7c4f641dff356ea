/**
 * The float32 WebAssembly trainer behind the Session interface, on the thread that creates it: in
 * Node (the scripts, the unit tests) and inside the page's wasm worker (src/train/wasm-worker.ts),
 * which WasmWorkerSession drives from the page.
 */
import type { Session } from '../model/session';
import { WasmTrainer, type WasmTrainerOptions } from '../wasm/trainer';
import { InThreadSession } from './in-thread-session';

export class WasmSession extends InThreadSession<WasmTrainer> implements Session {
  readonly backend = 'wasm' as const;

  private constructor(trainer: WasmTrainer) {
    super(trainer, 'this WebAssembly session was disposed; create a new one to keep training');
  }

  /** Starts a run (WasmTrainer.create); rejects listing every problem with the spec. */
  static async create(options: WasmTrainerOptions): Promise<WasmSession> {
    return new WasmSession(await WasmTrainer.create(options));
  }

  /** Threads computing the products, this one included. */
  get threads(): number {
    return this.trainer.threads;
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
    if (this.markDisposed()) this.trainer.dispose();
  }
}
