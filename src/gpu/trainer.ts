/**
 * The WebGPU trainer: buffers and bind groups built once per network shape, the dataset uploaded
 * once, parameters in one flat float32 buffer in the layout of src/model/layout.ts, many steps
 * encoded into one compute pass per submission, and per-step metrics copied out of a ring buffer
 * and mapped asynchronously, so the step loop never waits for the GPU.
 *
 * chooseStepPlan (kernels.ts) lays a step out in one of two ways. Layered: 3L + 2 dispatches for
 * L weight layers: L forward products (the first gathers its rows through the batch's indices),
 * the loss kernel, L weight-and-bias gradient products, L − 1 input-gradient products with the
 * activation derivative fused, one norms kernel and one optimizer dispatch over all parameters.
 * Fused (small networks): the same work in one dispatch of one workgroup.
 */
import { ACTIVATIONS, OUTPUTS } from '../model/activations';
import { LOSSES, LOSS_NAMES, assertLossAllowed, meanLosses, type LossName, type LossValues } from '../model/losses';
import { OPTIMIZERS } from '../model/optimizers';
import { BatchSchedule, shuffleSeed } from '../model/batches';
import { initParameters } from '../model/init';
import { parameterLayout, type ParameterLayout } from '../model/layout';
import { cloneSpec, layerCount, type NetworkSpec } from '../model/spec';
import { MAX_LAYERS, formatProblems, validate, validateForDataset } from '../model/validate';
import type { Dataset } from '../model/dataset';
import type { StepMetrics, TrainerSnapshot } from '../model/session';
import { checkCapacity, metricsStride } from './capacity';
import { acquireGpu, type GpuContext, type GpuFailure } from './device';
import {
  OPTIMIZER_WORKGROUP_SIZE,
  OUTPUT_ACTIVATION_KERNEL,
  STEP_PARAMS_BYTES,
  ceilDiv,
  chooseStepPlan,
  elementGrid,
  fusedStepKernel,
  gradNormsKernel,
  layerAlignment,
  lossKernel,
  matmulGrid,
  matmulKernels,
  optimizerKernel,
  packUniform,
  stepMultiplyAdds,
  type CompiledKernel,
  type Kernel,
  type LayerAlignment,
  type MatmulKernels,
  type StepPlan,
  type StepPlanOverrides,
} from './kernels';
import { StagingPool } from './readback';

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
}

/** A layer product in the form that serves layers of one alignment, e.g. 'forward vec4'. */
type ProductRole = `${keyof MatmulKernels} ${LayerAlignment}`;

/** What each kernel role of a trainer is compiled from. */
type KernelRole = ProductRole | 'outputActivation' | 'fused' | 'loss' | 'norms' | 'optimizer';

/** The role of `product` for `layer`: its vec4 form when the layer's widths and offset allow it. */
function productRole(product: keyof MatmulKernels, layer: { fanIn: number; fanOut: number; weightOffset: number }): ProductRole {
  return `${product} ${layerAlignment(layer.fanIn, layer.fanOut, layer.weightOffset)}`;
}

