/**
 * The WebGPU replica trainer: R independent copies of one small network shape, each with its own
 * seed (initial weights and batch order), init scale, learning rate and loss, trained by one
 * dispatch per step (a workgroup or an invocation per replica, shaders/replica_step*.wgsl), many
 * steps per submission, metrics of every replica read back asynchronously as GpuTrainer does.
 * Replica r's run is exactly the single run of replicaSpec(shape, replicas[r]).
 */
import { OUTPUTS } from '../model/activations';
import { BatchSchedule, shuffleSeed } from '../model/batches';
import type { Dataset } from '../model/dataset';
import { initParameters } from '../model/init';
import { parameterLayout } from '../model/layout';
import { LOSSES, LOSS_NAMES, assertLossAllowed, lossAllows, type LossName } from '../model/losses';
import { OPTIMIZERS, type HyperparameterValues } from '../model/optimizers';
import { emptyReplicaStep, replicaSpec, validateReplicas, type ReplicaSettings, type ReplicaStepMetrics } from '../model/replicas';
import { cloneSpec, layerCount, type NetworkSpec } from '../model/spec';
import { formatProblems, validateForDataset } from '../model/validate';
import { acquireGpu, listenForFailures, type GpuContext, type GpuFailure } from './device';
import { bindGroupFor, stepParamsBindGroup, type CompiledKernel, type ReplicaForm } from './kernels';
import { OUTPUT_DELTA_SQUARES_OFFSET, SATURATED_COUNT_OFFSET, layerNormOffset, lossSumOffset } from './metrics-layout';
import { StagingPool } from './readback';
import { REPLICA_STEP } from './replica-uniforms';
import { chooseStepPlan, stepMultiplyAdds } from './step-plan';
import { AllocatedBuffers } from './trainer';
import { layoutReplicaTrainer, type ReplicaLayoutInput, type ReplicaTrainerLayout } from './trainer-layout';
import { STEP_PARAMS } from './uniforms';
import { packStructInto } from './wgsl-struct';

/** How to build a replica trainer. */
export interface GpuReplicaTrainerOptions {
  /** The shape every replica shares; validated with the replicas against the dataset before anything is allocated. */
  shape: NetworkSpec;
  /** Each replica's seed, init scale, learning rate and loss. */
  replicas: readonly ReplicaSettings[];
  /** Training data, uploaded once and shared by every replica. */
  dataset: Dataset;
  /** Forces the form (tests and benchmarks compare them); chooseReplicaForm decides when omitted. */
  form?: ReplicaForm;
  /** Called with every failure the GPU reports asynchronously; unset, failures go to console.error. */
  onFailure?: (failure: GpuFailure) => void;
  /** The GPU context to use; the shared one when omitted. */
  context?: GpuContext;
}

/** How the replicas are spread over the device, and why. */
export interface ReplicaPlan {
  /** A workgroup or an invocation per replica. */
  form: ReplicaForm;
  /** Invocations per workgroup. */
  workgroupSize: number;
  /** The sentence naming the deciding figures. */
  reason: string;
}

/**
 * Multiply-adds of one replica's step up to which the replica trainer takes a network: the fused
 * step's limit on GPUs (src/gpu/step-plan.ts), where one workgroup still beats a layered step.
 * Beyond it a step wants products batched over the replicas, which this trainer does not build.
 */
export const REPLICA_MAX_MULTIPLY_ADDS = 1 << 17;
/** Multiply-adds of all replicas a submission aims at, so one submission stays short enough for the page to stay responsive. */
const MULTIPLY_ADDS_PER_SUBMISSION = 2e8;
/** Most steps per submission: the row indices, replica rows and metrics ring all grow with it times R. */
const MAX_STEPS_PER_SUBMISSION = 64;
/** Submissions allowed in flight before `train` waits for the oldest to finish. */
const MAX_SUBMISSIONS_IN_FLIGHT = 4;
/** Invocations per workgroup of the invocation form, replicas per workgroup: on SwiftShader 4 (one SIMD group) measured fastest of 4, 16 and 64. */
const REPLICAS_PER_WORKGROUP = { cpuAdapter: 4, gpu: 64 } as const;

