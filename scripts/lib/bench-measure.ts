/**
 * The benchmark's measurements, run wherever the engine runs: in the headless page
 * scripts/pages/bench-page.ts (Chromium) or in this Node process on Node's WebGPU. Our trainers and
 * TensorFlow.js's on the same network, batch, learning rate, initial weights and batches; our
 * matrix-product kernels alone (WebGPU; WebAssembly against TF.js's wasm tf.matMul, in a page); the
 * autotuner's plan against the fixed rule's; and the time from nothing to a first finished step.
 *
 * Timing: after warm-up, a window issues a number of steps and synchronises once at its end (our
 * trainer: session.flush(); TF.js: awaiting data() of a variable the last step wrote), so queued
 * GPU work is inside the window and no per-step waits are. The step count of a window is chosen
 * from a calibration window to last about `windowSeconds`, unless given. A pair (measurePair)
 * takes its two trainers' windows in turn, so load from other work on the machine, which comes
 * and goes, falls on both alike.
 */
import { buildDataset, type DataSource, type DatasetFiles } from '../../src/data/source';
import { DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import type { Dataset } from '../../src/model/dataset';
import { createSession } from '../../src/train/create-session';
import { GpuSession } from '../../src/train/gpu-session';
import { acquireGpu } from '../../src/gpu/device';
import { bindGroupFor, layerAlignment, matmulGrid, matmulKernels, type MatmulVariant } from '../../src/gpu/kernels';
import { chooseStepPlan, productShapes, variantFor, type StepPlan } from '../../src/gpu/step-plan';
import { candidateVariants } from '../../src/gpu/tuner';
import { forwardParams } from '../../src/gpu/trainer-layout';
import { FORWARD_PARAMS, STEP_PARAMS } from '../../src/gpu/uniforms';
import { packStruct } from '../../src/gpu/wgsl-struct';
import { parameterLayout } from '../../src/model/layout';
import { LOSS_NAMES } from '../../src/model/losses';
import { GpuReplicaSession } from '../../src/train/replica-session';
import { WasmWorkerSession } from '../../src/train/wasm-worker-session';
import type { BenchPairRequest, BenchRequest, BenchResult, CpuMatmulResult, FirstStepRequest, FirstStepResult, MatmulResult, TuningRequest, TuningResult } from './bench-types';
import type { ReplicaBenchRequest, ReplicaBenchResult } from './replica-bench-types';

/** Something that can take n training steps and wait for them: one of the four trainers. */
interface TimedTrainer {
  /** Trains `steps` steps and waits until they have finished. */
  run(steps: number): Promise<void>;
  /** How our GPU trainer lays out a step for this network on this adapter; null for the others. */
  plan: string | null;
  /** Frees the trainer's buffers. */
  dispose(): void;
}

/** The benchmark's data files: the MNIST digits, read by `mnistAsset` where this runtime can, and no CSV. */
function benchFiles(mnistAsset: () => Promise<Uint8Array>): DatasetFiles {
  return { mnistAsset, csvFile: () => Promise.reject(new Error('the benchmark uses no CSV files')) };
}

const datasets = new Map<string, Promise<Dataset>>();

/** The dataset of `source`, built once per runtime. */
function cachedDataset(source: DataSource, mnistAsset: () => Promise<Uint8Array>): Promise<Dataset> {
  const key = JSON.stringify(source);
  let dataset = datasets.get(key);
  if (!dataset) {
    dataset = buildDataset(source, benchFiles(mnistAsset)).then((built) => built.dataset);
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
  // Loaded when first measured: a runtime where TF.js does not load still measures our trainers.
  const { createTfjsTrainer } = await import('../pages/tfjs-trainer');
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

/** Steps in a window: `windowSteps` when given, else grown by probes of `run` until one lasts a tenth of `windowSeconds`, then scaled to a whole window. */
async function stepsPerWindowOf(run: (steps: number) => Promise<void>, options: { windowSeconds: number; windowSteps: number | null }): Promise<number> {
  if (options.windowSteps !== null) return options.windowSteps;
  let probe = 1;
  for (;;) {
    const start = performance.now();
    await run(probe);
    const seconds = (performance.now() - start) / 1000;
    if (seconds >= options.windowSeconds / 10 || probe >= 1 << 16) return Math.max(MIN_CALIBRATED_STEPS, Math.round((probe * options.windowSeconds) / seconds));
    probe *= 4;
  }
}

/** Timed steps: a window runs `windowSteps`, or as many as fit `windowSeconds` when that is null. */
type WindowTiming = Pick<BenchRequest, 'warmupSteps' | 'windows' | 'windowSeconds' | 'windowSteps'>;

/**
 * Warm-up, calibration, then timed windows of each of `runs`, taking their windows in turn. Returns
 * the steps per window and the steps per second of each window, per run.
 */
async function timeWindows(runs: ((steps: number) => Promise<void>)[], options: WindowTiming): Promise<{ stepsPerWindow: number; stepsPerSecond: number[] }[]> {
  for (const run of runs) await run(options.warmupSteps);
  const stepsPerWindow: number[] = [];
  for (const run of runs) stepsPerWindow.push(await stepsPerWindowOf(run, options));
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

/** A measurement's result from the steps per second of its windows. */
function benchResult(plan: string | null, stepsPerWindow: number, stepsPerSecond: number[], batchSize: number): BenchResult {
  return {
    plan,
    stepsPerWindow,
    windowSamplesPerSecond: stepsPerSecond.map((rate) => rate * batchSize),
    medianSamplesPerSecond: median(stepsPerSecond) * batchSize,
  };
}

/** A square product's timed windows as GFLOP/s. */
function productGflops(size: number, { stepsPerWindow, stepsPerSecond }: { stepsPerWindow: number; stepsPerSecond: number[] }): { productsPerWindow: number; windowGflops: number[]; medianGflops: number } {
  const flopsPerProduct = 2 * size ** 3;
  return { productsPerWindow: stepsPerWindow, windowGflops: stepsPerSecond.map((rate) => (rate * flopsPerProduct) / 1e9), medianGflops: (median(stepsPerSecond) * flopsPerProduct) / 1e9 };
}

/** Operands of the products timed alone: fixed values in [−0.5, 0.5) that are not zero-heavy. */
function operandValues(count: number): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length: count }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
}

/**
 * Two runners timed against each other: both warmed up, the window sized on `reference`, one
 * untimed window of each, then `windows` windows of each in pairs whose order alternates (reference first in even pairs,
 * `contender` first in odd ones), so load that comes and goes on a shared machine, and whatever
 * drifts over the run, falls on both alike. Returns steps per second of each one's windows.
 */
export async function timeAlternatingWindows(
  reference: (steps: number) => Promise<void>,
  contender: (steps: number) => Promise<void>,
  options: WindowTiming,
): Promise<{ stepsPerWindow: number; reference: number[]; contender: number[] }> {
  await reference(options.warmupSteps);
  await contender(options.warmupSteps);
  const stepsPerWindow = await stepsPerWindowOf(reference, options);
  // One untimed window of each, so that both enter the timing as warm: the contender would
  // otherwise have had only the warm-up steps, against the calibration's probes of the reference.
  // The JIT's later tiers and the caches take time: in a page, our two-thread WebAssembly trainer
  // ran its first second or two up to 1.7× slower than afterwards.
  await reference(stepsPerWindow);
  await contender(stepsPerWindow);
  const rates = { reference: [] as number[], contender: [] as number[] };
  const timed = async (which: keyof typeof rates) => {
    const run = which === 'reference' ? reference : contender;
    const start = performance.now();
    await run(stepsPerWindow);
    rates[which].push((stepsPerWindow * 1000) / (performance.now() - start));
  };
  for (let w = 0; w < options.windows; w++) {
    const order: (keyof typeof rates)[] = w % 2 === 0 ? ['reference', 'contender'] : ['contender', 'reference'];
    for (const which of order) await timed(which);
  }
  return { stepsPerWindow, ...rates };
}

/** Steady-state throughput of one trainer on one network: warm-up, calibration, timed windows. */
export async function measureTrainer(request: BenchRequest, mnistAsset: () => Promise<Uint8Array>): Promise<BenchResult> {
  const dataset = await cachedDataset(request.dataset, mnistAsset);
  const trainer = request.implementation === 'ours' ? await ourTrainer(request.spec, dataset, request.backend, request.threads) : await tfjsTrainer(request.spec, dataset, request.backend);
  try {
    const [times] = await timeWindows([(steps) => trainer.run(steps)], request);
    return benchResult(trainer.plan, times.stepsPerWindow, times.stepsPerSecond, request.spec.batchSize);
  } finally {
    trainer.dispose();
  }
}

/** The variants the products of `plan`'s step run in, as "variant ×count", most used first. */
function productVariants(plan: StepPlan, spec: NetworkSpec): string {
  if (plan.kernel === 'fused') return 'fused step, no products';
  const counts = new Map<MatmulVariant, number>();
  for (const shape of productShapes(spec.widths, spec.batchSize)) {
    const variant = variantFor(plan, shape);
    counts.set(variant, (counts.get(variant) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([variant, count]) => `${variant} ×${count}`).join(', ');
}

/** Trains `session` `steps` steps and waits for them. */
async function trainAndFlush(session: GpuSession, steps: number): Promise<void> {
  await session.train(steps);
  await session.flush();
}

/**
 * The autotuner against the fixed rule on one network. The tuned session is built with no store,
 * so the tuner neither uses nor changes the choices cached for this adapter (the user's file or
 * localStorage): every candidate of every product shape is timed in this run, and its report (the
 * candidates' GFLOP/s, the choices, how long it took) is returned as it is. Then the rule's
 * session, from the same seed, so the same weights and batches; both are timed in alternating
 * windows (timeAlternatingWindows).
 */
export async function measureTuning(request: TuningRequest, mnistAsset: () => Promise<Uint8Array>): Promise<TuningResult> {
  const { spec } = request;
  const dataset = await cachedDataset(request.dataset, mnistAsset);
  const { device } = await acquireGpu();
  const tuned = await GpuSession.create({ spec, dataset, tuning: { budgetMs: request.budgetMs, store: null } });
  let rule: GpuSession;
  try {
    rule = await GpuSession.create({ spec, dataset });
  } catch (error) {
    tuned.dispose();
    throw error;
  }
  try {
    const rulePlan = rule.trainer.plan;
    const timed = await timeAlternatingWindows((steps) => trainAndFlush(rule, steps), (steps) => trainAndFlush(tuned, steps), request);
    return {
      kernel: rulePlan.kernel,
      ruleVariant: rulePlan.matmul,
      candidates: candidateVariants(rulePlan.matmul, device.limits),
      report: tuned.trainer.tuning,
      rule: benchResult(productVariants(rulePlan, spec), timed.stepsPerWindow, timed.reference, spec.batchSize),
      tuned: benchResult(productVariants(tuned.trainer.plan, spec), timed.stepsPerWindow, timed.contender, spec.batchSize),
    };
  } finally {
    tuned.dispose();
    rule.dispose();
  }
}

/** Steady-state throughput of our trainer and TF.js's on one network, their windows taken in turn. */
export async function measurePair(request: BenchPairRequest, mnistAsset: () => Promise<Uint8Array>): Promise<{ ours: BenchResult; tfjs: BenchResult }> {
  const dataset = await cachedDataset(request.dataset, mnistAsset);
  const ours = await ourTrainer(request.spec, dataset, request.backend, request.threads);
  try {
    const tfjs = await tfjsTrainer(request.spec, dataset, request.backend);
    try {
      const [oursTimes, tfjsTimes] = await timeWindows([(steps) => ours.run(steps), (steps) => tfjs.run(steps)], request);
      return {
        ours: benchResult(ours.plan, oursTimes.stepsPerWindow, oursTimes.stepsPerSecond, request.spec.batchSize),
        tfjs: benchResult(tfjs.plan, tfjsTimes.stepsPerWindow, tfjsTimes.stepsPerSecond, request.spec.batchSize),
      };
    } finally {
      tfjs.dispose();
    }
  } finally {
    ours.dispose();
  }
}

/**
 * Our WebAssembly path on one thread against itself on `request.threads`, in alternating windows of
 * one page (timeAlternatingWindows, the window sized on one thread): the speed-up of the threads
 * from the same stretch of the run. Taken from two separate runs instead, it would also carry
 * whatever else the machine did in between.
 */
export async function measureThreadScaling(request: BenchPairRequest, mnistAsset: () => Promise<Uint8Array>): Promise<{ one: BenchResult; several: BenchResult }> {
  if (request.backend !== 'wasm' || request.threads === null) throw new Error('thread scaling is measured on the WebAssembly path with a thread count');
  const dataset = await cachedDataset(request.dataset, mnistAsset);
  const one = await ourTrainer(request.spec, dataset, 'wasm', 1);
  try {
    const several = await ourTrainer(request.spec, dataset, 'wasm', request.threads);
    try {
      const timed = await timeAlternatingWindows((steps) => one.run(steps), (steps) => several.run(steps), request);
      return {
        one: benchResult(null, timed.stepsPerWindow, timed.reference, request.spec.batchSize),
        several: benchResult(null, timed.stepsPerWindow, timed.contender, request.spec.batchSize),
      };
    } finally {
      several.dispose();
    }
  } finally {
    one.dispose();
  }
}

/**
 * The product variants worth timing on size³ on this adapter: the one our trainer's fixed rule picks
 * for a [size, size, size] network at batch size first (the reference of the benchmark's fractions),
 * then every other variant that fits the device, as the autotuner would try them.
 */
export async function matmulVariants(size: number): Promise<MatmulVariant[]> {
  const { device, report } = await acquireGpu();
  return candidateVariants(chooseStepPlan([size, size, size], size, report.isCpuAdapter).matmul, device.limits);
}

/**
 * GFLOP/s of our forward matrix-product kernel alone on size³ (linear activation, no gather), in
 * `variant` (one of matmulVariants). The pipeline comes from the engine's PipelineCache, its uniform
 * is the engine's ForwardParams of a [size, size] layer with a linear output, its bind group is made
 * by binding name, and it is dispatched with the engine's grid helper for the variant. The GPU engine
 * exposes no hook that runs just this kernel, so the buffers are made here.
 */
export async function measureMatmul(size: number, variant: MatmulVariant, windows: number, windowSeconds: number): Promise<MatmulResult> {
  const { device, pipelines } = await acquireGpu();
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
  const [x, y] = matmulGrid(size, size, variant);
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
    const [times] = await timeWindows([run], { warmupSteps: 1, windows, windowSeconds, windowSteps: null });
    return { size, variant, ...productGflops(size, times) };
  } finally {
    for (const buffer of [input, parameters, rowIndex, output, uniform, stepParams]) buffer.destroy();
  }
}

/**
 * GFLOP/s of a square product on the CPU, in a page (it needs Web Workers): ours (the WebAssembly
 * kernel, as the first layer's forward product of a [size, size] network over a batch of `size`,
 * on `threads` workers) or TF.js's wasm backend (tf.matMul, on the threads of this page's binary).
 */
export async function measureCpuMatmul(implementation: 'ours' | 'tfjs', size: number, threads: number, windows: number, windowSeconds: number): Promise<CpuMatmulResult> {
  let run: (count: number) => Promise<void>;
  let dispose: () => void;
  let ranOn: number;
  if (implementation === 'ours') {
    const dataset: Dataset = { name: 'square', inputSize: size, outputSize: size, trainX: operandValues(size * size), trainY: operandValues(size * size), trainCount: size, testX: new Float32Array(0), testY: new Float32Array(0), testCount: 0 };
    const spec: NetworkSpec = { ...DEFAULT_SPEC, widths: [size, size], hiddenActivations: [], outputActivation: 'linear', loss: 'mse', batchSize: size };
    const session = await WasmWorkerSession.create(spec, dataset, { threads });
    ranOn = session.threads;
    run = async (count) => void (await session.timeForwardProducts(count));
    dispose = () => session.dispose();
  } else {
    const { createTfjsWasmMatmul } = await import('../pages/tfjs-trainer');
    const { tfjsWasmThreads } = await import('../pages/tfjs-wasm');
    const matmul = await createTfjsWasmMatmul(operandValues(size * size), size);
    ranOn = await tfjsWasmThreads();
    run = (count) => matmul.run(count);
    dispose = () => matmul.dispose();
  }
  try {
    const [times] = await timeWindows([run], { warmupSteps: 1, windows, windowSeconds, windowSteps: null });
    return { size, threads: ranOn, ...productGflops(size, times) };
  } finally {
    dispose();
  }
}

/**
 * From nothing to a first finished step of our GPU trainer, in phases: building the dataset (the
 * MNIST digits are read and decoded), creating the session (on the first call of a runtime also
 * the device; pipelines, buffers, uploads), one step and its flush.
 */
export async function measureFirstStep(request: FirstStepRequest, mnistAsset: () => Promise<Uint8Array>): Promise<FirstStepResult> {
  const start = performance.now();
  const { dataset } = await buildDataset(request.dataset, benchFiles(mnistAsset));
  const built = performance.now();
  const session = await createSession({ spec: request.spec, dataset, backend: 'webgpu' });
  try {
    const created = performance.now();
    await session.train(1);
    await session.flush();
    const stepped = performance.now();
    return { datasetMs: built - start, sessionMs: created - built, stepMs: stepped - created };
  } finally {
    session.dispose();
  }
}

/**
 * Replica-steps per second of R replicas of one network in the GPU replica trainer (`npm run
 * bench:sweep`), timed as the trainers are: warm-up, calibration, windows that synchronise once at
 * their end. Each window's metrics are taken, as a sweep takes them.
 */
export async function measureReplicas(request: ReplicaBenchRequest, mnistAsset: () => Promise<Uint8Array>): Promise<ReplicaBenchResult> {
  const dataset = await cachedDataset(request.dataset, mnistAsset);
  const replicas = Array.from({ length: request.replicas }, (_, r) => ({
    seed: 1 + r,
    initScale: request.shape.init.scale,
    learningRate: request.shape.optimizer.learningRate,
    loss: LOSS_NAMES[r % LOSS_NAMES.length],
  }));
  const session = await GpuReplicaSession.create({ shape: request.shape, replicas, dataset, ...(request.form ? { form: request.form } : {}) });
  try {
    const run = async (steps: number) => {
      await session.train(steps);
      await session.flush();
      await session.takeMetrics();
    };
    const [{ stepsPerWindow, stepsPerSecond }] = await timeWindows([run], { ...request, windowSteps: null });
    return {
      plan: session.trainer.plan.reason,
      stepsPerWindow,
      windowReplicaSteps: stepsPerSecond.map((rate) => rate * request.replicas),
      medianReplicaSteps: median(stepsPerSecond) * request.replicas,
    };
  } finally {
    session.dispose();
  }
}
