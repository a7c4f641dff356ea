// The losses of src/model/losses.ts (LOSSES), over one batch row (LossRow, loss_row.wgsl). For each
// entry `name`:
// - loss_<name>_sum(row): Σ over the row of the unnormalised loss (LOSSES[name].rowSum); the host
//   divides the batch's sum by LOSSES[name].denominator;
// - loss_<name>_delta(row): stores ∂L/∂z of the row (LOSSES[name].rowDelta, L the batch mean)
//   through storeOutputDelta and returns Σ_k (∂L/∂z_k)².
// A loss returns 0 on an output it does not allow; the host reports NaN there. The dispatchers are
// generated from the table (src/gpu/wgsl-tables.ts).

// log(1 + x) for x ≥ 0, accurate when x is tiny (WGSL has no log1p): log(u)·x/(u − 1) with u = 1 + x
// cancels the rounding of u.
fn log1plus(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) {
    return x;
  }
  return log(u) * x / (u - 1.0);
}

// log(1 + exp(z)) without overflow.
fn softplus(z: f32) -> f32 {
  return max(z, 0.0) + log1plus(exp(-abs(z)));
}

// Σ_k (o_k − t_k)².
fn loss_mse_sum(row: LossRow) -> f32 {
  var sum = 0.0;
  for (var k = 0u; k < row.outputs; k++) {
    let diff = outputValue(row.output, logitAt(row.zBase + k), row.stats) - targetAt(row.tBase + k);
    sum += diff * diff;
  }
  return sum;
}

// sigmoid: 2(o − t)·o(1 − o)/(B·K); softmax: o ⊙ (g − Σ_k g_k·o_k) with g = 2(o − t)/(B·K);
// linear: 2(o − t)/(B·K).
fn loss_mse_delta(row: LossRow) -> f32 {
  let scale = 2.0 / (row.batch * f32(row.outputs));
  var squares = 0.0;
  if (row.output == OUTPUT_SOFTMAX) {
    var gDotO = 0.0;
    for (var k = 0u; k < row.outputs; k++) {
      let o = outputValue(row.output, logitAt(row.zBase + k), row.stats);
      gDotO += scale * (o - targetAt(row.tBase + k)) * o;
    }
    for (var k = 0u; k < row.outputs; k++) {
      let o = outputValue(row.output, logitAt(row.zBase + k), row.stats);
      let d = o * (scale * (o - targetAt(row.tBase + k)) - gDotO);
      storeOutputDelta(row.zBase + k, d);
      squares += d * d;
    }
    return squares;
  }
  for (var k = 0u; k < row.outputs; k++) {
    let o = outputValue(row.output, logitAt(row.zBase + k), row.stats);
    let slope = select(1.0, o * (1.0 - o), row.output == OUTPUT_SIGMOID);
    let d = scale * (o - targetAt(row.tBase + k)) * slope;
    storeOutputDelta(row.zBase + k, d);
    squares += d * d;
  }
  return squares;
}

// From the logits: softmax, logsumexp(z) − Σ t·z (times Σ t, which is 1 for class targets);
// sigmoid, Σ max(z, 0) − z·t + log(1 + exp(−|z|)).
fn loss_cross_entropy_sum(row: LossRow) -> f32 {
  if (row.output == OUTPUT_SOFTMAX) {
    var tSum = 0.0;
    var tz = 0.0;
    for (var k = 0u; k < row.outputs; k++) {
      let t = targetAt(row.tBase + k);
      tSum += t;
      tz += t * logitAt(row.zBase + k);
    }
    return tSum * (row.stats.x + log(row.stats.y)) - tz;
  }
  if (row.output != OUTPUT_SIGMOID) {
    return 0.0;
  }
  var sum = 0.0;
  for (var k = 0u; k < row.outputs; k++) {
    let z = logitAt(row.zBase + k);
    sum += softplus(z) - z * targetAt(row.tBase + k);
  }
  return sum;
}

// (o − t)/B for softmax, (o − t)/(B·K) for sigmoid: the saturation factor cancels.
fn loss_cross_entropy_delta(row: LossRow) -> f32 {
  let denominator = select(row.batch * f32(row.outputs), row.batch, row.output == OUTPUT_SOFTMAX);
  var squares = 0.0;
  for (var k = 0u; k < row.outputs; k++) {
    let o = outputValue(row.output, logitAt(row.zBase + k), row.stats);
    let d = (o - targetAt(row.tBase + k)) / denominator;
    storeOutputDelta(row.zBase + k, d);
    squares += d * d;
  }
  return squares;
}