/**
 * The one place the form is chosen: a workgroup per replica, whose invocations share each phase
 * of the fused step, on every adapter. Measured on SwiftShader (2-8-8-1, batch 32, replica-steps/s):
 * - on 2 cores shared with other work (load average 7-10), R = 256: a workgroup per replica 9,043,
 *   an invocation per replica 4,659 to 6,117 (4, 16 or 64 replicas per workgroup);
 * - on 2 quiet cores (npm run bench:sweep), R = 16, 64 and 256: a workgroup per replica 11,052,
 *   11,393 and 13,001, an invocation per replica 13,763, 13,090 and 14,151; at R = 1 the
 *   workgroup form is 3.4× faster (6,010 against 1,751).
 * The invocation form wins by 9-25% on a quiet machine and loses by 1.5-1.9× on a busy one, so the
 * rule keeps the form that never loses by much. SwiftShader runs a small workgroup as one SIMD
 * group, so its barriers cost little, while lanes that each step their own replica gather from
 * four places at every load. The invocation form is kept for the tests and the benchmark to
 * compare on other adapters; nothing here has measured a GPU.
 */
export function chooseReplicaForm(shape: NetworkSpec, isCpuAdapter: boolean, forced?: ReplicaForm): ReplicaPlan {
  const form = forced ?? 'workgroup';
  const workgroupSize =
    form === 'workgroup' ? chooseStepPlan(shape.widths, shape.batchSize, isCpuAdapter).reductionWorkgroupSize : isCpuAdapter ? REPLICAS_PER_WORKGROUP.cpuAdapter : REPLICAS_PER_WORKGROUP.gpu;
  const why = forced ? 'requested by the caller' : 'the rule: measured faster than an invocation per replica on SwiftShader';
  return { form, workgroupSize, reason: `a ${form} per replica, ${workgroupSize} invocations per workgroup (${why})` };
}

/** Steps per submission for R replicas of `shape`. */
function chooseStepsPerSubmission(shape: NetworkSpec, replicas: number): number {
  const perStep = replicas * stepMultiplyAdds(shape.widths, shape.batchSize);
  return Math.max(1, Math.min(MAX_STEPS_PER_SUBMISSION, Math.floor(MULTIPLY_ADDS_PER_SUBMISSION / perStep)));
}

/** The limits the replica check reads (a GPUSupportedLimits has them all). */
export type ReplicaLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize' | 'maxComputeWorkgroupsPerDimension'>;

/** A refusal of replicas over the device's limits: too large a network for the replica step, or too many replicas. */
export class ReplicaCapacityError extends Error {
  constructor(
    message: string,
    /** 'network': one replica's step is too large for one workgroup; 'replicas': R of them do not fit. */
    readonly exceeds: 'network' | 'replicas',
  ) {
    super(message);
    this.name = 'ReplicaCapacityError';
  }
}

/**
 * Throws a ReplicaCapacityError, naming the figure, its size and the limit, when R replicas of `shape` cannot run here:
 * a network too large for one workgroup's step, more workgroups than one dimension of a dispatch
 * may hold, or a buffer (R times a replica's share) larger than one binding may be.
 */
export function checkReplicaCapacity(layout: ReplicaTrainerLayout, input: ReplicaLayoutInput, limits: ReplicaLimits): void {
  const { shape, replicas } = input;
  const what = `${replicas} replicas of [${shape.widths.join(', ')}] with batch ${shape.batchSize}`;
  const multiplyAdds = stepMultiplyAdds(shape.widths, shape.batchSize);
  if (multiplyAdds > REPLICA_MAX_MULTIPLY_ADDS) {
    throw new ReplicaCapacityError(
      `${what} cannot train as replicas: one step needs ${multiplyAdds} multiply-adds per replica, and the replica trainer runs a step in one workgroup, ` +
        `up to ${REPLICA_MAX_MULTIPLY_ADDS}; use narrower layers or a smaller batch, or train these networks one at a time`,
      'network',
    );
  }
  const [groups] = layout.step.grid;
  if (groups > limits.maxComputeWorkgroupsPerDimension) {
    throw new ReplicaCapacityError(
      `${what} do not fit this GPU: one step dispatches ${groups} workgroups (one ${input.form} per replica) but maxComputeWorkgroupsPerDimension is ${limits.maxComputeWorkgroupsPerDimension}; train fewer replicas at once`,
      'replicas',
    );
  }
  const bindingLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const limitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  for (const buffer of layout.allBuffers) {
    if (buffer.kind === 'storage' && buffer.bytes > bindingLimit) {
      throw new ReplicaCapacityError(`${what} do not fit this GPU: ${buffer.name} needs ${buffer.bytes} bytes but ${limitName} is ${bindingLimit} bytes; train fewer replicas at once, or a smaller network or batch`, 'replicas');
    }
  }
}

