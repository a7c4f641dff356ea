// The update of one parameter, shared by the optimizer kernel and the fused step kernel (Keras
// rules, as in src/model/spec.ts):
// - sgd:      p ← p − lr·g
// - momentum: v ← μ·v − lr·g;  p ← p + v                    (slots[i] = v)
// - adam:     m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − α_t·m/(√v + ε)
//             (slots[i] = m, slots[count + i] = v; α_t = step.adamStepSize)

// The including kernel declares `optimizer: OptimizerParams`, `step: StepParams`, `parameters`,
// `gradient` and `slots`.

// The update rule, fixed per pipeline: a switch on a uniform would run every case, masked, on
// CPU adapters.
override OPTIMIZER_KIND: u32 = OPTIMIZER_SGD;

struct OptimizerParams {
  // Number of parameters.
  count: u32,
  // Invocations per row of the dispatch grid (workgroups in x × WORKGROUP_SIZE), for grids wider
  // than the per-dimension limit.
  rowPitch: u32,
  _pad: u32,
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

// Applies this step's update to parameter i (its gradient is gradient[i]).
fn updateParameter(i: u32) {
  let g = gradient[i];
  switch OPTIMIZER_KIND {
    case OPTIMIZER_MOMENTUM: {
      let v = optimizer.momentum * slots[i] - optimizer.learningRate * g;
      slots[i] = v;
      parameters[i] += v;
    }
    case OPTIMIZER_ADAM: {
      let m = optimizer.beta1 * slots[i] + optimizer.oneMinusBeta1 * g;
      let v = optimizer.beta2 * slots[optimizer.count + i] + optimizer.oneMinusBeta2 * g * g;
      slots[i] = m;
      slots[optimizer.count + i] = v;
      parameters[i] -= step.adamStepSize * m / (sqrt(v) + optimizer.epsilon);
    }
    default: {
      parameters[i] -= optimizer.learningRate * g;
    }
  }
}