/** One recorded dispatch of a step: a compiled kernel, its group-0 bind group and its grid. */
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

  private readonly device: GPUDevice;
  private readonly schedule: BatchSchedule;
  private readonly buffers: GPUBuffer[] = [];
  private readonly staging: StagingPool;
  private readonly metricsFloats: number;
  private readonly stepStride: number;
  private readonly stepDispatches: Dispatch[];
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
    private readonly kernels: Partial<Record<KernelRole, CompiledKernel>>,
    private readonly resources: TrainerResources,
    onFailure: ((failure: GpuFailure) => void) | undefined,
    plan: StepPlan,
  ) {
    this.plan = plan;
    this.spec = spec;
    this.dataset = dataset;
    this.device = context.device;
    this.layout = parameterLayout(spec.widths);
    this.schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
    this.stepsPerSubmission = resources.stepsPerSubmission;
    this.metricsFloats = metricsStride(layerCount(spec));
    this.stepStride = resources.stepStride;
    this.staging = new StagingPool(this.device, 'readback');
    this.buffers.push(...resources.allBuffers);
    this.indexScratch = new Uint32Array(this.stepsPerSubmission * spec.batchSize);
    this.stepScratch = new ArrayBuffer(this.stepsPerSubmission * this.stepStride);
    this.stepDispatches = resources.stepDispatches;
    this.dispatchesPerStep = this.stepDispatches.length;
    this.failureListener = (failure) => {
      if (failure.kind === 'device-lost') this.failure = failure;
      if (onFailure) onFailure(failure);
      else console.error(`WebGPU ${failure.kind}: ${failure.message}`);
    };
    context.failureListeners.add(this.failureListener);
  }

  /**
   * Builds a trainer: validates the spec against the dataset, checks every buffer against the
   * device's limits, compiles (or reuses) the pipelines, allocates and uploads. Throws with the
   * failing value and what to change when the network does not fit or allocation fails.
   */
  static async create(options: GpuTrainerOptions): Promise<GpuTrainer> {
    const spec = cloneSpec(options.spec);
    const { dataset } = options;
    const problems = [...validate(spec), ...validateForDataset(spec, dataset)];
    if (problems.length > 0) throw new Error(`the network cannot be trained on ${dataset.name}:\n${formatProblems(problems)}`);
    const stepsPerSubmission = chooseStepsPerSubmission(spec);
    const evaluationRows = chooseEvaluationRows(spec);
    const context = options.context ?? (await acquireGpu());
    // Before anything else is made, initial parameters included: a network that does not fit may not fit in host memory either.
    checkCapacity({ spec, trainCount: dataset.trainCount, stepsPerSubmission, evaluationRows }, context.device.limits);
    const layout = parameterLayout(spec.widths);
    const initial = options.initialParameters ?? initParameters(spec);
    if (initial.length !== layout.totalParameters) {
      throw new Error(`the network [${spec.widths.join(', ')}] has ${layout.totalParameters} parameters but ${initial.length} initial values were given`);
    }
    const plan = chooseStepPlan(spec.widths, spec.batchSize, context.report.isCpuAdapter, options.overrides);
    const size = plan.reductionWorkgroupSize;
    const roles: Partial<Record<KernelRole, Kernel>> =
      plan.kernel === 'fused'
        ? { outputActivation: OUTPUT_ACTIVATION_KERNEL, fused: fusedStepKernel(size, spec.optimizer.kind) }
        : { outputActivation: OUTPUT_ACTIVATION_KERNEL, loss: lossKernel(size), norms: gradNormsKernel(size), optimizer: optimizerKernel(spec.optimizer.kind) };
    // Only the product forms some layer uses are compiled (evaluation runs the forward products of both plans).
    layout.layers.forEach((layer, l) => {
      const alignment = layerAlignment(layer.fanIn, layer.fanOut, layer.weightOffset);
      const products = matmulKernels(plan.matmul, alignment);
      roles[`forward ${alignment}`] = products.forward;
      if (plan.kernel === 'layered') {
        roles[`weightGrad ${alignment}`] = products.weightGrad;
        if (l > 0) roles[`inputGrad ${alignment}`] = products.inputGrad;
      }
    });
    const entries = Object.entries(roles) as [KernelRole, Kernel][];
    const compiled = await Promise.all(entries.map(([, kernel]) => context.pipelines.get(kernel)));
    const kernels: Partial<Record<KernelRole, CompiledKernel>> = Object.fromEntries(entries.map(([role], i) => [role, compiled[i]]));
    const { device } = context;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const resources = buildResources(context, spec, dataset, kernels, initial, stepsPerSubmission, evaluationRows, plan);
    const validationError = await device.popErrorScope();
    const memoryError = await device.popErrorScope();
    const error = memoryError ?? validationError;
    if (error) {
      for (const buffer of resources.allBuffers) buffer.destroy();
      const what = memoryError ? 'ran out of GPU memory' : 'was rejected by WebGPU validation';
      throw new Error(`allocating the network [${spec.widths.join(', ')}] with batch ${spec.batchSize} ${what}: ${error.message}; try a smaller network or batch`);
    }
    return new GpuTrainer(context, spec, dataset, kernels, resources, options.onFailure, plan);
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

  /** Adam's step size lr·√(1−β2ᵗ)/(1−β1ᵗ) for update number t (from 1), in float64. */
  private adamStepSize(t: number): number {
    const { learningRate, beta1, beta2 } = this.spec.optimizer;
    return (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  }

  private submitSteps(count: number): void {
    const { batchSize } = this.spec;
    const first = this.stepsIssued;
    const lossId = LOSSES[this.spec.loss].id;
    const stepWords = new DataView(this.stepScratch);
    for (let s = 0; s < count; s++) {
      this.schedule.indicesForStep(first + s, this.indexScratch, s * batchSize);
      const at = s * this.stepStride;
      stepWords.setUint32(at, s * batchSize, true);
      stepWords.setUint32(at + 4, lossId, true);
      stepWords.setUint32(at + 8, s * this.metricsFloats, true);
      stepWords.setFloat32(at + 12, this.adamStepSize(first + s + 1), true);
    }
    const { queue } = this.device;
    queue.writeBuffer(this.resources.rowIndices, 0, this.indexScratch, 0, count * batchSize);
    queue.writeBuffer(this.resources.stepParams, 0, this.stepScratch, 0, count * this.stepStride);
    const encoder = this.device.createCommandEncoder({ label: `steps ${first}…${first + count - 1}` });
    const pass = encoder.beginComputePass();
    for (let s = 0; s < count; s++) this.encodeStep(pass, s * this.stepStride);
    pass.end();
    const metricsBytes = count * this.metricsFloats * 4;
    const staging = this.staging.acquire(metricsBytes);
    encoder.copyBufferToBuffer(this.resources.metricsRing, 0, staging, 0, metricsBytes);
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
    pass.setBindGroup(1, this.resources.stepBindGroup, [stepOffset]);
    for (const dispatch of this.stepDispatches) {
      pass.setPipeline(dispatch.compiled.pipeline);
      pass.setBindGroup(0, dispatch.bindGroup);
      pass.dispatchWorkgroups(dispatch.grid[0], dispatch.grid[1]);
    }
  }

  private completeMetrics(record: PendingMetrics, values: Float32Array): void {
    const { batchSize, outputActivation } = this.spec;
    const outputs = this.spec.widths[this.spec.widths.length - 1];
    const elements = batchSize * outputs;
    const layers = this.layout.layers.length;
    record.losses.forEach((activeLoss, s) => {
      const at = s * this.metricsFloats;
      const gradNormW: number[] = [];
      const gradNormB: number[] = [];
      let squares = 0;
      for (let l = 0; l < layers; l++) {
        const w = values[at + 4 + 2 * l];
        const b = values[at + 5 + 2 * l];
        squares += w + b;
        gradNormW.push(Math.sqrt(w));
        gradNormB.push(Math.sqrt(b));
      }
      const sums = Object.fromEntries(LOSS_NAMES.map((loss) => [loss, values[at + LOSSES[loss].id]])) as LossValues;
      this.completed.push({
        step: record.firstStep + s,
        activeLoss,
        losses: meanLosses(outputActivation, sums, batchSize, outputs),
        gradNormW,
        gradNormB,
        globalGradNorm: Math.sqrt(squares),
        outputDeltaNorm: Math.sqrt(values[at + 2]),
        saturatedFraction: outputActivation === 'softmax' ? values[at + 3] / batchSize : values[at + 3] / elements,
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
  private async readBuffers(sources: { buffer: GPUBuffer; floats: number }[]): Promise<Float64Array[]> {
    this.assertUsable();
    const total = sources.reduce((sum, s) => sum + s.floats, 0) * 4;
    const staging = this.staging.acquire(total);
    const encoder = this.device.createCommandEncoder({ label: 'read back' });
    let offset = 0;
    for (const source of sources) {
      if (source.floats > 0) encoder.copyBufferToBuffer(source.buffer, 0, staging, offset, source.floats * 4);
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
    const [parameters] = await this.readBuffers([{ buffer: this.resources.parameters, floats: this.layout.totalParameters }]);
    return parameters;
  }

  /** ∂L/∂θ of the last issued step (taken before its update), in the flat layout; zeros before the first step. */
  async readGradient(): Promise<Float64Array> {
    const [gradient] = await this.readBuffers([{ buffer: this.resources.gradient, floats: this.layout.totalParameters }]);
    return gradient;
  }

  /** Parameters and optimizer slots after every issued step. */
  async snapshot(): Promise<TrainerSnapshot> {
    const n = this.layout.totalParameters;
    const slotCount = OPTIMIZERS[this.spec.optimizer.kind].slots;
    const step = this.stepsIssued;
    const loss = this.spec.loss;
    const [parameters, slots] = await this.readBuffers([
      { buffer: this.resources.parameters, floats: n },
      { buffer: this.resources.optimizerSlots, floats: slotCount * n },
    ]);
    const optimizerSlots = Array.from({ length: slotCount }, (_, i) => slots.slice(i * n, (i + 1) * n));
    return { step, loss, parameters, optimizerSlots };
  }

  /**
   * Replaces parameters and optimizer slots, and continues from the snapshot's step (which sets
   * Adam's t and the position in the batch order) with its loss.
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
    this.device.queue.writeBuffer(this.resources.parameters, 0, Float32Array.from(snapshot.parameters));
    if (slotCount > 0) {
      const slots = new Float32Array(slotCount * n);
      snapshot.optimizerSlots.forEach((slot, i) => slots.set(slot, i * n));
      this.device.queue.writeBuffer(this.resources.optimizerSlots, 0, slots);
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
    const evaluation = this.resources.evaluation;
    const reads: Promise<void>[] = [];
    for (let start = 0; start < count; start += evaluation.rows) {
      const rows = Math.min(evaluation.rows, count - start);
      const { queue } = this.device;
      queue.writeBuffer(evaluation.inputs, 0, inputs.slice(start * inputWidth, (start + rows) * inputWidth));
      this.layout.layers.forEach((layer, l) => {
        queue.writeBuffer(evaluation.forwardUniforms[l], 0, forwardUniform(this.spec, layer, l, rows, false));
      });
      queue.writeBuffer(evaluation.outputUniform, 0, packUniform([{ u32: rows }, { u32: outputs }, { u32: OUTPUTS[this.spec.outputActivation].id }, { u32: 0 }]));
      const encoder = this.device.createCommandEncoder({ label: `evaluate rows ${start}…${start + rows - 1}` });
      const pass = encoder.beginComputePass();
      pass.setBindGroup(1, this.resources.stepBindGroup, [0]);
      this.layout.layers.forEach((layer, l) => {
        pass.setPipeline(this.kernel(productRole('forward', layer)).pipeline);
        pass.setBindGroup(0, evaluation.forwardBindGroups[l]);
        const [x, y] = matmulGrid(rows, layer.fanOut);
        pass.dispatchWorkgroups(x, y);
      });
      pass.setPipeline(this.kernel('outputActivation').pipeline);
      pass.setBindGroup(0, evaluation.outputBindGroup);
      pass.dispatchWorkgroups(ceilDiv(rows, OUTPUT_ACTIVATION_KERNEL.constants.WORKGROUP_SIZE));
      pass.end();
      const bytes = rows * outputs * 4;
      const staging = this.staging.acquire(bytes);
      encoder.copyBufferToBuffer(evaluation.outputs, 0, staging, 0, bytes);
      queue.submit([encoder.finish()]);
      reads.push(this.staging.read(staging, bytes).then((values) => result.set(new Float32Array(values, 0, rows * outputs), start * outputs)));
    }
    await Promise.all(reads);
    return result;
  }

  private kernel(role: KernelRole): CompiledKernel {
    return compiledKernel(this.kernels, role);
  }

  /** Frees every buffer; the trainer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.context.failureListeners.delete(this.failureListener);
    for (const buffer of this.buffers) buffer.destroy();
    this.staging.destroy();
  }
}

/** The compiled kernel of `role`; every role a plan uses is compiled in `create`. */
function compiledKernel(kernels: Partial<Record<KernelRole, CompiledKernel>>, role: KernelRole): CompiledKernel {
  const compiled = kernels[role];
  if (!compiled) throw new Error(`the ${role} kernel is not part of this trainer's step plan`);
  return compiled;
}

/** Evaluation buffers and bind groups (rows per submission fixed at build time). */
interface EvaluationResources {
  rows: number;
  inputs: GPUBuffer;
  outputs: GPUBuffer;
  forwardUniforms: GPUBuffer[];
  forwardBindGroups: GPUBindGroup[];
  outputUniform: GPUBuffer;
  outputBindGroup: GPUBindGroup;
}

/** Everything a trainer allocates, built once. */
interface TrainerResources {
  allBuffers: GPUBuffer[];
  stepsPerSubmission: number;
  stepStride: number;
  parameters: GPUBuffer;
  gradient: GPUBuffer;
  optimizerSlots: GPUBuffer;
  rowIndices: GPUBuffer;
  stepParams: GPUBuffer;
  stepBindGroup: GPUBindGroup;
  metricsRing: GPUBuffer;
  stepDispatches: Dispatch[];
  evaluation: EvaluationResources;
}

/** ForwardParams of matmul_forward.wgsl for weight layer `l` over `rows` rows. */
function forwardUniform(spec: NetworkSpec, layer: ParameterLayout['layers'][number], l: number, rows: number, gatherRows: boolean): ArrayBuffer {
  const last = l === spec.widths.length - 2;
  // The last layer writes logits; the loss kernel (training) or output_activation (evaluation) applies the output activation.
  const activation = last ? ACTIVATIONS.linear.id : ACTIVATIONS[spec.hiddenActivations[l]].id;
  return packUniform([
    { u32: rows },
    { u32: layer.fanOut },
    { u32: layer.fanIn },
    { u32: layer.weightOffset },
    { u32: layer.biasOffset },
    { u32: activation },
    { u32: gatherRows ? 1 : 0 },
    { u32: 0 },
  ]);
}

function buildResources(
  context: GpuContext,
  spec: NetworkSpec,
  dataset: Dataset,
  kernels: Partial<Record<KernelRole, CompiledKernel>>,
  initial: Float64Array,
  stepsPerSubmission: number,
  evaluationRows: number,
  plan: StepPlan,
): TrainerResources {
  const { device } = context;
  const layout = parameterLayout(spec.widths);
  const layers = layout.layers;
  const L = layers.length;
  const B = spec.batchSize;
  const allBuffers: GPUBuffer[] = [];
  const STORAGE = GPUBufferUsage.STORAGE;
  const makeBuffer = (label: string, bytes: number, usage: GPUBufferUsageFlags, contents?: ArrayBufferView | ArrayBuffer): GPUBuffer => {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const buffer = device.createBuffer({ label, size, usage, mappedAtCreation: contents !== undefined });
    if (contents !== undefined) {
      const bytesOf = contents instanceof ArrayBuffer ? new Uint8Array(contents) : new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
      new Uint8Array(buffer.getMappedRange()).set(bytesOf);
      buffer.unmap();
    }
    allBuffers.push(buffer);
    return buffer;
  };
  const uniform = (label: string, contents: ArrayBuffer): GPUBuffer => makeBuffer(label, contents.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, contents);
  const storage = (label: string, floats: number, extraUsage = 0, contents?: ArrayBufferView): GPUBuffer =>
    makeBuffer(label, floats * 4, STORAGE | extraUsage, contents);
  const bindGroup = (role: KernelRole, label: string, buffers: GPUBuffer[]): GPUBindGroup =>
    device.createBindGroup({
      label,
      layout: compiledKernel(kernels, role).bindGroupLayout,
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });

  const P = layout.totalParameters;
  const trainX = storage('training inputs', dataset.trainCount * spec.widths[0], 0, dataset.trainX.subarray(0, dataset.trainCount * spec.widths[0]));
  const outputsWidth = spec.widths[L];
  const trainY = storage('training targets', dataset.trainCount * outputsWidth, 0, dataset.trainY.subarray(0, dataset.trainCount * outputsWidth));
  const parameters = storage('parameters', P, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, Float32Array.from(initial));
  const gradient = storage('gradient', P, GPUBufferUsage.COPY_SRC);
  const slotCount = OPTIMIZERS[spec.optimizer.kind].slots;
  const optimizerSlots = storage('optimizer slots', slotCount * P, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
  const rowIndices = makeBuffer('row indices', stepsPerSubmission * B * 4, STORAGE | GPUBufferUsage.COPY_DST);
  const stepStride = Math.max(device.limits.minUniformBufferOffsetAlignment, STEP_PARAMS_BYTES);
  const stepParams = makeBuffer('step params', stepsPerSubmission * stepStride, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const stepBindGroup = device.createBindGroup({
    label: 'step params',
    layout: context.pipelines.stepLayout,
    entries: [{ binding: 0, resource: { buffer: stepParams, size: STEP_PARAMS_BYTES } }],
  });
  const stride = metricsStride(L);
  const metricsRing = storage('metrics ring', stepsPerSubmission * stride, GPUBufferUsage.COPY_SRC);
  const stepDispatches: Dispatch[] = [];
  const add = (role: KernelRole, label: string, buffers: GPUBuffer[], grid: [number, number]): void => {
    stepDispatches.push({ compiled: compiledKernel(kernels, role), bindGroup: bindGroup(role, label, buffers), grid });
  };
  const outputActivationId = OUTPUTS[spec.outputActivation].id;
  const lossParams = uniform('loss', packUniform([{ u32: B }, { u32: outputsWidth }, { u32: outputActivationId }, { u32: 0 }]));
  const optimizerGrid = elementGrid(P, OPTIMIZER_WORKGROUP_SIZE, device.limits.maxComputeWorkgroupsPerDimension);
  const { optimizer } = spec;
  const optimizerParams = uniform(
    'optimizer',
    packUniform([
      { u32: P },
      { u32: optimizerGrid.rowPitch },
      { u32: 0 },
      { f32: optimizer.learningRate },
      { f32: optimizer.momentum },
      { f32: optimizer.beta1 },
      { f32: optimizer.beta2 },
      { f32: optimizer.epsilon },
      { f32: 1 - optimizer.beta1 },
      { f32: 1 - optimizer.beta2 },
      { u32: 0 },
      { u32: 0 },
    ]),
  );

  if (plan.kernel === 'fused') {
    // Scratch holds the gathered batch [B, n_0], then per layer the activations (logits for the
    // last) and the deltas, each [B, n_l]; a layer's input is the previous layer's activations.
    const shape: { u32: number }[] = [{ u32: L }, { u32: B }, { u32: 0 }, { u32: 0 }];
    let scratchFloats = B * spec.widths[0];
    let inputOffset = 0;
    for (let l = 0; l < MAX_LAYERS; l++) {
      const layer = layers[l];
      if (!layer) {
        for (let field = 0; field < 8; field++) shape.push({ u32: 0 });
        continue;
      }
      const activation = l === L - 1 ? ACTIVATIONS.linear.id : ACTIVATIONS[spec.hiddenActivations[l]].id;
      const activationOffset = scratchFloats;
      const deltaOffset = scratchFloats + B * layer.fanOut;
      scratchFloats += 2 * B * layer.fanOut;
      shape.push(
        { u32: layer.fanIn },
        { u32: layer.fanOut },
        { u32: layer.weightOffset },
        { u32: layer.biasOffset },
        { u32: activation },
        { u32: activationOffset },
        { u32: deltaOffset },
        { u32: inputOffset },
      );
      inputOffset = activationOffset;
    }
    const networkParams = uniform('network shape', packUniform(shape));
    const scratch = storage('step scratch', scratchFloats);
    add('fused', 'fused step', [networkParams, lossParams, optimizerParams, trainX, trainY, rowIndices, parameters, gradient, optimizerSlots, scratch, metricsRing], [1, 1]);
  } else {
    const activations = layers.map((layer, l) => storage(l === L - 1 ? 'logits' : `activations ${l + 1}`, B * layer.fanOut));
    const deltas = layers.map((layer, l) => storage(`deltas ${l + 1}`, B * layer.fanOut));
    layers.forEach((layer, l) => {
      const params = uniform(`forward ${l}`, forwardUniform(spec, layer, l, B, l === 0));
      add(productRole('forward', layer), `forward ${l}`, [params, l === 0 ? trainX : activations[l - 1], parameters, rowIndices, activations[l]], matmulGrid(B, layer.fanOut));
    });
    add('loss', 'loss', [lossParams, activations[L - 1], trainY, rowIndices, deltas[L - 1], metricsRing], [1, 1]);
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l];
      const weightParams = uniform(
        `weight gradient ${l}`,
        packUniform([{ u32: B }, { u32: layer.fanIn }, { u32: layer.fanOut }, { u32: layer.weightOffset }, { u32: l === 0 ? 1 : 0 }, { u32: 0 }, { u32: 0 }, { u32: 0 }]),
      );
      add(productRole('weightGrad', layer), `weight gradient ${l}`, [weightParams, l === 0 ? trainX : activations[l - 1], deltas[l], rowIndices, gradient], matmulGrid(layer.fanIn + 1, layer.fanOut));
      if (l > 0) {
        const inputParams = uniform(
          `input gradient ${l}`,
          packUniform([
            { u32: B },
            { u32: layer.fanOut },
            { u32: layer.fanIn },
            { u32: layer.weightOffset },
            { u32: ACTIVATIONS[spec.hiddenActivations[l - 1]].id },
            { u32: 0 },
            { u32: 0 },
            { u32: 0 },
          ]),
        );
        add(productRole('inputGrad', layer), `input gradient ${l}`, [inputParams, deltas[l], parameters, activations[l - 1], deltas[l - 1]], matmulGrid(B, layer.fanIn));
      }
    }
    const segments = new Uint32Array(4 * L);
    layers.forEach((layer, l) => {
      segments.set([layer.weightOffset, layer.fanIn * layer.fanOut, layer.biasOffset, layer.fanOut], 4 * l);
    });
    const segmentBuffer = makeBuffer('gradient segments', segments.byteLength, STORAGE, segments);
    add('norms', 'gradient norms', [segmentBuffer, gradient, metricsRing], [2 * L, 1]);
    add('optimizer', 'optimizer', [optimizerParams, parameters, gradient, optimizerSlots], [optimizerGrid.x, optimizerGrid.y]);
  }

  const evaluationInputs = storage('evaluation inputs', evaluationRows * spec.widths[0], GPUBufferUsage.COPY_DST);
  const evaluationActivations = layers.map((layer, l) => storage(`evaluation activations ${l + 1}`, evaluationRows * layer.fanOut));
  const evaluationOutputs = storage('evaluation outputs', evaluationRows * outputsWidth, GPUBufferUsage.COPY_SRC);
  const forwardUniforms = layers.map((layer, l) => uniform(`evaluation forward ${l}`, forwardUniform(spec, layer, l, evaluationRows, false)));
  const forwardBindGroups = layers.map((layer, l) =>
    bindGroup(productRole('forward', layer), `evaluation forward ${l}`, [forwardUniforms[l], l === 0 ? evaluationInputs : evaluationActivations[l - 1], parameters, rowIndices, evaluationActivations[l]]),
  );
  const outputUniform = uniform('evaluation output', packUniform([{ u32: evaluationRows }, { u32: outputsWidth }, { u32: outputActivationId }, { u32: 0 }]));
  const outputBindGroup = bindGroup('outputActivation', 'evaluation output', [outputUniform, evaluationActivations[L - 1], evaluationOutputs]);

  return {
    allBuffers,
    stepsPerSubmission,
    stepStride,
    parameters,
    gradient,
    optimizerSlots,
    rowIndices,
    stepParams,
    stepBindGroup,
    metricsRing,
    stepDispatches,
    evaluation: {
      rows: evaluationRows,
      inputs: evaluationInputs,
      outputs: evaluationOutputs,
      forwardUniforms,
      forwardBindGroups,
      outputUniform,
      outputBindGroup,
    },
  };
}
