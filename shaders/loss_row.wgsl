// The loss of one batch row, shared by the loss kernel and the fused step kernel: both losses (MSE,
// and cross-entropy from the logits in its stable form), the output delta ∂L/∂z of the loss
// selected for this step, and the row's share of ‖∂L/∂z‖² and of the saturated count.
// Formulas: DESIGN.md "Numerical conventions", rowLoss / rowOutputDelta in src/model/activations.ts.
// The including kernel declares `lossShape: LossParams`, `step: StepParams` and `rowIndex`, and
// defines logitAt(i), targetAt(i) and storeOutputDelta(i, value) over its own buffers.

struct LossParams {
  // Rows of the batch.
  batch: u32,
  // Outputs per row (K).
  outputs: u32,
  // Output activation id: OUTPUT_SIGMOID, OUTPUT_SOFTMAX or OUTPUT_LINEAR.
  outputActivation: u32,
  _pad: u32,
}

// Row `row` of the batch: (Σ (o − t)², Σ cross-entropy terms, Σ (∂L/∂z)², saturated count), and
// its output delta stored through storeOutputDelta.
fn lossRowSums(row: u32) -> vec4<f32> {
  let K = lossShape.outputs;
  let zBase = row * K;
  let tBase = rowIndex[step.indexOffset + row] * K;
  let batchF = f32(lossShape.batch);
  let mseScale = 2.0 / (batchF * f32(K));
  let useCrossEntropy = step.lossId == LOSS_CROSS_ENTROPY;
  var sums = vec4<f32>(0.0);
  if (lossShape.outputActivation == OUTPUT_SOFTMAX) {
    var zMax = logitAt(zBase);
    for (var k = 1u; k < K; k++) {
      zMax = max(zMax, logitAt(zBase + k));
    }
    var expSum = 0.0;
    var tSum = 0.0;
    var tz = 0.0;
    for (var k = 0u; k < K; k++) {
      let z = logitAt(zBase + k);
      let t = targetAt(tBase + k);
      expSum += exp(z - zMax);
      tSum += t;
      tz += t * z;
    }
    // Targets that sum to 1 make this logsumexp(z) − Σ t·z.
    sums.y = tSum * (zMax + log(expSum)) - tz;
    // The largest probability is exp(zMax − zMax)/expSum.
    sums.w = select(0.0, 1.0, 1.0 / expSum > SOFTMAX_SATURATION);
    // Σ_k g_k·o_k of the MSE delta, g = 2(o − t)/(B·K).
    var gDotO = 0.0;
    for (var k = 0u; k < K; k++) {
      let o = exp(logitAt(zBase + k) - zMax) / expSum;
      let diff = o - targetAt(tBase + k);
      sums.x += diff * diff;
      gDotO += mseScale * diff * o;
    }
    for (var k = 0u; k < K; k++) {
      let o = exp(logitAt(zBase + k) - zMax) / expSum;
      let diff = o - targetAt(tBase + k);
      var d = o * (mseScale * diff - gDotO);
      if (useCrossEntropy) {
        d = diff / batchF;
      }
      storeOutputDelta(zBase + k, d);
      sums.z += d * d;
    }
    return sums;
  }
  for (var k = 0u; k < K; k++) {
    let z = logitAt(zBase + k);
    let t = targetAt(tBase + k);
    var o = z;
    var slope = 1.0;
    if (lossShape.outputActivation == OUTPUT_SIGMOID) {
      o = sigmoid(z);
      slope = o * (1.0 - o);
      sums.y += softplus(z) - z * t;
      sums.w += select(0.0, 1.0, slope < SIGMOID_SATURATION);
    }
    let diff = o - t;
    sums.x += diff * diff;
    var d = mseScale * diff * slope;
    if (useCrossEntropy) {
      d = diff / (batchF * f32(K));
    }
    storeOutputDelta(zBase + k, d);
    sums.z += d * d;
  }
  return sums;
}
