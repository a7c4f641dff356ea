// Input-gradient product, workgroup-memory variant (matmul_input_grad_io.wgsl holds the
// interface, matmul_tiles.wgsl the tiles and their product), for GPUs with fast on-chip memory: per
// block of TILE_K outputs of this layer the workgroup stages dZ and W (transposed) in workgroup
// memory, then each invocation accumulates a 4×4 block. Out-of-range invocations still load and
// reach every barrier.

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let rowBase = group.y * TILE_ROWS;
  let iBase = group.x * TILE_COLS;
  let invocations = WORKGROUP_X * WORKGROUP_Y;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var j0 = 0u; j0 < params.cols; j0 += TILE_K) {
    for (var e = lane; e < TILE_ROWS * TILE_K; e += invocations) {
      let row = rowBase + e / TILE_K;
      let j = j0 + e % TILE_K;
      var value = 0.0;
      if (row < params.rows && j < params.cols) {
        value = delta[row * params.cols + j];
      }
      tileA[e] = value;
    }
    // tileB[j][i] = W[i][j] for the block's columns i of dZ_prev.
    for (var e = lane; e < TILE_K * TILE_COLS; e += invocations) {
      let j = j0 + e / TILE_COLS;
      let i = iBase + e % TILE_COLS;
      var value = 0.0;
      if (j < params.cols && i < params.inner) {
        value = parameters[params.weightOffset + i * params.cols + j];
      }
      tileB[e] = value;
    }
    workgroupBarrier();
    multiplyTiles(local, &acc0, &acc1, &acc2, &acc3);
    workgroupBarrier();
  }
  let row0 = rowBase + local.y * 4u;
  let i0 = iBase + local.x * 4u;
  storeRow(row0, i0, acc0);
  storeRow(row0 + 1u, i0, acc1);
  storeRow(row0 + 2u, i0, acc2);
  storeRow(row0 + 3u, i0, acc3);
}
