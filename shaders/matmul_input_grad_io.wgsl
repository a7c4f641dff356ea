// Delta of the previous layer with the activation derivative fused:
// dZ_prev = (dZ·Wᵀ) ⊙ f'(A_prev), dZ [rows, cols], W [inner, cols] from the flat parameter buffer,
// A_prev and dZ_prev [rows, inner]. f' is taken from A_prev (derivativeFromOutput in common.wgsl).
// The scalar bindings (InputGradParams is in matmul_params.wgsl) shared by the registers kernel for
// layers not aligned to vec4 and the workgroup-memory kernel; matmul_input_grad_vec4.wgsl binds
// vec4 arrays.

@group(0) @binding(0) var<uniform> params: InputGradParams;
@group(0) @binding(1) var<storage, read> delta: array<f32>;
@group(0) @binding(2) var<storage, read> parameters: array<f32>;
@group(0) @binding(3) var<storage, read> previousActivation: array<f32>;
@group(0) @binding(4) var<storage, read_write> previousDelta: array<f32>;

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
