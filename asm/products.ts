// The matrix products of the float32 CPU trainer (src/wasm), in AssemblyScript compiled to
// WebAssembly with 128-bit SIMD by scripts/build-wasm.mjs; the module also exports the element-wise
// kernels of asm/elementwise.ts. Everything else the trainer computes (the output layer, the
// losses, the metrics, any activation or optimizer without a kernel) is TypeScript over the same memory.
//
// One kernel serves the three products of a training step, because each operand is read through
// a row stride and a column stride (in elements): A(i, k) = a[i·aRow + k·aCol] and
// B(k, j) = b[k·bRow + j·bCol]. So A·W (forward), Aᵀ·dZ (weight gradient) and dZ·Wᵀ (input
// gradient) are all C = A·B, and nothing is transposed in memory.
//
// Blocking: B is copied, a block of PANELS_PER_BLOCK panels at a time, into the caller's scratch
// as panels of PANEL_COLUMNS columns by the whole depth, contiguous and zero-padded past the last
// column, so the inner loop reads it with two vector loads per k whatever B's strides. The
// BLOCK_ROWS rows of A that a register block uses are copied too, as depth groups of BLOCK_ROWS
// floats: read in place, a transposed A would put every k of the block in a new cache line at
// the same 4 KiB-aliased set, and run at a quarter of the speed. A register block of BLOCK_ROWS
// rows × PANEL_COLUMNS columns keeps 8 f32x4 accumulators (plus 2 panel vectors and 1 broadcast:
// 11 of the 16 vector registers of x86-64, fewer than Arm has) and takes each A(i, k) with one
// load-and-splat. A block of panels (depth × 64 floats, 256 KiB at depth 1024) stays in the L2
// cache while every row block of the call streams over it; the packed rows (16 KiB) stay in L1.
//
// Every element is computed by one thread in one fixed order, bias first and then k = 0, 1, …, so
// a product split across threads by rows or by columns gives bit-for-bit the result of one call.

/** Columns of one packed panel: two f32x4 vectors. Exported: the host splits columns between threads in whole panels. */
export const PANEL_COLUMNS: i32 = 8;
/** Rows of the register block. Exported: the host splits rows between threads in whole blocks. */
export const BLOCK_ROWS: i32 = 4;
/** Panels packed at once. */
const PANELS_PER_BLOCK: i32 = 8;
/** Columns packed at once. */
const BLOCK_COLUMNS: i32 = PANEL_COLUMNS * PANELS_PER_BLOCK;

/** Bytes of scratch one thread needs for products of depth up to `depth`: the packed panels, rows and bias. */
export function scratchBytes(depth: i32): i32 {
  return (depth * (BLOCK_COLUMNS + BLOCK_ROWS) + BLOCK_COLUMNS) * 4;
}

/**
 * C[i][j] = bias[j] + Σ_k A(i, k)·B(k, j) for rows rowFrom ≤ i < rowTo and columns colFrom ≤ j < colTo
 * of C, row-major with `ldc` floats per row. bias = 0 means no bias. `scratch` holds
 * scratchBytes(depth) bytes that no other thread uses at the same time. Strides are in floats.
 */
