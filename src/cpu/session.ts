/**
 * The CPU trainer behind the Session interface: float64 throughout, one step at a time. It visits
 * the same batches as the GPU trainer (BatchSchedule) from the same initial weights (initParameters),
 * so a GPU run and a CPU run of one spec can be compared step by step.
 */
import type { Dataset } from '../data/dataset';
import { LOSSES, type LossName } from '../model/activations';
import { BatchSchedule, shuffleSeed } from '../model/batches';
import { initParameters } from '../model/init';
import { parameterLayout, type ParameterLayout } from '../model/layout';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import { formatProblems, validate, validateForDataset } from '../model/validate';
import type { Session, StepMetrics, TrainerSnapshot } from '../train/session';
import { stepMetrics } from './metrics';
import { batchGradient, forwardPass } from './network';
import { applyOptimizerStep, createOptimizerSlots, OPTIMIZER_SLOT_COUNT } from './optimizer';

export class CpuSession implements Session {
  readonly backend = 'cpu' as const;
  private readonly currentSpec: NetworkSpec;
  private readonly layout: ParameterLayout;
  private readonly schedule: BatchSchedule;
  private parameters: Float64Array;
  private optimizerSlots: Float64Array[];
  private steps = 0;
  private pendingMetrics: StepMetrics[] = [];
  private disposed = false;
  private readonly batchIndices: Uint32Array;
  private readonly batchInputs: Float64Array;
  private readonly batchTargets: Float64Array;

  /** Starts a run of `spec` on `dataset` from the seeded initial weights; throws listing every problem with the spec. */
  constructor(spec: NetworkSpec, readonly dataset: Dataset) {
    const problems = [...validate(spec), ...validateForDataset(spec, dataset)];
    if (problems.length > 0) throw new Error(`cannot train this network on "${dataset.name}":\n${formatProblems(problems)}`);
    this.currentSpec = cloneSpec(spec);
    this.layout = parameterLayout(spec.widths);
    this.schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
    this.parameters = initParameters(spec);
    this.optimizerSlots = createOptimizerSlots(spec.optimizer.kind, this.layout.totalParameters);
    this.batchIndices = new Uint32Array(spec.batchSize);
    this.batchInputs = new Float64Array(spec.batchSize * dataset.inputSize);
    this.batchTargets = new Float64Array(spec.batchSize * dataset.outputSize);
  }

  /** The network; its `loss` follows `setLoss`. Treat it as read-only. */
  get spec(): NetworkSpec {
    return this.currentSpec;
  }

  get stepsTaken(): number {
    return this.steps;
  }

  async train(steps: number): Promise<void> {
    this.checkAlive();
    if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`train() takes a whole number of steps, got ${steps}`);
    for (let s = 0; s < steps; s++) this.step();
  }

  private step(): void {
    const { batchSize, loss, outputActivation, optimizer } = this.currentSpec;
    const { inputSize, outputSize, trainX, trainY } = this.dataset;
    this.schedule.indicesForStep(this.steps, this.batchIndices);
    for (let r = 0; r < batchSize; r++) {
      const sample = this.batchIndices[r];
      this.batchInputs.set(trainX.subarray(sample * inputSize, (sample + 1) * inputSize), r * inputSize);
      this.batchTargets.set(trainY.subarray(sample * outputSize, (sample + 1) * outputSize), r * outputSize);
    }
    const result = batchGradient(this.currentSpec, loss, this.parameters, this.batchInputs, this.batchTargets, batchSize);
    this.pendingMetrics.push(stepMetrics(this.steps, outputActivation, this.layout, result));
    applyOptimizerStep(optimizer, this.parameters, result.gradient, this.optimizerSlots, this.steps + 1);
    this.steps++;
  }

  setLoss(loss: LossName): void {
    this.checkAlive();
    this.checkLoss(loss);
    this.currentSpec.loss = loss;
  }

  private checkLoss(loss: LossName): void {
    if (!LOSSES.includes(loss)) throw new Error(`unknown loss ${JSON.stringify(loss)}; use one of ${LOSSES.join(', ')}`);
    if (loss === 'cross_entropy' && this.currentSpec.outputActivation === 'linear') {
      throw new Error('cross-entropy needs probabilities: switch the output to sigmoid or softmax first, or keep MSE with a linear output');
    }
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
    return {
      step: this.steps,
      loss: this.currentSpec.loss,
      parameters: this.parameters.slice(),
      optimizerSlots: this.optimizerSlots.map((slot) => slot.slice()),
    };
  }

  async restore(snapshot: TrainerSnapshot): Promise<void> {
    this.checkAlive();
    const total = this.layout.totalParameters;
    const kind = this.currentSpec.optimizer.kind;
    if (snapshot.parameters.length !== total) {
      throw new Error(`the snapshot holds ${snapshot.parameters.length} parameters but the network [${this.currentSpec.widths.join(', ')}] has ${total}`);
    }
    const slotLengths = snapshot.optimizerSlots.map((slot) => slot.length);
    if (slotLengths.length !== OPTIMIZER_SLOT_COUNT[kind] || slotLengths.some((length) => length !== total)) {
      throw new Error(
        `${kind} needs ${OPTIMIZER_SLOT_COUNT[kind]} optimizer slot(s) of ${total} values but the snapshot has [${slotLengths.join(', ')}]; ` +
          'restore a snapshot taken with the same optimizer',
      );
    }
    if (!(Number.isInteger(snapshot.step) && snapshot.step >= 0)) throw new Error(`the snapshot's step must be a whole number, got ${snapshot.step}`);
    this.checkLoss(snapshot.loss);
    this.parameters = Float64Array.from(snapshot.parameters);
    this.optimizerSlots = snapshot.optimizerSlots.map((slot) => Float64Array.from(slot));
    this.steps = snapshot.step;
    this.currentSpec.loss = snapshot.loss;
    this.pendingMetrics = [];
  }

  async evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    this.checkAlive();
    if (count === 0) return new Float32Array(0);
    const forward = forwardPass(this.currentSpec, this.parameters, inputs, count);
    return Float32Array.from(forward.activations[forward.activations.length - 1]);
  }

  dispose(): void {
    this.disposed = true;
    this.pendingMetrics = [];
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this CPU session was disposed; create a new CpuSession to keep training');
  }
}
