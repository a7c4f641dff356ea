/** What Node asks the bench page to measure of the replica trainer (scripts/bench-sweep.ts), and what it gets back. */
import type { DataSource } from '../../src/data/source';
import type { ReplicaForm } from '../../src/gpu/kernels';
import type { NetworkSpec } from '../../src/model/spec';

/** One throughput measurement of R replicas of one network. */
export interface ReplicaBenchRequest {
  /** The shape every replica shares (replica r: seed 1 + r, the shape's init scale and learning rate, MSE and cross-entropy alternating). */
  shape: NetworkSpec;
  /** The data every replica trains on. */
  dataset: DataSource;
  /** Number of replicas R. */
  replicas: number;
  /** The form to force, or null for the trainer's rule. */
  form: ReplicaForm | null;
  /** Steps run and synchronised before anything is timed. */
  warmupSteps: number;
  /** Timed windows; the result is their median. */
  windows: number;
  /** Target length of a window. */
  windowSeconds: number;
}

export interface ReplicaBenchResult {
  /** The form that ran and why (ReplicaPlan.reason). */
  plan: string;
  /** Steps of all replicas in each timed window. */
  stepsPerWindow: number;
  /** Replica-steps per second of each window (steps · R / seconds). */
  windowReplicaSteps: number[];
  /** Their median. */
  medianReplicaSteps: number;
}
