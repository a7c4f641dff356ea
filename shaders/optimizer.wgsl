// One update of every parameter in a single dispatch over the flat buffer (Keras rules, as in
// src/model/spec.ts):
// - sgd:      p ← p − lr·g
// - momentum: v ← μ·v − lr·g;  p ← p + v                    (slots[i] = v)
// - adam:     m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − α_t·m/(√v + ε)
//             (slots[i] = m, slots[count + i] = v; α_t = step.adamStepSize)

const OPTIMIZER_SGD: u32 = 0u;
const OPTIMIZER_MOMENTUM: u32 = 1u;
const OPTIMIZER_ADAM: u32 = 2u;

struct OptimizerParams {
  // Number of parameters.
  count: u32,
  // Invocations per row of the dispatch grid (workgroups in x × WORKGROUP_SIZE), for grids wider
  // than the per-dimension limit.
  rowPitch: u32,
  // OPTIMIZER_SGD, OPTIMIZER_MOMENTUM or OPTIMIZER_ADAM.
  kind: u32,
  // lr.
  learningRate: f32,
  // μ of momentum.
  momentum: f32,
  // Adam β1.
  beta1: f32,
  // Adam β2.
  beta2: f32,
  // Adam ε.
  epsilon: f32,
  // 1 − β1 and 1 − β2, computed in float64 on the host: 1 − f32(0.999) is off by 1.3e-5 relative.
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: OptimizerParams;
@group(0) @binding(1) var<storage, read_write> parameters: array<f32>;
@group(0) @binding(2) var<storage, read> gradient: array<f32>;
@group(0) @binding(3) var<storage, read_write> slots: array<f32>;
@group(1) @binding(0) var<uniform> step: StepParams;

override WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.y * params.rowPitch + id.x;
  if (i >= params.count) {
    return;
  }
  let g = gradient[i];
  switch params.kind {
    case OPTIMIZER_MOMENTUM: {
      let v = params.momentum * slots[i] - params.learningRate * g;
      slots[i] = v;
      parameters[i] += v;
    }
    case OPTIMIZER_ADAM: {
      let m = params.beta1 * slots[i] + params.oneMinusBeta1 * g;
      let v = params.beta2 * slots[params.count + i] + params.oneMinusBeta2 * g * g;
      slots[i] = m;
      slots[params.count + i] = v;
      parameters[i] -= step.adamStepSize * m / (sqrt(v) + params.epsilon);
    }
    default: {
      parameters[i] -= params.learningRate * g;
    }
  }
}
