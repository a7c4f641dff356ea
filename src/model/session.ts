/**
 * One interface over the GPU and CPU trainers, so the UI, the scripts and the tests never care
 * which one runs.
 */
import type { LossName, LossValues } from './losses';
import type { NetworkSpec } from './spec';
import type { Dataset } from './dataset';

/** What one training step measured, on its batch, with the parameters before its update. */
export interface StepMetrics {
  /** 0-based index of the step since the session was created (never restarts on a loss switch). */
  step: number;
  /** The loss that drove this step's gradient. */
  activeLoss: LossName;
  /**
   * Every loss of the batch, whatever the active one (src/model/losses.ts): MSE as a mean over B·K
   * elements; cross-entropy binary as a mean over B·K, categorical as a mean over B. NaN for a loss
   * the output activation does not allow (cross-entropy of a linear output).
   */
  losses: LossValues;
  /** ‖∂L/∂W_l‖ (Frobenius) per weight layer, input side first. */
  gradNormW: number[];
  /** ‖∂L/∂b_l‖ per weight layer. */
  gradNormB: number[];
  /** √(Σ_l ‖∂L/∂W_l‖² + ‖∂L/∂b_l‖²). */
  globalGradNorm: number;
  /** ‖∂L/∂z‖ of the output layer over the batch: where the saturation factor o(1−o) shows first. */
  outputDeltaNorm: number;
  /** Fraction of saturated outputs: sigmoid elements with o(1−o) < 0.01, softmax rows with max p > 0.99. */
  saturatedFraction: number;
}

/** Everything needed to continue a run exactly: parameters and optimizer state. */
export interface TrainerSnapshot {
  /** Steps taken when the snapshot was made. */
  step: number;
  /** Loss active at that point. */
  loss: LossName;
  /** Flat parameters (src/model/layout.ts). */
  parameters: Float64Array;
  /** Optimizer slots in the parameter layout: momentum's velocity, or Adam's m and v; empty for SGD. */
  optimizerSlots: Float64Array[];
}

/** A failure found after the call that caused it returned (on the GPU: device loss, validation or out-of-memory errors). */
export interface SessionError {
  /** 'device-lost': the session is unusable and a new one must be created; the others are errors the GPU reported. */
  kind: 'device-lost' | 'validation' | 'out-of-memory' | 'internal';
  /** What went wrong, in the backend's words. */
  message: string;
}

/** A training run over one network and one dataset. */
export interface Session {
  /** Which path computes: 'webgpu', 'cpu' (the float64 reference) or 'wasm' (float32 WebAssembly SIMD on the CPU). */
  readonly backend: 'webgpu' | 'cpu' | 'wasm';
  /** The network; `spec.loss` is the loss that will drive the next step. */
  readonly spec: NetworkSpec;
  /** The data it trains on. */
  readonly dataset: Dataset;
  /** Steps issued so far (on the GPU, some may not have completed yet). */
  readonly stepsTaken: number;
  /**
   * Issues `steps` training steps. On the GPU this encodes and submits without waiting for the
   * GPU to finish; metrics arrive later through `takeMetrics`.
   */
  train(steps: number): Promise<void>;
  /** Selects the loss for the next step on; weights, optimizer state and batch order are kept. */
  setLoss(loss: LossName): void;
  /** Metrics of steps completed since the previous call, in step order (never waits for unfinished steps). */
  takeMetrics(): Promise<StepMetrics[]>;
  /** Waits until every issued step has completed and its metrics can be taken. */
  flush(): Promise<void>;
  /** Current parameters and optimizer state. */
  snapshot(): Promise<TrainerSnapshot>;
  /**
   * Replaces parameters and optimizer state (e.g. to restore a snapshot or start two runs alike).
   * Metrics of earlier steps not yet taken are discarded: they belong to the abandoned history.
   */
  restore(snapshot: TrainerSnapshot): Promise<void>;
  /** Network outputs (after the output activation) for `count` rows of `inputs`, row-major. */
  evaluate(inputs: Float32Array, count: number): Promise<Float32Array>;
  /**
   * Receives failures found after the call that caused them returned (GPU device loss, validation
   * or out-of-memory errors). Unset, the session logs them with console.error; they are never dropped.
   */
  onError?: ((error: SessionError) => void) | undefined;
  /** Frees buffers; the session cannot be used afterwards. */
  dispose(): void;
}