/** A submission whose metrics are on their way back. */
interface PendingMetrics {
  firstStep: number;
  steps: number;
  /** Each replica's loss in these steps (a switch takes effect at the next submission). */
  losses: readonly LossName[];
  done: Promise<void>;
}

export class GpuReplicaTrainer {
  /** The shape every replica shares (a copy). */
  readonly shape: NetworkSpec;
  /** The training data. */
  readonly dataset: Dataset;
  /** Each replica's settings (copies); `loss` follows setLoss. */
  readonly replicas: ReplicaSettings[];
  /** How the replicas are spread over the device. */
  readonly plan: ReplicaPlan;
  /** Steps encoded into one submission at most. */
  readonly stepsPerSubmission: number;

  private readonly device: GPUDevice;
  private readonly parameterCount: number;
  private readonly schedules: BatchSchedule[];
  /** Each replica's hyperparameters: the shape's, with its own learning rate. */
  private readonly hyperparameters: HyperparameterValues[];
  private readonly staging: StagingPool;
  private readonly stepBindGroup: GPUBindGroup;
  private readonly bindGroup: GPUBindGroup;
  private readonly pipeline: GPUComputePipeline;
  private readonly pending: PendingMetrics[] = [];
  private readonly completed: ReplicaStepMetrics[] = [];
  private readonly indexScratch: Uint32Array<ArrayBuffer>;
  private readonly rowScratch: ArrayBuffer;
  private readonly stepScratch: ArrayBuffer;
  private stepsIssued = 0;
  private disposed = false;
  private failure: GpuFailure | null = null;
  private readonly failureListener: (failure: GpuFailure) => void;

  private constructor(
    private readonly context: GpuContext,
    shape: NetworkSpec,
    replicas: readonly ReplicaSettings[],
    dataset: Dataset,
    plan: ReplicaPlan,
    stepsPerSubmission: number,
    private readonly layout: ReplicaTrainerLayout,
    private readonly buffers: AllocatedBuffers,
    compiled: CompiledKernel,
    onFailure: ((failure: GpuFailure) => void) | undefined,
  ) {
    this.shape = shape;
    this.dataset = dataset;
    this.replicas = replicas.map((settings) => ({ ...settings }));
    this.plan = plan;
    this.stepsPerSubmission = stepsPerSubmission;
    this.device = context.device;
    this.parameterCount = parameterLayout(shape.widths).totalParameters;
    this.schedules = replicas.map((settings) => new BatchSchedule(dataset.trainCount, shape.batchSize, shuffleSeed(settings.seed)));
    this.hyperparameters = replicas.map((settings) => ({ ...shape.optimizer, learningRate: settings.learningRate }));
    this.staging = new StagingPool(this.device, 'replica readback');
    const R = replicas.length;
    this.indexScratch = new Uint32Array(stepsPerSubmission * R * shape.batchSize);
    this.rowScratch = new ArrayBuffer(stepsPerSubmission * R * REPLICA_STEP.size);
    this.stepScratch = new ArrayBuffer(stepsPerSubmission * layout.stepStride);
    const named = Object.fromEntries(Object.entries(layout.step.buffers).map(([binding, buffer]) => [binding, buffers.get(buffer)]));
    this.bindGroup = bindGroupFor(this.device, compiled, layout.step.label, named);
    this.pipeline = compiled.pipeline;
    this.stepBindGroup = stepParamsBindGroup(this.device, context.pipelines, buffers.get(layout.buffers.stepParams), 'replica step params');
    this.failureListener = listenForFailures(context, (failure) => (this.failure = failure), onFailure);
  }

