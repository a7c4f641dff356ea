// Delta of the previous layer with the activation derivative fused:
// dZ_prev = (dZ·Wᵀ) ⊙ f'(A_prev), dZ [rows, cols], W [inner, cols] from the flat parameter buffer,
// A_prev and dZ_prev [rows, inner]. f' is taken from A_prev (derivativeFromOutput in common.wgsl).
// The interface shared by both variants (registers only, and workgroup-memory tiles).

struct InputGradParams {
  // Rows of dZ and dZ_prev (batch size).
  rows: u32,
  // Columns of dZ (fan-out of this layer): the length of the sum.
  cols: u32,
  // Columns of dZ_prev (fan-in of this layer).
  inner: u32,
  // Index of W[0][0] in the parameter buffer.
  weightOffset: u32,
  // Activation id of the previous layer, whose derivative multiplies the product.
  activation: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

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
