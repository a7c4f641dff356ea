// One optimizer update of every parameter in a single dispatch over the flat buffer
// (updateParameter, generated from the optimizer table). Bindings: optimizerKernel in
// src/gpu/kernels.ts.


override WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.y * optimizer.rowPitch + id.x;
  if (i >= optimizer.count) {
    return;
  }
  updateParameter(i);
}
