// Input-gradient product, register-tiled variant for layers not aligned to vec4
// (matmul_input_grad_vec4.wgsl serves the others; matmul_input_grad_io.wgsl holds the
// interface): each invocation computes an 8×4 block (8 rows, 4 columns i) in registers, no
// workgroup memory (the block shape of matmul_forward.wgsl, faster on CPU adapters).

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i0 = id.x * 4u;
  let row0 = id.y * 8u;
  if (row0 >= params.rows || i0 >= params.inner) {
    return;
  }
  let lastInner = params.inner - 1u;
  let w = vec4<u32>(min(i0, lastInner), min(i0 + 1u, lastInner), min(i0 + 2u, lastInner), min(i0 + 3u, lastInner)) * params.cols + vec4<u32>(params.weightOffset);
  let lastRow = params.rows - 1u;
  let d0 = min(row0 + 0u, lastRow) * params.cols;
  let d1 = min(row0 + 1u, lastRow) * params.cols;
  let d2 = min(row0 + 2u, lastRow) * params.cols;
  let d3 = min(row0 + 3u, lastRow) * params.cols;
  let d4 = min(row0 + 4u, lastRow) * params.cols;
  let d5 = min(row0 + 5u, lastRow) * params.cols;
  let d6 = min(row0 + 6u, lastRow) * params.cols;
  let d7 = min(row0 + 7u, lastRow) * params.cols;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  for (var j = 0u; j < params.cols; j++) {
    let wj = vec4<f32>(parameters[w.x + j], parameters[w.y + j], parameters[w.z + j], parameters[w.w + j]);
    acc0 += delta[d0 + j] * wj;
    acc1 += delta[d1 + j] * wj;
    acc2 += delta[d2 + j] * wj;
    acc3 += delta[d3 + j] * wj;
    acc4 += delta[d4 + j] * wj;
    acc5 += delta[d5 + j] * wj;
    acc6 += delta[d6 + j] * wj;
    acc7 += delta[d7 + j] * wj;
  }
  storeRows8(row0, i0, acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
}
