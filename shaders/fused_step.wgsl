// A whole training step in one dispatch of one workgroup, for networks small enough that a
// dispatch costs more than their arithmetic: forward, loss (loss_row.wgsl), weight and bias
// gradients with their squared norms, deltas with the activation derivative, and the optimizer
// update (optimizer_update.wgsl), separated by barriers instead of dispatches. Every loop bound
// comes from a uniform, so every barrier is reached by the whole workgroup.

struct LayerShape {
  // Width of the layer's input.
  fanIn: u32,
  // Width of the layer's output.
  fanOut: u32,
  // Index of W[0][0] in the parameter and gradient buffers.
  weightOffset: u32,
  // Index of b[0] in the parameter and gradient buffers.
  biasOffset: u32,
  // Activation id; ACT_LINEAR for the last layer, whose scratch holds the logits.
  activation: u32,
  // Index in `scratch` of the layer's activations [batch, fanOut].
  activationOffset: u32,
  // Index in `scratch` of the layer's deltas ∂L/∂Z [batch, fanOut].
  deltaOffset: u32,
  // Index in `scratch` of the layer's input [batch, fanIn]: the gathered batch for the first layer.
  inputOffset: u32,
}

struct NetworkShape {
  // Number of weight layers L.
  layerCount: u32,
  // Rows per batch.
  batch: u32,
  _pad0: u32,
  _pad1: u32,
  // The first layerCount entries are used.
  layers: array<LayerShape, MAX_LAYERS>,
}

@group(0) @binding(0) var<uniform> network: NetworkShape;
@group(0) @binding(1) var<uniform> lossShape: LossParams;
@group(0) @binding(2) var<uniform> optimizer: OptimizerParams;
@group(0) @binding(3) var<storage, read> inputs: array<f32>;
@group(0) @binding(4) var<storage, read> targets: array<f32>;
@group(0) @binding(5) var<storage, read> rowIndex: array<u32>;
@group(0) @binding(6) var<storage, read_write> parameters: array<f32>;
@group(0) @binding(7) var<storage, read_write> gradient: array<f32>;
@group(0) @binding(8) var<storage, read_write> slots: array<f32>;
@group(0) @binding(9) var<storage, read_write> scratch: array<f32>;
@group(0) @binding(10) var<storage, read_write> metrics: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

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

  var lossSums = vec4<f32>(0.0);
  for (var row = lane; row < batch; row += WORKGROUP_SIZE) {
    lossSums += lossRowSums(row);
  }
  let lossTotals = workgroupSum(lane, lossSums);
  if (lane == 0u) {
    metrics[step.metricsOffset] = lossTotals.x;
    metrics[step.metricsOffset + 1u] = lossTotals.y;
    metrics[step.metricsOffset + 2u] = lossTotals.z;
    metrics[step.metricsOffset + 3u] = lossTotals.w;
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
      metrics[step.metricsOffset + 4u + 2u * l] = layerSquares.x;
      metrics[step.metricsOffset + 5u + 2u * l] = layerSquares.y;
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
