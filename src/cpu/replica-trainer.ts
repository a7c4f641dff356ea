/**
 * Replicas on the float64 reference path: one CpuTrainer per replica, each the single run of its
 * replicaSpec, stepped in lockstep. It is the yardstick every GPU replica is checked against, and
 * the sweep's trainer where the browser offers no WebGPU.
 */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import { emptyReplicaStep, replicaSpec, setReplicaStep, validateReplicas, type ReplicaSettings, type ReplicaStepMetrics } from '../model/replicas';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import { formatProblems, validateForDataset } from '../model/validate';
import { CPU_MEMORY_LIMIT_BYTES, CpuTrainer, cpuTrainerBytes } from './trainer';

/**
 * Throws, as the CpuReplicaTrainer constructor would, listing every problem of these replicas or
 * naming the memory they would need over the CPU path's limit; makes nothing.
 */
export function checkCpuReplicas(shape: NetworkSpec, replicas: readonly ReplicaSettings[], dataset: Dataset): void {
  const problems = [...validateReplicas(shape, replicas), ...validateForDataset(shape, dataset)];
  if (problems.length > 0) throw new Error(`cannot train these replicas on "${dataset.name}":\n${formatProblems(problems)}`);
  const bytes = replicas.length * cpuTrainerBytes(shape);
  if (bytes > CPU_MEMORY_LIMIT_BYTES) {
    throw new Error(
      `${replicas.length} replicas of [${shape.widths.join(', ')}] with batch ${shape.batchSize} need ${(bytes / 1024 ** 3).toFixed(1)} GiB on the CPU path, ` +
        `over its limit of ${CPU_MEMORY_LIMIT_BYTES / 1024 ** 3} GiB; train fewer replicas at once`,
    );
  }
}

export class CpuReplicaTrainer {
  /** The shape every replica shares (a copy). */
  readonly shape: NetworkSpec;
  private readonly trainers: CpuTrainer[];

  /**
   * One trainer per replica of `shape` on `dataset`, from each replica's seeded initial weights.
   * Throws listing every problem, or naming the memory the replicas would need over the CPU path's limit.
   */
  constructor(
    shape: NetworkSpec,
    replicas: readonly ReplicaSettings[],
    /** The data every replica trains on. */
    readonly dataset: Dataset,
  ) {
    checkCpuReplicas(shape, replicas, dataset);
    this.shape = cloneSpec(shape);
    this.trainers = replicas.map((settings) => new CpuTrainer(replicaSpec(shape, settings), dataset));
  }

  /** Each replica's settings; `loss` follows setLoss. */
  get replicas(): ReplicaSettings[] {
    return this.trainers.map((trainer) => ({
      seed: trainer.spec.seed,
      initScale: trainer.spec.init.scale,
      learningRate: trainer.spec.optimizer.learningRate,
      loss: trainer.spec.loss,
    }));
  }

  /** Steps taken so far by every replica. */
  get stepsTaken(): number {
    return this.trainers[0].stepsTaken;
  }

  /** One step of every replica on its own next batch: their metrics, measured before the update. */
  step(): ReplicaStepMetrics {
    const layers = this.shape.widths.length - 1;
    const block = emptyReplicaStep(this.stepsTaken, this.trainers.length, layers, this.trainers.map((trainer) => trainer.spec.loss));
    this.trainers.forEach((trainer, r) => setReplicaStep(block, r, trainer.step()));
    return block;
  }

  /** Selects replica `replica`'s loss from the next step on; throws for a replica that does not exist or a loss its output refuses. */
  setLoss(replica: number, loss: LossName): void {
    this.trainer(replica).setLoss(loss);
  }

  /** Replica `replica`'s current parameters (a copy). */
  parameters(replica: number): Float64Array {
    return this.trainer(replica).parameters.slice();
  }

  private trainer(replica: number): CpuTrainer {
    const trainer = this.trainers[replica];
    if (!Number.isInteger(replica) || !trainer) throw new Error(`there is no replica ${replica}; the replicas are numbered 0 to ${this.trainers.length - 1}`);
    return trainer;
  }
}
