/**
 * `npm run bench -- [--runtime node,chromium] [--configs toy,mnist,large] [--losses mse,cross_entropy]
 *   [--cpu-configs toy,mnist] [--reference-configs toy,mnist] [--wasm-threads N] [--windows 3]
 *   [--seconds 2] [--steps N] [--warmup 3] [--matmul-size 1024] [--tune-ms 300000] [--out BENCHMARKS.md]`
 *
 * Our trainers against TensorFlow.js on each runtime asked for (headless Chromium, or this Node
 * process on Node's WebGPU): the WebGPU trainer against TF.js's WebGPU backend, and our float64
 * CPU path against TF.js's cpu backend, on the same network, batch, SGD learning rate, initial
 * weights and batches. On the CPU also our float32 WebAssembly path against TF.js's wasm backend,
 * on one thread and on several, in headless Chromium (the threads are Web Workers). Steady-state
 * samples/s is the median of timed windows after warm-up, each window ending in one
 * synchronisation. Also times each runtime from nothing to a first finished step, and each side's
 * matrix product alone on size³, relating each config's achieved GFLOP/s to it. Per GPU config,
 * the autotuner is run afresh: every candidate variant's GFLOP/s per product shape and the one
 * chosen, and the tuned plan's samples/s against the fixed rule's in the same run
 * (scripts/lib/bench-tuning.ts). Prints the tables and writes them to BENCHMARKS.md with the
 * machine it ran on.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { LOSSES, type LossName } from '../src/model/losses';
import { DEFAULT_OPTIMIZER, type NetworkSpec } from '../src/model/spec';
import type { BenchPairRequest, BenchRequest, BenchResult, CpuMatmulResult, FirstStepResult, MatmulResult, TuningRequest } from './lib/bench-types';
import { fmtRate, keptSections, seconds, spread } from './lib/bench-format';
import { TUNING_METHOD, tuningProgressLine, tuningSection, type TuningRow } from './lib/bench-tuning';
import { filePath, listOf, option, parseCommandArgs, realNumber, wholeNumber, type CommandDeclaration } from './lib/args';
import { openBenchTarget, type BenchTarget } from './lib/bench-targets';
import { launchHeadless } from './lib/browser';
import { RUNTIME_CHOICES, announceRuntime, resolveRuntime, type GpuRuntime } from './lib/gpu-runtime';
import type { ScriptHost } from './lib/host';
import { checkOutputPath, writeOutputs } from './lib/output-files';
import { MAX_STEPS } from './lib/run-config';
import { withUserErrors } from './lib/user-errors';
import type { DataSource } from '../src/data/source';

/** SGD learning rate of every benchmark network (both implementations). */
const LEARNING_RATE = 0.1;

/** The benchmark networks: sigmoid hidden layers, as the issue names them. */
const BENCH_CONFIGS: Record<string, { widths: number[]; outputActivation: 'sigmoid' | 'softmax'; batchSize: number; dataset: DataSource }> = {
  toy: { widths: [2, 8, 8, 1], outputActivation: 'sigmoid', batchSize: 64, dataset: { source: 'synthetic', kind: 'circle', seed: 1 } },
  mnist: { widths: [784, 256, 256, 10], outputActivation: 'softmax', batchSize: 256, dataset: { source: 'mnist', seed: 1 } },
  large: { widths: [784, 1024, 1024, 10], outputActivation: 'softmax', batchSize: 1024, dataset: { source: 'mnist', seed: 1 } },
};
const BENCH_CONFIG_NAMES = Object.keys(BENCH_CONFIGS);
/** The losses the TF.js reference (scripts/pages/tfjs-trainer.js) implements, so the only ones compared. */
const BENCH_LOSSES: LossName[] = ['mse', 'cross_entropy'];
/** Largest square product timed alone: its three float32 matrices stay within WebGPU's default 128 MiB storage binding. */
const MAX_MATMUL_SIZE = 4096;
/** Most timed windows per measurement, and longest window, so a typo cannot keep the machine busy for a day. */
const MAX_WINDOWS = 100;
const MAX_WINDOW_SECONDS = 600;
/**
 * The bench's tuning budget per config, by default five minutes: toy has no products to tune, mnist
 * is tuned completely here (136 s on SwiftShader under load), and large reports how far it got. A
 * whole tuning of large on SwiftShader takes about an hour (one 1025×1024×1024 shape took 742 s for
 * its seven candidates on the Node runtime at a load average near 10; large has five such), which
 * a bench run should not spend by default: ask for it with --tune-ms 7200000. On a GPU tuning ends
 * in seconds, so the cap costs nothing there.
 */
const DEFAULT_TUNE_MS = 300_000;
/** Longest tuning budget per config: six hours, so a typo cannot keep the machine busy for days. */
const MAX_TUNE_MS = 21_600_000;

