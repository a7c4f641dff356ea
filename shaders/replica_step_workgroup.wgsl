// One step of every replica, a workgroup per replica (dispatched R × 1): the workgroup shares the
// fused step's phases among its invocations, with barriers between them (fused_step.wgsl).

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) group: vec3<u32>) {
  selectReplica(group.x);
  fusedStep(lane);
}
