/**
 * The WebGPU trainer behind the Session interface (backend 'webgpu'). Asynchronous GPU failures
 * (device loss, validation, out of memory) are passed to `onError`.
 */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import { GpuTrainer, type GpuTrainerOptions } from '../gpu/trainer';
import type { GpuContext } from '../gpu/device';
import type { StepPlanOverrides } from '../gpu/step-plan';
import type { Session, SessionError, StepMetrics, TrainerSnapshot } from '../model/session';

/** How to start a GPU session. */
export interface GpuSessionOptions {
  /** The network. */
  spec: NetworkSpec;
  /** The data it trains on. */
  dataset: Dataset;
  /** Starting parameters in the flat layout; the seeded ones when omitted. */
  initialParameters?: Float64Array;
  /** The GPU context; the page's shared one when omitted. */
  context?: GpuContext;
  /** Forces the step layout or the matrix-product variant (tests and benchmarks); chooseStepPlan decides what is left unset. */
  overrides?: StepPlanOverrides;
  /** Tunes the product variants on this adapter within a budget (GpuTrainerOptions.tuning); absent, the fixed rule's variants run. */
  tuning?: GpuTrainerOptions['tuning'];
}

export class GpuSession implements Session {
  readonly backend = 'webgpu' as const;
  onError: ((error: SessionError) => void) | undefined = undefined;

  private constructor(
    /** The trainer doing the work; exposed for tests and benchmarks that read gradients or dispatch counts. */
    readonly trainer: GpuTrainer,
  ) {}

  /** Builds the trainer (validation, capacity check, pipelines, buffers, upload). */
  static async create(options: GpuSessionOptions): Promise<GpuSession> {
    let session: GpuSession | null = null;
    const pendingFailures: SessionError[] = [];
    const trainer = await GpuTrainer.create({
      ...options,
      onFailure: (failure) => {
        if (!session) pendingFailures.push(failure);
        else session.report(failure);
      },
    });
    session = new GpuSession(trainer);
    for (const failure of pendingFailures) session.report(failure);
    return session;
  }

  private report(error: SessionError): void {
    if (this.onError) this.onError(error);
    else console.error(`WebGPU ${error.kind}: ${error.message}`);
  }

  get spec(): NetworkSpec {
    return this.trainer.spec;
  }

  get dataset(): Dataset {
    return this.trainer.dataset;
  }

  get stepsTaken(): number {
    return this.trainer.stepsTaken;
  }

  train(steps: number): Promise<void> {
    return this.trainer.train(steps);
  }

  setLoss(loss: LossName): void {
    this.trainer.setLoss(loss);
  }

  async takeMetrics(): Promise<StepMetrics[]> {
    return this.trainer.takeMetrics();
  }

  flush(): Promise<void> {
    return this.trainer.flush();
  }

  snapshot(): Promise<TrainerSnapshot> {
    return this.trainer.snapshot();
  }

  async restore(snapshot: TrainerSnapshot): Promise<void> {
    // Steps still in flight would report metrics of the history being abandoned.
    await this.trainer.flush();
    this.trainer.takeMetrics();
    this.trainer.restore(snapshot);
  }

  evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    return this.trainer.evaluate(inputs, count);
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
