/**
 * A trainer's buffers (WasmMemoryLayout) as Float32Array views, and the element-wise parts of a
 * step done on them: each hidden activation forward, each activation's derivative in the backward
 * pass, and the optimizer's update. Every one works on any block of rows and columns (or range of
 * parameters), so it is split between threads with the product whose result it reads: the
 * trainer's own thread and each helper build these views over the one shared memory.
 *
 * What they compute comes from the tables of src/model. The entries that cost most in TypeScript
 * have a kernel in the module (asm/elementwise.ts): sigmoid and tanh (forward and derivative) and
 * every optimizer of the table. The derivatives' and the updates' kernels give the table rules'
 * bits; the forward ones are float32 within a few units in the last place. Any other entry, and a
 * new one, runs its table function here.
 */
import { ACTIVATIONS, type HiddenActivation } from '../model/activations';
import { parameterLayout } from '../model/layout';
import { OPTIMIZERS, type OptimizerKind } from '../model/optimizers';
import type { NetworkSpec, OptimizerSpec } from '../model/spec';
import type { WasmMemoryLayout } from './memory-layout';
import type { WasmKernels } from './kernels';
import type { ProductPart } from './products';

export class TrainerViews {
  /** Flat parameters. */
  readonly parameters: Float32Array;
  /** ∂L/∂θ of the last step, in the same layout. */
  readonly gradient: Float32Array;
  /** The optimizer's state vectors. */
  readonly slots: Float32Array[];
  /** A_0 … A_L, [rows, n_l] each. */
  readonly activations: Float32Array[];
  /** Z of each weight layer, [rows, n_(l+1)]. */
  readonly preActivations: Float32Array[];
  /** ∂L/∂Z of each weight layer, [batch, n_(l+1)]. */
  readonly deltas: Float32Array[];
  /** The batch's targets, [batch, K]. */
  readonly targets: Float32Array;
  /** Where each weight layer's biases start in the flat layout. */
  private readonly biasOffsets: number[];
  /** The module's code for each weight layer's hidden activation, or null where it has no kernel. */
  private readonly activationKernels: (number | null)[];

  constructor(
    /** The network: its hidden activations and optimizer decide what the element-wise work computes. */
    private readonly spec: NetworkSpec,
    layout: WasmMemoryLayout,
    /** The kernels over the memory the views look at. */
    private readonly kernels: WasmKernels,
  ) {
    const { widths, batchSize } = spec;
    const buffer = kernels.memory.buffer;
    this.activationKernels = spec.hiddenActivations.map((name) => activationKernel(kernels, name));
    const { layers, totalParameters: count } = parameterLayout(widths);
    this.biasOffsets = layers.map((layer) => layer.biasOffset);
    const view = (offset: number, length: number) => new Float32Array(buffer, offset, length);
    this.parameters = view(layout.parameters, count);
    this.gradient = view(layout.gradient, count);
    this.slots = layout.slots.map((offset) => view(offset, count));
    this.activations = layout.activations.map((offset, l) => view(offset, layout.rows * widths[l]));
    this.preActivations = layout.preActivations.map((offset, l) => view(offset, layout.rows * widths[l + 1]));
    this.deltas = layout.deltas.map((offset, l) => view(offset, batchSize * widths[l + 1]));
    this.targets = view(layout.targets, batchSize * widths[widths.length - 1]);
  }

  /** A_(l+1) = f(Z_l) on a block of rows and columns, f the hidden activation of weight layer l (not the output layer). */
  activate(layer: number, block: ProductPart): void {
    const z = this.preActivations[layer];
    const a = this.activations[layer + 1];
    const width = this.spec.widths[layer + 1];
    const kernel = this.activationKernels[layer];
    if (kernel !== null) {
      this.kernels.exports.activate(kernel, z.byteOffset, a.byteOffset, width, block.rowFrom, block.rowTo, block.colFrom, block.colTo);
      return;
    }
    const f = ACTIVATIONS[this.spec.hiddenActivations[layer]].forward;
    for (let r = block.rowFrom; r < block.rowTo; r++) {
      for (let i = r * width + block.colFrom, end = r * width + block.colTo; i < end; i++) a[i] = f(z[i]);
    }
  }

