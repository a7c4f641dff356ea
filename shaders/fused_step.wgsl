// A whole training step of one network by one workgroup, for networks small enough that a dispatch
// costs more than their arithmetic: the phases of step_phases.wgsl (forward, loss, weight and bias
// gradients with their squared norms, deltas with the activation derivative, the optimizer update)
// shared among the workgroup's invocations and separated by barriers instead of dispatches. Every
// loop bound comes from a uniform, so every barrier is reached by the whole workgroup. The entry
// point that calls fusedStep selects the network first (fused_step_main.wgsl, replica_step_workgroup.wgsl).

// Sum of `value` over the workgroup. Holds barriers: every invocation must call it.
fn workgroupSum(lane: u32, value: vec4<f32>) -> vec4<f32> {
  reduceToPartial0(lane, value);
  let total = partial[0];
  // Nobody may overwrite partial[0] (next call) before everyone has read it.
  workgroupBarrier();
  return total;
}

// One step of the selected network, this invocation being lane `lane` of the workgroup.
fn fusedStep(lane: u32) {
  let layerCount = network.layerCount;
  gatherBatch(lane, WORKGROUP_SIZE);
  storageBarrier();

  for (var l = 0u; l < layerCount; l++) {
    forwardLayer(l, lane, WORKGROUP_SIZE);
    storageBarrier();
  }

  let lossSums = batchRowSums(lane, WORKGROUP_SIZE);
  for (var c = 0u; c < METRIC_ROW_VEC4S; c++) {
    let lossTotals = workgroupSum(lane, lossSums[c]);
    if (lane == 0u) {
      storeRowSums(c, lossTotals);
    }
  }
  storageBarrier();

  for (var back = 0u; back < layerCount; back++) {
    let l = layerCount - 1u - back;
    let layerSquares = workgroupSum(lane, layerGradient(l, lane, WORKGROUP_SIZE));
    if (lane == 0u) {
      storeLayerNorms(l, layerSquares);
    }
    if (l > 0u) {
      backpropagateDelta(l, lane, WORKGROUP_SIZE);
    }
    storageBarrier();
  }

  updateParameters(lane, WORKGROUP_SIZE);
}
