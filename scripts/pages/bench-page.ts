/**
 * The headless page behind `npm run bench`: our trainers and TensorFlow.js's on the same network,
 * batch, learning rate, initial weights and batches, in one browser. Node calls one measurement at
 * a time (window.benchTrainer, window.benchMatmul) and assembles the table.
 *
 * Timing: after warm-up, a window issues a number of steps and synchronises once at its end (our
 * trainer: session.flush(); TF.js: awaiting data() of a variable the last step wrote), so queued
 * GPU work is inside the window and no per-step waits are. The step count of a window is chosen
 * from a calibration window to last about `windowSeconds`, unless given.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; optimizer.minimize needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';
import { buildDataset } from '../lib/datasets';
import { BatchSchedule, shuffleSeed } from '../../src/model/batches';
import { initParameters } from '../../src/model/init';
import { parameterLayout } from '../../src/model/layout';
import type { NetworkSpec } from '../../src/model/spec';
import type { Dataset } from '../../src/data/dataset';
import { createSession } from '../../src/train/create-session';
import { acquireGpu } from '../../src/gpu/device';
import { FORWARD_KERNEL, STEP_PARAMS_BYTES, matmulGrid, packUniform } from '../../src/gpu/kernels';
import type { BenchRequest, BenchResult, MatmulResult } from '../lib/bench-types';
import type { DatasetDescription } from '../lib/run-config';
import { adapterLabel } from './adapter';

declare global {
  interface Window {
    pageReady: boolean;
    benchAdapter(): Promise<string>;
    benchTrainer(request: BenchRequest): Promise<BenchResult>;
    benchMatmul(size: number, windows: number, windowSeconds: number): Promise<MatmulResult>;
  }
}

/** Something that can take n training steps and wait for them: one of the four trainers. */
interface TimedTrainer {
  run(steps: number): Promise<void>;
  dispose(): void;
}

const datasets = new Map<string, Promise<Dataset>>();

function datasetFor(description: DatasetDescription): Promise<Dataset> {
  const key = JSON.stringify(description);
  let dataset = datasets.get(key);
  if (!dataset) {
    dataset = buildDataset(description, {
      async mnistAsset() {
        const response = await fetch('/data/mnist.bin');
        if (!response.ok) throw new Error(`could not fetch /data/mnist.bin: HTTP ${response.status}; build it with \`node scripts/build-mnist.mjs\``);
        return new Uint8Array(await response.arrayBuffer());
      },
      csvText: () => Promise.reject(new Error('the benchmark uses no CSV files')),
    });
    datasets.set(key, dataset);
  }
  return dataset;
}

async function ourTrainer(spec: NetworkSpec, dataset: Dataset, backend: 'webgpu' | 'cpu'): Promise<TimedTrainer> {
  const session = await createSession({ spec, dataset, backend });
  return {
    async run(steps) {
      await session.train(steps);
      await session.flush();
    },
    dispose: () => session.dispose(),
  };
}

/**
 * The same network in TensorFlow.js: tf.variable weights from our initial parameters, sigmoid
 * hidden layers, tf.losses for the loss, tf.train.sgd, and batches gathered on the device through
 * the same BatchSchedule our trainers use.
 */
async function tfjsTrainer(spec: NetworkSpec, dataset: Dataset, backend: 'webgpu' | 'cpu'): Promise<TimedTrainer> {
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  await tf.ready();
  const initial = initParameters(spec);
  const layers = parameterLayout(spec.widths).layers.map((layer) => ({
    weights: tf.variable(tf.tensor2d(Float32Array.from(initial.subarray(layer.weightOffset, layer.biasOffset)), [layer.fanIn, layer.fanOut])),
    bias: tf.variable(tf.tensor1d(Float32Array.from(initial.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut)))),
  }));
  const variables = layers.flatMap((layer) => [layer.weights, layer.bias]);
  const trainX = tf.tensor2d(dataset.trainX, [dataset.trainCount, dataset.inputSize]);
  const trainY = tf.tensor2d(dataset.trainY, [dataset.trainCount, dataset.outputSize]);
  const optimizer = tf.train.sgd(spec.optimizer.learningRate);
  const schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
  const indices = new Uint32Array(spec.batchSize);
  let step = 0;
  const hidden = (z: tf.Tensor2D): tf.Tensor2D => {
    if (spec.hiddenActivations.some((a) => a !== 'sigmoid')) throw new Error('the TF.js side of the benchmark builds sigmoid hidden layers only');
    return tf.sigmoid(z);
  };
  const loss = (): tf.Scalar => {
    schedule.indicesForStep(step, indices);
    const batchIndices = tf.tensor1d(Int32Array.from(indices), 'int32');
    const x = tf.gather(trainX, batchIndices) as tf.Tensor2D;
    const y = tf.gather(trainY, batchIndices) as tf.Tensor2D;
    let activation = x;
    layers.forEach((layer, l) => {
      const z = tf.add(tf.matMul(activation, layer.weights), layer.bias) as tf.Tensor2D;
      activation = l < layers.length - 1 ? hidden(z) : z;
    });
    const logits = activation;
    if (spec.loss === 'mse') {
      const outputs = spec.outputActivation === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits);
      return tf.losses.meanSquaredError(y, outputs);
    }
    return spec.outputActivation === 'softmax' ? tf.losses.softmaxCrossEntropy(y, logits) : tf.losses.sigmoidCrossEntropy(y, logits);
  };
  const last = layers[layers.length - 1].bias;
  return {
    async run(steps) {
      for (let s = 0; s < steps; s++, step++) tf.tidy(() => void optimizer.minimize(loss, false, variables));
      // The last step wrote this variable; reading it waits for every queued kernel.
      await last.data();
    },
    dispose() {
      tf.dispose([...variables, trainX, trainY]);
      optimizer.dispose();
    },
  };
}

