// Loss kernel of one step, one workgroup for the whole batch: lossRowMetrics (generated from the loss
// table, src/gpu/wgsl-tables.ts) per row, then a tree reduction (workgroup_sum.wgsl) of the row
// sums (every loss, Σ(∂L/∂z)², the saturated count) into this step's slot of the metrics ring.
// Bindings: lossKernel in src/gpu/kernels.ts.

fn logitAt(i: u32) -> f32 {
  return logits[i];
}

fn targetAt(i: u32) -> f32 {
  return targets[i];
}

fn storeOutputDelta(i: u32, value: f32) {
  outputDelta[i] = value;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lane: u32) {
  var sums = array<vec4<f32>, METRIC_ROW_VEC4S>();
  for (var row = lane; row < lossShape.batch; row += WORKGROUP_SIZE) {
    let rowSums = lossRowMetrics(row);
    for (var c = 0u; c < METRIC_ROW_VEC4S; c++) {
      sums[c] += rowSums[c];
    }
  }
  // Only lane 0 reads partial[0] between two reductions, and it reads before it writes again.
  for (var c = 0u; c < METRIC_ROW_VEC4S; c++) {
    reduceToPartial0(lane, sums[c]);
    if (lane == 0u) {
      let total = partial[0];
      for (var j = 0u; j < 4u && 4u * c + j < METRIC_ROW_SUMS; j++) {
        metrics[step.metricsOffset + 4u * c + j] = total[j];
      }
    }
  }
}
