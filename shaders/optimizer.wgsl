// One optimizer update of every parameter in a single dispatch over the flat buffer
// (updateParameter in optimizer_update.wgsl).

@group(0) @binding(0) var<uniform> optimizer: OptimizerParams;
@group(0) @binding(1) var<storage, read_write> parameters: array<f32>;
@group(0) @binding(2) var<storage, read> gradient: array<f32>;
@group(0) @binding(3) var<storage, read_write> slots: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

override WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.y * optimizer.rowPitch + id.x;
  if (i >= optimizer.count) {
    return;
  }
  updateParameter(i);
}
