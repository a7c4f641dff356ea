// The optimizers of src/model/optimizers.ts (OPTIMIZERS): optimizer_<name>_update(i) applies one
// update to parameter i from gradient[i]. The including kernel declares `optimizer:
// OptimizerParams` (generated from the table's uniforms), `step: StepParams`, `parameters`,
// `gradient` and `slots` (slot s of parameter i at slots[s·count + i]). updateParameter, which
// picks the rule by the OPTIMIZER_KIND override constant, is generated from the table.

// p ← p − lr·g
fn optimizer_sgd_update(i: u32) {
  parameters[i] -= optimizer.learningRate * gradient[i];
}

// v ← μ·v − lr·g;  p ← p + v
fn optimizer_momentum_update(i: u32) {
  let v = optimizer.momentum * slots[i] - optimizer.learningRate * gradient[i];
  slots[i] = v;
  parameters[i] += v;
}

// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − α_t·m/(√v + ε), α_t = step.optimizerStepSize.
fn optimizer_adam_update(i: u32) {
  let g = gradient[i];
  let m = optimizer.beta1 * slots[i] + optimizer.oneMinusBeta1 * g;
  let v = optimizer.beta2 * slots[optimizer.count + i] + optimizer.oneMinusBeta2 * g * g;
  slots[i] = m;
  slots[optimizer.count + i] = v;
  parameters[i] -= step.optimizerStepSize * m / (sqrt(v) + optimizer.epsilon);
}
