/**
 * Replicas: R independent copies of one network shape (widths, activations, output, optimizer kind,
 * batch size) trained side by side, each with its own seed (initial weights and batch order), init
 * scale, learning rate and loss, and its own metrics. A replica's run is exactly the single run of
 * `replicaSpec(shape, settings)`: same initial weights (initParameters), same batches
 * (BatchSchedule), so any replica can be opened, checked or continued as an ordinary session.
 */
import type { Dataset } from './dataset';
import { LOSS_NAMES, type LossName, type LossValues } from './losses';
import type { SessionError, StepMetrics } from './session';
import { cloneSpec, type NetworkSpec } from './spec';
import { validate, type ValidationProblem } from './validate';

/** What one replica varies; everything else comes from the shape it shares with the others. */
export interface ReplicaSettings {
  /** Seeds its initial weights and its batch order (NetworkSpec.seed). */
  seed: number;
  /** Multiplier on the initial weights' limit (NetworkSpec.init.scale). */
  initScale: number;
  /** Its optimizer's learning rate (NetworkSpec.optimizer.learningRate). */
  learningRate: number;
  /** The loss that drives its gradient (NetworkSpec.loss); every loss is evaluated every step regardless. */
  loss: LossName;
}

/** Most replicas one replica session takes, before any device limit: its host-side metrics grow with R every step. */
export const MAX_REPLICAS = 65536;

/** The spec of one replica's run: the shape with the replica's seed, init scale, learning rate and loss. */
export function replicaSpec(shape: NetworkSpec, settings: ReplicaSettings): NetworkSpec {
  const spec = cloneSpec(shape);
  spec.seed = settings.seed;
  spec.init.scale = settings.initScale;
  spec.optimizer.learningRate = settings.learningRate;
  spec.loss = settings.loss;
  return spec;
}

/** The settings a spec gives its run, as a replica. */
export function replicaSettingsOf(spec: NetworkSpec): ReplicaSettings {
  return { seed: spec.seed, initScale: spec.init.scale, learningRate: spec.optimizer.learningRate, loss: spec.loss };
}

/** Where a replica's settings sit in a spec, so a spec problem can name the replica's field instead. */
const REPLICA_FIELDS: Readonly<Record<string, keyof ReplicaSettings>> = {
  seed: 'seed',
  'init.scale': 'initScale',
  'optimizer.learningRate': 'learningRate',
  loss: 'loss',
};

/**
 * Every problem with a set of replicas of `shape`: none at all or more than MAX_REPLICAS, a problem
 * of the shape itself (named once, under its spec field), and each replica's own bad values under
 * `replicas[i].<setting>`.
 */
export function validateReplicas(shape: NetworkSpec, replicas: readonly ReplicaSettings[]): ValidationProblem[] {
  if (replicas.length === 0) return [{ field: 'replicas', message: 'Give at least one replica to train.' }];
  if (replicas.length > MAX_REPLICAS) {
    return [{ field: 'replicas', message: `${replicas.length} replicas were asked for; one replica session trains at most ${MAX_REPLICAS}.` }];
  }
  const problems: ValidationProblem[] = [];
  const shapeFields = new Set<string>();
  replicas.forEach((settings, i) => {
    for (const problem of validate(replicaSpec(shape, settings))) {
      const own = REPLICA_FIELDS[problem.field];
      if (own) problems.push({ field: `replicas[${i}].${own}`, message: problem.message });
      else if (!shapeFields.has(problem.field)) {
        shapeFields.add(problem.field);
        problems.push(problem);
      }
    }
  });
  return problems;
}

/**
 * What one step measured for every replica, on each replica's own batch with its parameters before
 * the update: the figures of StepMetrics, one column of R values each (replica r at index r).
 */
