// Delta of the previous layer with the activation derivative fused:
// dZ_prev = (dZ·Wᵀ) ⊙ f'(A_prev), dZ [rows, cols], W [inner, cols] from the flat parameter buffer,
// A_prev and dZ_prev [rows, inner]. f' is taken from A_prev (derivativeFromOutput in common.wgsl).
// Each invocation computes a 4×4 block in registers, no workgroup memory.

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

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

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

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i0 = id.x * 4u;
  let row0 = id.y * 4u;
  if (row0 >= params.rows || i0 >= params.inner) {
    return;
  }
  let lastInner = params.inner - 1u;
  let w = vec4<u32>(min(i0, lastInner), min(i0 + 1u, lastInner), min(i0 + 2u, lastInner), min(i0 + 3u, lastInner)) * params.cols + vec4<u32>(params.weightOffset);
  let lastRow = params.rows - 1u;
  let d = vec4<u32>(min(row0, lastRow), min(row0 + 1u, lastRow), min(row0 + 2u, lastRow), min(row0 + 3u, lastRow)) * params.cols;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var j = 0u; j < params.cols; j++) {
    let wj = vec4<f32>(parameters[w.x + j], parameters[w.y + j], parameters[w.z + j], parameters[w.w + j]);
    acc0 += delta[d.x + j] * wj;
    acc1 += delta[d.y + j] * wj;
    acc2 += delta[d.z + j] * wj;
    acc3 += delta[d.w + j] * wj;
  }
  storeRow(row0, i0, acc0);
  storeRow(row0 + 1u, i0, acc1);
  storeRow(row0 + 2u, i0, acc2);
  storeRow(row0 + 3u, i0, acc3);
}
