/**
 * The WebGPU trainer: its buffers and dispatches laid out once per network shape
 * (src/gpu/trainer-layout.ts), the dataset uploaded once, parameters in one flat float32 buffer in
 * the layout of src/model/layout.ts, many steps encoded into one compute pass per submission, and
 * per-step metrics copied out of a ring buffer and mapped asynchronously, so the step loop never
 * waits for the GPU.
 */
import { OUTPUTS } from '../model/activations';
import { BatchSchedule, shuffleSeed } from '../model/batches';
import type { Dataset } from '../model/dataset';
import { initParameters } from '../model/init';
import { parameterLayout, type ParameterLayout } from '../model/layout';
import { LOSSES, LOSS_NAMES, assertLossAllowed, meanLosses, type LossName, type LossValues } from '../model/losses';
import { OPTIMIZERS } from '../model/optimizers';
import type { StepMetrics, TrainerSnapshot } from '../model/session';
import { cloneSpec, layerCount, type NetworkSpec } from '../model/spec';
import { formatProblems, validate, validateForDataset } from '../model/validate';
import { checkCapacity } from './capacity';
import { acquireGpu, listenForFailures, type GpuContext, type GpuFailure } from './device';
import { bindGroupFor, matmulGrid, stepParamsBindGroup, type CompiledKernel, type MatmulVariant } from './kernels';
import { OUTPUT_DELTA_SQUARES_OFFSET, SATURATED_COUNT_OFFSET, layerNormOffset, lossSumOffset, metricsStride } from './metrics-layout';
import { createProductTimer } from './product-timer';
import { StagingPool } from './readback';
import { chooseStepPlan, stepMultiplyAdds, type StepPlan, type StepPlanOverrides } from './step-plan';
import { forwardParams, layoutTrainer, outputActivationGrid, outputParams, type BufferPlan, type DispatchPlan, type TrainerLayout } from './trainer-layout';
import { tunePlan, type TuningReport, type TuningStore } from './tuner';
import { FORWARD_PARAMS, OUTPUT_PARAMS, STEP_PARAMS } from './uniforms';
import { packStruct, packStructInto } from './wgsl-struct';

/** How to build a trainer. */
export interface GpuTrainerOptions {
  /** The network; validated against the dataset before anything is allocated. */
  spec: NetworkSpec;
  /** Training data, uploaded once. */
  dataset: Dataset;
  /** Starting parameters in the flat layout; `initParameters(spec)` when omitted. */
  initialParameters?: Float64Array;
  /** Called with every failure the GPU reports asynchronously; unset, failures go to console.error. */
  onFailure?: (failure: GpuFailure) => void;
  /** The GPU context to use; the shared one when omitted. */
  context?: GpuContext;
  /** Forces the step layout or the matrix-product variant (tests and benchmarks compare them); chooseStepPlan decides what is left unset. */
  overrides?: StepPlanOverrides;
  /** Time the product variants on this adapter and run the fastest (src/gpu/tuner.ts); absent, the fixed rule's variants run. A forced variant is never tuned. */
  tuning?: { budgetMs: number; store: TuningStore | null };
}

/** One recorded dispatch: a compiled kernel, its group-0 bind group and its grid. */
interface Dispatch {
  compiled: CompiledKernel;
  bindGroup: GPUBindGroup;
  grid: [number, number];
}

/** A submission whose metrics are on their way back. */
interface PendingMetrics {
  firstStep: number;
  losses: LossName[];
  done: Promise<void>;
}

/** Multiply-adds a submission aims at (host-side estimate): keeps one submission of a big network short enough for the page to stay responsive. */
const MULTIPLY_ADDS_PER_SUBMISSION = 2e8;
/** Most steps encoded into one submission. */
const MAX_STEPS_PER_SUBMISSION = 64;
/** Submissions allowed in flight before `train` waits for the oldest to finish (bounds memory and latency). */
const MAX_SUBMISSIONS_IN_FLIGHT = 8;
/** Largest evaluation activation buffer, so evaluation of a wide network stays a modest allocation. */
const EVALUATION_BYTES = 32 * 1024 * 1024;
/** Most rows evaluated per submission (a 64×64 decision-boundary grid is one submission). */
const MAX_EVALUATION_ROWS = 4096;
/** How long a failed readback waits for device.lost before it is reported as a failure of its own. */
const READBACK_LOSS_GRACE_MS = 200;

