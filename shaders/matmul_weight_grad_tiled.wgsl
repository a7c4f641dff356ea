// Weight-gradient product in the workgroup-memory family (matmul_tiled.wgsl): G = [A | 1]ᵀ·dZ over
// the batch, row `inner` of G (the appended column of ones) being ∂L/∂b; A's rows are gathered
// through the batch's row indices for the first layer. storeRow is matmul_weight_grad_io.wgsl's.

// A(i, r) = [A | 1](r, i): consecutive i are consecutive words of an input row.
const A_ALONG_K: bool = false;

fn operandA(i: u32, r: u32) -> f32 {
  if (r >= params.batch || i > params.inner) {
    return 0.0;
  }
  if (i == params.inner) {
    return 1.0;
  }
  return input[batchInputRow(r) * params.inner + i];
}

fn operandB(r: u32, col: u32) -> f32 {
  if (r >= params.batch || col >= params.cols) {
    return 0.0;
  }
  return delta[r * params.cols + col];
}

fn storeBlock(i: u32, col0: u32, value: vec4<f32>) {
  storeRow(i, col0, value);
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  tiledProduct(group, local, lane, params.batch);
}