  /**
   * Builds a replica trainer: validates the shape and the replicas against the dataset, lays it
   * out, checks the network, the dispatch and every buffer against the device's limits, then
   * compiles, allocates and uploads. Throws naming the failing value and what to change.
   */
  static async create(options: GpuReplicaTrainerOptions): Promise<GpuReplicaTrainer> {
    // Before the initial parameters are made: R copies of them may not fit in host memory either.
    const { shape, context, plan, sizes } = await GpuReplicaTrainer.checked(options);
    const { dataset, replicas } = options;
    const { device } = context;
    const { stepsPerSubmission } = sizes;
    const P = parameterLayout(shape.widths).totalParameters;
    const initial = new Float64Array(replicas.length * P);
    replicas.forEach((settings, r) => initial.set(initParameters(replicaSpec(shape, settings)), r * P));
    const layout = layoutReplicaTrainer({ ...sizes, data: { trainX: dataset.trainX, trainY: dataset.trainY, initialParameters: initial } });
    const compiled = await context.pipelines.get(layout.step.kernel);
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let buffers: AllocatedBuffers | null = null;
    let trainer: GpuReplicaTrainer | null = null;
    let thrown: unknown = null;
    try {
      buffers = new AllocatedBuffers(device, layout.allBuffers);
      trainer = new GpuReplicaTrainer(context, shape, replicas, dataset, plan, stepsPerSubmission, layout, buffers, compiled, options.onFailure);
    } catch (error) {
      thrown = error;
    }
    // The scopes are popped whatever happened, so a failed build leaves none behind.
    const validationError = await device.popErrorScope();
    const memoryError = await device.popErrorScope();
    const gpuError = memoryError ?? validationError;
    if (trainer && thrown === null && !gpuError) return trainer;
    if (trainer) trainer.dispose();
    else buffers?.destroy();
    if (thrown !== null) throw thrown;
    const what = memoryError ? 'ran out of GPU memory' : 'was rejected by WebGPU validation';
    throw new Error(`allocating ${replicas.length} replicas of [${shape.widths.join(', ')}] with batch ${shape.batchSize} ${what}: ${gpuError?.message}; train fewer replicas at once`);
  }

  /**
   * Throws, as create would and naming the same value or limit, when these replicas cannot be
   * trained here; allocates nothing (a sweep checks all its groups before it trains the first).
   */
  static async check(options: GpuReplicaTrainerOptions): Promise<void> {
    await GpuReplicaTrainer.checked(options);
  }

  /** The checks of create and the layout's sizes they passed. */
  private static async checked(options: GpuReplicaTrainerOptions): Promise<{ shape: NetworkSpec; context: GpuContext; plan: ReplicaPlan; sizes: ReplicaLayoutInput }> {
    const shape = cloneSpec(options.shape);
    const { dataset, replicas } = options;
    const problems = [...validateReplicas(shape, replicas), ...validateForDataset(shape, dataset)];
    if (problems.length > 0) throw new Error(`these replicas cannot be trained on ${dataset.name}:\n${formatProblems(problems)}`);
    const context = options.context ?? (await acquireGpu());
    const plan = chooseReplicaForm(shape, context.report.isCpuAdapter, options.form);
    const sizes: ReplicaLayoutInput = {
      shape,
      replicas: replicas.length,
      form: plan.form,
      workgroupSize: plan.workgroupSize,
      trainCount: dataset.trainCount,
      stepsPerSubmission: chooseStepsPerSubmission(shape, replicas.length),
      limits: context.device.limits,
    };
    checkReplicaCapacity(layoutReplicaTrainer(sizes), sizes, context.device.limits);
    return { shape, context, plan, sizes };
  }

  /** Steps issued so far (some may still be running on the GPU). */
  get stepsTaken(): number {
    return this.stepsIssued;
  }

