// Weight-gradient product, vec4 register-tiled variant for layers whose widths and parameter
// offsets are multiples of 4 (WeightGradParams in src/gpu/uniforms.ts; other layers use
// matmul_weight_grad.wgsl): each invocation keeps an 8×8 block of G = [A | 1]ᵀ·dZ (8 rows i, two
// vec4 of columns) in registers and walks the batch, reading per row two vec4 of A and two of dZ,
// both along their contiguous dimension; no workgroup memory. On SwiftShader every storage load is
// a per-lane gather: this block does 4 multiply-adds per loaded float, the scalar 8×4 block 2.7.


override WORKGROUP_X: u32 = 4u;
override WORKGROUP_Y: u32 = 4u;

// Row `i` of G, columns col0…col0+3; row `inner` is ∂L/∂b.
fn storeRow(i: u32, col0: u32, g: vec4<f32>) {
  if (i > params.inner || col0 >= params.cols) {
    return;
  }
  gradient[(params.weightOffset + i * params.cols + col0) / 4u] = g;
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col0 = id.x * 8u;
  let i0 = id.y * 8u;
  if (i0 > params.inner || col0 >= params.cols) {
    return;
  }
  // The block's rows i0…i0+3 (upper) and i0+4…i0+7 (lower) of [A | 1]ᵀ, read as one vec4 of an A
  // row each. inner is a multiple of 4, so the appended column of ones starts a quad: a quad at or
  // past `inner` reads (1, 0, 0, 0), whose row `inner` is the bias gradient and whose other rows
  // are discarded by storeRow.
  let quadsPerInputRow = params.inner / 4u;
  let upperQuad = min(i0 / 4u, quadsPerInputRow - 1u);
  let upperOnes = i0 >= params.inner;
  let lowerQuad = min(i0 / 4u + 1u, quadsPerInputRow - 1u);
  let lowerOnes = i0 + 4u >= params.inner;
  let ones = vec4<f32>(1.0, 0.0, 0.0, 0.0);
  // Columns col0…col0+3 (left) and col0+4…col0+7 (right) of dZ; a right quad past the last column
  // is clamped to the last quad and its results discarded.
  let quadsPerDeltaRow = params.cols / 4u;
  let rightOffset = min(col0 / 4u + 1u, quadsPerDeltaRow - 1u) - col0 / 4u;
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
  var d = col0 / 4u;
  for (var r = 0u; r < params.batch; r++) {
    let source = batchInputRow(r);
    let a = source * quadsPerInputRow;
    let upper = select(input[a + upperQuad], ones, upperOnes);
    let lower = select(input[a + lowerQuad], ones, lowerOnes);
    let left = delta[d];
    let right = delta[d + rightOffset];
    d += quadsPerDeltaRow;
    left0 += upper.x * left;
    left1 += upper.y * left;
    left2 += upper.z * left;
    left3 += upper.w * left;
    left4 += lower.x * left;
    left5 += lower.y * left;
    left6 += lower.z * left;
    left7 += lower.w * left;
    right0 += upper.x * right;
    right1 += upper.y * right;
    right2 += upper.z * right;
    right3 += upper.w * right;
    right4 += lower.x * right;
    right5 += lower.y * right;
    right6 += lower.z * right;
    right7 += lower.w * right;
  }
  storeRows8(i0, col0, left0, left1, left2, left3, left4, left5, left6, left7);
  storeRows8(i0, col0 + 4u, right0, right1, right2, right3, right4, right5, right6, right7);
}
