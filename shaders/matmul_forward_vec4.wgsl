// Forward product, vec4 register-tiled variant for layers whose widths and parameter offsets are
// multiples of 4 (ForwardParams in src/gpu/uniforms.ts; other layers use matmul_forward.wgsl): A, W,
// b and the output are read and written as vec4 along their contiguous dimension, and each
// invocation keeps an 8×8 output block (8 rows, two vec4 of columns) in registers, no workgroup
// memory. On SwiftShader every storage load is a per-lane gather, so the fewer loads per
// multiply-add the better: this block does 4 multiply-adds per loaded float, the scalar 8×4 block
// 2.7 (1024³, side by side: 2.48 against 1.92 GFLOP/s at load average 8-11).


override WORKGROUP_X: u32 = 4u;
override WORKGROUP_Y: u32 = 4u;

// Index of the first vec4 of A's row `row`. Rows past the end are clamped to the last one: their
// results are computed and discarded.
fn inputRowQuad(row: u32) -> u32 {
  return batchInputRow(min(row, params.rows - 1u)) * (params.inner / 4u);
}

fn storeRow(row: u32, col0: u32, z: vec4<f32>) {
  if (row >= params.rows || col0 >= params.cols) {
    return;
  }
  let f = params.activation;
  output[(row * params.cols + col0) / 4u] = vec4<f32>(activate(f, z.x), activate(f, z.y), activate(f, z.z), activate(f, z.w));
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col0 = id.x * 8u;
  let row0 = id.y * 8u;
  if (row0 >= params.rows || col0 >= params.cols) {
    return;
  }
  let a0 = inputRowQuad(row0 + 0u);
  let a1 = inputRowQuad(row0 + 1u);
  let a2 = inputRowQuad(row0 + 2u);
  let a3 = inputRowQuad(row0 + 3u);
  let a4 = inputRowQuad(row0 + 4u);
  let a5 = inputRowQuad(row0 + 5u);
  let a6 = inputRowQuad(row0 + 6u);
  let a7 = inputRowQuad(row0 + 7u);
  // Columns col0…col0+3 (left) and col0+4…col0+7 (right); a right quad past the last column is
  // clamped to the last quad and its results discarded.
  let quadsPerRow = params.cols / 4u;
  let rightOffset = min(col0 / 4u + 1u, quadsPerRow - 1u) - col0 / 4u;
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
  // w: W's row k at the block's left quad; each iteration consumes 4 rows of W (k…k+3).
  var w = (params.weightOffset + col0) / 4u;
  for (var kQuad = 0u; kQuad < params.inner / 4u; kQuad++) {
    let l0 = parameters[w];
    let l1 = parameters[w + quadsPerRow];
    let l2 = parameters[w + 2u * quadsPerRow];
    let l3 = parameters[w + 3u * quadsPerRow];
    let r0 = parameters[w + rightOffset];
    let r1 = parameters[w + rightOffset + quadsPerRow];
    let r2 = parameters[w + rightOffset + 2u * quadsPerRow];
    let r3 = parameters[w + rightOffset + 3u * quadsPerRow];
    w += 4u * quadsPerRow;
    var a = input[a0 + kQuad];
    left0 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right0 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
    a = input[a1 + kQuad];
    left1 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right1 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
    a = input[a2 + kQuad];
    left2 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right2 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
    a = input[a3 + kQuad];
    left3 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right3 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
    a = input[a4 + kQuad];
    left4 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right4 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
    a = input[a5 + kQuad];
    left5 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right5 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
    a = input[a6 + kQuad];
    left6 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right6 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
    a = input[a7 + kQuad];
    left7 += a.x * l0 + a.y * l1 + a.z * l2 + a.w * l3;
    right7 += a.x * r0 + a.y * r1 + a.z * r2 + a.w * r3;
  }
  let b = (params.biasOffset + col0) / 4u;
  let leftBias = parameters[b];
  let rightBias = parameters[b + rightOffset];
  storeRows8(row0, col0, left0 + leftBias, left1 + leftBias, left2 + leftBias, left3 + leftBias, left4 + leftBias, left5 + leftBias, left6 + leftBias, left7 + leftBias);
  storeRows8(row0, col0 + 4u, right0 + rightBias, right1 + rightBias, right2 + rightBias, right3 + rightBias, right4 + rightBias, right5 + rightBias, right6 + rightBias, right7 + rightBias);
}
