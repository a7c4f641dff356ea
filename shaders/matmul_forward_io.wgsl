// Forward product of one layer with bias and activation fused: out = f(A·W + b), A [rows, inner]
// (rows gathered through the batch's row indices for the first layer), W [inner, cols] and b [cols]
// read from the flat parameter buffer. The epilogue of the scalar form, shared by matmul_forward.wgsl
// (registers, layers not aligned to vec4) and matmul_forward_shared.wgsl (workgroup-memory tiles);
// matmul_forward_vec4.wgsl has its own. Bindings and ForwardParams: forwardBindings in
// src/gpu/kernels.ts.

fn inputRowBase(row: u32) -> u32 {
  // Rows past the end are clamped to the last one: their results are computed and discarded.
  return batchInputRow(min(row, params.rows - 1u)) * params.inner;
}

fn storeRow(row: u32, col0: u32, z: vec4<f32>) {
  if (row >= params.rows) {
    return;
  }
  let base = row * params.cols;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + j < params.cols) {
      output[base + col0 + j] = activate(params.activation, z[j]);
    }
  }
}
