// Forward product of one layer with bias and activation fused: out = f(A·W + b), A [rows, inner]
// (rows gathered through the batch's row indices for the first layer), W [inner, cols] and b [cols]
// read from the flat parameter buffer. The interface shared by both variants
// (matmul_forward.wgsl: registers only; matmul_forward_shared.wgsl: workgroup-memory tiles).

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
