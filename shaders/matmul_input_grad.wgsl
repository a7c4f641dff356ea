// Input-gradient product, register-tiled variant (matmul_input_grad_io.wgsl holds the
// interface): each invocation computes a 4×4 block in registers, no workgroup memory.

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i0 = id.x * 4u;
  let row0 = id.y * 4u;
  if (row0 >= params.rows || i0 >= params.inner) {
    return;
  }
  let lastInner = params.inner - 1u;
  let w = vec4<u32>(min(i0, lastInner), min(i0 + 1u, lastInner), min(i0 + 2u, lastInner), min(i0 + 3u, lastInner)) * params.cols + vec4<u32>(params.weightOffset);
  let lastRow = params.rows - 1u;
  let d = vec4<u32>(min(row0, lastRow), min(row0 + 1u, lastRow), min(row0 + 2u, lastRow), min(row0 + 3u, lastRow)) * params.cols;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var j = 0u; j < params.cols; j++) {
    let wj = vec4<f32>(parameters[w.x + j], parameters[w.y + j], parameters[w.z + j], parameters[w.w + j]);
    acc0 += delta[d.x + j] * wj;
    acc1 += delta[d.y + j] * wj;
    acc2 += delta[d.z + j] * wj;
    acc3 += delta[d.w + j] * wj;
  }
  storeRow(row0, i0, acc0);
  storeRow(row0 + 1u, i0, acc1);
  storeRow(row0 + 2u, i0, acc2);
  storeRow(row0 + 3u, i0, acc3);
}