/** The command line: the usage text, the parsing and the checks all read this. */
const BENCH_COMMAND = {
  usage: 'npm run bench -- [options]',
  options: {
    runtime: option(listOf(RUNTIME_CHOICES, false), ['auto'], 'where the WebGPU figures are measured: node, chromium or auto (as in\nnpm run train); several, e.g. node,chromium, compare them in one run'),
    configs: option(listOf(BENCH_CONFIG_NAMES, true), BENCH_CONFIG_NAMES, `GPU configs, from ${BENCH_CONFIG_NAMES.join(', ')}; "none" skips the GPU table`),
    cpuConfigs: option(
      listOf(BENCH_CONFIG_NAMES, true),
      ['toy', 'mnist'],
      'CPU configs: the WebAssembly path against TF.js\'s wasm backend in headless Chromium;\n"none" skips the CPU table',
    ),
    referenceConfigs: option(
      listOf(BENCH_CONFIG_NAMES, true),
      ['toy', 'mnist'],
      'CPU configs on which the float64 path and TF.js\'s cpu backend are timed too, on the\nfirst runtime; on large one step of theirs takes many seconds',
    ),
    wasmThreads: option(wholeNumber(2, 256), null, 'threads of the several-thread comparison (default: navigator.hardwareConcurrency)'),
    losses: option(listOf(BENCH_LOSSES, false), BENCH_LOSSES, BENCH_LOSSES.join(', ')),
    windows: option(wholeNumber(1, MAX_WINDOWS), 3, 'timed windows per measurement; the median is reported'),
    seconds: option(realNumber(0.05, MAX_WINDOW_SECONDS, 'S'), 2, 'target length of a window when --steps is not given'),
    steps: option(wholeNumber(1, MAX_STEPS), null, 'steps per window for every measurement, instead of calibrating'),
    warmup: option(wholeNumber(1, MAX_STEPS), 3, 'steps run before timing'),
    matmulSize: option(wholeNumber(0, MAX_MATMUL_SIZE, 'N', "its matrices must fit WebGPU's default 128 MiB storage binding"), 1024, "size of the square product timed alone, in every product variant that fits\nthe device (the trainer's first); 0 skips it"),
    tuneMs: option(
      wholeNumber(0, MAX_TUNE_MS, 'MS', 'six hours per config at most'),
      DEFAULT_TUNE_MS,
      "milliseconds the autotuner may spend per GPU config, timing every product variant afresh\n(the user's cached choices are neither read nor written); the tuned plan is then timed\nagainst the fixed rule's. 0 skips the tuning tables",
    ),
    out: option(filePath(), 'BENCHMARKS.md', 'where the table is written'),
  },
} satisfies CommandDeclaration;

function specFor(config: string, loss: LossName): NetworkSpec {
  const { widths, outputActivation, batchSize } = BENCH_CONFIGS[config];
  return {
    widths,
    hiddenActivations: widths.slice(1, -1).map(() => 'sigmoid'),
    outputActivation,
    loss,
    optimizer: { ...DEFAULT_OPTIMIZER, kind: 'sgd', learningRate: LEARNING_RATE },
    batchSize,
    init: { kind: 'glorot', scale: 1 },
    seed: 1,
  };
}

/**
 * FLOPs of the products one training step computes, 2·B·n_in·n_out each: the forward product and the
 * weight gradient of every layer, and the input gradient of every layer but the first (nothing
 * needs ∂L/∂X of the data).
 */
function flopsPerStep(spec: NetworkSpec): number {
  let multiplyAdds = 0;
  for (let l = 1; l < spec.widths.length; l++) {
    const products = l === 1 ? 2 : 3;
    multiplyAdds += products * spec.widths[l - 1] * spec.widths[l];
  }
  return 2 * spec.batchSize * multiplyAdds;
}

interface Row {
  runtime: GpuRuntime;
  config: string;
  loss: LossName;
  spec: NetworkSpec;
  ours: BenchResult;
  /** TF.js's figure, or why TF.js did not run on this runtime. */
  tfjs: BenchResult | { error: string };
}

/** Our WebAssembly path against TF.js's wasm backend on one config and loss. */
interface WasmRow {
  config: string;
  loss: LossName;
  spec: NetworkSpec;
  /** One thread each. */
  oneThread: { ours: BenchResult; tfjs: BenchResult };
  /** Several threads each (CpuThreads). */
  threads: { ours: BenchResult; tfjs: BenchResult };
  /** Ours on one thread and on several, in alternating windows of one page. */
  scaling: { one: BenchResult; several: BenchResult };
}

/** How many threads each side of the several-thread comparison ran on. */
interface CpuThreads {
  /** Our WebAssembly path. */
  ours: number;
  /** TF.js's wasm backend: it caps its thread pool at half of navigator.hardwareConcurrency, and at 8. */
  tfjs: number;
}

/** What the WebAssembly comparison measured, and in which browser. */
interface WasmMeasurements {
  rows: WasmRow[];
  threads: CpuThreads;
  /** The square products timed alone, each with what it is. */
  matmuls: { label: string; result: CpuMatmulResult }[];
  /** The browser's version. */
  browser: string;
}

/** One runtime's time from nothing to a first finished step of one config. */
interface StartupRow {
  runtime: GpuRuntime;
  config: string;
  spec: NetworkSpec;
  /** The runtime's own start (BenchTarget.startMs). */
  startMs: number;
  firstStep: FirstStepResult;
}

