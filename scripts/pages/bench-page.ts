/**
 * The headless page behind `npm run bench`: our trainers and TensorFlow.js's on the same network,
 * batch, learning rate, initial weights and batches, in one browser. Node calls one measurement at
 * a time (window.benchPair, window.benchMatmul, window.benchCpuMatmul) and assembles the table.
 *
 * TF.js's wasm backend can start only once in a page, with a fixed number of threads, so the page
 * takes that number from its address: bench.html?tfjs-wasm-threads=N (N = 1: its one-thread SIMD
 * binary; more: its threaded binary, which needs the cross-origin isolation the dev server's
 * headers give). Without it TF.js picks its own default.
 *
 * Timing: after warm-up, a window issues a number of steps and synchronises once at its end (our
 * trainer: session.flush(); TF.js: awaiting data() of a variable the last step wrote), so queued
 * GPU work is inside the window and no per-step waits are. The step count of a window is chosen
 * from a calibration window to last about `windowSeconds`, unless given.
 */
import { buildDataset, type DataSource } from '../../src/data/source';
import { fetchMnistAsset } from '../../src/data/mnist';
import { DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import type { Dataset } from '../../src/model/dataset';
import { createSession } from '../../src/train/create-session';
import { GpuSession } from '../../src/train/gpu-session';
import { acquireGpu } from '../../src/gpu/device';
import { bindGroupFor, layerAlignment, matmulGrid, matmulKernels } from '../../src/gpu/kernels';
import { chooseStepPlan, type MatmulVariant } from '../../src/gpu/step-plan';
import { forwardParams } from '../../src/gpu/trainer-layout';
import { FORWARD_PARAMS, STEP_PARAMS } from '../../src/gpu/uniforms';
import { packStruct } from '../../src/gpu/wgsl-struct';
import { parameterLayout } from '../../src/model/layout';
import type { BenchRequest, BenchResult, CpuMatmulResult, MatmulResult } from '../lib/bench-types';
import { WasmWorkerSession } from '../../src/train/wasm-worker-session';
import { adapterLabel } from './adapter';
import { createTfjsTrainer, createTfjsWasmMatmul, setTfjsWasmThreads, tfjsWasmThreads } from './tfjs-trainer';

declare global {
  interface Window {
    pageReady: boolean;
    benchAdapter(): Promise<string>;
    benchPair(request: BenchRequest): Promise<{ ours: BenchResult; tfjs: BenchResult }>;
    benchMatmul(size: number, variant: MatmulVariant | null, windows: number, windowSeconds: number): Promise<MatmulResult>;
    benchTfjsWasmThreads(): Promise<number>;
    benchCpuMatmul(implementation: 'ours' | 'tfjs', size: number, threads: number, windows: number, windowSeconds: number): Promise<CpuMatmulResult>;
  }
}

const requestedTfjsThreads = new URLSearchParams(location.search).get('tfjs-wasm-threads');
if (requestedTfjsThreads !== null) setTfjsWasmThreads(Number(requestedTfjsThreads));

/** Something that can take n training steps and wait for them: one of the trainers. */
interface TimedTrainer {
  run(steps: number): Promise<void>;
  /** How our GPU trainer lays out a step for this network on this adapter; null for the others. */
  plan: string | null;
  dispose(): void;
}

const datasets = new Map<string, Promise<Dataset>>();

function cachedDataset(source: DataSource): Promise<Dataset> {
  const key = JSON.stringify(source);
  let dataset = datasets.get(key);
  if (!dataset) {
    dataset = buildDataset(source, {
      mnistAsset: () => fetchMnistAsset(),
      csvFile: () => Promise.reject(new Error('the benchmark uses no CSV files')),
    }).then((built) => built.dataset);
    datasets.set(key, dataset);
  }
  return dataset;
}

async function ourTrainer(spec: NetworkSpec, dataset: Dataset, backend: BenchRequest['backend'], threads: number | null): Promise<TimedTrainer> {
  const session = await createSession({ spec, dataset, backend, ...(threads === null ? {} : { threads }) });
  const plan = session instanceof GpuSession ? session.trainer.plan : null;
  return {
    async run(steps) {
      await session.train(steps);
      await session.flush();
    },
    plan: plan ? `${plan.kernel} step, ${plan.matmul} products` : null,
    dispose: () => session.dispose(),
  };
}

async function tfjsTrainer(spec: NetworkSpec, dataset: Dataset, backend: BenchRequest['backend']): Promise<TimedTrainer> {
  const trainer = await createTfjsTrainer(spec, dataset, backend);
  return { run: (steps) => trainer.run(steps), plan: null, dispose: () => trainer.dispose() };
}

/** Median of a list of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Fewest steps in a calibrated window, even when that makes it longer than asked: a window of one
 * step lets our GPU trainer overlap nothing and, on a loaded machine, swings with every hiccup.
 */
const MIN_CALIBRATED_STEPS = 3;

/** Timed steps: a window runs this many, or as many as fit `windowSeconds` when null. */
interface WindowTiming {
  warmupSteps: number;
  windows: number;
  windowSeconds: number;
  windowSteps: number | null;
}

/** Steps of `run` that last about `windowSeconds`: the probe grows until it lasts a tenth of that, then scales. */
async function calibrate(run: (steps: number) => Promise<void>, windowSeconds: number): Promise<number> {
  for (let probe = 1; ; probe *= 4) {
    const start = performance.now();
    await run(probe);
    const seconds = (performance.now() - start) / 1000;
    if (seconds >= windowSeconds / 10 || probe >= 1 << 16) return Math.max(MIN_CALIBRATED_STEPS, Math.round((probe * windowSeconds) / seconds));
  }
}

/**
 * Warm-up, calibration, then timed windows of each of `runs`, taking their windows in turn, so that
 * load from other work on the machine, which comes and goes, falls on all of them alike. Returns
 * the steps per window and the steps per second of each window, per run.
 */
async function timeWindows(runs: ((steps: number) => Promise<void>)[], options: WindowTiming): Promise<{ stepsPerWindow: number; stepsPerSecond: number[] }[]> {
  for (const run of runs) await run(options.warmupSteps);
  const stepsPerWindow: number[] = [];
  for (const run of runs) stepsPerWindow.push(options.windowSteps ?? (await calibrate(run, options.windowSeconds)));
  const stepsPerSecond = runs.map((): number[] => []);
  for (let w = 0; w < options.windows; w++) {
    for (let i = 0; i < runs.length; i++) {
      const start = performance.now();
      await runs[i](stepsPerWindow[i]);
      stepsPerSecond[i].push((stepsPerWindow[i] * 1000) / (performance.now() - start));
    }
  }
  return runs.map((_, i) => ({ stepsPerWindow: stepsPerWindow[i], stepsPerSecond: stepsPerSecond[i] }));
}

/** Operands of the products timed alone: fixed values in [−0.5, 0.5) that are not zero-heavy. */
function operandValues(count: number): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length: count }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
}

