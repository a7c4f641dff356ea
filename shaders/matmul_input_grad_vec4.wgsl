// Input-gradient product, vec4 register-tiled variant for layers whose widths and parameter
// offsets are multiples of 4 (InputGradParams in src/gpu/uniforms.ts; other layers use
// matmul_input_grad.wgsl): dZ and W are both read as vec4 along the sum's dimension (their rows),
// and each invocation keeps an 8×8 block of dZ_prev (8 rows, two vec4 of columns i) in registers,
// no workgroup memory. On SwiftShader every storage load is a per-lane gather: this block does 4
// multiply-adds per loaded float, the scalar 8×4 block 2.7 (1024³, side by side: 2.75 against
// 1.86 GFLOP/s).


override WORKGROUP_X: u32 = 4u;
override WORKGROUP_Y: u32 = 4u;

fn storeRow(row: u32, i0: u32, g: vec4<f32>) {
  if (row >= params.rows || i0 >= params.inner) {
    return;
  }
  let quad = (row * params.inner + i0) / 4u;
  let a = previousActivation[quad];
  let f = params.activation;
  previousDelta[quad] = g * vec4<f32>(derivativeFromOutput(f, a.x), derivativeFromOutput(f, a.y), derivativeFromOutput(f, a.z), derivativeFromOutput(f, a.w));
}

// Index of the first vec4 of W's row i (clamped to the last row: its results are discarded).
fn weightRowQuad(i: u32) -> u32 {
  return (params.weightOffset + min(i, params.inner - 1u) * params.cols) / 4u;
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i0 = id.x * 8u;
  let row0 = id.y * 8u;
  if (row0 >= params.rows || i0 >= params.inner) {
    return;
  }
  let w0 = weightRowQuad(i0 + 0u);
  let w1 = weightRowQuad(i0 + 1u);
  let w2 = weightRowQuad(i0 + 2u);
  let w3 = weightRowQuad(i0 + 3u);
  let w4 = weightRowQuad(i0 + 4u);
  let w5 = weightRowQuad(i0 + 5u);
  let w6 = weightRowQuad(i0 + 6u);
  let w7 = weightRowQuad(i0 + 7u);
  let quadsPerRow = params.cols / 4u;
  let lastRow = params.rows - 1u;
  let d0 = min(row0 + 0u, lastRow) * quadsPerRow;
  let d1 = min(row0 + 1u, lastRow) * quadsPerRow;
  let d2 = min(row0 + 2u, lastRow) * quadsPerRow;
  let d3 = min(row0 + 3u, lastRow) * quadsPerRow;
  let d4 = min(row0 + 4u, lastRow) * quadsPerRow;
  let d5 = min(row0 + 5u, lastRow) * quadsPerRow;
  let d6 = min(row0 + 6u, lastRow) * quadsPerRow;
  let d7 = min(row0 + 7u, lastRow) * quadsPerRow;
  // Columns i0…i0+3 (left) and i0+4…i0+7 (right) of dZ_prev.
  var left0 = vec4<f32>(0.0);
  var left1 = vec4<f32>(0.0);
  var left2 = vec4<f32>(0.0);
  var left3 = vec4<f32>(0.0);
  var left4 = vec4<f32>(0.0);
  var left5 = vec4<f32>(0.0);
  var left6 = vec4<f32>(0.0);
  var left7 = vec4<f32>(0.0);
  var right0 = vec4<f32>(0.0);
  var right1 = vec4<f32>(0.0);
  var right2 = vec4<f32>(0.0);
  var right3 = vec4<f32>(0.0);
  var right4 = vec4<f32>(0.0);
  var right5 = vec4<f32>(0.0);
  var right6 = vec4<f32>(0.0);
  var right7 = vec4<f32>(0.0);
  for (var j = 0u; j < quadsPerRow; j++) {
    let x0 = parameters[w0 + j];
    let x1 = parameters[w1 + j];
    let x2 = parameters[w2 + j];
    let x3 = parameters[w3 + j];
    let x4 = parameters[w4 + j];
    let x5 = parameters[w5 + j];
    let x6 = parameters[w6 + j];
    let x7 = parameters[w7 + j];
    var d = delta[d0 + j];
    left0 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right0 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
    d = delta[d1 + j];
    left1 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right1 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
    d = delta[d2 + j];
    left2 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right2 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
    d = delta[d3 + j];
    left3 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right3 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
    d = delta[d4 + j];
    left4 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right4 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
    d = delta[d5 + j];
    left5 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right5 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
    d = delta[d6 + j];
    left6 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right6 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
    d = delta[d7 + j];
    left7 += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
    right7 += vec4<f32>(dot(d, x4), dot(d, x5), dot(d, x6), dot(d, x7));
  }
  storeRows8(row0, i0, left0, left1, left2, left3, left4, left5, left6, left7);
  storeRows8(row0, i0 + 4u, right0, right1, right2, right3, right4, right5, right6, right7);
}
