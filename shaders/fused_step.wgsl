// A whole training step in one dispatch of one workgroup, for networks small enough that a
// dispatch costs more than their arithmetic: forward, loss (lossRowMetrics, generated from the loss
// table), weight and bias gradients with their squared norms, deltas with the activation
// derivative, and the optimizer update (updateParameter, generated from the optimizer table),
// separated by barriers instead of dispatches. Every loop bound comes from a uniform, so every
// barrier is reached by the whole workgroup.

// Bindings, NetworkShape and LayerShape: fusedStepKernel in src/gpu/kernels.ts and src/gpu/uniforms.ts.

// Where the loss kernel's logits and output delta sit in `scratch`; set once at the start of main
// (a uniform array element read per logit is costly on CPU adapters).
var<private> logitsOffset: u32;
var<private> outputDeltaOffset: u32;

fn logitAt(i: u32) -> f32 {
  return scratch[logitsOffset + i];
}

fn targetAt(i: u32) -> f32 {
  return targets[i];
}

fn storeOutputDelta(i: u32, value: f32) {
  scratch[outputDeltaOffset + i] = value;
}

// Sum of `value` over the workgroup. Holds barriers: every invocation must call it.
fn workgroupSum(lane: u32, value: vec4<f32>) -> vec4<f32> {
  reduceToPartial0(lane, value);
  let total = partial[0];
  // Nobody may overwrite partial[0] (next call) before everyone has read it.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lane: u32) {
  let batch = network.batch;
  let layerCount = network.layerCount;
  let lastLayer = network.layers[layerCount - 1u];
  logitsOffset = lastLayer.activationOffset;
  outputDeltaOffset = lastLayer.deltaOffset;

  // The batch's input rows, gathered once so every layer reads its input from `scratch` alike.
  let first = network.layers[0];
  for (var e = lane; e < batch * first.fanIn; e += WORKGROUP_SIZE) {
    let r = e / first.fanIn;
    scratch[first.inputOffset + e] = inputs[rowIndex[step.indexOffset + r] * first.fanIn + e % first.fanIn];
  }
  storageBarrier();

  for (var l = 0u; l < layerCount; l++) {
    let layer = network.layers[l];
    for (var e = lane; e < batch * layer.fanOut; e += WORKGROUP_SIZE) {
      let r = e / layer.fanOut;
      let j = e % layer.fanOut;
      let a = layer.inputOffset + r * layer.fanIn;
      var z = 0.0;
      for (var k = 0u; k < layer.fanIn; k++) {
        z += scratch[a + k] * parameters[layer.weightOffset + k * layer.fanOut + j];
      }
      scratch[layer.activationOffset + e] = activate(layer.activation, z + parameters[layer.biasOffset + j]);
    }
    storageBarrier();
  }

  var lossSums = array<vec4<f32>, METRIC_ROW_VEC4S>();
  for (var row = lane; row < batch; row += WORKGROUP_SIZE) {
    let rowSums = lossRowMetrics(row);
    for (var c = 0u; c < METRIC_ROW_VEC4S; c++) {
      lossSums[c] += rowSums[c];
    }
  }
  for (var c = 0u; c < METRIC_ROW_VEC4S; c++) {
    let lossTotals = workgroupSum(lane, lossSums[c]);
    if (lane == 0u) {
      for (var j = 0u; j < 4u && 4u * c + j < METRIC_ROW_SUMS; j++) {
        metrics[step.metricsOffset + 4u * c + j] = lossTotals[j];
      }
    }
  }
  storageBarrier();

  for (var back = 0u; back < layerCount; back++) {
    let l = layerCount - 1u - back;
    let layer = network.layers[l];
    // [∂L/∂W; ∂L/∂b] = [A | 1]ᵀ·dZ: row fanIn is the bias, which follows W in the flat layout.
    var squares = vec4<f32>(0.0);
    for (var e = lane; e < (layer.fanIn + 1u) * layer.fanOut; e += WORKGROUP_SIZE) {
      let i = e / layer.fanOut;
      let j = e % layer.fanOut;
      let isBias = i == layer.fanIn;
      var g = 0.0;
      if (isBias) {
        for (var r = 0u; r < batch; r++) {
          g += scratch[layer.deltaOffset + r * layer.fanOut + j];
        }
      } else {
        for (var r = 0u; r < batch; r++) {
          g += scratch[layer.inputOffset + r * layer.fanIn + i] * scratch[layer.deltaOffset + r * layer.fanOut + j];
        }
      }
      gradient[layer.weightOffset + e] = g;
      if (isBias) {
        squares.y += g * g;
      } else {
        squares.x += g * g;
      }
    }
    let layerSquares = workgroupSum(lane, squares);
    if (lane == 0u) {
      metrics[step.metricsOffset + METRIC_LAYER_NORMS + 2u * l] = layerSquares.x;
      metrics[step.metricsOffset + METRIC_LAYER_NORMS + 2u * l + 1u] = layerSquares.y;
    }
    if (l > 0u) {
      // dZ_prev = (dZ·Wᵀ) ⊙ f'(A_prev).
      let previous = network.layers[l - 1u];
      for (var e = lane; e < batch * layer.fanIn; e += WORKGROUP_SIZE) {
        let r = e / layer.fanIn;
        let i = e % layer.fanIn;
        var s = 0.0;
        for (var j = 0u; j < layer.fanOut; j++) {
          s += scratch[layer.deltaOffset + r * layer.fanOut + j] * parameters[layer.weightOffset + i * layer.fanOut + j];
        }
        scratch[previous.deltaOffset + e] = s * derivativeFromOutput(previous.activation, scratch[previous.activationOffset + e]);
      }
    }
    storageBarrier();
  }

  for (var i = lane; i < optimizer.count; i += WORKGROUP_SIZE) {
    updateParameter(i);
  }
}
