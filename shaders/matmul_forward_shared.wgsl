// Forward product, workgroup-memory variant (matmul_forward_io.wgsl holds the interface,
// matmul_tiles.wgsl the tiles and their product), for GPUs with fast on-chip memory: the workgroup
// stages a [TILE_ROWS × TILE_K] block of A and a [TILE_K × TILE_COLS] block of W in workgroup
// memory, then each invocation accumulates a 4×4 block of the output from them. Out-of-range
// invocations still load and reach every barrier.

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let rowBase = group.y * TILE_ROWS;
  let colBase = group.x * TILE_COLS;
  let invocations = WORKGROUP_X * WORKGROUP_Y;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < params.inner; k0 += TILE_K) {
    for (var e = lane; e < TILE_ROWS * TILE_K; e += invocations) {
      let row = rowBase + e / TILE_K;
      let k = k0 + e % TILE_K;
      var value = 0.0;
      if (row < params.rows && k < params.inner) {
        value = input[inputRowBase(row) + k];
      }
      tileA[e] = value;
    }
    for (var e = lane; e < TILE_K * TILE_COLS; e += invocations) {
      let k = k0 + e / TILE_COLS;
      let col = colBase + e % TILE_COLS;
      var value = 0.0;
      if (k < params.inner && col < params.cols) {
        value = parameters[params.weightOffset + k * params.cols + col];
      }
      tileB[e] = value;
    }
    workgroupBarrier();
    multiplyTiles(local, &acc0, &acc1, &acc2, &acc3);
    workgroupBarrier();
  }
  let row0 = rowBase + local.y * 4u;
  let col0 = colBase + local.x * 4u;
  if (col0 >= params.cols) {
    return;
  }
  let lastCol = params.cols - 1u;
  let b = params.biasOffset;
  let bias = vec4<f32>(parameters[b + min(col0, lastCol)], parameters[b + min(col0 + 1u, lastCol)], parameters[b + min(col0 + 2u, lastCol)], parameters[b + min(col0 + 3u, lastCol)]);
  storeRow(row0, col0, acc0 + bias);
  storeRow(row0 + 1u, col0, acc1 + bias);
  storeRow(row0 + 2u, col0, acc2 + bias);
  storeRow(row0 + 3u, col0, acc3 + bias);
}
