/**
 * The WebAssembly kernels of the float32 CPU path (asm/products.ts, built by
 * scripts/build-wasm.mjs into two binaries of the same source: one over ordinary memory, one over
 * shared memory for several threads), instantiated over a memory the caller owns. No DOM and no
 * Node API here: a page fetches the binary, Node reads it from disk, and both hand in the module.
 */

/** What asm/products.ts (with asm/elementwise.ts) exports; every pointer is a byte offset into the memory, every stride counts floats. */
export interface ProductExports {
  /** Columns of one packed panel of B: a thread's share of columns is best a whole number of them. */
  readonly PANEL_COLUMNS: WebAssembly.Global;
  /** Rows of the register block: a thread's share of rows is best a whole number of them. */
  readonly BLOCK_ROWS: WebAssembly.Global;
  /** Bytes of scratch one thread needs for products whose depth is at most `depth`. */
  scratchBytes(depth: number): number;
  /**
   * C[i][j] = bias[j] + Σ_k A(i, k)·B(k, j) for rowFrom ≤ i < rowTo and colFrom ≤ j < colTo, with
   * A(i, k) = a[i·aRow + k·aCol], B(k, j) = b[k·bRow + j·bCol], C row-major with `ldc` floats a row;
   * bias 0 means none.
   */
  product(
    a: number, aRow: number, aCol: number,
    b: number, bRow: number, bCol: number,
    bias: number,
    c: number, ldc: number,
    depth: number,
    rowFrom: number, rowTo: number, colFrom: number, colTo: number,
    scratch: number,
  ): void;
  /**
   * out[j] = Σ_r values[r·ldc + j] over `rows` rows for colFrom ≤ j < colTo: each sum in float64,
   * row after row, rounded to float32 once.
   */
  columnSums(values: number, rows: number, ldc: number, colFrom: number, colTo: number, out: number): void;
  /** Σ x² of `count` floats from `values`, in float64. */
  sumOfSquares(values: number, count: number): number;
  /** First byte past the module's own static data. */
  heapBase(): number;
  /** The codes `activate` and `derive` take for sigmoid and tanh. */
  readonly ACTIVATION_SIGMOID: WebAssembly.Global;
  readonly ACTIVATION_TANH: WebAssembly.Global;
  /**
   * a[i] = f(z[i]) for rowFrom ≤ r < rowTo and colFrom ≤ j < colTo of row-major matrices of `width`
   * floats a row, in float32 (within a few units in the last place of f, not its bits).
   */
  activate(kind: number, z: number, a: number, width: number, rowFrom: number, rowTo: number, colFrom: number, colTo: number): void;
  /** delta[i] ← delta[i]·f′(a[i]) over such a block: the bits of the activation table's derivative. */
  derive(kind: number, a: number, delta: number, width: number, rowFrom: number, rowTo: number, colFrom: number, colTo: number): void;
  /** The sgd update of `count` parameters from p: the bits of the optimizer table's rule. */
  sgdUpdate(p: number, g: number, count: number, learningRate: number): void;
  /** The momentum update of `count` parameters from p, velocity from `velocity`: the table rule's bits. */
  momentumUpdate(p: number, g: number, velocity: number, count: number, learningRate: number, momentum: number): void;
  /** The adam update of `count` parameters from p, moments from m and v: the table rule's bits. */
  adamUpdate(p: number, g: number, m: number, v: number, count: number, stepSize: number, beta1: number, beta2: number, epsilon: number): void;
}

/** The kernels over one memory. */
export interface WasmKernels {
  /** The module's exports. */
  readonly exports: ProductExports;
  /** The memory they compute in, shared between threads when `memory.buffer` is a SharedArrayBuffer. */
  readonly memory: WebAssembly.Memory;
}

/** Which binary a memory needs: the one over shared memory for several threads, else the plain one. */
export type KernelBinary = 'single-thread' | 'shared-memory';

/** Instantiates `module` (built for `memory`'s kind: shared or not) over `memory`. */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WasmKernels> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return { exports: instance.exports as unknown as ProductExports, memory };
}
