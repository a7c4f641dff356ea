// Shared by every kernel (prepended to each shader module after the generated table constants of
// src/gpu/wgsl-tables.ts): the activation functions and the per-step parameters.

// What changes from one step to the next inside a submission. One copy per step sits in a uniform
// buffer bound with a dynamic offset, so many steps share one submission without a uniform being
// overwritten before the GPU reads it.
struct StepParams {
  // Offset of this step's batch in the row-index buffer (step-in-submission × batch size).
  indexOffset: u32,
  // LOSS_<NAME> id of the loss whose gradient this step follows.
  lossId: u32,
  // Offset (in floats) of this step's slot in the metrics ring.
  metricsOffset: u32,
  // Adam's step size lr·√(1−β2ᵗ)/(1−β1ᵗ) for this step's t, computed in float64 on the host.
  adamStepSize: f32,
}

fn sigmoid(z: f32) -> f32 {
  // Two branches keep exp() from overflowing for large |z|.
  if (z >= 0.0) {
    return 1.0 / (1.0 + exp(-z));
  }
  let e = exp(z);
  return e / (1.0 + e);
}

fn stableTanh(z: f32) -> f32 {
  // Some tanh implementations return NaN for large |z|; beyond 10, tanh rounds to ±1 in float32.
  if (abs(z) > 10.0) {
    return sign(z);
  }
  return tanh(z);
}

// a = f(z) for the element-wise activations.
fn activate(kind: u32, z: f32) -> f32 {
  switch kind {
    case ACT_SIGMOID: { return sigmoid(z); }
    case ACT_TANH: { return stableTanh(z); }
    case ACT_RELU: { return max(z, 0.0); }
    case ACT_LEAKY_RELU: { return select(LEAKY_RELU_SLOPE * z, z, z > 0.0); }
    default: { return z; }
  }
}

// da/dz from the activation a alone: for ReLU and leaky ReLU, a > 0 exactly when z > 0.
fn derivativeFromOutput(kind: u32, a: f32) -> f32 {
  switch kind {
    case ACT_SIGMOID: { return a * (1.0 - a); }
    case ACT_TANH: { return 1.0 - a * a; }
    case ACT_RELU: { return select(0.0, 1.0, a > 0.0); }
    case ACT_LEAKY_RELU: { return select(LEAKY_RELU_SLOPE, 1.0, a > 0.0); }
    default: { return 1.0; }
  }
}

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

