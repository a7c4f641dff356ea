// Weight-gradient product, register-tiled variant for layers not aligned to vec4
// (matmul_weight_grad_vec4.wgsl serves the others; matmul_weight_grad_io.wgsl holds the
// interface): each invocation computes an 8×4 block of G (8 rows i, 4 columns) in registers, no
// workgroup memory (the block shape of matmul_forward.wgsl, faster on CPU adapters).

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col0 = id.x * 4u;
  let i0 = id.y * 8u;
  if (i0 > params.inner || col0 >= params.cols) {
    return;
  }
  let lastCol = params.cols - 1u;
  let cols = vec4<u32>(min(col0, lastCol), min(col0 + 1u, lastCol), min(col0 + 2u, lastCol), min(col0 + 3u, lastCol));
  let lastInner = params.inner - 1u;
  // Columns of A this invocation reads (clamped); those at or past `inner` are the appended column of ones.
  let column0 = min(i0 + 0u, lastInner);
  let ones0 = i0 + 0u >= params.inner;
  let column1 = min(i0 + 1u, lastInner);
  let ones1 = i0 + 1u >= params.inner;
  let column2 = min(i0 + 2u, lastInner);
  let ones2 = i0 + 2u >= params.inner;
  let column3 = min(i0 + 3u, lastInner);
  let ones3 = i0 + 3u >= params.inner;
  let column4 = min(i0 + 4u, lastInner);
  let ones4 = i0 + 4u >= params.inner;
  let column5 = min(i0 + 5u, lastInner);
  let ones5 = i0 + 5u >= params.inner;
  let column6 = min(i0 + 6u, lastInner);
  let ones6 = i0 + 6u >= params.inner;
  let column7 = min(i0 + 7u, lastInner);
  let ones7 = i0 + 7u >= params.inner;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  for (var r = 0u; r < params.batch; r++) {
    let source = batchInputRow(r);
    let a = source * params.inner;
    let d = r * params.cols;
    let dv = vec4<f32>(delta[d + cols.x], delta[d + cols.y], delta[d + cols.z], delta[d + cols.w]);
    acc0 += select(input[a + column0], 1.0, ones0) * dv;
    acc1 += select(input[a + column1], 1.0, ones1) * dv;
    acc2 += select(input[a + column2], 1.0, ones2) * dv;
    acc3 += select(input[a + column3], 1.0, ones3) * dv;
    acc4 += select(input[a + column4], 1.0, ones4) * dv;
    acc5 += select(input[a + column5], 1.0, ones5) * dv;
    acc6 += select(input[a + column6], 1.0, ones6) * dv;
    acc7 += select(input[a + column7], 1.0, ones7) * dv;
  }
  storeRows8(i0, col0, acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
}