/** Steps per submission for a network: the multiply-add budget divided by one step's work. */
function chooseStepsPerSubmission(spec: NetworkSpec): number {
  const perStep = stepMultiplyAdds(spec.widths, spec.batchSize);
  return Math.max(1, Math.min(MAX_STEPS_PER_SUBMISSION, Math.floor(MULTIPLY_ADDS_PER_SUBMISSION / perStep)));
}

/** Rows evaluated per submission: as many as fit EVALUATION_BYTES in the widest layer. */
function chooseEvaluationRows(spec: NetworkSpec): number {
  const widest = Math.max(...spec.widths);
  return Math.max(1, Math.min(MAX_EVALUATION_ROWS, Math.floor(EVALUATION_BYTES / (4 * widest))));
}

/** The rule's plan tuned on the device when `options` ask for it and nothing forces the variant. */
async function tuneIfAsked(context: GpuContext, spec: NetworkSpec, plan: StepPlan, options: GpuTrainerOptions): Promise<{ plan: StepPlan; tuning: TuningReport | null }> {
  if (!options.tuning || options.overrides?.matmul || plan.kernel === 'fused') return { plan, tuning: null };
  const timer = createProductTimer(context);
  try {
    const tuned = await tunePlan(plan, spec, { adapter: context.report, limits: context.device.limits }, {
      budgetMs: options.tuning.budgetMs,
      store: options.tuning.store,
      timer: timer.time,
      timerClock: () => timer.clock,
    });
    return { plan: tuned.plan, tuning: tuned.report };
  } finally {
    timer.dispose();
  }
}

/** The GPU buffers of a layout, each made once, with its initial contents. */
export class AllocatedBuffers {
  private readonly buffers = new Map<BufferPlan, GPUBuffer>();

  constructor(device: GPUDevice, plans: readonly BufferPlan[]) {
    for (const plan of plans) {
      const usage =
        (plan.kind === 'uniform' ? GPUBufferUsage.UNIFORM : GPUBufferUsage.STORAGE) |
        (plan.copy.dst ? GPUBufferUsage.COPY_DST : 0) |
        (plan.copy.src ? GPUBufferUsage.COPY_SRC : 0);
      const contents = plan.contents?.();
      // Bindings may not be empty, and copies and mappings work in 4-byte units: 16 bytes at least, in multiples of 16.
      const size = Math.max(16, Math.ceil(plan.bytes / 16) * 16);
      const buffer = device.createBuffer({ label: plan.name, size, usage, mappedAtCreation: contents !== undefined });
      if (contents !== undefined) {
        const bytes = contents instanceof ArrayBuffer ? new Uint8Array(contents) : new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
        new Uint8Array(buffer.getMappedRange()).set(bytes);
        buffer.unmap();
      }
      this.buffers.set(plan, buffer);
    }
  }

  /** The buffer made for `plan`. */
  get(plan: BufferPlan): GPUBuffer {
    const buffer = this.buffers.get(plan);
    if (!buffer) throw new Error(`no buffer was made for ${plan.name}`);
    return buffer;
  }

  /** Frees every buffer. */
  destroy(): void {
    for (const buffer of this.buffers.values()) buffer.destroy();
  }
}

export class GpuTrainer {
  /** The network (a copy; `spec.loss` follows `setLoss`). */
  readonly spec: NetworkSpec;
  /** The training data. */
  readonly dataset: Dataset;
  /** Where each layer's parameters sit in the flat buffers. */
  readonly layout: ParameterLayout;
  /** Steps encoded into one submission at most. */
  readonly stepsPerSubmission: number;
  /** Compute dispatches per training step: 1 fused, or 3L + 2 layered. */
  readonly dispatchesPerStep: number;
  /** How a step is laid out on the device, and why. */
  readonly plan: StepPlan;
  /** What the autotuner measured and chose, or null when it did not run. */
  readonly tuning: TuningReport | null;

  private readonly device: GPUDevice;
  private readonly schedule: BatchSchedule;
  private readonly staging: StagingPool;
  private readonly metricsFloats: number;
  private readonly stepDispatches: Dispatch[];
  private readonly evaluationDispatches: (Dispatch & { variant?: MatmulVariant })[];
  private readonly stepBindGroup: GPUBindGroup;
  private readonly pending: PendingMetrics[] = [];
  private readonly completed: StepMetrics[] = [];
  private readonly indexScratch: Uint32Array<ArrayBuffer>;
  private readonly stepScratch: ArrayBuffer;
  private stepsIssued = 0;
  private disposed = false;
  private failure: GpuFailure | null = null;
  private readonly failureListener: (failure: GpuFailure) => void;