  /**
   * dZ_(l−1) ← dZ_(l−1) ⊙ f′(Z_(l−1), A_l) on a block of rows and columns, once dZ_(l−1) holds
   * dZ_l·W_lᵀ there: layer l's input A_l is the output of hidden layer l − 1.
   */
  derive(layer: number, block: ProductPart): void {
    const z = this.preActivations[layer - 1];
    const a = this.activations[layer];
    const delta = this.deltas[layer - 1];
    const width = this.spec.widths[layer];
    const kernel = this.activationKernels[layer - 1];
    if (kernel !== null) {
      this.kernels.exports.derive(kernel, a.byteOffset, delta.byteOffset, width, block.rowFrom, block.rowTo, block.colFrom, block.colTo);
      return;
    }
    const derivative = ACTIVATIONS[this.spec.hiddenActivations[layer - 1]].derivative;
    for (let r = block.rowFrom; r < block.rowTo; r++) {
      for (let i = r * width + block.colFrom, end = r * width + block.colTo; i < end; i++) delta[i] *= derivative(z[i], a[i]);
    }
  }

  /**
   * db_l = Σ_rows dZ_l for columns block.colFrom … block.colTo − 1 of weight layer l, into the
   * gradient: each sum in float64 over the whole batch, row after row (the kernel's columnSums).
   */
  sumBiasGradient(layer: number, block: ProductPart): void {
    const width = this.spec.widths[layer + 1];
    const bias = this.gradient.byteOffset + 4 * this.biasOffsets[layer];
    this.kernels.exports.columnSums(this.deltas[layer].byteOffset, this.spec.batchSize, width, block.colFrom, block.colTo, bias);
  }

  /**
   * The optimizer's update of parameters from … to − 1, with the step size of this update. Every
   * rule of the table updates each parameter from its own gradient and slots alone, so any split
   * of the range gives the update of the whole.
   */
  update(from: number, to: number, stepSize: number): void {
    const { optimizer } = this.spec;
    const kernel = UPDATE_KERNELS[optimizer.kind];
    if (kernel) {
      kernel(this.kernels, optimizer, (values) => values.byteOffset + 4 * from, to - from, this.parameters, this.gradient, this.slots, stepSize);
      return;
    }
    OPTIMIZERS[optimizer.kind].update(
      optimizer,
      this.parameters.subarray(from, to),
      this.gradient.subarray(from, to),
      this.slots.map((slot) => slot.subarray(from, to)),
      stepSize,
    );
  }
}

/**
 * An optimizer's update kernel over `count` parameters: `at` gives the byte offset of the first
 * one in each buffer (parameters, gradient, slots), `stepSize` is this update's.
 */
type UpdateKernel = (
  kernels: WasmKernels,
  values: OptimizerSpec,
  at: (values: Float32Array) => number,
  count: number,
  parameters: Float32Array,
  gradient: Float32Array,
  slots: readonly Float32Array[],
  stepSize: number,
) => void;

/** The optimizers of the table with a kernel in the module, each called with the same arguments as its rule. */
const UPDATE_KERNELS: Partial<Record<OptimizerKind, UpdateKernel>> = {
  sgd: (kernels, values, at, count, p, g) => kernels.exports.sgdUpdate(at(p), at(g), count, values.learningRate),
  momentum: (kernels, values, at, count, p, g, [velocity]) => kernels.exports.momentumUpdate(at(p), at(g), at(velocity), count, values.learningRate, values.momentum),
  adam: (kernels, values, at, count, p, g, [m, v], stepSize) =>
    kernels.exports.adamUpdate(at(p), at(g), at(m), at(v), count, stepSize, values.beta1, values.beta2, values.epsilon),
};

/** The module's code for a hidden activation with a kernel (asm/elementwise.ts), else null. */
function activationKernel(kernels: WasmKernels, name: HiddenActivation): number | null {
  if (name === 'sigmoid') return kernels.exports.ACTIVATION_SIGMOID.value as number;
  if (name === 'tanh') return kernels.exports.ACTIVATION_TANH.value as number;
  return null;
}