/** Median of a list of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Warm-up, calibration, then timed windows of `run`; returns steps per second of each window. */
async function timeWindows(
  run: (steps: number) => Promise<void>,
  options: { warmupSteps: number; windows: number; windowSeconds: number; windowSteps: number | null },
): Promise<{ stepsPerWindow: number; stepsPerSecond: number[] }> {
  await run(options.warmupSteps);
  let stepsPerWindow = options.windowSteps;
  if (stepsPerWindow === null) {
    // Calibration: grow the probe until it lasts a tenth of a window, then scale to a whole window.
    let probe = 1;
    for (;;) {
      const start = performance.now();
      await run(probe);
      const seconds = (performance.now() - start) / 1000;
      if (seconds >= options.windowSeconds / 10 || probe >= 1 << 16) {
        stepsPerWindow = Math.max(1, Math.round((probe * options.windowSeconds) / seconds));
        break;
      }
      probe *= 4;
    }
  }
  const stepsPerSecond: number[] = [];
  for (let w = 0; w < options.windows; w++) {
    const start = performance.now();
    await run(stepsPerWindow);
    stepsPerSecond.push((stepsPerWindow * 1000) / (performance.now() - start));
  }
  return { stepsPerWindow, stepsPerSecond };
}

window.benchAdapter = adapterLabel;

window.benchTrainer = async (request) => {
  const dataset = await datasetFor(request.dataset);
  const make = request.implementation === 'ours' ? ourTrainer : tfjsTrainer;
  const trainer = await make(request.spec, dataset, request.backend);
  try {
    const { stepsPerWindow, stepsPerSecond } = await timeWindows((steps) => trainer.run(steps), request);
    return {
      stepsPerWindow,
      windowSamplesPerSecond: stepsPerSecond.map((rate) => rate * request.spec.batchSize),
      medianSamplesPerSecond: median(stepsPerSecond) * request.spec.batchSize,
    };
  } finally {
    trainer.dispose();
  }
};

/**
 * GFLOP/s of our forward matrix-product kernel alone on size³ (linear activation, no gather):
 * the pipeline comes from the engine's PipelineCache and is dispatched with the engine's grid
 * helper. The GPU engine exposes no hook that runs just this kernel, so its uniform is packed here
 * following ForwardParams in shaders/matmul_forward.wgsl.
 */
window.benchMatmul = async (size, windows, windowSeconds) => {
  const { device, pipelines } = await acquireGpu();
  const compiled = await pipelines.get(FORWARD_KERNEL);
  const floats = size * size;
  const storage = (label: string, count: number, usage = GPUBufferUsage.STORAGE) => device.createBuffer({ label, size: count * 4, usage });
  const input = storage('matmul A', floats, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  // W at offset 0 followed by b, as in the flat parameter layout.
  const parameters = storage('matmul W and b', floats + size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  const rowIndex = storage('matmul row index (unused)', 4);
  const output = storage('matmul output', floats);
  const random = (count: number) => Float32Array.from({ length: count }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  device.queue.writeBuffer(input, 0, random(floats));
  device.queue.writeBuffer(parameters, 0, random(floats + size));
  const uniform = device.createBuffer({ label: 'matmul params', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  // ForwardParams: rows, cols, inner, weightOffset, biasOffset, activation (0 = linear), gatherRows, padding.
  device.queue.writeBuffer(uniform, 0, packUniform([{ u32: size }, { u32: size }, { u32: size }, { u32: 0 }, { u32: floats }, { u32: 0 }, { u32: 0 }, { u32: 0 }]));
  const stepParams = device.createBuffer({ label: 'matmul step params', size: STEP_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM });
  const group0 = device.createBindGroup({
    layout: compiled.bindGroupLayout,
    entries: [uniform, input, parameters, rowIndex, output].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const group1 = device.createBindGroup({ layout: pipelines.stepLayout, entries: [{ binding: 0, resource: { buffer: stepParams, size: STEP_PARAMS_BYTES } }] });
  const [x, y] = matmulGrid(size, size);
  const run = async (products: number) => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(compiled.pipeline);
    pass.setBindGroup(0, group0);
    pass.setBindGroup(1, group1, [0]);
    for (let i = 0; i < products; i++) pass.dispatchWorkgroups(x, y);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  try {
    const { stepsPerWindow, stepsPerSecond } = await timeWindows(run, { warmupSteps: 1, windows, windowSeconds, windowSteps: null });
    const flopsPerProduct = 2 * size ** 3;
    return { size, productsPerWindow: stepsPerWindow, windowGflops: stepsPerSecond.map((rate) => (rate * flopsPerProduct) / 1e9), medianGflops: (median(stepsPerSecond) * flopsPerProduct) / 1e9 };
  } finally {
    for (const buffer of [input, parameters, rowIndex, output, uniform, stepParams]) buffer.destroy();
  }
};

window.pageReady = true;
