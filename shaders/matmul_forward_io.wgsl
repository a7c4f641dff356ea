// Forward product of one layer with bias and activation fused: out = f(A·W + b), A [rows, inner]
// (rows gathered through the batch's row indices for the first layer), W [inner, cols] and b [cols]
// read from the flat parameter buffer. The scalar bindings (ForwardParams is in matmul_params.wgsl)
// shared by matmul_forward.wgsl (registers, layers not aligned to vec4) and
// matmul_forward_shared.wgsl (workgroup-memory tiles); matmul_forward_vec4.wgsl binds vec4 arrays.

@group(0) @binding(0) var<uniform> params: ForwardParams;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> parameters: array<f32>;
@group(0) @binding(3) var<storage, read> rowIndex: array<u32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

fn inputRowBase(row: u32) -> u32 {
  // Rows past the end are clamped to the last one: their results are computed and discarded.
  return batchInputRow(min(row, params.rows - 1u)) * params.inner;
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
