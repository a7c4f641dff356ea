/**
 * Everything a GPU trainer allocates and dispatches, as plain data computed before anything is
 * made: each buffer once (its name for messages and labels, size, usage and initial contents) and
 * each dispatch of a step and of evaluation as a kernel with its buffers given by binding name.
 * The capacity check reads the buffers from here, the trainer allocates exactly these, and every
 * dispatch is checked against its kernel's declared bindings here, so the three cannot disagree.
 *
 * chooseStepPlan lays a step out in one of two ways. Layered: 3L + 2 dispatches for L weight layers:
 * L forward products (the first gathers its rows through the batch's indices), the loss kernel,
 * L weight-and-bias gradient products, L − 1 input-gradient products with the activation
 * derivative fused, one norms kernel and one optimizer dispatch over all parameters. Fused (small
 * networks): the same work in one dispatch of one workgroup.
 */
import { ACTIVATIONS, OUTPUTS } from '../model/activations';
import { parameterLayout, type LayerLayout } from '../model/layout';
import { OPTIMIZERS } from '../model/optimizers';
import type { NetworkSpec } from '../model/spec';
import {
  OPTIMIZER_WORKGROUP_SIZE,
  OUTPUT_ACTIVATION_KERNEL,
  ceilDiv,
  elementGrid,
  fusedStepKernel,
  gradNormsKernel,
  lossKernel,
  matmulGrid,
  matmulKernels,
  optimizerKernel,
  type Kernel,
  type MatmulVariant,
} from './kernels';
import { metricsStride } from './metrics-layout';
import { productShapes, variantFor, type ProductName, type ProductShape, type StepPlan } from './step-plan';
import { FORWARD_PARAMS, INPUT_GRAD_PARAMS, LOSS_PARAMS, NETWORK_SHAPE, OPTIMIZER_PARAMS, OUTPUT_PARAMS, STEP_PARAMS, WEIGHT_GRAD_PARAMS } from './uniforms';
import { packStruct, type FieldValue, type WgslStruct } from './wgsl-struct';

const FLOAT_BYTES = 4;

/** One buffer a trainer allocates. */
export interface BufferPlan {
  /** What it holds with its shape, e.g. "activations of layer 2 [64 × 8]": the GPU label and the name in capacity errors. */
  readonly name: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** 'storage' buffers count against the binding limits; 'uniform' buffers are small structs. */
  readonly kind: 'storage' | 'uniform';
  /** Written by the queue after creation (COPY_DST) and/or read back (COPY_SRC). */
  readonly copy: { readonly dst: boolean; readonly src: boolean };
  /** Initial contents, made only when the buffer is (never by the capacity check). */
  readonly contents?: () => ArrayBufferView | ArrayBuffer;
}

/** One dispatch: a kernel, its group-0 buffers by binding name, and its grid. */
export interface DispatchPlan {
  /** What it does, e.g. "forward 1": the bind group's label. */
  readonly label: string;
  /** The kernel it runs. */
  readonly kernel: Kernel;
  /** A buffer for every binding the kernel declares, by name. */
  readonly buffers: Readonly<Record<string, BufferPlan>>;
  /** Workgroups in x and y. */
  readonly grid: [number, number];
  /** For a matrix product, its variant, whose block sets the grid of another number of rows. */
  readonly variant?: MatmulVariant;
}

/** The sizes and the data a layout is computed from. */
export interface LayoutInput {
  /** The network. */
  spec: NetworkSpec;
  /** How a step is laid out and which product variant runs. */
  plan: StepPlan;
  /** Training samples uploaded once. */
  trainCount: number;
  /** Steps encoded per submission (size of the row-index buffer, the step uniforms and the metrics ring). */
  stepsPerSubmission: number;
  /** Rows evaluated per submission by `evaluate`. */
  evaluationRows: number;
  /** The device limits the layout depends on (a GPUSupportedLimits has them). */
  limits: Pick<GPUSupportedLimits, 'minUniformBufferOffsetAlignment' | 'maxComputeWorkgroupsPerDimension'>;
  /** What the data buffers start with; absent for a capacity check, which allocates nothing. */
  data?: { trainX: Float32Array; trainY: Float32Array; initialParameters: Float64Array };
}

/** The buffers the trainer itself writes, reads or binds outside the step's dispatches. */
export interface TrainerBuffers {
  parameters: BufferPlan;
  gradient: BufferPlan;
  optimizerSlots: BufferPlan;
  rowIndices: BufferPlan;
  stepParams: BufferPlan;
  metricsRing: BufferPlan;
  evaluationInputs: BufferPlan;
  evaluationOutputs: BufferPlan;
  /** One ForwardParams per layer, rewritten with the rows of each evaluated chunk. */
  evaluationForwardParams: BufferPlan[];
  /** OutputParams of evaluation, rewritten likewise. */
  evaluationOutputParams: BufferPlan;
}

