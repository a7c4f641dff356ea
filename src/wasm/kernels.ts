/**
 * The WebAssembly kernels of the float32 CPU path (asm/products.ts, built by
 * scripts/build-wasm.mjs into two binaries of the same source: one over ordinary memory, one over
 * shared memory for several threads), instantiated over a memory the caller owns. No DOM and no
 * Node API here: a page fetches the binary, Node reads it from disk, and both hand in the module.
 */

/** What asm/products.ts exports; every pointer is a byte offset into the memory, every stride counts floats. */
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
