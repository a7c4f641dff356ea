/**
 * The CPU trainer behind the Session interface, so the UI, scripts and tests drive it exactly as
 * they drive the GPU trainer.
 */
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import type { Session } from '../model/session';
import { CpuTrainer } from '../cpu/trainer';
import { InThreadSession } from './in-thread-session';

export class CpuSession extends InThreadSession<CpuTrainer> implements Session {
  readonly backend = 'cpu' as const;

  /** Starts a run of `spec` on `dataset` from the seeded initial weights; throws listing every problem with the spec. */
  constructor(spec: NetworkSpec, dataset: Dataset) {
    super(new CpuTrainer(spec, dataset), 'this CPU session was disposed; create a new CpuSession to keep training');
  }

  async evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    this.checkAlive();
    return Float32Array.from(this.trainer.evaluate(inputs, count));
  }

  dispose(): void {
    this.markDisposed();
  }
}