/** A trainer's whole layout. */
export interface TrainerLayout {
  /** Bytes between two steps' StepParams (the device's uniform offset alignment at least). */
  stepStride: number;
  /** The buffers the trainer addresses by role. */
  buffers: TrainerBuffers;
  /** One step's dispatches, in order. */
  step: DispatchPlan[];
  /** Evaluation: the forward product of each layer, then the output activation (grids for a full chunk of rows). */
  evaluation: DispatchPlan[];
  /** Every buffer, each once, largest concerns first. */
  allBuffers: BufferPlan[];
}

/** The ForwardParams of weight layer `l` over `rows` rows; the last layer writes logits (its activation is applied by the loss or output kernel). */
export function forwardParams(spec: NetworkSpec, layer: LayerLayout, l: number, rows: number, gatherRows: boolean): Record<string, FieldValue> {
  const last = l === spec.widths.length - 2;
  return {
    rows,
    cols: layer.fanOut,
    inner: layer.fanIn,
    weightOffset: layer.weightOffset,
    biasOffset: layer.biasOffset,
    activation: last ? ACTIVATIONS.linear.id : ACTIVATIONS[spec.hiddenActivations[l]].id,
    gatherRows: gatherRows ? 1 : 0,
  };
}

/** The OutputParams of `rows` evaluated rows. */
export function outputParams(spec: NetworkSpec, rows: number): Record<string, FieldValue> {
  return { rows, outputs: spec.widths[spec.widths.length - 1], outputActivation: OUTPUTS[spec.outputActivation].id };
}

/** Workgroups of the output activation over `rows` evaluated rows (one invocation per row). */
export function outputActivationGrid(rows: number): [number, number] {
  return [ceilDiv(rows, OUTPUT_ACTIVATION_KERNEL.constants.WORKGROUP_SIZE), 1];
}

/** The kernel and the variant that run `product` of weight layer `l` under `plan`. */
function productKernel(plan: StepPlan, shapes: readonly ProductShape[], product: ProductName, l: number): { kernel: Kernel; variant: MatmulVariant } {
  const shape = shapes.find((candidate) => candidate.product === product && candidate.layer === l);
  if (!shape) throw new Error(`a layered step has no ${product} product in weight layer ${l + 1}`);
  const variant = variantFor(plan, shape);
  const kernel = matmulKernels(variant, shape.alignment)[product];
  return { kernel: { ...kernel, constants: { ...kernel.constants, ...plan.productConstants } }, variant };
}

/** Checks that `buffers` gives exactly the bindings `kernel` declares; throws naming the difference. */
function dispatch(label: string, kernel: Kernel, buffers: Record<string, BufferPlan>, grid: [number, number], variant?: MatmulVariant): DispatchPlan {
  const declared = kernel.bindings.map((binding) => binding.name);
  const given = Object.keys(buffers);
  if (declared.length !== given.length || declared.some((name) => !given.includes(name))) {
    throw new Error(`${label}: ${kernel.name} binds ${declared.join(', ')} but was given ${given.join(', ')}`);
  }
  return { label, kernel, buffers, grid, variant };
}

