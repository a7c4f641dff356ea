// The workgroup-memory family of the three layer products, its tiling set by override constants,
// one pipeline per shape of tiling (TiledVariant in src/gpu/kernels.ts): each workgroup computes a
// TILE_ROWS × TILE_COLS block of the output C = Σ_k A(row, k)·B(k, col), staging per pass a
// TILE_K-deep slice of both operands in workgroup memory; each invocation accumulates THREAD_ROWS
// rows × 4·THREAD_QUADS columns of it in registers. Its rows and quads are spread across the block
// (rows local.y, local.y + WORKGROUP_Y, …; quads likewise), so neighbouring invocations read
// neighbouring words of the tiles. With DOUBLE_BUFFER the next slice is staged into the other part
// of the tiles while the current one is multiplied: one barrier per pass instead of two.
//
// The including product defines operandA(row, k) and operandB(k, col) (0 outside the operands),
// A_ALONG_K (whether A's consecutive k are consecutive words, which decides how lanes load it) and
// storeBlock(row, col0, value) (its epilogue over four columns).

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;
// Output rows per invocation, 1 to MAX_THREAD_ROWS.
override THREAD_ROWS: u32 = 4u;
// Output columns per invocation, in fours, 1 to MAX_THREAD_QUADS.
override THREAD_QUADS: u32 = 1u;
// Depth of the slice of the inner dimension staged per pass.
override TILE_K: u32 = 16u;
override DOUBLE_BUFFER: bool = false;
override TILE_ROWS: u32 = WORKGROUP_Y * THREAD_ROWS;
override TILE_COLS: u32 = WORKGROUP_X * 4u * THREAD_QUADS;
// Floats of one slice of A and of B; the tiles hold one slice each, or two when double-buffered.
override SLICE_A: u32 = TILE_ROWS * TILE_K;
override SLICE_B: u32 = TILE_K * TILE_COLS;
override TILE_A_FLOATS: u32 = select(1u, 2u, DOUBLE_BUFFER) * SLICE_A;
override TILE_B_FLOATS: u32 = select(1u, 2u, DOUBLE_BUFFER) * SLICE_B;

const MAX_THREAD_ROWS: u32 = 8u;
const MAX_THREAD_QUADS: u32 = 2u;

// A's slice transposed, [TILE_K][TILE_ROWS], and B's slice, [TILE_K][TILE_COLS], per part.
var<workgroup> tileA: array<f32, TILE_A_FLOATS>;
var<workgroup> tileB: array<f32, TILE_B_FLOATS>;

// Stages the slice k0…k0+TILE_K−1 of the block at (rowBase, colBase) into part `part` of the tiles.
fn stageSlice(part: u32, rowBase: u32, colBase: u32, k0: u32, lane: u32) {
  let invocations = WORKGROUP_X * WORKGROUP_Y;
  for (var e = lane; e < SLICE_A; e += invocations) {
    // Consecutive lanes take consecutive words of A in memory: along k, or along the rows.
    var row = e % TILE_ROWS;
    var kk = e / TILE_ROWS;
    if (A_ALONG_K) {
      row = e / TILE_K;
      kk = e % TILE_K;
    }
    tileA[part * SLICE_A + kk * TILE_ROWS + row] = operandA(rowBase + row, k0 + kk);
  }
  for (var e = lane; e < SLICE_B; e += invocations) {
    let kk = e / TILE_COLS;
    let col = e % TILE_COLS;
    tileB[part * SLICE_B + kk * TILE_COLS + col] = operandB(k0 + kk, colBase + col);
  }
}

// Adds part `part` of the tiles' product to this invocation's accumulators (acc[r·MAX_THREAD_QUADS + q]).
fn multiplySlice(part: u32, local: vec3<u32>, acc: ptr<function, array<vec4<f32>, MAX_THREAD_ROWS * MAX_THREAD_QUADS>>) {
  for (var kk = 0u; kk < TILE_K; kk++) {
    var b: array<vec4<f32>, MAX_THREAD_QUADS>;
    for (var q = 0u; q < THREAD_QUADS; q++) {
      let at = part * SLICE_B + kk * TILE_COLS + (q * WORKGROUP_X + local.x) * 4u;
      b[q] = vec4<f32>(tileB[at], tileB[at + 1u], tileB[at + 2u], tileB[at + 3u]);
    }
    for (var r = 0u; r < THREAD_ROWS; r++) {
      let a = tileA[part * SLICE_A + kk * TILE_ROWS + r * WORKGROUP_Y + local.y];
      for (var q = 0u; q < THREAD_QUADS; q++) {
        (*acc)[r * MAX_THREAD_QUADS + q] += a * b[q];
      }
    }
  }
}

// C's block at (group.y, group.x) over an inner dimension of `inner`, passed to storeBlock. Every
// invocation reaches every barrier: the loop bounds come from uniforms and override constants.
fn tiledProduct(group: vec3<u32>, local: vec3<u32>, lane: u32, inner: u32) {
  let rowBase = group.y * TILE_ROWS;
  let colBase = group.x * TILE_COLS;
  var acc: array<vec4<f32>, MAX_THREAD_ROWS * MAX_THREAD_QUADS>;
  if (DOUBLE_BUFFER) {
    stageSlice(0u, rowBase, colBase, 0u, lane);
    workgroupBarrier();
    var part = 0u;
    for (var k0 = 0u; k0 < inner; k0 += TILE_K) {
      if (k0 + TILE_K < inner) {
        stageSlice(1u - part, rowBase, colBase, k0 + TILE_K, lane);
      }
      multiplySlice(part, local, &acc);
      workgroupBarrier();
      part = 1u - part;
    }
  } else {
    for (var k0 = 0u; k0 < inner; k0 += TILE_K) {
      stageSlice(0u, rowBase, colBase, k0, lane);
      workgroupBarrier();
      multiplySlice(0u, local, &acc);
      workgroupBarrier();
    }
  }
  for (var r = 0u; r < THREAD_ROWS; r++) {
    for (var q = 0u; q < THREAD_QUADS; q++) {
      storeBlock(rowBase + r * WORKGROUP_Y + local.y, colBase + (q * WORKGROUP_X + local.x) * 4u, acc[r * MAX_THREAD_QUADS + q]);
    }
  }
}
