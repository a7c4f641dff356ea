// The tree reduction of the single-workgroup kernels (loss.wgsl, fused_step.wgsl), which both sum
// vec4 partials over one workgroup.

// A power of two: the tree reduction halves it.
override WORKGROUP_SIZE: u32 = 64u;

var<workgroup> partial: array<vec4<f32>, WORKGROUP_SIZE>;

// Leaves the sum of `value` over the workgroup in partial[0]. Holds barriers: every invocation must
// call it. Reading partial[0] is left to the caller, which knows whether partial is reused after.
fn reduceToPartial0(lane: u32, value: vec4<f32>) {
  partial[lane] = value;
  workgroupBarrier();
  for (var half = WORKGROUP_SIZE / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      partial[lane] += partial[lane + half];
    }
    workgroupBarrier();
  }
}
