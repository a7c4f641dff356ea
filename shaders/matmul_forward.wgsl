// Forward product of one layer with bias and activation fused: out = f(A·W + b), A [rows, inner]
// (rows gathered through the batch's row indices for the first layer), W [inner, cols] and b [cols]
// read from the flat parameter buffer. Each invocation computes a 4×4 block of the output held in
// registers; no workgroup memory, which is the fast form on CPU adapters (SwiftShader).

struct ForwardParams {
  // Rows of A and of the output (batch size).
  rows: u32,
  // Columns of W and of the output (fan-out).
  cols: u32,
  // Columns of A, rows of W (fan-in).
  inner: u32,
  // Index of W[0][0] in the parameter buffer.
  weightOffset: u32,
  // Index of b[0] in the parameter buffer.
  biasOffset: u32,
  // Activation id (common.wgsl) applied to the output; ACT_LINEAR for the logits of the last layer.
  activation: u32,
  // 1: row r of A is input row rowIndex[step.indexOffset + r] (batch gather); 0: row r itself.
  gatherRows: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: ForwardParams;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> parameters: array<f32>;
@group(0) @binding(3) var<storage, read> rowIndex: array<u32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

fn inputRowBase(row: u32) -> u32 {
  // Rows past the end are clamped to the last one: their results are computed and discarded.
  let r = min(row, params.rows - 1u);
  if (params.gatherRows != 0u) {
    return rowIndex[step.indexOffset + r] * params.inner;
  }
  return r * params.inner;
}

fn storeRow(row: u32, col0: u32, z: vec4<f32>) {
  if (row >= params.rows) {
    return;
  }
  let base = row * params.cols;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + j < params.cols) {
      output[base + col0 + j] = activate(params.activation, z[j]);
    }
  }
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col0 = id.x * 4u;
  let row0 = id.y * 4u;
  if (row0 >= params.rows || col0 >= params.cols) {
    return;
  }
  let lastCol = params.cols - 1u;
  let cols = vec4<u32>(min(col0, lastCol), min(col0 + 1u, lastCol), min(col0 + 2u, lastCol), min(col0 + 3u, lastCol));
  let a0 = inputRowBase(row0);
  let a1 = inputRowBase(row0 + 1u);
  let a2 = inputRowBase(row0 + 2u);
  let a3 = inputRowBase(row0 + 3u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = 0u; k < params.inner; k++) {
    let w = params.weightOffset + k * params.cols;
    let wk = vec4<f32>(parameters[w + cols.x], parameters[w + cols.y], parameters[w + cols.z], parameters[w + cols.w]);
    acc0 += input[a0 + k] * wk;
    acc1 += input[a1 + k] * wk;
    acc2 += input[a2 + k] * wk;
    acc3 += input[a3 + k] * wk;
  }
  let b = params.biasOffset;
  let bias = vec4<f32>(parameters[b + cols.x], parameters[b + cols.y], parameters[b + cols.z], parameters[b + cols.w]);
  storeRow(row0, col0, acc0 + bias);
  storeRow(row0 + 1u, col0, acc1 + bias);
  storeRow(row0 + 2u, col0, acc2 + bias);
  storeRow(row0 + 3u, col0, acc3 + bias);
}
