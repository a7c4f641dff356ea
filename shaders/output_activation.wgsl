// Output activation of evaluated rows (training computes it inside the loss kernel): row-wise
// softmax with the maximum subtracted, or element-wise sigmoid or identity. One invocation per row.

struct OutputParams {
  // Rows to activate.
  rows: u32,
  // Outputs per row (K).
  outputs: u32,
  // OUTPUT_SIGMOID, OUTPUT_SOFTMAX or OUTPUT_LINEAR.
  outputActivation: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: OutputParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> outputs: array<f32>;

override WORKGROUP_SIZE: u32 = 64u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x;
  if (row >= params.rows) {
    return;
  }
  let K = params.outputs;
  let base = row * K;
  if (params.outputActivation == OUTPUT_SOFTMAX) {
    var zMax = logits[base];
    for (var k = 1u; k < K; k++) {
      zMax = max(zMax, logits[base + k]);
    }
    var expSum = 0.0;
    for (var k = 0u; k < K; k++) {
      expSum += exp(logits[base + k] - zMax);
    }
    for (var k = 0u; k < K; k++) {
      outputs[base + k] = exp(logits[base + k] - zMax) / expSum;
    }
    return;
  }
  for (var k = 0u; k < K; k++) {
    let z = logits[base + k];
    outputs[base + k] = select(z, sigmoid(z), params.outputActivation == OUTPUT_SIGMOID);
  }
}
