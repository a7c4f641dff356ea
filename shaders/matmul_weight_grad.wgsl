// Weight-gradient product, register-tiled variant (matmul_weight_grad_io.wgsl holds the
// interface): each invocation computes a 4×4 block of G in registers, no workgroup memory.

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col0 = id.x * 4u;
  let i0 = id.y * 4u;
  if (i0 > params.inner || col0 >= params.cols) {
    return;
  }
  let lastCol = params.cols - 1u;
  let cols = vec4<u32>(min(col0, lastCol), min(col0 + 1u, lastCol), min(col0 + 2u, lastCol), min(col0 + 3u, lastCol));
  let lastInner = params.inner - 1u;
  // Columns of A this invocation reads (clamped), and which of them is the appended column of ones.
  let is = vec4<u32>(min(i0, lastInner), min(i0 + 1u, lastInner), min(i0 + 2u, lastInner), min(i0 + 3u, lastInner));
  let ones = vec4<u32>(i0, i0 + 1u, i0 + 2u, i0 + 3u) >= vec4<u32>(params.inner);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var r = 0u; r < params.batch; r++) {
    var source = r;
    if (params.gatherRows != 0u) {
      source = rowIndex[step.indexOffset + r];
    }
    let a = source * params.inner;
    let av = select(vec4<f32>(input[a + is.x], input[a + is.y], input[a + is.z], input[a + is.w]), vec4<f32>(1.0), ones);
    let d = r * params.cols;
    let dv = vec4<f32>(delta[d + cols.x], delta[d + cols.y], delta[d + cols.z], delta[d + cols.w]);
    acc0 += av.x * dv;
    acc1 += av.y * dv;
    acc2 += av.z * dv;
    acc3 += av.w * dv;
  }
  storeRow(i0, col0, acc0);
  storeRow(i0 + 1u, col0, acc1);
  storeRow(i0 + 2u, col0, acc2);
  storeRow(i0 + 3u, col0, acc3);
}
