// Weight-gradient product, workgroup-memory variant (matmul_weight_grad_io.wgsl holds the
// interface, matmul_tiles.wgsl the tiles and their product), for GPUs with fast on-chip memory: per
// block of TILE_K batch rows the workgroup stages [A | 1] (transposed) and dZ in workgroup memory,
// then each invocation accumulates a 4×4 block of G. Out-of-range invocations still load and reach
// every barrier.

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let iBase = group.y * TILE_ROWS;
  let colBase = group.x * TILE_COLS;
  let invocations = WORKGROUP_X * WORKGROUP_Y;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var r0 = 0u; r0 < params.batch; r0 += TILE_K) {
    // tileA[i][r] = [A | 1](r, i) for the block's rows i of G and batch rows r.
    for (var e = lane; e < TILE_ROWS * TILE_K; e += invocations) {
      let i = iBase + e / TILE_K;
      let r = r0 + e % TILE_K;
      var value = 0.0;
      if (r < params.batch && i <= params.inner) {
        value = 1.0;
        if (i < params.inner) {
          let source = batchInputRow(r);
          value = input[source * params.inner + i];
        }
      }
      tileA[e] = value;
    }
    for (var e = lane; e < TILE_K * TILE_COLS; e += invocations) {
      let r = r0 + e / TILE_COLS;
      let col = colBase + e % TILE_COLS;
      var value = 0.0;
      if (r < params.batch && col < params.cols) {
        value = delta[r * params.cols + col];
      }
      tileB[e] = value;
    }
    workgroupBarrier();
    multiplyTiles(local, &acc0, &acc1, &acc2, &acc3);
    workgroupBarrier();
  }
  let i0 = iBase + local.y * 4u;
  let col0 = colBase + local.x * 4u;
  if (col0 >= params.cols) {
    return;
  }
  storeRow(i0, col0, acc0);
  storeRow(i0 + 1u, col0, acc1);
  storeRow(i0 + 2u, col0, acc2);
  storeRow(i0 + 3u, col0, acc3);
}
