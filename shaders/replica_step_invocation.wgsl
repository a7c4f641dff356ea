// One step of every replica, an invocation per replica: each invocation runs its replica's whole
// step alone, phase after phase, with no barrier and no reduction. A CPU adapter runs neighbouring
// invocations in the lanes of one SIMD group, so the replicas share its vector units.

// Replicas per workgroup.
override WORKGROUP_SIZE: u32 = 64u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  // The last workgroup may reach past the last replica.
  if (id.x >= replicaShape.replicas) {
    return;
  }
  selectReplica(id.x);
  gatherBatch(0u, 1u);
  for (var l = 0u; l < network.layerCount; l++) {
    forwardLayer(l, 0u, 1u);
  }
  let lossSums = batchRowSums(0u, 1u);
  for (var c = 0u; c < METRIC_ROW_VEC4S; c++) {
    storeRowSums(c, lossSums[c]);
  }
  for (var back = 0u; back < network.layerCount; back++) {
    let l = network.layerCount - 1u - back;
    storeLayerNorms(l, layerGradient(l, 0u, 1u));
    if (l > 0u) {
      backpropagateDelta(l, 0u, 1u);
    }
  }
  updateParameters(0u, 1u);
}
