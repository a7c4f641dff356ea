// Squared norms of the gradient, one workgroup per segment of the flat gradient (segment 2l is
// ∂L/∂W_l, 2l+1 is ∂L/∂b_l), written into this step's slot of the metrics ring after the row sums
// (METRIC_LAYER_NORMS). Bindings: gradNormsKernel in src/gpu/kernels.ts; the host writes the
// segments as (offset, length) pairs of u32.

struct Segment {
  // First index of the segment in the gradient buffer.
  offset: u32,
  // Number of elements.
  length: u32,
}


// A power of two: the tree reduction halves it.
override WORKGROUP_SIZE: u32 = 256u;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let segment = segments[group.x];
  var sum = 0.0;
  for (var i = lane; i < segment.length; i += WORKGROUP_SIZE) {
    let g = gradient[segment.offset + i];
    sum += g * g;
  }
  partial[lane] = sum;
  workgroupBarrier();
  for (var half = WORKGROUP_SIZE / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      partial[lane] += partial[lane + half];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    metrics[step.metricsOffset + METRIC_LAYER_NORMS + group.x] = partial[0];
  }
}