export function product(
  a: usize, aRow: i32, aCol: i32,
  b: usize, bRow: i32, bCol: i32,
  bias: usize,
  c: usize, ldc: i32,
  depth: i32,
  rowFrom: i32, rowTo: i32, colFrom: i32, colTo: i32,
  scratch: usize,
): void {
  if (rowFrom >= rowTo || colFrom >= colTo) return;
  const packedRows = scratch + <usize>(depth * BLOCK_COLUMNS * 4);
  const packedBias = packedRows + <usize>(depth * BLOCK_ROWS * 4);
  for (let blockFrom = colFrom; blockFrom < colTo; blockFrom += BLOCK_COLUMNS) {
    const width = min(BLOCK_COLUMNS, colTo - blockFrom);
    packPanels(b, bRow, bCol, depth, blockFrom, width, scratch);
    packBias(bias, blockFrom, width, packedBias);
    const panels = (width + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
    let row = rowFrom;
    for (; row + BLOCK_ROWS <= rowTo; row += BLOCK_ROWS) {
      packRows(a + <usize>(row * aRow) * 4, aRow, aCol, depth, packedRows);
      for (let panel = 0; panel < panels; panel++) {
        const column = panel * PANEL_COLUMNS;
        fourRows(packedRows, scratch + <usize>(panel * depth * PANEL_COLUMNS * 4), packedBias + <usize>(column * 4), depth,
          c + <usize>(row * ldc + blockFrom + column) * 4, ldc, min(PANEL_COLUMNS, width - column));
      }
    }
    for (; row < rowTo; row++) {
      for (let panel = 0; panel < panels; panel++) {
        const column = panel * PANEL_COLUMNS;
        oneRow(a + <usize>(row * aRow) * 4, aCol, scratch + <usize>(panel * depth * PANEL_COLUMNS * 4), packedBias + <usize>(column * 4), depth,
          c + <usize>(row * ldc + blockFrom + column) * 4, min(PANEL_COLUMNS, width - column));
      }
    }
  }
}

/** Copies columns from … from + width − 1 of B into panels of PANEL_COLUMNS × depth, zero-padded to whole panels. */
function packPanels(b: usize, bRow: i32, bCol: i32, depth: i32, from: i32, width: i32, packed: usize): void {
  const panels = (width + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
  if (bCol == 1) {
    // Rows of B are contiguous: each k gives a run of columns; whole panels move as two vectors.
    for (let panel = 0; panel < panels; panel++) {
      const first = panel * PANEL_COLUMNS;
      const columns = min(PANEL_COLUMNS, width - first);
      let source = b + <usize>(from + first) * 4;
      let target = packed + <usize>(panel * depth * PANEL_COLUMNS * 4);
      const sourceStep = <usize>bRow * 4;
      if (columns == PANEL_COLUMNS) {
        for (let k = 0; k < depth; k++) {
          v128.store(target, v128.load(source));
          v128.store(target, v128.load(source, 16), 16);
          source += sourceStep;
          target += PANEL_COLUMNS * 4;
        }
      } else {
        for (let k = 0; k < depth; k++) {
          v128.store(target, f32x4.splat(0));
          v128.store(target, f32x4.splat(0), 16);
          for (let column = 0; column < columns; column++) store<f32>(target + <usize>column * 4, load<f32>(source + <usize>column * 4));
          source += sourceStep;
          target += PANEL_COLUMNS * 4;
        }
      }
    }
    return;
  }
  // Any other layout (columns of B contiguous when B is a transposed matrix): column by column,
  // so the reads run along k.
  for (let panel = 0; panel < panels; panel++) {
    const first = panel * PANEL_COLUMNS;
    const columns = min(PANEL_COLUMNS, width - first);
    const target = packed + <usize>(panel * depth * PANEL_COLUMNS * 4);
    for (let column = 0; column < PANEL_COLUMNS; column++) {
      let into = target + <usize>column * 4;
      if (column >= columns) {
        for (let k = 0; k < depth; k++, into += PANEL_COLUMNS * 4) store<f32>(into, 0);
        continue;
      }
      let source = b + <usize>((from + first + column) * bCol) * 4;
      const sourceStep = <usize>bRow * 4;
      for (let k = 0; k < depth; k++, into += PANEL_COLUMNS * 4) {
        store<f32>(into, load<f32>(source));
        source += sourceStep;
      }
    }
  }
}

/** Copies BLOCK_ROWS rows of A into depth groups of BLOCK_ROWS floats: A(0, k) … A(3, k) side by side. */
function packRows(a: usize, aRow: i32, aCol: i32, depth: i32, packed: usize): void {
  const kStep = <usize>aCol * 4;
  let source = a;
  let target = packed;
  if (aRow == 1) {
    // A transposed: the group of k is already side by side in memory.
    for (let k = 0; k < depth; k++) {
      v128.store(target, v128.load(source));
      source += kStep;
      target += BLOCK_ROWS * 4;
    }
    return;
  }
  const rowStep = <usize>aRow * 4;
  for (let k = 0; k < depth; k++) {
    store<f32>(target, load<f32>(source));
    store<f32>(target, load<f32>(source + rowStep), 4);
    store<f32>(target, load<f32>(source + 2 * rowStep), 8);
    store<f32>(target, load<f32>(source + 3 * rowStep), 12);
    source += kStep;
    target += BLOCK_ROWS * 4;
  }
}

/** bias[from … from + width − 1], zero-padded to BLOCK_COLUMNS; all zeros without a bias. */
function packBias(bias: usize, from: i32, width: i32, packed: usize): void {
  for (let column = 0; column < BLOCK_COLUMNS; column++) {
    store<f32>(packed + <usize>column * 4, bias != 0 && column < width ? load<f32>(bias + <usize>(from + column) * 4) : 0);
  }
}

/** The register block: BLOCK_ROWS packed rows of A against one packed panel, into `columns` (≤ 8) columns of C. */
// @ts-ignore: decorator
@inline
function fourRows(rows: usize, panel: usize, bias: usize, depth: i32, c: usize, ldc: i32, columns: i32): void {
  let x = rows;
  const bias0 = v128.load(bias);
  const bias1 = v128.load(bias, 16);
  let c00 = bias0, c01 = bias1;
  let c10 = bias0, c11 = bias1;
  let c20 = bias0, c21 = bias1;
  let c30 = bias0, c31 = bias1;
  let w = panel;
  for (let k = 0; k < depth; k++) {
    const w0 = v128.load(w);
    const w1 = v128.load(w, 16);
    const x0 = v128.load32_splat(x);
    c00 = f32x4.add(c00, f32x4.mul(x0, w0));
    c01 = f32x4.add(c01, f32x4.mul(x0, w1));
    const x1 = v128.load32_splat(x, 4);
    c10 = f32x4.add(c10, f32x4.mul(x1, w0));
    c11 = f32x4.add(c11, f32x4.mul(x1, w1));
    const x2 = v128.load32_splat(x, 8);
    c20 = f32x4.add(c20, f32x4.mul(x2, w0));
    c21 = f32x4.add(c21, f32x4.mul(x2, w1));
    const x3 = v128.load32_splat(x, 12);
    c30 = f32x4.add(c30, f32x4.mul(x3, w0));
    c31 = f32x4.add(c31, f32x4.mul(x3, w1));
    x += BLOCK_ROWS * 4;
    w += PANEL_COLUMNS * 4;
  }
  const rowBytes = <usize>ldc * 4;
  storeRow(c, c00, c01, columns);
  storeRow(c + rowBytes, c10, c11, columns);
  storeRow(c + 2 * rowBytes, c20, c21, columns);
  storeRow(c + 3 * rowBytes, c30, c31, columns);
}

/** One row of A against one packed panel: the rows a register block leaves over. */
// @ts-ignore: decorator
@inline
function oneRow(a: usize, aCol: i32, panel: usize, bias: usize, depth: i32, c: usize, columns: i32): void {
  const kStep = <usize>aCol * 4;
  let c0 = v128.load(bias);
  let c1 = v128.load(bias, 16);
  let w = panel;
  let x = a;
  for (let k = 0; k < depth; k++) {
    const splat = v128.load32_splat(x);
    c0 = f32x4.add(c0, f32x4.mul(splat, v128.load(w)));
    c1 = f32x4.add(c1, f32x4.mul(splat, v128.load(w, 16)));
    x += kStep;
    w += PANEL_COLUMNS * 4;
  }
  storeRow(c, c0, c1, columns);
}

/** Stores the first `columns` (≤ 8) lanes of [low, high] at c. */
// @ts-ignore: decorator
@inline
function storeRow(c: usize, low: v128, high: v128, columns: i32): void {
  if (columns == PANEL_COLUMNS) {
    v128.store(c, low);
    v128.store(c, high, 16);
    return;
  }
  if (columns >= 4) {
    v128.store(c, low);
    if (columns > 4) store<f32>(c, f32x4.extract_lane(high, 0), 16);
    if (columns > 5) store<f32>(c, f32x4.extract_lane(high, 1), 20);
    if (columns > 6) store<f32>(c, f32x4.extract_lane(high, 2), 24);
    return;
  }
  store<f32>(c, f32x4.extract_lane(low, 0));
  if (columns > 1) store<f32>(c, f32x4.extract_lane(low, 1), 4);
  if (columns > 2) store<f32>(c, f32x4.extract_lane(low, 2), 8);
}

/**
 * out[j] = Σ_r values[r·ldc + j] for colFrom ≤ j < colTo, over rows 0 … rows − 1: each sum taken in
 * float64, row after row, then rounded to float32 (the bias gradient of a layer from its delta).
 * Eight or two columns at a time, one per float64 lane, so every column's sum is the sequential one.
 */
export function columnSums(values: usize, rows: i32, ldc: i32, colFrom: i32, colTo: i32, out: usize): void {
  const rowBytes = <usize>ldc * 4;
  let j = colFrom;
  for (; j + 8 <= colTo; j += 8) {
    let s01 = f64x2.splat(0), s23 = f64x2.splat(0), s45 = f64x2.splat(0), s67 = f64x2.splat(0);
    let source = values + <usize>j * 4;
    for (let r = 0; r < rows; r++) {
      const low = v128.load(source);
      const high = v128.load(source, 16);
      s01 = f64x2.add(s01, f64x2.promote_low_f32x4(low));
      s23 = f64x2.add(s23, f64x2.promote_low_f32x4(v128.shuffle<f32>(low, low, 2, 3, 0, 1)));
      s45 = f64x2.add(s45, f64x2.promote_low_f32x4(high));
      s67 = f64x2.add(s67, f64x2.promote_low_f32x4(v128.shuffle<f32>(high, high, 2, 3, 0, 1)));
      source += rowBytes;
    }
    v128.store64_lane(out + <usize>j * 4, f32x4.demote_f64x2_zero(s01), 0);
    v128.store64_lane(out + <usize>j * 4, f32x4.demote_f64x2_zero(s23), 0, 8);
    v128.store64_lane(out + <usize>j * 4, f32x4.demote_f64x2_zero(s45), 0, 16);
    v128.store64_lane(out + <usize>j * 4, f32x4.demote_f64x2_zero(s67), 0, 24);
  }
  for (; j + 2 <= colTo; j += 2) {
    let sum = f64x2.splat(0);
    let source = values + <usize>j * 4;
    for (let r = 0; r < rows; r++) {
      sum = f64x2.add(sum, f64x2.promote_low_f32x4(v128.load64_zero(source)));
      source += rowBytes;
    }
    store<f32>(out + <usize>j * 4, <f32>f64x2.extract_lane(sum, 0));
    store<f32>(out + <usize>j * 4, <f32>f64x2.extract_lane(sum, 1), 4);
  }
  for (; j < colTo; j++) {
    let sum: f64 = 0;
    let source = values + <usize>j * 4;
    for (let r = 0; r < rows; r++) {
      sum += <f64>load<f32>(source);
      source += rowBytes;
    }
    store<f32>(out + <usize>j * 4, <f32>sum);
  }
}

/** Σ x² over `count` floats at `values`, each square and the sum in float64 (squares of float32 are exact there). */
export function sumOfSquares(values: usize, count: i32): f64 {
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const x = v128.load(values + <usize>i * 4);
    const x01 = f64x2.promote_low_f32x4(x);
    const x23 = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
    low = f64x2.add(low, f64x2.mul(x01, x01));
    high = f64x2.add(high, f64x2.mul(x23, x23));
  }
  let sum = f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  for (; i < count; i++) {
    const x = <f64>load<f32>(values + <usize>i * 4);
    sum += x * x;
  }
  return sum;
}

export * from './elementwise';

/** Where the first byte past this module's own static data lies: the host places its buffers from here on. */
export function heapBase(): usize {
  return __heap_base;
}