  private constructor(
    private readonly context: GpuContext,
    spec: NetworkSpec,
    dataset: Dataset,
    plan: StepPlan,
    tuning: TuningReport | null,
    private readonly trainerLayout: TrainerLayout,
    private readonly buffers: AllocatedBuffers,
    compiled: Map<DispatchPlan, CompiledKernel>,
    private readonly evaluationRows: number,
    onFailure: ((failure: GpuFailure) => void) | undefined,
  ) {
    this.plan = plan;
    this.tuning = tuning;
    this.spec = spec;
    this.dataset = dataset;
    this.device = context.device;
    this.layout = parameterLayout(spec.widths);
    this.schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
    this.stepsPerSubmission = chooseStepsPerSubmission(spec);
    this.metricsFloats = metricsStride(layerCount(spec));
    this.staging = new StagingPool(this.device, 'readback');
    this.indexScratch = new Uint32Array(this.stepsPerSubmission * spec.batchSize);
    this.stepScratch = new ArrayBuffer(this.stepsPerSubmission * trainerLayout.stepStride);
    const record = (plan: DispatchPlan): Dispatch => {
      const kernel = compiled.get(plan)!;
      const named = Object.fromEntries(Object.entries(plan.buffers).map(([binding, buffer]) => [binding, buffers.get(buffer)]));
      return { compiled: kernel, bindGroup: bindGroupFor(this.device, kernel, plan.label, named), grid: plan.grid };
    };
    this.stepDispatches = trainerLayout.step.map(record);
    this.evaluationDispatches = trainerLayout.evaluation.map((plan) => ({ ...record(plan), variant: plan.variant }));
    this.dispatchesPerStep = this.stepDispatches.length;
    this.stepBindGroup = stepParamsBindGroup(this.device, context.pipelines, buffers.get(trainerLayout.buffers.stepParams), 'step params');
    this.failureListener = listenForFailures(context, (failure) => (this.failure = failure), onFailure);
  }

  /**
   * Builds a trainer: validates the spec against the dataset, lays it out, checks every buffer
   * against the device's limits, compiles (or reuses) the pipelines, allocates and uploads. Throws
   * with the failing value and what to change when the network does not fit or allocation fails.
   */
  static async create(options: GpuTrainerOptions): Promise<GpuTrainer> {
    const spec = cloneSpec(options.spec);
    const { dataset } = options;
    const problems = [...validate(spec), ...validateForDataset(spec, dataset)];
    if (problems.length > 0) throw new Error(`the network cannot be trained on ${dataset.name}:\n${formatProblems(problems)}`);
    const context = options.context ?? (await acquireGpu());
    const { device } = context;
    const rulePlan = chooseStepPlan(spec.widths, spec.batchSize, context.report.isCpuAdapter, options.overrides);
    const sizes = { spec, trainCount: dataset.trainCount, stepsPerSubmission: chooseStepsPerSubmission(spec), evaluationRows: chooseEvaluationRows(spec), limits: device.limits };
    // Before anything else is made (tuning buffers, initial parameters): a network that does not fit
    // may not fit in host memory either. Buffer sizes do not depend on the product variants.
    checkCapacity(layoutTrainer({ ...sizes, plan: rulePlan }), spec, device.limits);
    const { plan, tuning } = await tuneIfAsked(context, spec, rulePlan, options);
    const parameters = parameterLayout(spec.widths);
    const initial = options.initialParameters ?? initParameters(spec);
    if (initial.length !== parameters.totalParameters) {
      throw new Error(`the network [${spec.widths.join(', ')}] has ${parameters.totalParameters} parameters but ${initial.length} initial values were given`);
    }
    const layout = layoutTrainer({ ...sizes, plan, data: { trainX: dataset.trainX, trainY: dataset.trainY, initialParameters: initial } });
    const dispatches = [...layout.step, ...layout.evaluation];
    const kernels = await Promise.all(dispatches.map((dispatch) => context.pipelines.get(dispatch.kernel)));
    const compiled = new Map(dispatches.map((dispatch, i) => [dispatch, kernels[i]]));
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let buffers: AllocatedBuffers | null = null;
    let trainer: GpuTrainer | null = null;
    let thrown: unknown = null;
    try {
      buffers = new AllocatedBuffers(device, layout.allBuffers);
      trainer = new GpuTrainer(context, spec, dataset, plan, tuning, layout, buffers, compiled, sizes.evaluationRows, options.onFailure);
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
    throw new Error(`allocating the network [${spec.widths.join(', ')}] with batch ${spec.batchSize} ${what}: ${gpuError?.message}; try a smaller network or batch`);
  }

  /** Steps issued so far (some may still be running on the GPU). */
  get stepsTaken(): number {
    return this.stepsIssued;
  }

  /** The loss the next step follows. */
  get loss(): LossName {
    return this.spec.loss;
  }

  /** Selects the loss from the next issued step on: only the per-step uniform written at the next submission changes. */
  setLoss(loss: LossName): void {
    assertLossAllowed(loss, this.spec.outputActivation);
    this.spec.loss = loss;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('this GPU trainer was disposed; create a new session');
    if (this.failure) throw new Error(`${this.failure.message}; create a new session to continue`);
  }

  /**
   * Encodes and submits `steps` training steps without waiting for the GPU, in submissions of at
   * most `stepsPerSubmission` steps. Waits only when more than MAX_SUBMISSIONS_IN_FLIGHT
   * submissions are still running, so a fast caller cannot queue unbounded work.
   */
  async train(steps: number): Promise<void> {
    this.assertUsable();
    if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`the number of steps must be a whole number ≥ 0, got ${steps}`);
    let remaining = steps;
    while (remaining > 0) {
      while (this.pending.length >= MAX_SUBMISSIONS_IN_FLIGHT) await this.pending[0].done;
      // The device may have been lost, or the trainer disposed, while this call waited.
      this.assertUsable();
      const count = Math.min(remaining, this.stepsPerSubmission);
      this.submitSteps(count);
      remaining -= count;
    }
  }