  /** Selects replica `replica`'s loss from the next issued step on: only its row of the next submission changes. */
  setLoss(replica: number, loss: LossName): void {
    this.assertReplica(replica);
    assertLossAllowed(loss, this.shape.outputActivation);
    this.replicas[replica].loss = loss;
  }

  private assertReplica(replica: number): void {
    if (!(Number.isInteger(replica) && replica >= 0 && replica < this.replicas.length)) {
      throw new Error(`there is no replica ${replica}; the replicas are numbered 0 to ${this.replicas.length - 1}`);
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('this GPU replica trainer was disposed; create a new one');
    if (this.failure) throw new Error(`${this.failure.message}; create a new replica session to continue`);
  }

  /**
   * Encodes and submits `steps` steps of every replica without waiting for the GPU, in submissions
   * of at most `stepsPerSubmission` steps; waits only while MAX_SUBMISSIONS_IN_FLIGHT are running.
   */
  async train(steps: number): Promise<void> {
    this.assertUsable();
    if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`the number of steps must be a whole number ≥ 0, got ${steps}`);
    let remaining = steps;
    while (remaining > 0) {
      while (this.pending.length >= MAX_SUBMISSIONS_IN_FLIGHT) await this.pending[0].done;
      this.assertUsable();
      const count = Math.min(remaining, this.stepsPerSubmission);
      this.submitSteps(count);
      remaining -= count;
    }
  }

  private submitSteps(count: number): void {
    const R = this.replicas.length;
    const B = this.shape.batchSize;
    const first = this.stepsIssued;
    const rule = OPTIMIZERS[this.shape.optimizer.kind];
    const stride = this.layout.stepStride;
    // The replica rows are packed by the field offsets REPLICA_STEP declares: tens of thousands a submission, too many for packStruct.
    const rowU32 = new Uint32Array(this.rowScratch);
    const rowF32 = new Float32Array(this.rowScratch);
    const rowWords = REPLICA_STEP.size / 4;
    const lossAt = REPLICA_STEP.offsets.lossId / 4;
    const rateAt = REPLICA_STEP.offsets.learningRate / 4;
    const sizeAt = REPLICA_STEP.offsets.optimizerStepSize / 4;
    const lossIds = this.replicas.map((settings) => LOSSES[settings.loss].id);
    for (let s = 0; s < count; s++) {
      const update = first + s + 1;
      for (let r = 0; r < R; r++) {
        const row = s * R + r;
        this.schedules[r].indicesForStep(first + s, this.indexScratch, row * B);
        rowU32[row * rowWords + lossAt] = lossIds[r];
        rowF32[row * rowWords + rateAt] = this.replicas[r].learningRate;
        rowF32[row * rowWords + sizeAt] = rule.stepSize(this.hyperparameters[r], update);
      }
      // Each replica's loss and step size are in its row; the shared StepParams only say where the step's blocks start.
      packStructInto(STEP_PARAMS, { indexOffset: s * R * B, lossId: 0, metricsOffset: s * R * this.layout.metricsStride, optimizerStepSize: 0 }, this.stepScratch, s * stride);
    }
    const { queue } = this.device;
    const { rowIndices, replicaSteps, stepParams, metricsRing } = this.layout.buffers;
    queue.writeBuffer(this.buffers.get(rowIndices), 0, this.indexScratch, 0, count * R * B);
    queue.writeBuffer(this.buffers.get(replicaSteps), 0, this.rowScratch, 0, count * R * REPLICA_STEP.size);
    queue.writeBuffer(this.buffers.get(stepParams), 0, this.stepScratch, 0, count * stride);
    const encoder = this.device.createCommandEncoder({ label: `replica steps ${first}…${first + count - 1}` });
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    const [x, y] = this.layout.step.grid;
    for (let s = 0; s < count; s++) {
      pass.setBindGroup(1, this.stepBindGroup, [s * stride]);
      pass.dispatchWorkgroups(x, y);
    }
    pass.end();
    const metricsBytes = count * R * this.layout.metricsStride * 4;
    const staging = this.staging.acquire(metricsBytes);
    encoder.copyBufferToBuffer(this.buffers.get(metricsRing), 0, staging, 0, metricsBytes);
    queue.submit([encoder.finish()]);
    this.stepsIssued += count;
    const record: PendingMetrics = { firstStep: first, steps: count, losses: this.replicas.map((settings) => settings.loss), done: Promise.resolve() };
    record.done = this.staging
      .read(staging, metricsBytes)
      .then(
        (bytes) => this.completeMetrics(record, new Float32Array(bytes)),
        (error: unknown) => {
          if (!this.disposed && !this.failure) this.failureListener({ kind: 'internal', message: `reading back the metrics of replica steps ${first}…${first + count - 1} failed: ${String(error)}` });
        },
      )
      .finally(() => {
        const index = this.pending.indexOf(record);
        if (index >= 0) this.pending.splice(index, 1);
      });
    this.pending.push(record);
  }

