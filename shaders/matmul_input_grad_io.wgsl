// Delta of the previous layer with the activation derivative fused:
// dZ_prev = (dZ·Wᵀ) ⊙ f'(A_prev), dZ [rows, cols], W [inner, cols] from the flat parameter buffer,
// A_prev and dZ_prev [rows, inner]. f' is taken from A_prev (derivativeFromOutput, generated from the
// activation table). The epilogue of the scalar form, shared by the registers kernel for layers not
// aligned to vec4 and the workgroup-memory kernel; matmul_input_grad_vec4.wgsl has its own. Bindings
// and InputGradParams: inputGradBindings in src/gpu/kernels.ts.

fn storeRow(row: u32, i0: u32, g: vec4<f32>) {
  if (row >= params.rows) {
    return;
  }
  let base = row * params.inner;
  for (var j = 0u; j < 4u; j++) {
    let i = i0 + j;
    if (i < params.inner) {
      previousDelta[base + i] = g[j] * derivativeFromOutput(params.activation, previousActivation[base + i]);
    }
  }
}
