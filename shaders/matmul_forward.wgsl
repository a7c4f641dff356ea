// Forward product, register-tiled variant for layers whose widths or offsets are not multiples of
// 4 (matmul_forward_vec4.wgsl serves the others; matmul_forward_io.wgsl holds the interface): each
// invocation computes an 8×4 block of the output (8 rows, 4 columns) held in registers, reading
// its operands straight from storage; no workgroup memory, which is the fast form on CPU adapters
// (SwiftShader: 8×4 blocks measured ~1.7× the throughput of 4×4 blocks at 512³ and 1024³).

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col0 = id.x * 4u;
  let row0 = id.y * 8u;
  if (row0 >= params.rows || col0 >= params.cols) {
    return;
  }
  let lastCol = params.cols - 1u;
  let cols = vec4<u32>(min(col0, lastCol), min(col0 + 1u, lastCol), min(col0 + 2u, lastCol), min(col0 + 3u, lastCol));
  let a0 = inputRowBase(row0 + 0u);
  let a1 = inputRowBase(row0 + 1u);
  let a2 = inputRowBase(row0 + 2u);
  let a3 = inputRowBase(row0 + 3u);
  let a4 = inputRowBase(row0 + 4u);
  let a5 = inputRowBase(row0 + 5u);
  let a6 = inputRowBase(row0 + 6u);
  let a7 = inputRowBase(row0 + 7u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  for (var k = 0u; k < params.inner; k++) {
    let w = params.weightOffset + k * params.cols;
    let wk = vec4<f32>(parameters[w + cols.x], parameters[w + cols.y], parameters[w + cols.z], parameters[w + cols.w]);
    acc0 += input[a0 + k] * wk;
    acc1 += input[a1 + k] * wk;
    acc2 += input[a2 + k] * wk;
    acc3 += input[a3 + k] * wk;
    acc4 += input[a4 + k] * wk;
    acc5 += input[a5 + k] * wk;
    acc6 += input[a6 + k] * wk;
    acc7 += input[a7 + k] * wk;
  }
  let b = params.biasOffset;
  let bias = vec4<f32>(parameters[b + cols.x], parameters[b + cols.y], parameters[b + cols.z], parameters[b + cols.w]);
  storeRows8(row0, col0, acc0 + bias, acc1 + bias, acc2 + bias, acc3 + bias, acc4 + bias, acc5 + bias, acc6 + bias, acc7 + bias);
}