  /** Turns a submission's metrics ring into one ReplicaStepMetrics per step (src/gpu/metrics-layout.ts says where each figure sits). */
  private completeMetrics(record: PendingMetrics, values: Float32Array): void {
    const R = this.replicas.length;
    const { batchSize, outputActivation, widths } = this.shape;
    const outputs = widths[widths.length - 1];
    const layers = layerCount(this.shape);
    const stride = this.layout.metricsStride;
    const saturationUnits = OUTPUTS[outputActivation].saturationUnit === 'row' ? batchSize : batchSize * outputs;
    // What each loss's batch sum is divided by; NaN for a loss the output does not allow (meanLosses' rule).
    const denominators = LOSS_NAMES.map((loss) => (lossAllows(loss, outputActivation) ? LOSSES[loss].denominator(outputActivation, batchSize, outputs) : NaN));
    for (let s = 0; s < record.steps; s++) {
      const block = emptyReplicaStep(record.firstStep + s, R, layers, record.losses);
      for (let r = 0; r < R; r++) {
        const at = (s * R + r) * stride;
        LOSS_NAMES.forEach((loss, i) => (block.losses[loss][r] = values[at + lossSumOffset(loss)] / denominators[i]));
        let squares = 0;
        for (let l = 0; l < layers; l++) {
          const w = values[at + layerNormOffset(l)];
          const b = values[at + layerNormOffset(l) + 1];
          squares += w + b;
          block.gradNormW[l][r] = Math.sqrt(w);
          block.gradNormB[l][r] = Math.sqrt(b);
        }
        block.globalGradNorm[r] = Math.sqrt(squares);
        block.outputDeltaNorm[r] = Math.sqrt(values[at + OUTPUT_DELTA_SQUARES_OFFSET]);
        block.saturatedFraction[r] = values[at + SATURATED_COUNT_OFFSET] / saturationUnits;
      }
      this.completed.push(block);
    }
    this.completed.sort((a, b) => a.step - b.step);
  }

  /** Metrics of the steps completed since the last call, in step order; never waits. */
  takeMetrics(): ReplicaStepMetrics[] {
    return this.completed.splice(0, this.completed.length);
  }

  /** Resolves once every issued step has completed and its metrics can be taken. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.map((p) => p.done));
  }

  /** Every replica's parameters after every issued step: replica r's at r·P, in the flat layout. */
  async readParameters(): Promise<Float64Array> {
    this.assertUsable();
    const floats = this.replicas.length * this.parameterCount;
    const staging = this.staging.acquire(floats * 4);
    const encoder = this.device.createCommandEncoder({ label: 'read back replica parameters' });
    encoder.copyBufferToBuffer(this.buffers.get(this.layout.buffers.parameters), 0, staging, 0, floats * 4);
    this.device.queue.submit([encoder.finish()]);
    return Float64Array.from(new Float32Array(await this.staging.read(staging, floats * 4), 0, floats));
  }

  /** Replica `replica`'s parameters after every issued step. */
  async parameters(replica: number): Promise<Float64Array> {
    this.assertReplica(replica);
    const all = await this.readParameters();
    return all.slice(replica * this.parameterCount, (replica + 1) * this.parameterCount);
  }

  /** Frees every buffer; the trainer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.context.failureListeners.delete(this.failureListener);
    this.buffers.destroy();
    this.staging.destroy();
  }
}
