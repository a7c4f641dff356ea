// The hidden activations of src/model/activations.ts (ACTIVATIONS): for each entry `name`,
// activation_<name>(z) = f(z) and activation_<name>_derivative(a) = f'(z) written in terms of
// a = f(z) alone, because the GPU keeps the activations A of a layer, not Z. The dispatchers
// activate(kind, z) and derivativeFromOutput(kind, a) are generated from the table
// (src/gpu/wgsl-tables.ts).

fn sigmoid(z: f32) -> f32 {
  // Two branches keep exp() from overflowing for large |z|.
  if (z >= 0.0) {
    return 1.0 / (1.0 + exp(-z));
  }
  let e = exp(z);
  return e / (1.0 + e);
}

fn activation_sigmoid(z: f32) -> f32 {
  return sigmoid(z);
}

fn activation_sigmoid_derivative(a: f32) -> f32 {
  return a * (1.0 - a);
}

fn activation_tanh(z: f32) -> f32 {
  // Some tanh implementations return NaN for large |z|; beyond 10, tanh rounds to ±1 in float32.
  if (abs(z) > 10.0) {
    return sign(z);
  }
  return tanh(z);
}

fn activation_tanh_derivative(a: f32) -> f32 {
  return 1.0 - a * a;
}

fn activation_relu(z: f32) -> f32 {
  return max(z, 0.0);
}

// a > 0 exactly when z > 0.
fn activation_relu_derivative(a: f32) -> f32 {
  return select(0.0, 1.0, a > 0.0);
}

fn activation_leaky_relu(z: f32) -> f32 {
  return select(LEAKY_RELU_SLOPE * z, z, z > 0.0);
}

// a > 0 exactly when z > 0.
fn activation_leaky_relu_derivative(a: f32) -> f32 {
  return select(LEAKY_RELU_SLOPE, 1.0, a > 0.0);
}

fn activation_linear(z: f32) -> f32 {
  return z;
}

fn activation_linear_derivative(a: f32) -> f32 {
  return 1.0;
}
