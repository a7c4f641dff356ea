// Loss kernel of one step, one workgroup for the whole batch: lossRowSums (loss_row.wgsl) per row,
// then a tree reduction (workgroup_sum.wgsl) of the four sums into this step's slot of the metrics
// ring.

@group(0) @binding(0) var<uniform> lossShape: LossParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read> rowIndex: array<u32>;
@group(0) @binding(4) var<storage, read_write> outputDelta: array<f32>;
@group(0) @binding(5) var<storage, read_write> metrics: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

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
  var sums = vec4<f32>(0.0);
  for (var row = lane; row < lossShape.batch; row += WORKGROUP_SIZE) {
    sums += lossRowSums(row);
  }
  // This invocation's sums: (Σ (o − t)², Σ cross-entropy terms, Σ (∂L/∂z)², saturated count).
  reduceToPartial0(lane, sums);
  if (lane == 0u) {
    let total = partial[0];
    metrics[step.metricsOffset] = total.x;
    metrics[step.metricsOffset + 1u] = total.y;
    metrics[step.metricsOffset + 2u] = total.z;
    metrics[step.metricsOffset + 3u] = total.w;
  }
}
