// The phases of one training step of one small network, shared by the fused step (a workgroup a
// network: fused_step.wgsl) and the replica steps (a workgroup or an invocation a replica:
// replica_step*.wgsl). Each phase covers its elements lane, lane + lanes, lane + 2·lanes, …, so a
// workgroup shares a phase among its invocations and one invocation alone passes lane 0 of 1.
// None holds a barrier: the kernel that sequences them puts its barriers between phases.
//
// The including kernel declares `network: NetworkShape`, `lossShape: LossParams`, `step`
// (StepParams), `optimizer` (OptimizerParams), `rowIndex`, `parameters`, `gradient`, `slots`,
// `scratch` and `metrics`, and defines inputAt(i) and targetAt(i) over its samples. Every loop bound
// comes from the network's shape, the same for every invocation of a kernel.

// Where the network being stepped sits: its first parameter in `parameters` and `gradient` (and,
// through updateParameter, in each slot of `slots`), and its first float in `scratch`; 0 and 0 for a
// single network. Set once by selectNetwork, before any phase.
var<private> parameterBase: u32;
var<private> scratchBase: u32;
// Where the loss functions' logits and output delta sit in `scratch` (a uniform array element read
// per logit is costly on CPU adapters).
var<private> logitsOffset: u32;
var<private> outputDeltaOffset: u32;

fn logitAt(i: u32) -> f32 {
  return scratch[logitsOffset + i];
}

fn storeOutputDelta(i: u32, value: f32) {
  scratch[outputDeltaOffset + i] = value;
}

// Makes the network whose parameters start at `firstParameter` and whose scratch starts at
// `firstScratch` the one the phases step.
fn selectNetwork(firstParameter: u32, firstScratch: u32) {
  parameterBase = firstParameter;
  scratchBase = firstScratch;
  let lastLayer = network.layers[network.layerCount - 1u];
  logitsOffset = firstScratch + lastLayer.activationOffset;
  outputDeltaOffset = firstScratch + lastLayer.deltaOffset;
}

// The batch's input rows, gathered once so every layer reads its input from `scratch` alike.
fn gatherBatch(lane: u32, lanes: u32) {
  let first = network.layers[0];
  let batch = network.batch;
  let gathered = scratchBase + first.inputOffset;
  for (var e = lane; e < batch * first.fanIn; e += lanes) {
    let r = e / first.fanIn;
    scratch[gathered + e] = inputAt(rowIndex[step.indexOffset + r] * first.fanIn + e % first.fanIn);
  }
}

// A_l = f(A_(l−1)·W_l + b_l); the last layer keeps its logits (its activation is linear here).
fn forwardLayer(l: u32, lane: u32, lanes: u32) {
  let layer = network.layers[l];
  let batch = network.batch;
  let input = scratchBase + layer.inputOffset;
  let output = scratchBase + layer.activationOffset;
  let weights = parameterBase + layer.weightOffset;
  let biases = parameterBase + layer.biasOffset;
  for (var e = lane; e < batch * layer.fanOut; e += lanes) {
    let r = e / layer.fanOut;
    let j = e % layer.fanOut;
    let a = input + r * layer.fanIn;
    var z = 0.0;
    for (var k = 0u; k < layer.fanIn; k++) {
      z += scratch[a + k] * parameters[weights + k * layer.fanOut + j];
    }
    scratch[output + e] = activate(layer.activation, z + parameters[biases + j]);
  }
}

// This lane's share of the step's row sums (every loss, Σ(∂L/∂z)², the saturated count), storing
// the output delta of its rows for this step's loss (lossRowMetrics, generated from the loss table).
fn batchRowSums(lane: u32, lanes: u32) -> array<vec4<f32>, METRIC_ROW_VEC4S> {
  var sums = array<vec4<f32>, METRIC_ROW_VEC4S>();
  for (var row = lane; row < network.batch; row += lanes) {
    let rowSums = lossRowMetrics(row);
    for (var c = 0u; c < METRIC_ROW_VEC4S; c++) {
      sums[c] += rowSums[c];
    }
  }
  return sums;
}

// Writes vec4 number `c` of the step's row sums, summed over the whole batch, to the metrics.
fn storeRowSums(c: u32, totals: vec4<f32>) {
  for (var j = 0u; j < 4u && 4u * c + j < METRIC_ROW_SUMS; j++) {
    metrics[step.metricsOffset + 4u * c + j] = totals[j];
  }
}

// [∂L/∂W; ∂L/∂b] = [A | 1]ᵀ·dZ of layer l: row fanIn is the bias, which follows W in the flat
// layout. Returns this lane's share of (‖∂L/∂W_l‖², ‖∂L/∂b_l‖², 0, 0).
fn layerGradient(l: u32, lane: u32, lanes: u32) -> vec4<f32> {
  let layer = network.layers[l];
  let batch = network.batch;
  let input = scratchBase + layer.inputOffset;
  let delta = scratchBase + layer.deltaOffset;
  let first = parameterBase + layer.weightOffset;
  var squares = vec4<f32>(0.0);
  for (var e = lane; e < (layer.fanIn + 1u) * layer.fanOut; e += lanes) {
    let i = e / layer.fanOut;
    let j = e % layer.fanOut;
    let isBias = i == layer.fanIn;
    var g = 0.0;
    if (isBias) {
      for (var r = 0u; r < batch; r++) {
        g += scratch[delta + r * layer.fanOut + j];
      }
    } else {
      for (var r = 0u; r < batch; r++) {
        g += scratch[input + r * layer.fanIn + i] * scratch[delta + r * layer.fanOut + j];
      }
    }
    gradient[first + e] = g;
    if (isBias) {
      squares.y += g * g;
    } else {
      squares.x += g * g;
    }
  }
  return squares;
}

// Writes layer l's squared gradient norms, summed over the whole layer, to the metrics.
fn storeLayerNorms(l: u32, squares: vec4<f32>) {
  metrics[step.metricsOffset + METRIC_LAYER_NORMS + 2u * l] = squares.x;
  metrics[step.metricsOffset + METRIC_LAYER_NORMS + 2u * l + 1u] = squares.y;
}

// dZ_(l−1) = (dZ_l·W_lᵀ) ⊙ f'(A_(l−1)), for l > 0.
fn backpropagateDelta(l: u32, lane: u32, lanes: u32) {
  let layer = network.layers[l];
  let previous = network.layers[l - 1u];
  let batch = network.batch;
  let delta = scratchBase + layer.deltaOffset;
  let weights = parameterBase + layer.weightOffset;
  let previousActivation = scratchBase + previous.activationOffset;
  let previousDelta = scratchBase + previous.deltaOffset;
  for (var e = lane; e < batch * layer.fanIn; e += lanes) {
    let r = e / layer.fanIn;
    let i = e % layer.fanIn;
    var s = 0.0;
    for (var j = 0u; j < layer.fanOut; j++) {
      s += scratch[delta + r * layer.fanOut + j] * parameters[weights + i * layer.fanOut + j];
    }
    scratch[previousDelta + e] = s * derivativeFromOutput(previous.activation, scratch[previousActivation + e]);
  }
}

// The optimizer's update of every parameter of the network (updateParameter, generated from the
// optimizer table); its parameter count is where the last layer's biases end.
fn updateParameters(lane: u32, lanes: u32) {
  let lastLayer = network.layers[network.layerCount - 1u];
  let count = lastLayer.biasOffset + lastLayer.fanOut;
  for (var i = lane; i < count; i += lanes) {
    updateParameter(parameterBase + i);
  }
}