window.benchAdapter = adapterLabel;

window.benchPair = async (request) => {
  const dataset = await cachedDataset(request.dataset);
  const ours = await ourTrainer(request.spec, dataset, request.backend, request.threads);
  try {
    const tfjs = await tfjsTrainer(request.spec, dataset, request.backend);
    try {
      const [oursTimes, tfjsTimes] = await timeWindows([(steps) => ours.run(steps), (steps) => tfjs.run(steps)], request);
      const result = (trainer: TimedTrainer, { stepsPerWindow, stepsPerSecond }: { stepsPerWindow: number; stepsPerSecond: number[] }): BenchResult => ({
        plan: trainer.plan,
        stepsPerWindow,
        windowSamplesPerSecond: stepsPerSecond.map((rate) => rate * request.spec.batchSize),
        medianSamplesPerSecond: median(stepsPerSecond) * request.spec.batchSize,
      });
      return { ours: result(ours, oursTimes), tfjs: result(tfjs, tfjsTimes) };
    } finally {
      tfjs.dispose();
    }
  } finally {
    ours.dispose();
  }
};

/**
 * GFLOP/s of our forward matrix-product kernel alone on size³ (linear activation, no gather), in
 * `variant` or, when null, the variant our trainer picks for this adapter. The pipeline comes from
 * the engine's PipelineCache, its uniform is the engine's ForwardParams of a [size, size] layer with
 * a linear output, its bind group is made by binding name, and it is dispatched with the engine's
 * grid helper. The GPU engine exposes no hook that runs just this kernel, so the buffers are made here.
 */
