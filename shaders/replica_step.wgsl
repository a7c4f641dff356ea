// Replicas: R copies of one network shape trained side by side, replica r owning slice r of every
// per-network buffer (its parameters, gradient, optimizer slots and scratch; its row indices and
// metrics within each step's block) and, per step, a row of `replicaSteps` with its loss, its
// learning rate and its optimizer step size. selectReplica turns these into the `step` and the
// `optimizer` that the shared phases (step_phases.wgsl), the loss table's and the optimizer table's
// functions read, so none of them exists twice. Bindings: replicaStepKernel in src/gpu/kernels.ts.

// This replica's share of the step: where its row indices and metrics are, its loss and step size.
var<private> step: StepParams;
// The optimizer's uniforms with this replica's learning rate.
var<private> optimizer: OptimizerParams;

// `samples` holds the training inputs, then the training targets.
fn inputAt(i: u32) -> f32 {
  return samples[i];
}

fn targetAt(i: u32) -> f32 {
  return samples[replicaShape.targetsOffset + i];
}

// Makes replica r the network the phases step, in the step `submission` describes.
fn selectReplica(r: u32) {
  let batch = network.batch;
  // The step's block of row indices starts at s·R·B, so its block of replica rows at s·R.
  let row = replicaSteps[submission.indexOffset / batch + r];
  step.indexOffset = submission.indexOffset + r * batch;
  step.lossId = row.lossId;
  step.metricsOffset = submission.metricsOffset + r * replicaShape.metricsStride;
  step.optimizerStepSize = row.optimizerStepSize;
  optimizer = sharedOptimizer;
  optimizer.learningRate = row.learningRate;
  selectNetwork(r * replicaShape.parameterCount, r * replicaShape.scratchFloats);
}
