// The output activations of src/model/activations.ts (OUTPUTS), over one row of logits read with
// logitAt(i), which the including kernel defines. For each entry `name`:
// - output_<name>_prepare(zBase, outputs): what the row needs before any o_k can be computed
//   (softmax: the largest logit and Σ exp(z − max); the others need nothing);
// - output_<name>_value(z, stats): o_k from z_k and those statistics;
// - output_<name>_saturated(zBase, outputs, stats): the row's saturated count (OUTPUTS[name].saturatedInRow).
// The dispatchers outputPrepare, outputValue and outputSaturated are generated from the table.

fn output_sigmoid_prepare(zBase: u32, outputs: u32) -> vec2<f32> {
  return vec2<f32>(0.0);
}

fn output_sigmoid_value(z: f32, stats: vec2<f32>) -> f32 {
  return sigmoid(z);
}

// Elements with o(1 − o) < SIGMOID_SATURATION.
fn output_sigmoid_saturated(zBase: u32, outputs: u32, stats: vec2<f32>) -> f32 {
  var saturated = 0.0;
  for (var k = 0u; k < outputs; k++) {
    let o = sigmoid(logitAt(zBase + k));
    saturated += select(0.0, 1.0, o * (1.0 - o) < SIGMOID_SATURATION);
  }
  return saturated;
}

// (max_k z_k, Σ_k exp(z_k − max)): subtracting the maximum keeps exp() from overflowing.
fn output_softmax_prepare(zBase: u32, outputs: u32) -> vec2<f32> {
  var zMax = logitAt(zBase);
  for (var k = 1u; k < outputs; k++) {
    zMax = max(zMax, logitAt(zBase + k));
  }
  var expSum = 0.0;
  for (var k = 0u; k < outputs; k++) {
    expSum += exp(logitAt(zBase + k) - zMax);
  }
  return vec2<f32>(zMax, expSum);
}

fn output_softmax_value(z: f32, stats: vec2<f32>) -> f32 {
  return exp(z - stats.x) / stats.y;
}

// 1 when the row's largest probability, exp(zMax − zMax)/Σ = 1/Σ, exceeds SOFTMAX_SATURATION.
fn output_softmax_saturated(zBase: u32, outputs: u32, stats: vec2<f32>) -> f32 {
  return select(0.0, 1.0, 1.0 / stats.y > SOFTMAX_SATURATION);
}

fn output_linear_prepare(zBase: u32, outputs: u32) -> vec2<f32> {
  return vec2<f32>(0.0);
}

fn output_linear_value(z: f32, stats: vec2<f32>) -> f32 {
  return z;
}

// A linear output never saturates.
fn output_linear_saturated(zBase: u32, outputs: u32, stats: vec2<f32>) -> f32 {
  return 0.0;
}
