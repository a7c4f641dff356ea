/**
 * Where the float32 trainer keeps everything in its WebAssembly memory, laid out once per network:
 * the control block of the threads, each thread's scratch, the parameters, their gradient and the
 * optimizer slots in the flat layout (src/model/layout.ts), and per weight layer its input, its
 * pre-activation Z and its delta ∂L/∂Z, for up to `rows` rows at a time.
 */
import { parameterLayout } from '../model/layout';
import { OPTIMIZERS } from '../model/optimizers';
import type { NetworkSpec } from '../model/spec';
import { controlBytes } from './threads';

/**
 * The most memory one float32 trainer may use. Pointers are passed to the kernels as 32-bit
 * integers, so 2 GiB keeps every offset positive; a browser tab would rarely get more anyway.
 */
export const WASM_MEMORY_LIMIT_BYTES = 2 * 1024 ** 3;

/** Rows evaluated per forward pass at least, when the batch is smaller: evaluation of many rows then needs fewer passes. */
const EVALUATION_ROWS = 256;

/** Byte offsets of every buffer; each starts on a 64-byte boundary (a cache line). */
export interface WasmMemoryLayout {
  /** The control block of the threads (src/wasm/threads.ts). */
  control: number;
  /** Each thread's scratch for the product kernel, the trainer's own first. */
  scratch: number[];
  /** The flat parameters. */
  parameters: number;
  /** ∂L/∂θ of the last step, in the same layout. */
  gradient: number;
  /** The optimizer's state vectors, each in the same layout. */
  slots: number[];
  /** A_0 … A_L: the input of each weight layer, then the network's outputs; [rows, n_l] each. */
  activations: number[];
  /** Z of each weight layer, [rows, n_(l+1)]. */
  preActivations: number[];
  /** ∂L/∂Z of each weight layer, [batch, n_(l+1)]. */
  deltas: number[];
  /** The targets of the batch, [batch, K]. */
  targets: number;
  /** Rows each activation and pre-activation buffer holds: the batch, or EVALUATION_ROWS if more. */
  rows: number;
  /** Bytes from 0 to the end of the last buffer. */
  bytes: number;
}

/**
 * Lays out the memory of a trainer of `spec` on `threads` threads, from `base` (the first byte the
 * kernel module leaves free); `scratchBytes(depth)` is what the kernel needs per thread.
 */
export function wasmMemoryLayout(spec: NetworkSpec, threads: number, base: number, scratchBytes: (depth: number) => number): WasmMemoryLayout {
  let end = base;
  const take = (bytes: number): number => {
    const at = Math.ceil(end / 64) * 64;
    end = at + bytes;
    return at;
  };
  const floats = (count: number): number => take(4 * count);
  const { widths, batchSize } = spec;
  const rows = Math.max(batchSize, EVALUATION_ROWS);
  // A product's depth is a layer's fan-in (forward), its fan-out (input gradient) or the batch (weight gradient).
  const depth = Math.max(batchSize, ...widths);
  const parameters = parameterLayout(widths).totalParameters;
  const control = take(controlBytes(threads - 1));
  const scratch = Array.from({ length: threads }, () => take(scratchBytes(depth)));
  return {
    control,
    scratch,
    parameters: floats(parameters),
    gradient: floats(parameters),
    slots: Array.from({ length: OPTIMIZERS[spec.optimizer.kind].slots }, () => floats(parameters)),
    activations: widths.map((width) => floats(rows * width)),
    preActivations: widths.slice(1).map((width) => floats(rows * width)),
    deltas: widths.slice(1).map((width) => floats(batchSize * width)),
    targets: floats(batchSize * widths[widths.length - 1]),
    rows,
    bytes: end,
  };
}