export interface ReplicaStepMetrics {
  /** 0-based index of the step; replicas step in lockstep, so it is every replica's. */
  step: number;
  /** The loss that drove each replica's step. */
  activeLosses: readonly LossName[];
  /** Every loss of each replica's batch (StepMetrics.losses), one column per loss; NaN where the output does not allow it. */
  losses: Record<LossName, Float64Array>;
  /** ‖∂L/∂W_l‖ per weight layer (input side first), each a column over the replicas. */
  gradNormW: Float64Array[];
  /** ‖∂L/∂b_l‖ per weight layer, each a column over the replicas. */
  gradNormB: Float64Array[];
  /** √(Σ_l ‖∂L/∂W_l‖² + ‖∂L/∂b_l‖²) of each replica. */
  globalGradNorm: Float64Array;
  /** ‖∂L/∂z‖ of the output layer of each replica. */
  outputDeltaNorm: Float64Array;
  /** Fraction of saturated outputs of each replica (StepMetrics.saturatedFraction). */
  saturatedFraction: Float64Array;
}

/** Zeroed columns for one step of `replicas` replicas of a network of `layers` weight layers. */
export function emptyReplicaStep(step: number, replicas: number, layers: number, activeLosses: readonly LossName[]): ReplicaStepMetrics {
  const column = () => new Float64Array(replicas);
  return {
    step,
    activeLosses,
    losses: Object.fromEntries(LOSS_NAMES.map((loss) => [loss, column()])) as Record<LossName, Float64Array>,
    gradNormW: Array.from({ length: layers }, column),
    gradNormB: Array.from({ length: layers }, column),
    globalGradNorm: column(),
    outputDeltaNorm: column(),
    saturatedFraction: column(),
  };
}

/** Writes one replica's StepMetrics into row `replica` of `block`. */
export function setReplicaStep(block: ReplicaStepMetrics, replica: number, metrics: StepMetrics): void {
  for (const loss of LOSS_NAMES) block.losses[loss][replica] = metrics.losses[loss];
  metrics.gradNormW.forEach((norm, l) => (block.gradNormW[l][replica] = norm));
  metrics.gradNormB.forEach((norm, l) => (block.gradNormB[l][replica] = norm));
  block.globalGradNorm[replica] = metrics.globalGradNorm;
  block.outputDeltaNorm[replica] = metrics.outputDeltaNorm;
  block.saturatedFraction[replica] = metrics.saturatedFraction;
}

/** Replica `replica`'s metrics of one step, as its single run would report them. */
export function replicaStep(block: ReplicaStepMetrics, replica: number): StepMetrics {
  return {
    step: block.step,
    activeLoss: block.activeLosses[replica],
    losses: Object.fromEntries(LOSS_NAMES.map((loss) => [loss, block.losses[loss][replica]])) as LossValues,
    gradNormW: block.gradNormW.map((column) => column[replica]),
    gradNormB: block.gradNormB.map((column) => column[replica]),
    globalGradNorm: block.globalGradNorm[replica],
    outputDeltaNorm: block.outputDeltaNorm[replica],
    saturatedFraction: block.saturatedFraction[replica],
  };
}

/** Many runs of one network shape trained at once, behind one interface for the GPU and the CPU. */
export interface ReplicaSession {
  /** Which path computes. */
  readonly backend: 'webgpu' | 'cpu';
  /** The shape every replica shares; each replica's own settings replace its seed, init scale, learning rate and loss. */
  readonly shape: NetworkSpec;
  /** The data every replica trains on. */
  readonly dataset: Dataset;
  /** Each replica's settings; `loss` follows setLoss. Treat as read-only. */
  readonly replicas: readonly ReplicaSettings[];
  /** Steps issued so far, the same for every replica (on the GPU, some may not have completed yet). */
  readonly stepsTaken: number;
  /** Issues `steps` steps of every replica; on the GPU it submits without waiting, metrics arrive through takeMetrics. */
  train(steps: number): Promise<void>;
  /** Selects the loss of replica `replica` from the next issued step on; no other replica changes. */
  setLoss(replica: number, loss: LossName): void;
  /** Metrics of the steps completed since the previous call, in step order (never waits). */
  takeMetrics(): Promise<ReplicaStepMetrics[]>;
  /** Waits until every issued step has completed and its metrics can be taken. */
  flush(): Promise<void>;
  /** Replica `replica`'s parameters after every issued step, in the flat layout. */
  parameters(replica: number): Promise<Float64Array>;
  /** Receives failures found after the call that caused them returned (GPU device loss, validation errors). */
  onError?: ((error: SessionError) => void) | undefined;
  /** Frees what it holds; it cannot be used afterwards. */
  dispose(): void;
}
