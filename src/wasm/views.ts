/**
 * A trainer's buffers (WasmMemoryLayout) as Float32Array views, and the element-wise parts of a
 * step done on them: each hidden activation forward, each activation's derivative in the backward
 * pass, and the optimizer's update. Every one comes from the tables of src/model and works on any
 * block of rows and columns (or range of parameters), so it is split between threads with the
 * product whose result it reads: the trainer's own thread and each helper build these views over
 * the one shared memory.
 */
import { ACTIVATIONS } from '../model/activations';
import { parameterLayout } from '../model/layout';
import { OPTIMIZERS } from '../model/optimizers';
import type { NetworkSpec } from '../model/spec';
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

  constructor(
    /** The network: its hidden activations and optimizer decide what the element-wise work computes. */
    private readonly spec: NetworkSpec,
    layout: WasmMemoryLayout,
    buffer: ArrayBufferLike,
  ) {
    const { widths, batchSize } = spec;
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
    const f = ACTIVATIONS[this.spec.hiddenActivations[layer]].forward;
    const z = this.preActivations[layer];
    const a = this.activations[layer + 1];
    const width = this.spec.widths[layer + 1];
    for (let r = block.rowFrom; r < block.rowTo; r++) {
      for (let i = r * width + block.colFrom, end = r * width + block.colTo; i < end; i++) a[i] = f(z[i]);
    }
  }

  /**
   * dZ_(l−1) ← dZ_(l−1) ⊙ f′(Z_(l−1), A_l) on a block of rows and columns, once dZ_(l−1) holds
   * dZ_l·W_lᵀ there: layer l's input A_l is the output of hidden layer l − 1.
   */
  derive(layer: number, block: ProductPart): void {
    const derivative = ACTIVATIONS[this.spec.hiddenActivations[layer - 1]].derivative;
    const z = this.preActivations[layer - 1];
    const a = this.activations[layer];
    const delta = this.deltas[layer - 1];
    const width = this.spec.widths[layer];
    for (let r = block.rowFrom; r < block.rowTo; r++) {
      for (let i = r * width + block.colFrom, end = r * width + block.colTo; i < end; i++) delta[i] *= derivative(z[i], a[i]);
    }
  }

  /**
   * db_l = Σ_rows dZ_l for columns block.colFrom … block.colTo − 1 of weight layer l, into the
   * gradient: each sum in float64 over the whole batch, row after row (the kernel's columnSums).
   */
  sumBiasGradient(layer: number, block: ProductPart, kernels: WasmKernels): void {
    const width = this.spec.widths[layer + 1];
    const bias = this.gradient.byteOffset + 4 * this.biasOffsets[layer];
    kernels.exports.columnSums(this.deltas[layer].byteOffset, this.spec.batchSize, width, block.colFrom, block.colTo, bias);
  }

  /**
   * The optimizer's update of parameters from … to − 1, with the step size of this update. Every
   * rule of the table updates each parameter from its own gradient and slots alone, so any split
   * of the range gives the update of the whole.
   */
  update(from: number, to: number, stepSize: number): void {
    const { optimizer } = this.spec;
    OPTIMIZERS[optimizer.kind].update(
      optimizer,
      this.parameters.subarray(from, to),
      this.gradient.subarray(from, to),
      this.slots.map((slot) => slot.subarray(from, to)),
      stepSize,
    );
  }
}