/** TF.js's figure through `show`, or "not run" when it failed on this runtime. */
function tfjsCell(tfjs: Row['tfjs'], show: (result: BenchResult) => string): string {
  return 'error' in tfjs ? 'not run' : show(tfjs);
}

function gpuTable(rows: Row[], matmuls: Map<GpuRuntime, MatmulResult>): string {
  const header = '| runtime | config | loss | batch | ours samples/s | TF.js samples/s | ours / TF.js | ours GFLOP/s | of our matmul | TF.js GFLOP/s | steps per window ours, TF.js | window spread ours, TF.js | our step plan |';
  const rule = '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|';
  const lines = rows.map(({ runtime, config, loss, spec, ours, tfjs }) => {
    const perSample = flopsPerStep(spec) / spec.batchSize;
    const oursGflops = (ours.medianSamplesPerSecond * perSample) / 1e9;
    const matmul = matmuls.get(runtime);
    const share = matmul ? `${((100 * oursGflops) / matmul.medianGflops).toFixed(0)}%` : 'not measured';
    return (
      `| ${runtime} | ${config} [${spec.widths.join('-')}] | ${LOSSES[loss].shortLabel} | ${spec.batchSize} | ${fmtRate(ours.medianSamplesPerSecond)} | ${tfjsCell(tfjs, (t) => fmtRate(t.medianSamplesPerSecond))} | ` +
      `${tfjsCell(tfjs, (t) => (ours.medianSamplesPerSecond / t.medianSamplesPerSecond).toFixed(2))} | ${oursGflops.toPrecision(3)} | ${share} | ${tfjsCell(tfjs, (t) => ((t.medianSamplesPerSecond * perSample) / 1e9).toPrecision(3))} | ` +
      `${ours.stepsPerWindow}, ${tfjsCell(tfjs, (t) => String(t.stepsPerWindow))} | ${spread(ours)}, ${tfjsCell(tfjs, spread)} | ${ours.plan ?? ''} |`
    );
  });
  return [header, rule, ...lines].join('\n');
}

function cpuTable(rows: Row[]): string {
  const header = '| config | loss | batch | ours (float64) samples/s | TF.js cpu samples/s | ours / TF.js | steps per window ours, TF.js | window spread ours, TF.js |';
  const rule = '|---|---|---:|---:|---:|---:|---|---|';
  const lines = rows.map(({ config, loss, spec, ours, tfjs }) =>
    `| ${config} [${spec.widths.join('-')}] | ${LOSSES[loss].shortLabel} | ${spec.batchSize} | ${fmtRate(ours.medianSamplesPerSecond)} | ${tfjsCell(tfjs, (t) => fmtRate(t.medianSamplesPerSecond))} | ${tfjsCell(tfjs, (t) => (ours.medianSamplesPerSecond / t.medianSamplesPerSecond).toFixed(2))} | ${ours.stepsPerWindow}, ${tfjsCell(tfjs, (t) => String(t.stepsPerWindow))} | ${spread(ours)}, ${tfjsCell(tfjs, spread)} |`,
  );
  return [header, rule, ...lines].join('\n');
}

/** Samples/s of a pair and their ratio, as three cells. */
function pairCells(pair: { ours: BenchResult; tfjs: BenchResult }): string {
  return `${fmtRate(pair.ours.medianSamplesPerSecond)} | ${fmtRate(pair.tfjs.medianSamplesPerSecond)} | ${(pair.ours.medianSamplesPerSecond / pair.tfjs.medianSamplesPerSecond).toFixed(2)}`;
}

function wasmTable(rows: WasmRow[], threads: CpuThreads): string {
  const header =
    `| config | loss | batch | ours wasm, 1 thread | TF.js wasm, 1 thread | ours / TF.js | ours wasm, ${plural(threads.ours, 'thread')} | TF.js wasm, ${plural(threads.tfjs, 'thread')} | ours / TF.js | ` +
    `ours ${plural(threads.ours, 'thread')} / 1, alternating windows | ours GFLOP/s, 1 thread and ${threads.ours} | TF.js GFLOP/s, 1 thread and ${threads.tfjs} |`;
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|';
  const lines = rows.map(({ config, loss, spec, oneThread, threads: several, scaling }) => {
    const perSample = flopsPerStep(spec) / spec.batchSize;
    const gflops = (result: BenchResult) => ((result.medianSamplesPerSecond * perSample) / 1e9).toPrecision(3);
    return (
      `| ${config} [${spec.widths.join('-')}] | ${LOSSES[loss].shortLabel} | ${spec.batchSize} | ${pairCells(oneThread)} | ${pairCells(several)} | ` +
      `${(scaling.several.medianSamplesPerSecond / scaling.one.medianSamplesPerSecond).toFixed(2)} (${fmtRate(scaling.one.medianSamplesPerSecond)} and ${fmtRate(scaling.several.medianSamplesPerSecond)}) | ${gflops(oneThread.ours)}, ${gflops(several.ours)} | ${gflops(oneThread.tfjs)}, ${gflops(several.tfjs)} |`
    );
  });
  return [header, rule, ...lines].join('\n');
}