/** The layout of a trainer for `input`: pure arithmetic, no device. */
export function layoutTrainer(input: LayoutInput): TrainerLayout {
  const { spec, plan, trainCount, stepsPerSubmission, evaluationRows, limits, data } = input;
  const { widths, batchSize: B } = spec;
  const layout = parameterLayout(widths);
  const layers = layout.layers;
  const L = layers.length;
  const P = layout.totalParameters;
  const inputWidth = widths[0];
  const outputWidth = widths[L];
  const shapes = productShapes(widths, B);
  const all: BufferPlan[] = [];
  const storage = (name: string, floats: number, copy: { dst?: boolean; src?: boolean } = {}, contents?: () => ArrayBufferView): BufferPlan => {
    const buffer: BufferPlan = { name, bytes: floats * FLOAT_BYTES, kind: 'storage', copy: { dst: copy.dst ?? false, src: copy.src ?? false }, contents };
    all.push(buffer);
    return buffer;
  };
  const uniform = (name: string, struct: WgslStruct, values: Record<string, FieldValue>, writable = false): BufferPlan => {
    const buffer: BufferPlan = { name: `${name} (${struct.name})`, bytes: struct.size, kind: 'uniform', copy: { dst: writable, src: false }, contents: () => packStruct(struct, values) };
    all.push(buffer);
    return buffer;
  };

  const trainX = storage(`training inputs [${trainCount} × ${inputWidth}]`, trainCount * inputWidth, {}, data && (() => data.trainX.subarray(0, trainCount * inputWidth)));
  const trainY = storage(`training targets [${trainCount} × ${outputWidth}]`, trainCount * outputWidth, {}, data && (() => data.trainY.subarray(0, trainCount * outputWidth)));
  const parameters = storage(`parameters [${P}]`, P, { dst: true, src: true }, data && (() => Float32Array.from(data.initialParameters)));
  const gradient = storage(`gradient [${P}]`, P, { src: true });
  const slots = OPTIMIZERS[spec.optimizer.kind].slots;
  const optimizerSlots = storage(`optimizer state [${slots} × ${P}]`, slots * P, { dst: true, src: true });
  const rowIndices = storage(`row indices [${stepsPerSubmission} steps × ${B}]`, stepsPerSubmission * B, { dst: true });
  const metricsRing = storage(`metrics ring [${stepsPerSubmission} steps]`, stepsPerSubmission * metricsStride(L), { src: true });
  const stepStride = Math.max(limits.minUniformBufferOffsetAlignment, STEP_PARAMS.size);
  const stepParams: BufferPlan = { name: `step params [${stepsPerSubmission} steps]`, bytes: stepsPerSubmission * stepStride, kind: 'uniform', copy: { dst: true, src: false } };
  all.push(stepParams);

  const lossShape = uniform('loss', LOSS_PARAMS, { batch: B, outputs: outputWidth, outputActivation: OUTPUTS[spec.outputActivation].id });
  const optimizerGrid = elementGrid(P, OPTIMIZER_WORKGROUP_SIZE, limits.maxComputeWorkgroupsPerDimension);
  const optimizer = uniform('optimizer', OPTIMIZER_PARAMS, {
    count: P,
    rowPitch: optimizerGrid.rowPitch,
    // Every uniform some optimizer reads; the others' are zero.
    ...Object.fromEntries(Object.keys(OPTIMIZER_PARAMS.fields).filter((field) => field !== 'count' && field !== 'rowPitch').map((field) => [field, 0])),
    ...OPTIMIZERS[spec.optimizer.kind].uniforms(spec.optimizer),
  });

  const step: DispatchPlan[] = [];
  if (plan.kernel === 'fused') {
    // Scratch holds the gathered batch [B, n_0], then per layer the activations (logits for the
    // last) and the deltas, each [B, n_l]; a layer's input is the previous layer's activations.
    let scratchFloats = B * inputWidth;
    let inputOffset = 0;
    const shapes = layers.map((layer, l) => {
      const activationOffset = scratchFloats;
      const deltaOffset = scratchFloats + B * layer.fanOut;
      scratchFloats += 2 * B * layer.fanOut;
      const shape = {
        fanIn: layer.fanIn,
        fanOut: layer.fanOut,
        weightOffset: layer.weightOffset,
        biasOffset: layer.biasOffset,
        activation: l === L - 1 ? ACTIVATIONS.linear.id : ACTIVATIONS[spec.hiddenActivations[l]].id,
        activationOffset,
        deltaOffset,
        inputOffset,
      };
      inputOffset = activationOffset;
      return shape;
    });
    const network = uniform('network shape', NETWORK_SHAPE, { layerCount: L, batch: B, layers: shapes });
    const scratch = storage(`step scratch [${scratchFloats}]`, scratchFloats);
    step.push(
      dispatch('fused step', fusedStepKernel(plan.reductionWorkgroupSize, spec.optimizer.kind), {
        network,
        lossShape,
        optimizer,
        inputs: trainX,
        targets: trainY,
        rowIndex: rowIndices,
        parameters,
        gradient,
        slots: optimizerSlots,
        scratch,
        metrics: metricsRing,
      }, [1, 1]),
    );
  } else {
    const activations = layers.map((layer, l) => storage(`${l === L - 1 ? 'logits' : 'activations'} of layer ${l + 1} [${B} × ${layer.fanOut}]`, B * layer.fanOut));
    const deltas = layers.map((layer, l) => storage(`deltas of layer ${l + 1} [${B} × ${layer.fanOut}]`, B * layer.fanOut));
    layers.forEach((layer, l) => {
      const params = uniform(`forward ${l + 1}`, FORWARD_PARAMS, forwardParams(spec, layer, l, B, l === 0));
      const { kernel, variant } = productKernel(plan, shapes, 'forward', l);
      step.push(
        dispatch(`forward ${l + 1}`, kernel, { params, input: l === 0 ? trainX : activations[l - 1], parameters, rowIndex: rowIndices, output: activations[l] }, matmulGrid(B, layer.fanOut, variant)),
      );
    });
    step.push(
      dispatch('loss', lossKernel(plan.reductionWorkgroupSize), { lossShape, logits: activations[L - 1], targets: trainY, rowIndex: rowIndices, outputDelta: deltas[L - 1], metrics: metricsRing }, [1, 1]),
    );
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l];
      const weightGrad = productKernel(plan, shapes, 'weightGrad', l);
      const weightParams = uniform(`weight gradient ${l + 1}`, WEIGHT_GRAD_PARAMS, {
        batch: B,
        inner: layer.fanIn,
        cols: layer.fanOut,
        weightOffset: layer.weightOffset,
        gatherRows: l === 0 ? 1 : 0,
      });
      step.push(
        dispatch(`weight gradient ${l + 1}`, weightGrad.kernel, { params: weightParams, input: l === 0 ? trainX : activations[l - 1], delta: deltas[l], rowIndex: rowIndices, gradient }, matmulGrid(layer.fanIn + 1, layer.fanOut, weightGrad.variant)),
      );
      if (l === 0) continue;
      const inputGrad = productKernel(plan, shapes, 'inputGrad', l);
      const inputParams = uniform(`input gradient ${l + 1}`, INPUT_GRAD_PARAMS, {
        rows: B,
        cols: layer.fanOut,
        inner: layer.fanIn,
        weightOffset: layer.weightOffset,
        activation: ACTIVATIONS[spec.hiddenActivations[l - 1]].id,
      });
      step.push(
        dispatch(`input gradient ${l + 1}`, inputGrad.kernel, { params: inputParams, delta: deltas[l], parameters, previousActivation: activations[l - 1], previousDelta: deltas[l - 1] }, matmulGrid(B, layer.fanIn, inputGrad.variant)),
      );
    }
    // Segment 2l is ∂L/∂W_l, 2l + 1 is ∂L/∂b_l: (offset, length) pairs of u32 (grad_norms.wgsl).
    const segments = new Uint32Array(4 * L);
    layers.forEach((layer, l) => segments.set([layer.weightOffset, layer.fanIn * layer.fanOut, layer.biasOffset, layer.fanOut], 4 * l));
    const segmentBuffer = storage(`gradient segments [${2 * L}]`, segments.length, {}, () => segments);
    step.push(dispatch('gradient norms', gradNormsKernel(plan.reductionWorkgroupSize), { segments: segmentBuffer, gradient, metrics: metricsRing }, [2 * L, 1]));
    step.push(dispatch('optimizer', optimizerKernel(spec.optimizer.kind), { optimizer, parameters, gradient, slots: optimizerSlots }, [optimizerGrid.x, optimizerGrid.y]));
  }

  const evaluationInputs = storage(`evaluation inputs [${evaluationRows} × ${inputWidth}]`, evaluationRows * inputWidth, { dst: true });
  const evaluationActivations = layers.map((layer, l) => storage(`evaluation activations of layer ${l + 1} [${evaluationRows} × ${layer.fanOut}]`, evaluationRows * layer.fanOut));
  const evaluationOutputs = storage(`evaluation outputs [${evaluationRows} × ${outputWidth}]`, evaluationRows * outputWidth, { src: true });
  const evaluationForwardParams = layers.map((layer, l) => uniform(`evaluation forward ${l + 1}`, FORWARD_PARAMS, forwardParams(spec, layer, l, evaluationRows, false), true));
  const evaluationOutputParams = uniform('evaluation output', OUTPUT_PARAMS, outputParams(spec, evaluationRows), true);
  // Evaluation runs each layer's forward product in the variant of the training step's.
  const evaluation = layers.map((layer, l) => {
    const { kernel, variant } = productKernel(plan, shapes, 'forward', l);
    return dispatch(`evaluation forward ${l + 1}`, kernel, {
      params: evaluationForwardParams[l],
      input: l === 0 ? evaluationInputs : evaluationActivations[l - 1],
      parameters,
      rowIndex: rowIndices,
      output: evaluationActivations[l],
    }, matmulGrid(evaluationRows, layer.fanOut, variant), variant);
  });
  evaluation.push(
    dispatch('evaluation output', OUTPUT_ACTIVATION_KERNEL, { params: evaluationOutputParams, logits: evaluationActivations[L - 1], outputs: evaluationOutputs }, outputActivationGrid(evaluationRows)),
  );

  return {
    stepStride,
    buffers: { parameters, gradient, optimizerSlots, rowIndices, stepParams, metricsRing, evaluationInputs, evaluationOutputs, evaluationForwardParams, evaluationOutputParams },
    step,
    evaluation,
    allBuffers: all,
  };
}
