// The fused step of a single network (fusedStepKernel in src/gpu/kernels.ts): one workgroup, the
// network at the start of every buffer, its samples in `inputs` and `targets`.

fn inputAt(i: u32) -> f32 {
  return inputs[i];
}

fn targetAt(i: u32) -> f32 {
  return targets[i];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lane: u32) {
  selectNetwork(0u, 0u);
  fusedStep(lane);
}
