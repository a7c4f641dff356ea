// Loss kernel of one step, one workgroup for the whole batch: from the logits z of the output layer
// and the batch's targets it computes BOTH losses (MSE, and cross-entropy from the logits in its
// stable form), the output delta ∂L/∂z of the loss selected for this step, ‖∂L/∂z‖² and the number
// of saturated outputs, and writes the four sums into this step's slot of the metrics ring.
// Formulas: DESIGN.md "Numerical conventions" and rowLoss / rowOutputDelta in src/model/activations.ts.

struct LossParams {
  // Rows of the batch.
  batch: u32,
  // Outputs per row (K).
  outputs: u32,
  // Output activation id: ACT_SIGMOID, ACT_SOFTMAX or ACT_LINEAR.
  outputActivation: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: LossParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read> rowIndex: array<u32>;
@group(0) @binding(4) var<storage, read_write> outputDelta: array<f32>;
@group(0) @binding(5) var<storage, read_write> metrics: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

// A power of two: the tree reduction halves it.
override WORKGROUP_SIZE: u32 = 256u;

// Per-invocation partial sums: (Σ (o − t)², Σ cross-entropy terms, Σ (∂L/∂z)², saturated count).
var<workgroup> partial: array<vec4<f32>, WORKGROUP_SIZE>;

fn rowSums(row: u32) -> vec4<f32> {
  let K = params.outputs;
  let zBase = row * K;
  let tBase = rowIndex[step.indexOffset + row] * K;
  let batchF = f32(params.batch);
  let mseScale = 2.0 / (batchF * f32(K));
  let useCrossEntropy = step.lossId == LOSS_CROSS_ENTROPY;
  var sums = vec4<f32>(0.0);
  if (params.outputActivation == ACT_SOFTMAX) {
    var zMax = logits[zBase];
    for (var k = 1u; k < K; k++) {
      zMax = max(zMax, logits[zBase + k]);
    }
    var expSum = 0.0;
    var tSum = 0.0;
    var tz = 0.0;
    for (var k = 0u; k < K; k++) {
      let z = logits[zBase + k];
      let t = targets[tBase + k];
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
      let o = exp(logits[zBase + k] - zMax) / expSum;
      let diff = o - targets[tBase + k];
      sums.x += diff * diff;
      gDotO += mseScale * diff * o;
    }
    for (var k = 0u; k < K; k++) {
      let o = exp(logits[zBase + k] - zMax) / expSum;
      let diff = o - targets[tBase + k];
      var d = o * (mseScale * diff - gDotO);
      if (useCrossEntropy) {
        d = diff / batchF;
      }
      outputDelta[zBase + k] = d;
      sums.z += d * d;
    }
    return sums;
  }
  for (var k = 0u; k < K; k++) {
    let z = logits[zBase + k];
    let t = targets[tBase + k];
    var o = z;
    var slope = 1.0;
    if (params.outputActivation == ACT_SIGMOID) {
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
    outputDelta[zBase + k] = d;
    sums.z += d * d;
  }
  return sums;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lane: u32) {
  var sums = vec4<f32>(0.0);
  for (var row = lane; row < params.batch; row += WORKGROUP_SIZE) {
    sums += rowSums(row);
  }
  partial[lane] = sums;
  workgroupBarrier();
  for (var half = WORKGROUP_SIZE / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      partial[lane] += partial[lane + half];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    let total = partial[0];
    metrics[step.metricsOffset] = total.x;
    metrics[step.metricsOffset + 1u] = total.y;
    metrics[step.metricsOffset + 2u] = total.z;
    metrics[step.metricsOffset + 3u] = total.w;
  }
}
