// The workgroup memory and inner loop shared by the three workgroup-memory products
// (matmul_*_shared.wgsl), for GPUs with fast on-chip memory: each kernel stages a
// [TILE_ROWS × TILE_K] block of its left operand in tileA and a [TILE_K × TILE_COLS] block of its
// right operand in tileB (reading its own bindings), then every invocation accumulates its 4×4
// output block from them with multiplyTiles.

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;
override TILE_ROWS: u32 = 4u * WORKGROUP_Y;
override TILE_COLS: u32 = 4u * WORKGROUP_X;
const TILE_K: u32 = 16u;

var<workgroup> tileA: array<f32, TILE_ROWS * TILE_K>;
var<workgroup> tileB: array<f32, TILE_K * TILE_COLS>;

// Adds tileA·tileB to the 4×4 block of invocation `local` (rows local.y·4…, columns local.x·4…),
// one row per accumulator. The accumulators are passed by pointer so each keeps summing in k order
// across tiles, exactly as if the loop were written inline.
fn multiplyTiles(local: vec3<u32>, acc0: ptr<function, vec4<f32>>, acc1: ptr<function, vec4<f32>>, acc2: ptr<function, vec4<f32>>, acc3: ptr<function, vec4<f32>>) {
  let a = local.y * 4u * TILE_K;
  for (var kk = 0u; kk < TILE_K; kk++) {
    let b = kk * TILE_COLS + local.x * 4u;
    let bk = vec4<f32>(tileB[b], tileB[b + 1u], tileB[b + 2u], tileB[b + 3u]);
    *acc0 += tileA[a + kk] * bk;
    *acc1 += tileA[a + TILE_K + kk] * bk;
    *acc2 += tileA[a + 2u * TILE_K + kk] * bk;
    *acc3 += tileA[a + 3u * TILE_K + kk] * bk;
  }
}