  private submitSteps(count: number): void {
    const { batchSize, optimizer } = this.spec;
    const first = this.stepsIssued;
    const stride = this.trainerLayout.stepStride;
    const rule = OPTIMIZERS[optimizer.kind];
    for (let s = 0; s < count; s++) {
      this.schedule.indicesForStep(first + s, this.indexScratch, s * batchSize);
      packStructInto(
        STEP_PARAMS,
        { indexOffset: s * batchSize, lossId: LOSSES[this.spec.loss].id, metricsOffset: s * this.metricsFloats, optimizerStepSize: rule.stepSize(optimizer, first + s + 1) },
        this.stepScratch,
        s * stride,
      );
    }
    const { queue } = this.device;
    const { rowIndices, stepParams, metricsRing } = this.trainerLayout.buffers;
    queue.writeBuffer(this.buffers.get(rowIndices), 0, this.indexScratch, 0, count * batchSize);
    queue.writeBuffer(this.buffers.get(stepParams), 0, this.stepScratch, 0, count * stride);
    const encoder = this.device.createCommandEncoder({ label: `steps ${first}…${first + count - 1}` });
    const pass = encoder.beginComputePass();
    for (let s = 0; s < count; s++) this.encodeStep(pass, s * stride);
    pass.end();
    const metricsBytes = count * this.metricsFloats * 4;
    const staging = this.staging.acquire(metricsBytes);
    encoder.copyBufferToBuffer(this.buffers.get(metricsRing), 0, staging, 0, metricsBytes);
    queue.submit([encoder.finish()]);
    this.stepsIssued += count;
    const losses = new Array<LossName>(count).fill(this.spec.loss);
    const record: PendingMetrics = { firstStep: first, losses, done: Promise.resolve() };
    record.done = this.staging.read(staging, metricsBytes).then(
      (bytes) => this.completeMetrics(record, new Float32Array(bytes)),
      (error: unknown) => this.reportReadbackFailure(`reading back the metrics of steps ${first}…${first + count - 1} failed: ${String(error)}`),
    ).finally(() => {
      const index = this.pending.indexOf(record);
      if (index >= 0) this.pending.splice(index, 1);
    });
    this.pending.push(record);
  }

