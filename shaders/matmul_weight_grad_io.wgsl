// Weight and bias gradients of one layer in one product: G = [A | 1]ᵀ·dZ, G [inner + 1, cols].
// Rows 0…inner−1 of G are ∂L/∂W = Aᵀ·dZ; row `inner` (a column of ones appended to A) is
// ∂L/∂b = Σ_rows dZ. In the flat layout b follows W directly, so G is written as one block at the
// layer's weight offset. A's rows are gathered through the batch's row indices for the first layer.
// The epilogue of the scalar form, shared by the registers kernel for layers not aligned to vec4 and
// the workgroup-memory kernel; matmul_weight_grad_vec4.wgsl has its own. Bindings and
// WeightGradParams: weightGradBindings in src/gpu/kernels.ts.

fn storeRow(i: u32, col0: u32, g: vec4<f32>) {
  if (i > params.inner) {
    return;
  }
  let base = params.weightOffset + i * params.cols;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + j < params.cols) {
      gradient[base + col0 + j] = g[j];
    }
  }
}
