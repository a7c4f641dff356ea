/**
 * The float64 trainer: one synchronous step at a time over a dataset. It visits the same batches
 * as the GPU trainer (BatchSchedule) from the same initial weights (initParameters), so a GPU run
 * and a CPU run of one spec can be compared step by step. CpuSession puts it behind the Session
 * interface.
 */
import type { Dataset } from '../model/dataset';
import { LOSS_NAMES, assertLossAllowed, type LossName } from '../model/losses';
import { BatchSchedule, shuffleSeed } from '../model/batches';
import { initParameters } from '../model/init';
import { parameterLayout } from '../model/layout';
import { OPTIMIZERS } from '../model/optimizers';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import { formatProblems, validate, validateForDataset } from '../model/validate';
import type { StepMetrics, TrainerSnapshot } from '../model/session';
import { computeGradients, forward } from './network';
import { applyOptimizer, checkOptimizerState, createOptimizerState, type OptimizerState } from './optimizer';

/**
 * The most memory one CPU trainer may hold. The GPU path is bounded by the adapter's limits; the
 * CPU path (the reference in Node, the fallback in a browser worker) would otherwise try to allocate
 * whatever a spec asks for and take the machine or the tab down with it.
 */
export const CPU_MEMORY_LIMIT_BYTES = 2 * 1024 ** 3;

/**
 * Bytes of float64 storage a CPU trainer needs: parameters, their gradient and the optimizer
 * slots, plus Z, A and the backpropagated delta of every layer for one batch.
 */
export function cpuTrainerBytes(spec: NetworkSpec): number {
  const parameters = parameterLayout(spec.widths).totalParameters;
  const vectors = 2 + OPTIMIZERS[spec.optimizer.kind].slots;
  const activations = spec.widths.reduce((sum, width) => sum + 3 * spec.batchSize * width, 0);
  return 8 * (vectors * parameters + activations);
}

export class CpuTrainer {
  private readonly currentSpec: NetworkSpec;
  private readonly schedule: BatchSchedule;
  private readonly parameterCount: number;
  private currentParameters: Float64Array;
  private state: OptimizerState;
  private readonly batchIndices: Uint32Array;
  private readonly batchInputs: Float64Array;
  private readonly batchTargets: Float64Array;

  /**
   * Starts a run of `spec` on `dataset` from `initialParameters` (a copy is taken), or from the
   * seeded initial weights when none are given. Throws listing every problem with the spec.
   */
  constructor(
    spec: NetworkSpec,
    /** The data it trains on. */
    readonly dataset: Dataset,
    initialParameters?: Float64Array,
  ) {
    const problems = [...validate(spec), ...validateForDataset(spec, dataset)];
    if (problems.length > 0) throw new Error(`cannot train this network on "${dataset.name}":\n${formatProblems(problems)}`);
    const bytes = cpuTrainerBytes(spec);
    if (bytes > CPU_MEMORY_LIMIT_BYTES) {
      throw new Error(
        `the network [${spec.widths.join(', ')}] with batch ${spec.batchSize} needs ${(bytes / 1024 ** 3).toFixed(1)} GiB on the CPU path, ` +
          `over its limit of ${CPU_MEMORY_LIMIT_BYTES / 1024 ** 3} GiB; use narrower layers or a smaller batch`,
      );
    }
    this.currentSpec = cloneSpec(spec);
    this.parameterCount = parameterLayout(spec.widths).totalParameters;
    this.schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
    if (initialParameters) this.checkParameterCount(initialParameters.length);
    this.currentParameters = initialParameters ? initialParameters.slice() : initParameters(spec);
    this.state = createOptimizerState(spec.optimizer.kind, this.parameterCount);
    this.batchIndices = new Uint32Array(spec.batchSize);
    this.batchInputs = new Float64Array(spec.batchSize * dataset.inputSize);
    this.batchTargets = new Float64Array(spec.batchSize * dataset.outputSize);
  }

  /** The network; its `loss` follows `setLoss`. Treat it as read-only. */
  get spec(): NetworkSpec {
    return this.currentSpec;
  }

  /** The current flat parameters (live: the next step changes them; copy to keep). */
  get parameters(): Float64Array {
    return this.currentParameters;
  }

  /** The optimizer's slots and update count (live, like `parameters`). */
  get optimizerState(): OptimizerState {
    return this.state;
  }

  /** Steps taken so far; each step is one optimizer update. */
  get stepsTaken(): number {
    return this.state.t;
  }

  /** Trains on the next batch and returns that batch's metrics, measured before the update. */
  step(): StepMetrics {
    const { batchSize, loss, optimizer } = this.currentSpec;
    const { inputSize, outputSize, trainX, trainY } = this.dataset;
    const step = this.state.t;
    this.schedule.indicesForStep(step, this.batchIndices);
    for (let r = 0; r < batchSize; r++) {
      const sample = this.batchIndices[r];
      this.batchInputs.set(trainX.subarray(sample * inputSize, (sample + 1) * inputSize), r * inputSize);
      this.batchTargets.set(trainY.subarray(sample * outputSize, (sample + 1) * outputSize), r * outputSize);
    }
    const result = computeGradients(this.currentSpec, this.currentParameters, this.batchInputs, this.batchTargets, batchSize, loss);
    applyOptimizer(optimizer, this.currentParameters, result.gradient, this.state);
    return {
      step,
      activeLoss: loss,
      losses: result.losses,
      gradNormW: result.gradNormW,
      gradNormB: result.gradNormB,
      globalGradNorm: result.globalGradNorm,
      outputDeltaNorm: result.outputDeltaNorm,
      saturatedFraction: result.saturatedFraction,
    };
  }

  /** Selects the loss for the next step on; weights, optimizer state and batch order are kept. */
  setLoss(loss: LossName): void {
    this.checkLoss(loss);
    this.currentSpec.loss = loss;
  }

  /** Copies of the parameters and optimizer state. */
  snapshot(): TrainerSnapshot {
    return {
      step: this.state.t,
      loss: this.currentSpec.loss,
      parameters: this.currentParameters.slice(),
      optimizerSlots: this.state.slots.map((slot) => slot.slice()),
    };
  }

  /** Continues from `snapshot` (copied): the next step is snapshot.step, with its batch. */
  restore(snapshot: TrainerSnapshot): void {
    this.checkParameterCount(snapshot.parameters.length);
    const state: OptimizerState = { slots: snapshot.optimizerSlots.map((slot) => Float64Array.from(slot)), t: snapshot.step };
    checkOptimizerState(this.currentSpec.optimizer.kind, this.parameterCount, state);
    this.checkLoss(snapshot.loss);
    this.currentParameters = Float64Array.from(snapshot.parameters);
    this.state = state;
    this.currentSpec.loss = snapshot.loss;
  }

  /** Network outputs (after the output activation) for `count` rows of `inputs`, row-major [count, K]. */
  evaluate(inputs: ArrayLike<number>, count: number): Float64Array {
    if (count === 0) return new Float64Array(0);
    const pass = forward(this.currentSpec, this.currentParameters, inputs, count);
    return pass.activations[pass.activations.length - 1];
  }

  private checkParameterCount(count: number): void {
    if (count !== this.parameterCount) {
      throw new Error(`the network [${this.currentSpec.widths.join(', ')}] has ${this.parameterCount} parameters but ${count} were given`);
    }
  }

  private checkLoss(loss: LossName): void {
    if (!LOSS_NAMES.includes(loss)) throw new Error(`unknown loss ${JSON.stringify(loss)}; use one of ${LOSS_NAMES.join(', ')}`);
    assertLossAllowed(loss, this.currentSpec.outputActivation);
  }
}
