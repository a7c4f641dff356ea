// Forward product in the workgroup-memory family (matmul_tiled.wgsl): Z = A·W + b over the batch's
// rows (gathered through the batch's row indices for the first layer), the activation applied by
// storeRow (matmul_forward_io.wgsl).

const A_ALONG_K: bool = true;

fn operandA(row: u32, k: u32) -> f32 {
  if (row >= params.rows || k >= params.inner) {
    return 0.0;
  }
  return input[inputRowBase(row) + k];
}

fn operandB(k: u32, col: u32) -> f32 {
  if (k >= params.inner || col >= params.cols) {
    return 0.0;
  }
  return parameters[params.weightOffset + k * params.cols + col];
}

fn storeBlock(row: u32, col0: u32, value: vec4<f32>) {
  if (col0 >= params.cols) {
    return;
  }
  let lastCol = params.cols - 1u;
  let b = params.biasOffset;
  let bias = vec4<f32>(parameters[b + min(col0, lastCol)], parameters[b + min(col0 + 1u, lastCol)], parameters[b + min(col0 + 2u, lastCol)], parameters[b + min(col0 + 3u, lastCol)]);
  storeRow(row, col0, value + bias);
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  tiledProduct(group, local, lane, params.inner);
}
