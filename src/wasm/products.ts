/**
 * The products of a training step as calls of the one product kernel (asm/products.ts), and how a
 * call is split between threads. Splitting never changes a result: each element of C is computed
 * by one thread in the kernel's fixed order, so any split gives the same bits as one call.
 */
import type { WasmKernels } from './kernels';

/** One product C = A·B (+ bias) over whole matrices: pointers are byte offsets, strides count floats. */
export interface ProductCall {
  /** A(i, k) is the float at a + 4·(i·aRow + k·aCol). */
  a: number;
  /** Floats from A(i, k) to A(i + 1, k). */
  aRow: number;
  /** Floats from A(i, k) to A(i, k + 1). */
  aCol: number;
  /** B(k, j) is the float at b + 4·(k·bRow + j·bCol). */
  b: number;
  /** Floats from B(k, j) to B(k + 1, j). */
  bRow: number;
  /** Floats from B(k, j) to B(k, j + 1). */
  bCol: number;
  /** bias[j] added to every row of C, or 0 for none. */
  bias: number;
  /** C, row-major. */
  c: number;
  /** Floats per row of C. */
  ldc: number;
  /** The summed dimension k. */
  depth: number;
  /** Rows of C. */
  rows: number;
  /** Columns of C. */
  columns: number;
}

/** The rows and columns of C one thread computes. */
export interface ProductPart {
  /** First row. */
  rowFrom: number;
  /** One past the last row. */
  rowTo: number;
  /** First column. */
  colFrom: number;
  /** One past the last column. */
  colTo: number;
}

/**
 * Multiply-adds below which a product runs on one thread: waking the others and waiting for them
 * costs tens of microseconds, about what a product of this size takes alone.
 */
export const MIN_PARALLEL_MULTIPLY_ADDS = 1 << 19;

/** Splits parts of a product are made of: columns in whole panels, rows in whole register blocks. */
export interface ProductGrain {
  /** Columns of one packed panel. */
  columns: number;
  /** Rows of one register block. */
  rows: number;
}

/** The kernel's grain, as the module exports it. */
export function productGrain(kernels: WasmKernels): ProductGrain {
  return { columns: kernels.exports.PANEL_COLUMNS.value as number, rows: kernels.exports.BLOCK_ROWS.value as number };
}

/** `units` split into `parts` runs as even as whole units allow, as [from, to) in units. */
function evenRuns(units: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, p) => [Math.floor((p * units) / parts), Math.floor(((p + 1) * units) / parts)]);
}

/**
 * How `threads` threads share a product: by columns, in whole panels, when there are at least four
 * panels a thread (each thread then packs only its own columns of B); else by rows, in whole
 * register blocks; one part when the product is too small to gain from threads. Parts never overlap
 * and together cover C.
 */
export function splitProduct(call: ProductCall, threads: number, grain: ProductGrain): ProductPart[] {
  const whole: ProductPart = { rowFrom: 0, rowTo: call.rows, colFrom: 0, colTo: call.columns };
  if (threads <= 1 || call.rows * call.columns * call.depth < MIN_PARALLEL_MULTIPLY_ADDS) return [whole];
  const panels = Math.ceil(call.columns / grain.columns);
  const rowBlocks = Math.ceil(call.rows / grain.rows);
  if (panels >= 4 * threads || panels > rowBlocks) {
    return evenRuns(panels, Math.min(threads, panels)).map(([from, to]) => ({
      rowFrom: 0,
      rowTo: call.rows,
      colFrom: from * grain.columns,
      colTo: Math.min(call.columns, to * grain.columns),
    }));
  }
  return evenRuns(rowBlocks, Math.min(threads, rowBlocks)).map(([from, to]) => ({
    rowFrom: from * grain.rows,
    rowTo: Math.min(call.rows, to * grain.rows),
    colFrom: 0,
    colTo: call.columns,
  }));
}

/** Runs one part of `call` with the kernel, in `scratch`. */
export function runProductPart(kernels: WasmKernels, call: ProductCall, part: ProductPart, scratch: number): void {
  kernels.exports.product(
    call.a, call.aRow, call.aCol,
    call.b, call.bRow, call.bCol,
    call.bias,
    call.c, call.ldc,
    call.depth,
    part.rowFrom, part.rowTo, part.colFrom, part.colTo,
    scratch,
  );
}
