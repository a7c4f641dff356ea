// Output activation of evaluated rows (training applies it inside the loss kernel), through the
// output table's functions (outputs.wgsl and its generated dispatchers). One invocation per row.
// Bindings: OUTPUT_ACTIVATION_KERNEL in src/gpu/kernels.ts.

override WORKGROUP_SIZE: u32 = 64u;

fn logitAt(i: u32) -> f32 {
  return logits[i];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x;
  if (row >= params.rows) {
    return;
  }
  let K = params.outputs;
  let base = row * K;
  let kind = params.outputActivation;
  let stats = outputPrepare(kind, base, K);
  for (var k = 0u; k < K; k++) {
    outputs[base + k] = outputValue(kind, logits[base + k], stats);
  }
}
