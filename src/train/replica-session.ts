/**
 * The replica trainers behind the ReplicaSession interface (src/model/replicas.ts): on the GPU one
 * dispatch per step for all replicas, on the CPU a loop over float64 trainers, so the sweep, the
 * scripts and the tests drive either the same way and every GPU replica can be checked on the CPU.
 */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import type { ReplicaSession, ReplicaSettings, ReplicaStepMetrics } from '../model/replicas';
import type { SessionError } from '../model/session';
import type { NetworkSpec } from '../model/spec';
import { CpuReplicaTrainer, checkCpuReplicas } from '../cpu/replica-trainer';
import { describeGpuAdapter, type GpuContext } from '../gpu/device';
import type { ReplicaForm } from '../gpu/kernels';
import { GpuReplicaTrainer } from '../gpu/replica-trainer';
import { InThreadSteps } from './in-thread-session';

/** What to start. */
export interface ReplicaSessionOptions {
  /** The shape every replica shares. */
  shape: NetworkSpec;
  /** Each replica's seed, init scale, learning rate and loss. */
  replicas: readonly ReplicaSettings[];
  /** The data every replica trains on. */
  dataset: Dataset;
  /** 'webgpu' fails without WebGPU; 'auto' (the default) falls back to the CPU. */
  backend?: 'webgpu' | 'cpu' | 'auto';
  /** Forces the GPU form (tests and benchmarks compare them). */
  form?: ReplicaForm;
  /** The GPU context; the shared one when omitted. */
  context?: GpuContext;
}

class CpuReplicaSession implements ReplicaSession {
  readonly backend = 'cpu' as const;
  private readonly trainer: CpuReplicaTrainer;
  private readonly steps: InThreadSteps<ReplicaStepMetrics>;

  /** Starts every replica from its seeded initial weights; throws listing every problem. */
  constructor(shape: NetworkSpec, replicas: readonly ReplicaSettings[], dataset: Dataset) {
    const trainer = new CpuReplicaTrainer(shape, replicas, dataset);
    this.trainer = trainer;
    this.steps = new InThreadSteps(() => trainer.step(), 'this CPU replica session was disposed; start a new one to keep training');
  }

  get shape(): NetworkSpec {
    return this.trainer.shape;
  }

  get dataset(): Dataset {
    return this.trainer.dataset;
  }

  get replicas(): readonly ReplicaSettings[] {
    return this.trainer.replicas;
  }

  get stepsTaken(): number {
    return this.trainer.stepsTaken;
  }

  async train(steps: number): Promise<void> {
    this.steps.train(steps);
  }

  setLoss(replica: number, loss: LossName): void {
    this.steps.checkAlive();
    this.trainer.setLoss(replica, loss);
  }

  async takeMetrics(): Promise<ReplicaStepMetrics[]> {
    return this.steps.take();
  }

  async flush(): Promise<void> {
    // Steps run to completion inside train().
    this.steps.checkAlive();
  }

  async parameters(replica: number): Promise<Float64Array> {
    this.steps.checkAlive();
    return this.trainer.parameters(replica);
  }

  dispose(): void {
    this.steps.dispose();
  }
}

export class GpuReplicaSession implements ReplicaSession {
  readonly backend = 'webgpu' as const;
  onError: ((error: SessionError) => void) | undefined = undefined;

  private constructor(
    /** The trainer doing the work; exposed for tests and benchmarks that read its plan. */
    readonly trainer: GpuReplicaTrainer,
  ) {}

  /** Builds the trainer (validation, limits, pipeline, buffers, upload). */
  static async create(options: Omit<ReplicaSessionOptions, 'backend'>): Promise<GpuReplicaSession> {
    let session: GpuReplicaSession | null = null;
    const early: SessionError[] = [];
    const trainer = await GpuReplicaTrainer.create({
      ...options,
      onFailure: (failure) => {
        if (!session) early.push(failure);
        else session.report(failure);
      },
    });
    session = new GpuReplicaSession(trainer);
    for (const failure of early) session.report(failure);
    return session;
  }

  private report(error: SessionError): void {
    if (this.onError) this.onError(error);
    else console.error(`WebGPU ${error.kind}: ${error.message}`);
  }

  get shape(): NetworkSpec {
    return this.trainer.shape;
  }

  get dataset(): Dataset {
    return this.trainer.dataset;
  }

  get replicas(): readonly ReplicaSettings[] {
    return this.trainer.replicas;
  }

  get stepsTaken(): number {
    return this.trainer.stepsTaken;
  }

  train(steps: number): Promise<void> {
    return this.trainer.train(steps);
  }

  setLoss(replica: number, loss: LossName): void {
    this.trainer.setLoss(replica, loss);
  }

  async takeMetrics(): Promise<ReplicaStepMetrics[]> {
    return this.trainer.takeMetrics();
  }

  flush(): Promise<void> {
    return this.trainer.flush();
  }

  parameters(replica: number): Promise<Float64Array> {
    return this.trainer.parameters(replica);
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

/** Starts replicas on the requested backend; 'auto' uses WebGPU when the browser gives an adapter. */
export async function createReplicaSession(options: ReplicaSessionOptions): Promise<ReplicaSession> {
  const backend = options.backend ?? 'auto';
  const useGpu = backend === 'webgpu' || (backend === 'auto' && (await describeGpuAdapter()) !== null);
  if (useGpu) return GpuReplicaSession.create(options);
  return new CpuReplicaSession(options.shape, options.replicas, options.dataset);
}

/**
 * Throws, as createReplicaSession would and naming the same value or limit, when these replicas
 * cannot be trained on `backend`; allocates nothing.
 */
export async function checkReplicaSession(options: ReplicaSessionOptions & { backend: 'webgpu' | 'cpu' }): Promise<void> {
  if (options.backend === 'webgpu') await GpuReplicaTrainer.check(options);
  else checkCpuReplicas(options.shape, options.replicas, options.dataset);
}
