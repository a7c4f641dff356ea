// The epilogue shared by the six register-tiled products (matmul_{forward,weight_grad,input_grad}
// .wgsl and their _vec4 forms), whose invocations each hold 8 rows of 4-column accumulators: the
// kernel's own storeRow(row, col0, value) (in matmul_*_io.wgsl or the vec4 file) bounds-checks and
// writes one of them, applying that product's activation or derivative.

fn storeRows8(row0: u32, col0: u32, z0: vec4<f32>, z1: vec4<f32>, z2: vec4<f32>, z3: vec4<f32>, z4: vec4<f32>, z5: vec4<f32>, z6: vec4<f32>, z7: vec4<f32>) {
  storeRow(row0 + 0u, col0, z0);
  storeRow(row0 + 1u, col0, z1);
  storeRow(row0 + 2u, col0, z2);
  storeRow(row0 + 3u, col0, z3);
  storeRow(row0 + 4u, col0, z4);
  storeRow(row0 + 5u, col0, z5);
  storeRow(row0 + 6u, col0, z6);
  storeRow(row0 + 7u, col0, z7);
}