  /**
   * A failed metrics readback is reported, unless the trainer was disposed (which destroys the
   * staging buffers on purpose) or the device was lost: mapAsync then rejects just before
   * device.lost resolves, and the device loss (reported by the context) is the one cause.
   */
  private async reportReadbackFailure(message: string): Promise<void> {
    if (this.disposed) return;
    const lost = await Promise.race([
      this.device.lost.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READBACK_LOSS_GRACE_MS)),
    ]);
    if (!lost && !this.disposed) this.failureListener({ kind: 'internal', message });
  }

  /** Records one step's dispatches into `pass`; `stepOffset` selects the step's StepParams. */
  private encodeStep(pass: GPUComputePassEncoder, stepOffset: number): void {
    pass.setBindGroup(1, this.stepBindGroup, [stepOffset]);
    for (const dispatch of this.stepDispatches) {
      pass.setPipeline(dispatch.compiled.pipeline);
      pass.setBindGroup(0, dispatch.bindGroup);
      pass.dispatchWorkgroups(dispatch.grid[0], dispatch.grid[1]);
    }
  }

  /** Turns the metrics slots of a submission into StepMetrics (src/gpu/metrics-layout.ts says where each figure sits). */
  private completeMetrics(record: PendingMetrics, values: Float32Array): void {
    const { batchSize, outputActivation } = this.spec;
    const outputs = this.spec.widths[this.spec.widths.length - 1];
    const layers = this.layout.layers.length;
    const saturationUnits = OUTPUTS[outputActivation].saturationUnit === 'row' ? batchSize : batchSize * outputs;
    record.losses.forEach((activeLoss, s) => {
      const at = s * this.metricsFloats;
      const gradNormW: number[] = [];
      const gradNormB: number[] = [];
      let squares = 0;
      for (let l = 0; l < layers; l++) {
        const w = values[at + layerNormOffset(l)];
        const b = values[at + layerNormOffset(l) + 1];
        squares += w + b;
        gradNormW.push(Math.sqrt(w));
        gradNormB.push(Math.sqrt(b));
      }
      const sums = Object.fromEntries(LOSS_NAMES.map((loss) => [loss, values[at + lossSumOffset(loss)]])) as LossValues;
      this.completed.push({
        step: record.firstStep + s,
        activeLoss,
        losses: meanLosses(outputActivation, sums, batchSize, outputs),
        gradNormW,
        gradNormB,
        globalGradNorm: Math.sqrt(squares),
        outputDeltaNorm: Math.sqrt(values[at + OUTPUT_DELTA_SQUARES_OFFSET]),
        saturatedFraction: values[at + SATURATED_COUNT_OFFSET] / saturationUnits,
      });
    });
    this.completed.sort((a, b) => a.step - b.step);
  }

  /** Metrics of the steps completed since the last call, in step order; never waits. */
  takeMetrics(): StepMetrics[] {
    return this.completed.splice(0, this.completed.length);
  }

  /** Resolves once every issued step has completed and its metrics can be taken. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.map((p) => p.done));
  }

  /** Copies `sources` (buffer, floats) into one staging buffer and reads them back as float64. */
  private async readBuffers(sources: { buffer: BufferPlan; floats: number }[]): Promise<Float64Array[]> {
    this.assertUsable();
    const total = sources.reduce((sum, s) => sum + s.floats, 0) * 4;
    const staging = this.staging.acquire(total);
    const encoder = this.device.createCommandEncoder({ label: 'read back' });
    let offset = 0;
    for (const source of sources) {
      if (source.floats > 0) encoder.copyBufferToBuffer(this.buffers.get(source.buffer), 0, staging, offset, source.floats * 4);
      offset += source.floats * 4;
    }
    this.device.queue.submit([encoder.finish()]);
    const values = new Float32Array(await this.staging.read(staging, Math.max(total, 4)));
    let at = 0;
    return sources.map((source) => {
      const part = Float64Array.from(values.subarray(at, at + source.floats));
      at += source.floats;
      return part;
    });
  }

  /** The parameters after every issued step, in the flat layout. */
  async readParameters(): Promise<Float64Array> {
    const [parameters] = await this.readBuffers([{ buffer: this.trainerLayout.buffers.parameters, floats: this.layout.totalParameters }]);
    return parameters;
  }

  /** ∂L/∂θ of the last issued step (taken before its update), in the flat layout; zeros before the first step. */
  async readGradient(): Promise<Float64Array> {
    const [gradient] = await this.readBuffers([{ buffer: this.trainerLayout.buffers.gradient, floats: this.layout.totalParameters }]);
    return gradient;
  }

  /** Parameters and optimizer slots after every issued step. */
  async snapshot(): Promise<TrainerSnapshot> {
    const n = this.layout.totalParameters;
    const slotCount = OPTIMIZERS[this.spec.optimizer.kind].slots;
    const step = this.stepsIssued;
    const loss = this.spec.loss;
    const { parameters: parameterBuffer, optimizerSlots } = this.trainerLayout.buffers;
    const [parameters, slots] = await this.readBuffers([
      { buffer: parameterBuffer, floats: n },
      { buffer: optimizerSlots, floats: slotCount * n },
    ]);
    return { step, loss, parameters, optimizerSlots: Array.from({ length: slotCount }, (_, i) => slots.slice(i * n, (i + 1) * n)) };
  }

  /**
   * Replaces parameters and optimizer slots, and continues from the snapshot's step (which sets
   * the optimizer's update count and the position in the batch order) with its loss.
   */
  restore(snapshot: TrainerSnapshot): void {
    this.assertUsable();
    const n = this.layout.totalParameters;
    const slotCount = OPTIMIZERS[this.spec.optimizer.kind].slots;
    if (snapshot.parameters.length !== n || snapshot.optimizerSlots.length !== slotCount || snapshot.optimizerSlots.some((s) => s.length !== n)) {
      throw new Error(
        `the snapshot holds ${snapshot.parameters.length} parameters and ${snapshot.optimizerSlots.length} slot(s) but this ${this.spec.optimizer.kind} ` +
          `network has ${n} parameters and ${slotCount} slot(s); restore a snapshot of the same network and optimizer`,
      );
    }
    if (!(Number.isInteger(snapshot.step) && snapshot.step >= 0)) throw new Error(`the snapshot's step must be a whole number ≥ 0, got ${snapshot.step}`);
    this.setLoss(snapshot.loss);
    const { parameters, optimizerSlots } = this.trainerLayout.buffers;
    this.device.queue.writeBuffer(this.buffers.get(parameters), 0, Float32Array.from(snapshot.parameters));
    if (slotCount > 0) {
      const slots = new Float32Array(slotCount * n);
      snapshot.optimizerSlots.forEach((slot, i) => slots.set(slot, i * n));
      this.device.queue.writeBuffer(this.buffers.get(optimizerSlots), 0, slots);
    }
    this.stepsIssued = snapshot.step;
  }

  /**
   * Network outputs (after the output activation) for `count` rows of `inputs` (row-major
   * [count, n_0]), with the current parameters, in chunks of the evaluation buffers' rows.
   */
  async evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    this.assertUsable();
    const { widths } = this.spec;
    const inputWidth = widths[0];
    const outputs = widths[widths.length - 1];
    if (!(Number.isInteger(count) && count >= 0) || inputs.length < count * inputWidth) {
      throw new Error(`evaluate needs ${count} rows of ${inputWidth} inputs (${count * inputWidth} values) but got ${inputs.length} values`);
    }
    const result = new Float32Array(count * outputs);
    const { evaluationInputs, evaluationOutputs, evaluationForwardParams, evaluationOutputParams } = this.trainerLayout.buffers;
    const { queue } = this.device;
    const reads: Promise<void>[] = [];
    for (let start = 0; start < count; start += this.evaluationRows) {
      const rows = Math.min(this.evaluationRows, count - start);
      queue.writeBuffer(this.buffers.get(evaluationInputs), 0, inputs.slice(start * inputWidth, (start + rows) * inputWidth));
      this.layout.layers.forEach((layer, l) => {
        queue.writeBuffer(this.buffers.get(evaluationForwardParams[l]), 0, packStruct(FORWARD_PARAMS, forwardParams(this.spec, layer, l, rows, false)));
      });
      queue.writeBuffer(this.buffers.get(evaluationOutputParams), 0, packStruct(OUTPUT_PARAMS, outputParams(this.spec, rows)));
      const encoder = this.device.createCommandEncoder({ label: `evaluate rows ${start}…${start + rows - 1}` });
      const pass = encoder.beginComputePass();
      pass.setBindGroup(1, this.stepBindGroup, [0]);
      this.evaluationDispatches.forEach((dispatch, d) => {
        const layer = this.layout.layers[d];
        // The forward products of each layer, then the output activation, over this chunk's rows.
        const [x, y] = layer ? matmulGrid(rows, layer.fanOut, dispatch.variant) : outputActivationGrid(rows);
        pass.setPipeline(dispatch.compiled.pipeline);
        pass.setBindGroup(0, dispatch.bindGroup);
        pass.dispatchWorkgroups(x, y);
      });
      pass.end();
      const bytes = rows * outputs * 4;
      const staging = this.staging.acquire(bytes);
      encoder.copyBufferToBuffer(this.buffers.get(evaluationOutputs), 0, staging, 0, bytes);
      queue.submit([encoder.finish()]);
      reads.push(this.staging.read(staging, bytes).then((values) => result.set(new Float32Array(values, 0, rows * outputs), start * outputs)));
    }
    await Promise.all(reads);
    return result;
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