window.benchMatmul = async (size, requestedVariant, windows, windowSeconds) => {
  const { device, pipelines, report } = await acquireGpu();
  const variant = requestedVariant ?? chooseStepPlan([size, size, size], size, report.isCpuAdapter).matmul;
  // The kernel form the trainer would give a [size, size] layer at weight offset 0.
  const compiled = await pipelines.get(matmulKernels(variant, layerAlignment(size, size, 0)).forward);
  const floats = size * size;
  const storage = (label: string, count: number, usage = GPUBufferUsage.STORAGE) => device.createBuffer({ label, size: count * 4, usage });
  const input = storage('matmul A', floats, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  // W at offset 0 followed by b, as in the flat parameter layout.
  const parameters = storage('matmul W and b', floats + size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  const rowIndex = storage('matmul row index (unused)', 4);
  const output = storage('matmul output', floats);
  device.queue.writeBuffer(input, 0, operandValues(floats));
  device.queue.writeBuffer(parameters, 0, operandValues(floats + size));
  const uniform = device.createBuffer({ label: 'matmul params', size: FORWARD_PARAMS.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  // The last layer of a [size, size, size] network: a linear output, as the logits are; no batch gather.
  const square = { ...DEFAULT_SPEC, widths: [size, size], hiddenActivations: [] };
  device.queue.writeBuffer(uniform, 0, packStruct(FORWARD_PARAMS, forwardParams(square, parameterLayout(square.widths).layers[0], 0, size, false)));
  const stepParams = device.createBuffer({ label: 'matmul step params', size: STEP_PARAMS.size, usage: GPUBufferUsage.UNIFORM });
  const group0 = bindGroupFor(device, compiled, 'matmul', { params: uniform, input, parameters, rowIndex, output });
  const group1 = device.createBindGroup({ layout: pipelines.stepLayout, entries: [{ binding: 0, resource: { buffer: stepParams, size: STEP_PARAMS.size } }] });
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
    const [{ stepsPerWindow, stepsPerSecond }] = await timeWindows([run], { warmupSteps: 1, windows, windowSeconds, windowSteps: null });
    const flopsPerProduct = 2 * size ** 3;
    return { size, variant, productsPerWindow: stepsPerWindow, windowGflops: stepsPerSecond.map((rate) => (rate * flopsPerProduct) / 1e9), medianGflops: (median(stepsPerSecond) * flopsPerProduct) / 1e9 };
  } finally {
    for (const buffer of [input, parameters, rowIndex, output, uniform, stepParams]) buffer.destroy();
  }
};

window.benchTfjsWasmThreads = tfjsWasmThreads;

/**
 * GFLOP/s of a square product on the CPU: ours (the WebAssembly kernel, as the first layer's
 * forward product of a [size, size] network over a batch of `size`, on `threads` workers) or
 * TF.js's wasm backend (tf.matMul, on the threads of this page's binary).
 */
window.benchCpuMatmul = async (implementation, size, threads, windows, windowSeconds) => {
  let run: (count: number) => Promise<void>;
  let dispose: () => void;
  let ranOn = threads;
  if (implementation === 'ours') {
    const dataset: Dataset = { name: 'square', inputSize: size, outputSize: size, trainX: operandValues(size * size), trainY: operandValues(size * size), trainCount: size, testX: new Float32Array(0), testY: new Float32Array(0), testCount: 0 };
    const spec: NetworkSpec = { ...DEFAULT_SPEC, widths: [size, size], hiddenActivations: [], outputActivation: 'linear', loss: 'mse', batchSize: size };
    const session = await WasmWorkerSession.create(spec, dataset, { threads });
    ranOn = session.threads;
    run = async (count) => void (await session.timeForwardProducts(count));
    dispose = () => session.dispose();
  } else {
    const matmul = await createTfjsWasmMatmul(operandValues(size * size), size);
    ranOn = await tfjsWasmThreads();
    run = (count) => matmul.run(count);
    dispose = () => matmul.dispose();
  }
  try {
    const [{ stepsPerWindow, stepsPerSecond }] = await timeWindows([run], { warmupSteps: 1, windows, windowSeconds, windowSteps: null });
    const flopsPerProduct = 2 * size ** 3;
    return { size, threads: ranOn, productsPerWindow: stepsPerWindow, windowGflops: stepsPerSecond.map((rate) => (rate * flopsPerProduct) / 1e9), medianGflops: (median(stepsPerSecond) * flopsPerProduct) / 1e9 };
  } finally {
    dispose();
  }
};

window.pageReady = true;