/** Steps per window and the spread of the windows of every WebAssembly measurement, so a reader can tell a steady figure from a noisy one. */
function wasmWindowTable(rows: WasmRow[], threads: CpuThreads): string {
  const header = '| config | loss | measurement | steps per window ours, TF.js | window spread ours, TF.js |';
  const rule = '|---|---|---|---|---|';
  const lines = rows.flatMap(({ config, loss, oneThread, threads: several, scaling }) => [
    ...[
      { what: '1 thread', pair: oneThread },
      { what: `${threads.ours} and ${plural(threads.tfjs, 'thread')}`, pair: several },
    ].map(({ what, pair }) => `| ${config} | ${LOSSES[loss].shortLabel} | ${what} | ${pair.ours.stepsPerWindow}, ${pair.tfjs.stepsPerWindow} | ${spread(pair.ours)}, ${spread(pair.tfjs)} |`),
    `| ${config} | ${LOSSES[loss].shortLabel} | ours on 1 and ${plural(threads.ours, 'thread')} | ${scaling.one.stepsPerWindow}, (no TF.js) | ${spread(scaling.one)} and ${spread(scaling.several)}, (no TF.js) |`,
  ]);
  return [header, rule, ...lines].join('\n');
}

/** One line per square product timed on the CPU. */
function cpuMatmulLines(results: WasmMeasurements['matmuls']): string {
  if (results.length === 0) return 'The matrix products were not timed alone (--matmul-size 0).';
  return results
    .map(
      ({ label, result: m }) =>
        `- ${label}, ${plural(m.threads, 'thread')}, ${m.size}×${m.size}·${m.size}×${m.size}: **${m.medianGflops.toPrecision(3)} GFLOP/s** ` +
        `(median of ${m.windowGflops.length} windows: ${m.windowGflops.map((g) => g.toPrecision(3)).join(', ')}; ${m.productsPerWindow} products each).`,
    )
    .join('\n');
}

/** Start-up to a first step, and our steady steps/s on the first loss, per runtime and config. */
function runtimeTable(startups: StartupRow[], rows: Row[]): string {
  const header = '| runtime | config | runtime start s | dataset s | session s | first step s | start-up to first step s | ours steps/s (first loss) |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|';
  const lines = startups.map(({ runtime, config, spec, startMs, firstStep }) => {
    const steady = rows.find((row) => row.runtime === runtime && row.config === config);
    const stepsPerSecond = steady ? fmtRate(steady.ours.medianSamplesPerSecond / spec.batchSize) : 'not measured';
    const total = startMs + firstStep.datasetMs + firstStep.sessionMs + firstStep.stepMs;
    return `| ${runtime} | ${config} [${spec.widths.join('-')}] | ${seconds(startMs)} | ${seconds(firstStep.datasetMs)} | ${seconds(firstStep.sessionMs)} | ${seconds(firstStep.stepMs)} | ${seconds(total)} | ${stepsPerSecond} |`;
  });
  return [header, rule, ...lines].join('\n');
}

