// Input-gradient product in the workgroup-memory family (matmul_tiled.wgsl): dZ_prev = dZ·Wᵀ, the
// derivative of the previous layer's activation applied by storeRow (matmul_input_grad_io.wgsl).

const A_ALONG_K: bool = true;

fn operandA(row: u32, j: u32) -> f32 {
  if (row >= params.rows || j >= params.cols) {
    return 0.0;
  }
  return delta[row * params.cols + j];
}

// B(j, i) = W[i][j].
fn operandB(j: u32, i: u32) -> f32 {
  if (j >= params.cols || i >= params.inner) {
    return 0.0;
  }
  return parameters[params.weightOffset + i * params.cols + j];
}

fn storeBlock(row: u32, i0: u32, value: vec4<f32>) {
  storeRow(row, i0, value);
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  tiledProduct(group, local, lane, params.cols);
}
