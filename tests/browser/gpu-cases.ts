/**
 * GPU test cases and their float64 CPU references, built in Node with the project's own engine
 * (src/model, src/cpu): seeded random data, the seeded initial weights, and the same batch order.
 */
import { forward, computeGradients } from '../../src/cpu/network';
import { CpuTrainer } from '../../src/cpu/trainer';
import type { Dataset } from '../../src/model/dataset';
import { BatchSchedule, shuffleSeed } from '../../src/model/batches';
import { initParameters } from '../../src/model/init';
import { createRng } from '../../src/model/rng';
import { DEFAULT_OPTIMIZER, type NetworkSpec } from '../../src/model/spec';
import type { OptimizerKind } from '../../src/model/optimizers';
import type { HiddenActivation, OutputActivation } from '../../src/model/activations';
import type { LossName } from '../../src/model/losses';
import type { StepMetrics } from '../../src/model/session';
import { encodeArray, type HarnessCase } from './gpu-wire';
import type { MatmulVariant } from '../../src/gpu/kernels';

/** Learning rates small enough that 20 steps stay in a smooth region for every combination. */
const LEARNING_RATES: Record<OptimizerKind, number> = { sgd: 0.05, momentum: 0.01, adam: 0.01 };

/** What a case is made from. */
export interface CaseRecipe {
  name: string;
  widths: number[];
  hidden: HiddenActivation;
  output: OutputActivation;
  loss: LossName;
  optimizer: OptimizerKind;
  batchSize: number;
  trainCount: number;
  steps: number;
  switchLossAt: number | null;
  /** Multiplier on the initial weights' limit (large values saturate the outputs). */
  initScale: number;
  /** 'normal': standard normal inputs; 'digits': MNIST-like, mostly 0 and otherwise in (0, 1]. */
  inputs: 'normal' | 'digits';
  seed: number;
  /** Step layout to force on the GPU, or null to let the trainer choose. */
  stepKernel: 'fused' | 'layered' | null;
  /** Matrix-product variant to force on the GPU, or null to let the trainer choose. */
  matmul: MatmulVariant | null;
}

/** A case ready for the page and the CPU reference of everything the page returns. */
export interface PreparedCase {
  recipe: CaseRecipe;
  wire: HarnessCase;
  spec: NetworkSpec;
  dataset: Dataset;
  initial: Float64Array;
  evaluationInputs: Float32Array;
  evaluationRows: number;
}

export function specOf(recipe: CaseRecipe): NetworkSpec {
  return {
    widths: recipe.widths,
    hiddenActivations: recipe.widths.slice(2).map(() => recipe.hidden),
    outputActivation: recipe.output,
    loss: recipe.loss,
    optimizer: { ...DEFAULT_OPTIMIZER, kind: recipe.optimizer, learningRate: LEARNING_RATES[recipe.optimizer] },
    batchSize: recipe.batchSize,
    init: { kind: 'glorot', scale: recipe.initScale },
    seed: recipe.seed,
  };
}

function randomDataset(recipe: CaseRecipe): Dataset {
  const rng = createRng(recipe.seed * 7919 + 17);
  const inputSize = recipe.widths[0];
  const outputSize = recipe.widths[recipe.widths.length - 1];
  const n = recipe.trainCount;
  const trainX = new Float32Array(n * inputSize);
  for (let i = 0; i < trainX.length; i++) {
    trainX[i] = recipe.inputs === 'normal' ? rng.normal() : rng.next() < 0.8 ? 0 : 1 - rng.next();
  }
  const trainY = new Float32Array(n * outputSize);
  for (let r = 0; r < n; r++) {
    if (recipe.output === 'softmax') trainY[r * outputSize + rng.int(outputSize)] = 1;
    else for (let k = 0; k < outputSize; k++) trainY[r * outputSize + k] = recipe.output === 'sigmoid' ? (rng.next() < 0.5 ? 0 : 1) : rng.normal();
  }
  return { name: recipe.name, inputSize, outputSize, trainX, trainY, trainCount: n, testX: new Float32Array(0), testY: new Float32Array(0), testCount: 0 };
}

export function prepareCase(recipe: CaseRecipe): PreparedCase {
  const spec = specOf(recipe);
  const dataset = randomDataset(recipe);
  const initial = initParameters(spec);
  const evaluationRows = Math.min(recipe.trainCount, 100);
  const evaluationInputs = dataset.trainX.slice(0, evaluationRows * dataset.inputSize);
  const wire: HarnessCase = {
    name: recipe.name,
    spec,
    inputSize: dataset.inputSize,
    outputSize: dataset.outputSize,
    trainCount: dataset.trainCount,
    trainX: encodeArray(dataset.trainX),
    trainY: encodeArray(dataset.trainY),
    initialParameters: encodeArray(initial),
    evaluationInputs: encodeArray(evaluationInputs),
    evaluationRows,
    steps: recipe.steps,
    switchLossAt: recipe.switchLossAt,
    stepKernel: recipe.stepKernel,
    matmul: recipe.matmul,
  };
  return { recipe, wire, spec, dataset, initial, evaluationInputs, evaluationRows };
}

/** The CPU path's answer to everything the harness returns for a case. */
export interface CpuReference {
  /** Outputs of the evaluation rows with the initial parameters. */
  outputs: Float64Array;
  /** Every logit of the first batch (to check a case really is extreme). */
  firstBatchLogits: Float64Array;
  /** Gradient of step 0. */
  gradient: Float64Array;
  /** Metrics of every step. */
  metrics: StepMetrics[];
  /** Parameters after all steps. */
  parameters: Float64Array;
}

export function cpuReference(prepared: PreparedCase): CpuReference {
  const { spec, dataset, initial, recipe } = prepared;
  const outputsPass = forward(spec, initial, prepared.evaluationInputs, prepared.evaluationRows);
  const schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
  const indices = new Uint32Array(spec.batchSize);
  schedule.indicesForStep(0, indices);
  const batchX = new Float64Array(spec.batchSize * dataset.inputSize);
  const batchY = new Float64Array(spec.batchSize * dataset.outputSize);
  indices.forEach((sample, r) => {
    batchX.set(dataset.trainX.subarray(sample * dataset.inputSize, (sample + 1) * dataset.inputSize), r * dataset.inputSize);
    batchY.set(dataset.trainY.subarray(sample * dataset.outputSize, (sample + 1) * dataset.outputSize), r * dataset.outputSize);
  });
  const first = computeGradients(spec, initial, batchX, batchY, spec.batchSize, spec.loss);
  const trainer = new CpuTrainer(spec, dataset, initial);
  const metrics: StepMetrics[] = [];
  for (let s = 0; s < recipe.steps; s++) {
    if (s === recipe.switchLossAt) trainer.setLoss(trainer.spec.loss === 'mse' ? 'cross_entropy' : 'mse');
    metrics.push(trainer.step());
  }
  return {
    outputs: outputsPass.activations[outputsPass.activations.length - 1],
    firstBatchLogits: first.forward.preActivations[first.forward.preActivations.length - 1],
    gradient: first.gradient,
    metrics,
    parameters: trainer.parameters.slice(),
  };
}