async function cpuModel(): Promise<string> {
  try {
    const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

const ENGINE_PATHS = ['src/model', 'src/cpu', 'src/gpu', 'src/data', 'src/train', 'shaders', 'scripts'];

/** Runs kept in BENCHMARKS.md besides the new one: on a shared machine one run alone hides how much figures move. */
const EARLIER_RUNS_KEPT = 3;
const RUN_HEADING = '## Run of ';

const BENCHMARKS_HEADER = `# Benchmarks

Written by \`npm run bench\` (scripts/bench.ts). Each run adds its section at the top and the ${EARLIER_RUNS_KEPT} runs before it are kept,
so the spread between runs on the same machine stays in view.

## Method

- Both implementations train the same network (sigmoid hidden layers), batch, SGD learning rate ${LEARNING_RATE}, initial
  weights (initParameters) and batches (BatchSchedule, gathered on the device), on the same runtime: a page of one
  headless Chromium, or one Node process on Node's WebGPU (--runtime). Data: the circle set for toy, the 8,000 MNIST
  training digits for mnist and large.
- TF.js: @tensorflow/tfjs-core 4.22 with tfjs-backend-webgpu, tfjs-backend-wasm (XNNPACK, SIMD) or tfjs-backend-cpu,
  tf.variable weights, tf.matMul/tf.sigmoid/tf.softmax, tf.losses.meanSquaredError / sigmoidCrossEntropy /
  softmaxCrossEntropy, tf.train.sgd, tf.tidy. It computes only the loss it trains on.
- Ours: createSession, which every step also evaluates both losses, per-layer gradient norms, the output-delta norm and
  the saturated fraction, and reads them back. On the CPU: our float32 WebAssembly SIMD path (products in
  asm/products.ts and asm/elementwise.ts, the rest TypeScript, in Web Workers over shared memory) against TF.js's wasm backend; our float64
  reference against TF.js's cpu backend (float32).
- Threads: TF.js's wasm backend starts once per page with a fixed thread count, so each WebAssembly comparison has a page
  of its own in one headless Chromium (whatever --runtime says: the threads are Web Workers):
  bench.html?tfjs-wasm-threads=1 (TF.js's one-thread SIMD binary; ours on one worker) and bench.html?tfjs-wasm-threads=N
  (TF.js's threaded binary, which caps itself at half of navigator.hardwareConcurrency; ours split across N workers,
  N = navigator.hardwareConcurrency unless --wasm-threads says otherwise). The pages are cross-origin isolated (the dev
  server's COOP/COEP headers). "Ours N threads / 1" comes from a third measurement in the second page: ours on one
  worker against ours on N, in alternating windows, so both figures come from the same stretch of the run; before
  them each runs one untimed window, so that both are as warm (the window is sized on one thread).
- Several threads need the machine's cores to be free. On a shared or virtual machine they may not be: the square
  products on 1 and on N threads, timed alone in the same run, show how much of the N cores the run got.
- TF.js's wasm backend runs a product through XNNPACK only when neither operand is transposed; the products of
  tf.matMul's gradient (dZ·Wᵀ and Aᵀ·dZ) go to its plain scalar loop (slow_batch_matmul in its batch_mat_mul_impl.cc).
  So two thirds of a training step's FLOPs run far below its tf.matMul figure: in Node on this machine, 512³, 17.5
  GFLOP/s plain against 1.1 with transposeA and 2.4 with transposeB. The harness calls TF.js as a user would
  (tf.matMul, optimizer.minimize) and does not rewrite its gradients.
- Each figure: warm-up steps, a calibration run that sizes the window, then timed windows; a window issues its steps and
  synchronises once at its end (ours: session.flush(); TF.js: awaiting data() of the last layer's bias). In the
  WebAssembly comparisons our windows and TF.js's alternate, so load from other work on the machine falls on both alike.
  Reported: the median window, in samples per second; "window spread" is the slowest and fastest window against it. A
  calibrated window has at least 3 steps, so on slow configs it lasts longer than asked.
- GFLOP/s counts the FLOPs of the products a step computes, 2·B·n_(l−1)·n_l each: forward and weight gradient of every
  layer, input gradient of every layer but the first (both implementations skip ∂L/∂X of the data); nothing else.
  "Of our matmul" divides it by the GFLOP/s of our forward product alone on a square matrix, timed in the same run in the
  variant our trainer's fixed rule picks on the adapter; above 100% the square product ran slower than the training
  products did (other sizes, and a machine whose load moves). Every other product variant that fits the device (those the
  autotuner tries) is timed on the same product and given as a multiple of the rule's.
  On the CPU, the square product alone is timed for both sides: ours as the forward product of a [size, size] layer over
  a batch of size (bias included), TF.js's as tf.matMul, each on one thread and on several.
- Start-up to first step, per runtime and config, in phases: the runtime's start (Chromium: the script's Vite server,
  launching the browser, loading the bench page and the engine's modules into it; Node: loading Dawn and finding an
  adapter, the engine's modules being loaded with the script as in every run), building the dataset, creating the
  session (pipelines, buffers, uploads; the device too in a runtime's first config), and one step with its flush.
  Measured before anything else runs on the runtime; every config of a runtime shares one runtime start.
${TUNING_METHOD}

## The Node runtime

\`--runtime node\` runs the engine in the benchmark's own Node process on Dawn, the WebGPU implementation inside Chrome,
from the optional npm package \`webgpu\`: no browser and no page round trip. Without a GPU, Dawn reaches the same
SwiftShader that headless Chromium uses, through Vulkan (README, "Node runtime"), so on such a machine the two runtimes
run the same kernels on the same CPU implementation and differ in start-up and in per-submission overhead. TF.js's
WebGPU backend also runs on the Node adapter once \`navigator.gpu\` is Dawn's GPU object (and its Node platform code is
given \`require\`), so it is compared on both runtimes in the same run.

While a wait on the GPU is pending (a flush, a metrics readback), Dawn's Node binding polls for finished work on the
main thread: measured here during a flush of 20 steps, about a quarter of a core. On a CPU adapter that is CPU taken from
SwiftShader's own threads (Chromium's page does not poll), so on a small, busy machine the Node runtime can lose in
steady throughput what it gains at start. A run on a machine with a GPU names its adapter in its section below.
`;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function dateLine(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}

/** What an existing BENCHMARKS.md keeps after the new run (keptSections), or nothing when there is no file yet. */
async function earlierSections(path: string): Promise<string> {
  try {
    return keptSections(await readFile(path, 'utf8'), BENCHMARKS_HEADER, RUN_HEADING, EARLIER_RUNS_KEPT);
  } catch {
    return '';
  }
}

/** The commit measured, and whether the engine had uncommitted edits (others may be editing while a benchmark runs). */
async function engineVersion(projectRoot: string): Promise<string> {
  const git = (...args: string[]) => promisify(execFile)('git', args, { cwd: projectRoot }).then((r) => r.stdout.trim());
  try {
    const commit = await git('rev-parse', '--short', 'HEAD');
    // The engine only: the benchmark imports nothing from src/ui.
    const edited = (await git('status', '--porcelain', '--', ...ENGINE_PATHS)).split('\n').filter((line) => line !== '').map((line) => line.slice(3));
    return edited.length === 0 ? `commit ${commit}` : `commit ${commit} with uncommitted edits to ${edited.join(', ')}`;
  } catch {
    return 'not a git checkout';
  }
}

/** How every throughput figure is timed. */
type Timing = Pick<BenchRequest, 'warmupSteps' | 'windows' | 'windowSeconds' | 'windowSteps'>;

/**
 * Our WebAssembly path against TF.js's wasm backend in two pages of one headless Chromium, on one
 * thread each and on several, their windows taken in turn; and each side's square product alone.
 */
async function measureWasm(options: BenchOptions, timing: Timing, host: ScriptHost): Promise<WasmMeasurements> {
  const headless = await launchHeadless(host);
  try {
    const probe = await headless.open('/scripts/pages/bench.html');
    const several = options.wasmThreads ?? (await probe.evaluate(() => navigator.hardwareConcurrency));
    const oneThreadPage = await headless.open('/scripts/pages/bench.html?tfjs-wasm-threads=1');
    const threadsPage = await headless.open(`/scripts/pages/bench.html?tfjs-wasm-threads=${several}`);
    const tfjsOnOne = await oneThreadPage.evaluate(() => window.benchTfjsWasmThreads());
    if (tfjsOnOne !== 1) throw new Error(`TF.js's wasm backend started on ${tfjsOnOne} threads in the page meant for one`);
    const threads: CpuThreads = { ours: several, tfjs: await threadsPage.evaluate(() => window.benchTfjsWasmThreads()) };
    if (threads.tfjs < several) host.stdout(`TF.js's wasm backend runs on ${plural(threads.tfjs, 'thread')} of the ${several} asked for: it uses at most half of navigator.hardwareConcurrency\n`);
    const matmuls: WasmMeasurements['matmuls'] = [];
    if (options.matmulSize > 0) {
      for (const [on, count] of [[oneThreadPage, 1], [threadsPage, several]] as const) {
        for (const implementation of ['ours', 'tfjs'] as const) {
          await on.bringToFront();
          const result = await on.evaluate((...args) => window.benchCpuMatmul(...args), implementation, options.matmulSize, count, options.windows, options.seconds);
          const label = implementation === 'ours' ? 'Our WebAssembly product kernel (as the forward product of a layer)' : "TF.js's wasm backend, tf.matMul";
          matmuls.push({ label, result });
          host.stdout(`${label}: ${result.medianGflops.toPrecision(3)} GFLOP/s on ${plural(result.threads, 'thread')}\n`);
        }
      }
    }
    /** Ours and TF.js on one network and loss in `on` (brought to the front: a background page is throttled). */
    const pair = async (on: typeof probe, request: BenchPairRequest, label: string) => {
      await on.bringToFront();
      const { ours, tfjs } = await on.evaluate((r) => window.benchPair(r), request);
      host.stdout(
        `${label}: ours ${fmtRate(ours.medianSamplesPerSecond)} samples/s (${ours.stepsPerWindow} steps/window), ` +
          `TF.js ${fmtRate(tfjs.medianSamplesPerSecond)} samples/s (${tfjs.stepsPerWindow} steps/window), ratio ${(ours.medianSamplesPerSecond / tfjs.medianSamplesPerSecond).toFixed(2)}\n`,
      );
      return { ours, tfjs };
    };
    const rows: WasmRow[] = [];
    for (const config of options.cpuConfigs) {
      for (const loss of options.losses) {
        const spec = specFor(config, loss);
        const request = { backend: 'wasm' as const, spec, dataset: BENCH_CONFIGS[config].dataset, ...timing };
        const name = `wasm ${config} ${LOSSES[loss].shortLabel}`;
        const oneThread = await pair(oneThreadPage, { ...request, threads: 1 }, `${name}, 1 thread`);
        const onThreads = await pair(threadsPage, { ...request, threads: several }, `${name}, ${several} and ${plural(threads.tfjs, 'thread')}`);
        await threadsPage.bringToFront();
        const scaling = await threadsPage.evaluate((r) => window.benchThreadScaling(r), { ...request, threads: several });
        host.stdout(
          `${name}, ours on 1 and ${plural(several, 'thread')} in alternating windows: ${fmtRate(scaling.one.medianSamplesPerSecond)} and ` +
            `${fmtRate(scaling.several.medianSamplesPerSecond)} samples/s, ratio ${(scaling.several.medianSamplesPerSecond / scaling.one.medianSamplesPerSecond).toFixed(2)}\n`,
        );
        rows.push({ config, loss, spec, oneThread, threads: onThreads, scaling });
      }
    }
    return { rows, threads, matmuls, browser: headless.version };
  } finally {
    await headless.close();
  }
}

/** Measures our trainer and TF.js's on one runtime, one row per config and loss; a TF.js failure is recorded, not thrown. */
async function measurePairs(target: BenchTarget, configs: string[], backend: 'webgpu' | 'cpu', losses: LossName[], timing: Timing, host: ScriptHost): Promise<Row[]> {
  const rows: Row[] = [];
  for (const config of configs) {
    for (const loss of losses) {
      const spec = specFor(config, loss);
      const request = { backend, threads: null, spec, dataset: BENCH_CONFIGS[config].dataset, ...timing };
      const ours = await target.trainer({ ...request, implementation: 'ours' });
      const tfjs = await target.trainer({ ...request, implementation: 'tfjs' }).catch((error: unknown) => ({ error: error instanceof Error ? error.message.split('\n')[0] : String(error) }));
      rows.push({ runtime: target.runtime, config, loss, spec, ours, tfjs });
      host.stdout(
        `${target.runtime} ${backend} ${config} ${LOSSES[loss].shortLabel}: ours ${fmtRate(ours.medianSamplesPerSecond)} samples/s (${ours.stepsPerWindow} steps/window), ` +
          ('error' in tfjs
            ? `TF.js did not run: ${tfjs.error}\n`
            : `TF.js ${fmtRate(tfjs.medianSamplesPerSecond)} samples/s (${tfjs.stepsPerWindow} steps/window), ratio ${(ours.medianSamplesPerSecond / tfjs.medianSamplesPerSecond).toFixed(2)}\n`),
      );
    }
  }
  return rows;
}

/** Tunes each GPU config afresh on one runtime and times the tuned plan against the rule's, on `loss`: one row per config. */
async function measureTunings(target: BenchTarget, configs: string[], loss: LossName, timing: Omit<TuningRequest, 'spec' | 'dataset' | 'budgetMs'>, budgetMs: number, host: ScriptHost): Promise<TuningRow[]> {
  const rows: TuningRow[] = [];
  for (const config of configs) {
    const spec = specFor(config, loss);
    host.stderr(`${target.runtime} ${config}: tuning afresh (budget ${budgetMs} ms), then the tuned plan against the rule's\n`);
    const result = await target.tuning({ spec, dataset: BENCH_CONFIGS[config].dataset, budgetMs, ...timing });
    const row = { runtime: target.runtime, config, loss, spec, result };
    rows.push(row);
    host.stdout(`${tuningProgressLine(row)}\n`);
  }
  return rows;
}

export async function main(args: string[], host: ScriptHost): Promise<number> {
  const options = parseCommandArgs(BENCH_COMMAND, args, host);
  if (typeof options === 'number') return options;
  return withUserErrors(host, () => runBench(options, args, host));
}

/** The checked options of the command line. */
type BenchOptions = Exclude<ReturnType<typeof parseCommandArgs<typeof BENCH_COMMAND>>, number>;

/** The benchmark itself; a problem the user can fix is thrown as a ConfigError. */
async function runBench(options: BenchOptions, args: string[], host: ScriptHost): Promise<number> {
  // Checked before the benchmark, so a path that cannot take the table costs no measuring.
  const outPath = resolve(host.cwd, options.out);
  await checkOutputPath(outPath, '--out', []);
  const started = new Date();
  const version = await engineVersion(host.projectRoot);
  const runtimes: GpuRuntime[] = [];
  for (const choice of options.runtime) {
    const { runtime } = await resolveRuntime(choice, host);
    if (!runtimes.includes(runtime)) runtimes.push(runtime);
  }
  const loadBefore = loadavg();
  const timing = { warmupSteps: options.warmup, windows: options.windows, windowSeconds: options.seconds, windowSteps: options.steps };
  const runtimeLines: string[] = [];
  const startups: StartupRow[] = [];
  const matmulLines: string[] = [];
  const matmulByRuntime = new Map<GpuRuntime, MatmulResult>();
  const gpuRows: Row[] = [];
  const tuningRows: TuningRow[] = [];
  let cpuRows: Row[] = [];
  for (const [index, runtime] of runtimes.entries()) {
    const target = await openBenchTarget(runtime, host);
    try {
      announceRuntime(host, runtime, target.detail, target.adapter);
      host.stdout(`runtime ${runtime} (${target.detail}): adapter ${target.adapter}, ready in ${seconds(target.startMs)} s\n`);
      runtimeLines.push(`- Runtime ${runtime}: ${target.detail}; WebGPU adapter: ${target.adapter}`);
      // First, so the first config's session also acquires the device, as a fresh run's does.
      for (const config of options.configs) {
        const spec = specFor(config, options.losses[0]);
        const firstStep = await target.firstStep({ spec, dataset: BENCH_CONFIGS[config].dataset });
        startups.push({ runtime, config, spec, startMs: target.startMs, firstStep });
        host.stdout(`${runtime} ${config}: first step ${seconds(target.startMs + firstStep.datasetMs + firstStep.sessionMs + firstStep.stepMs)} s after start\n`);
      }
      // The variant our trainer's rule picks on this adapter first (the reference for the fractions), then every other that fits.
      if (options.matmulSize > 0 && options.configs.length > 0) {
        const matmuls: MatmulResult[] = [];
        for (const variant of await target.matmulVariants(options.matmulSize)) {
          const result = await target.matmul(options.matmulSize, variant, options.windows, options.seconds);
          const reference = matmuls[0];
          matmuls.push(result);
          const against = reference ? `, ${(result.medianGflops / reference.medianGflops).toFixed(2)}× the ${reference.variant} variant` : '';
          host.stdout(`${runtime}: our matmul kernel (${result.variant}), ${result.size}³: ${result.medianGflops.toPrecision(3)} GFLOP/s${against} (windows ${result.windowGflops.map((g) => g.toPrecision(3)).join(', ')}; ${result.productsPerWindow} products each)\n`);
          matmulLines.push(
            `- ${runtime}: our forward matrix-product kernel alone, ${result.variant} variant${reference ? '' : " (the one our trainer's fixed rule picks on this adapter; the reference of the \"of our matmul\" column and of the other variants)"}, ` +
              `${result.size}×${result.size}·${result.size}×${result.size}: **${result.medianGflops.toPrecision(3)} GFLOP/s**${against} (median of ${result.windowGflops.length} windows: ${result.windowGflops.map((g) => g.toPrecision(3)).join(', ')}).`,
          );
        }
        matmulByRuntime.set(runtime, matmuls[0]);
      }
      if (options.tuneMs > 0) tuningRows.push(...(await measureTunings(target, options.configs, options.losses[0], timing, options.tuneMs, host)));
      gpuRows.push(...(await measurePairs(target, options.configs, 'webgpu', options.losses, timing, host)));
      // The CPU path runs in V8 on either runtime: measured once, on the first.
      if (index === 0) cpuRows = await measurePairs(target, options.referenceConfigs, 'cpu', options.losses, timing, host);
    } finally {
      await target.close();
    }
  }
  // After the GPU runtimes, so no browser of theirs is still running while the CPU is timed.
  const wasm = options.cpuConfigs.length > 0 ? await measureWasm(options, timing, host) : null;
  const loadAfter = loadavg();

  const tfjsFailures = [...gpuRows, ...cpuRows].flatMap((row) => ('error' in row.tfjs ? [`${row.runtime} ${row.config} ${LOSSES[row.loss].shortLabel}: ${row.tfjs.error}`] : []));
  const machine = [
    `- CPU: ${await cpuModel()}, ${cpus().length} logical cores (nproc); no GPU`,
    ...runtimeLines,
    ...(wasm
      ? [
          `- WebAssembly comparison: ${wasm.browser}, headless, flags of scripts/find-browser.mjs; in its several-thread figures ours ran on ${plural(wasm.threads.ours, 'thread')} and TF.js's wasm backend on ${plural(wasm.threads.tfjs, 'thread')} (its cap: half of navigator.hardwareConcurrency)`,
        ]
      : []),
    `- Load average (1 min) before / after: ${loadBefore[0].toFixed(2)} / ${loadAfter[0].toFixed(2)}; other work was running on the machine, so figures are noisy`,
    `- Command: \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\`: ${plural(options.windows, 'timed window')} per figure, ${options.steps === null ? `each sized to about ${options.seconds} s` : `${plural(options.steps, 'step')} each`}, after ${plural(options.warmup, 'warm-up step')}`,
  ].join('\n');
  const gpuSection = gpuRows.length > 0 ? gpuTable(gpuRows, matmulByRuntime) : 'Not run (--configs none).';
  const wasmSection = wasm
    ? `Our float32 WebAssembly path against TF.js's wasm backend, in headless Chromium.\n\n${cpuMatmulLines(wasm.matmuls)}\n\n${wasmTable(wasm.rows, wasm.threads)}\n\nWindows of each measurement:\n\n${wasmWindowTable(wasm.rows, wasm.threads)}`
    : 'The WebAssembly path was not run (--cpu-configs none).';
  const referenceSection = cpuRows.length > 0 ? `Our float64 reference against TF.js's cpu backend, measured on the ${runtimes[0]} runtime.\n\n${cpuTable(cpuRows)}` : 'The float64 reference was not run (--reference-configs none).';
  const cpuSection = `${wasmSection}\n\n${referenceSection}`;
  const runtimeSection = startups.length > 0 ? runtimeTable(startups, gpuRows) : 'Not run (--configs none).';
  const tunerSection = tuningSection(tuningRows, options.tuneMs);
  const failuresSection = tfjsFailures.length > 0 ? `\n\nTF.js did not run:\n${tfjsFailures.map((line) => `- ${line}`).join('\n')}` : '';
  const matmulSection = matmulLines.length > 0 ? matmulLines.join('\n') : 'The matrix-product kernel was not timed (--matmul-size 0, or --configs none).';
  const runSection = `## Run of ${dateLine(started)}, ${version}

${machine}

### ${runtimes.length > 1 ? 'Node runtime against Chromium' : `Runtime ${runtimes[0]}`}: start-up to first step and steps/s

${runtimeSection}

### WebGPU

${matmulSection}

${gpuSection}${failuresSection}

### Autotuner against the fixed rule

${tunerSection}

### CPU

${cpuSection}
`;
  await writeOutputs([{ path: outPath, field: '--out', content: `${BENCHMARKS_HEADER}\n${runSection}${await earlierSections(outPath)}` }]);
  host.stdout(`\n${runtimeSection}\n\n${gpuSection}${failuresSection}\n\n${tunerSection}\n\n${cpuSection}\n\nwrote ${outPath}\n`);
  return 0;
}
