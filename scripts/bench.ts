/**
 * `npm run bench -- [--configs toy,mnist,large] [--losses mse,cross_entropy] [--cpu-configs toy,mnist]
 *   [--windows 3] [--seconds 2] [--steps N] [--warmup 3] [--matmul-size 1024] [--out BENCHMARKS.md]`
 *
 * Our trainers against TensorFlow.js in one headless Chromium: the WebGPU trainer against TF.js's
 * WebGPU backend, and our float64 CPU path against TF.js's cpu backend, on the same network,
 * batch, SGD learning rate, initial weights and batches. Steady-state samples/s is the median of
 * timed windows after warm-up, each window ending in one synchronisation. Also times our own
 * matrix-product kernel on size³ and relates each config's achieved GFLOP/s to it. Prints the
 * table and writes it to BENCHMARKS.md with the machine it ran on.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { MatmulVariant } from '../src/gpu/kernels';
import { LOSSES, type LossName } from '../src/model/losses';
import { DEFAULT_OPTIMIZER, type NetworkSpec } from '../src/model/spec';
import type { BenchRequest, BenchResult, MatmulResult } from './lib/bench-types';
import { filePath, listOf, option, parseCommandArgs, realNumber, wholeNumber, type CommandDeclaration } from './lib/args';
import { launchHeadless } from './lib/browser';
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

/** The command line: the usage text, the parsing and the checks all read this. */
const BENCH_COMMAND = {
  usage: 'npm run bench -- [options]',
  options: {
    configs: option(listOf(BENCH_CONFIG_NAMES, false), BENCH_CONFIG_NAMES, `GPU configs, from ${BENCH_CONFIG_NAMES.join(', ')}`),
    cpuConfigs: option(listOf(BENCH_CONFIG_NAMES, true), ['toy', 'mnist'], 'CPU configs; "none" skips the CPU table'),
    losses: option(listOf(BENCH_LOSSES, false), BENCH_LOSSES, BENCH_LOSSES.join(', ')),
    windows: option(wholeNumber(1, MAX_WINDOWS), 3, 'timed windows per measurement; the median is reported'),
    seconds: option(realNumber(0.05, MAX_WINDOW_SECONDS, 'S'), 2, 'target length of a window when --steps is not given'),
    steps: option(wholeNumber(1, MAX_STEPS), null, 'steps per window for every measurement, instead of calibrating'),
    warmup: option(wholeNumber(1, MAX_STEPS), 3, 'steps run before timing'),
    matmulSize: option(wholeNumber(0, MAX_MATMUL_SIZE, 'N', "its matrices must fit WebGPU's default 128 MiB storage binding"), 1024, 'size of the square product timed alone; 0 skips it'),
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
  config: string;
  loss: LossName;
  spec: NetworkSpec;
  ours: BenchResult;
  tfjs: BenchResult;
}


function fmtRate(samplesPerSecond: number): string {
  return samplesPerSecond >= 1000 ? Math.round(samplesPerSecond).toLocaleString('en-US') : samplesPerSecond.toPrecision(3);
}

/** Smallest and largest window, as a share of the median: how steady the measurement was. */
function spread(result: BenchResult): string {
  const min = Math.min(...result.windowSamplesPerSecond);
  const max = Math.max(...result.windowSamplesPerSecond);
  return `${Math.round((100 * (min - result.medianSamplesPerSecond)) / result.medianSamplesPerSecond)}/+${Math.round((100 * (max - result.medianSamplesPerSecond)) / result.medianSamplesPerSecond)}%`;
}

function gpuTable(rows: Row[], matmul: MatmulResult | null): string {
  const header = '| config | loss | batch | ours samples/s | TF.js samples/s | ours / TF.js | ours GFLOP/s | of our matmul | TF.js GFLOP/s | steps per window ours, TF.js | window spread ours, TF.js | our step plan |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|';
  const lines = rows.map(({ config, loss, spec, ours, tfjs }) => {
    const perSample = flopsPerStep(spec) / spec.batchSize;
    const oursGflops = (ours.medianSamplesPerSecond * perSample) / 1e9;
    const tfjsGflops = (tfjs.medianSamplesPerSecond * perSample) / 1e9;
    const share = matmul ? `${((100 * oursGflops) / matmul.medianGflops).toFixed(0)}%` : 'not measured';
    return `| ${config} [${spec.widths.join('-')}] | ${LOSSES[loss].shortLabel} | ${spec.batchSize} | ${fmtRate(ours.medianSamplesPerSecond)} | ${fmtRate(tfjs.medianSamplesPerSecond)} | ${(ours.medianSamplesPerSecond / tfjs.medianSamplesPerSecond).toFixed(2)} | ${oursGflops.toPrecision(3)} | ${share} | ${tfjsGflops.toPrecision(3)} | ${ours.stepsPerWindow}, ${tfjs.stepsPerWindow} | ${spread(ours)}, ${spread(tfjs)} | ${ours.plan ?? ''} |`;
  });
  return [header, rule, ...lines].join('\n');
}

function cpuTable(rows: Row[]): string {
  const header = '| config | loss | batch | ours (float64) samples/s | TF.js cpu samples/s | ours / TF.js | steps per window ours, TF.js | window spread ours, TF.js |';
  const rule = '|---|---|---:|---:|---:|---:|---|---|';
  const lines = rows.map(({ config, loss, spec, ours, tfjs }) =>
    `| ${config} [${spec.widths.join('-')}] | ${LOSSES[loss].shortLabel} | ${spec.batchSize} | ${fmtRate(ours.medianSamplesPerSecond)} | ${fmtRate(tfjs.medianSamplesPerSecond)} | ${(ours.medianSamplesPerSecond / tfjs.medianSamplesPerSecond).toFixed(2)} | ${ours.stepsPerWindow}, ${tfjs.stepsPerWindow} | ${spread(ours)}, ${spread(tfjs)} |`,
  );
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
  weights (initParameters) and batches (BatchSchedule, gathered on the device), in the same page of one headless browser.
  Data: the circle set for toy, the 8,000 MNIST training digits for mnist and large.
- TF.js: @tensorflow/tfjs-core 4.22 with tfjs-backend-webgpu (or tfjs-backend-cpu), tf.variable weights,
  tf.matMul/tf.sigmoid/tf.softmax, tf.losses.meanSquaredError / sigmoidCrossEntropy / softmaxCrossEntropy, tf.train.sgd,
  tf.tidy. It computes only the loss it trains on.
- Ours: createSession, which every step also evaluates both losses, per-layer gradient norms, the output-delta norm and
  the saturated fraction, and reads them back. The CPU path computes in float64; TF.js's cpu backend in float32.
- Each figure: warm-up steps, a calibration run that sizes the window, then timed windows; a window issues its steps and
  synchronises once at its end (ours: session.flush(); TF.js: awaiting data() of the last layer's bias). Reported: the
  median window, in samples per second; "window spread" is the slowest and fastest window against it. A calibrated
  window has at least 3 steps, so on slow configs it lasts longer than asked.
- GFLOP/s counts the FLOPs of the products a step computes, 2·B·n_(l−1)·n_l each: forward and weight gradient of every
  layer, input gradient of every layer but the first (both implementations skip ∂L/∂X of the data); nothing else.
  "Of our matmul" divides it by the GFLOP/s of our forward product alone on a square matrix, timed in the same run; above
  100% the square product ran slower than the training products did (other sizes, and a machine whose load moves).
`;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function dateLine(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}

/** The most recent run sections of an existing BENCHMARKS.md, or nothing. */
async function earlierRuns(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return '';
  }
  const sections = text.split(`\n${RUN_HEADING}`).slice(1);
  return sections.slice(0, EARLIER_RUNS_KEPT).map((section) => `\n${RUN_HEADING}${section.trimEnd()}\n`).join('');
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
  const loadBefore = loadavg();
  const headless = await launchHeadless(host);
  try {
    const page = await headless.open('/scripts/pages/bench.html');
    const adapter = await page.evaluate(() => window.benchAdapter());
    host.stdout(`adapter: ${adapter}\nbrowser: ${headless.version}\n`);
    const measure = (request: BenchRequest): Promise<BenchResult> => page.evaluate((r) => window.benchTrainer(r), request);
    const timing = { warmupSteps: options.warmup, windows: options.windows, windowSeconds: options.seconds, windowSteps: options.steps };

    // The variant our trainer uses on this adapter first (the reference for the fractions), then the other one.
    const matmuls: MatmulResult[] = [];
    if (options.matmulSize > 0) {
      for (const which of ['trainer', 'other'] as const) {
        const requested: MatmulVariant | null = which === 'other' ? (matmuls[0].variant === 'registers' ? 'workgroup-memory' : 'registers') : null;
        const result = await page.evaluate((size, v, windows, seconds) => window.benchMatmul(size, v, windows, seconds), options.matmulSize, requested, options.windows, options.seconds);
        matmuls.push(result);
        host.stdout(`our matmul kernel (${result.variant}), ${result.size}³: ${result.medianGflops.toPrecision(3)} GFLOP/s (windows ${result.windowGflops.map((g) => g.toPrecision(3)).join(', ')}; ${result.productsPerWindow} products each)\n`);
      }
    }
    const matmul = matmuls[0] ?? null;
    const runPairs = async (configs: string[], backend: 'webgpu' | 'cpu'): Promise<Row[]> => {
      const rows: Row[] = [];
      for (const config of configs) {
        for (const loss of options.losses) {
          const spec = specFor(config, loss);
          const request = { backend, spec, dataset: BENCH_CONFIGS[config].dataset, ...timing };
          const ours = await measure({ ...request, implementation: 'ours' });
          const tfjs = await measure({ ...request, implementation: 'tfjs' });
          rows.push({ config, loss, spec, ours, tfjs });
          host.stdout(
            `${backend} ${config} ${LOSSES[loss].shortLabel}: ours ${fmtRate(ours.medianSamplesPerSecond)} samples/s (${ours.stepsPerWindow} steps/window), ` +
              `TF.js ${fmtRate(tfjs.medianSamplesPerSecond)} samples/s (${tfjs.stepsPerWindow} steps/window), ratio ${(ours.medianSamplesPerSecond / tfjs.medianSamplesPerSecond).toFixed(2)}\n`,
          );
        }
      }
      return rows;
    };
    const gpuRows = await runPairs(options.configs, 'webgpu');
    const cpuRows = await runPairs(options.cpuConfigs, 'cpu');
    const loadAfter = loadavg();

    const machine = [
      `- CPU: ${await cpuModel()}, ${cpus().length} logical cores (nproc); no GPU`,
      `- WebGPU adapter: ${adapter}`,
      `- Browser: ${headless.version} (headless, flags of scripts/find-browser.mjs)`,
      `- Load average (1 min) before / after: ${loadBefore[0].toFixed(2)} / ${loadAfter[0].toFixed(2)}; other work was running on the machine, so figures are noisy`,
      `- Command: \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\`: ${plural(options.windows, 'timed window')} per figure, ${options.steps === null ? `each sized to about ${options.seconds} s` : `${plural(options.steps, 'step')} each`}, after ${plural(options.warmup, 'warm-up step')}`,
    ].join('\n');
    const gpuSection = gpuTable(gpuRows, matmul);
    const cpuSection = cpuRows.length > 0 ? cpuTable(cpuRows) : 'Not run (--cpu-configs none).';
    const matmulLine =
      matmuls.length > 0
        ? matmuls
            .map(
              (m, i) =>
                `- Our forward matrix-product kernel alone, ${m.variant} variant${i === 0 ? ' (the one our trainer uses on this adapter; the reference of the "of our matmul" column)' : ''}, ` +
                `${m.size}×${m.size}·${m.size}×${m.size}: **${m.medianGflops.toPrecision(3)} GFLOP/s** (median of ${m.windowGflops.length} windows: ${m.windowGflops.map((g) => g.toPrecision(3)).join(', ')}).`,
            )
            .join('\n')
        : 'The matrix-product kernel was not timed (--matmul-size 0).';
    const runSection = `## Run of ${dateLine(started)}, ${version}

${machine}

### WebGPU

${matmulLine}

${gpuSection}

### CPU

${cpuSection}
`;
    await writeOutputs([{ path: outPath, field: '--out', content: `${BENCHMARKS_HEADER}\n${runSection}${await earlierRuns(outPath)}` }]);
    host.stdout(`\n${gpuSection}\n\n${cpuSection}\n\nwrote ${outPath}\n`);
    return 0;
  } finally {
    await headless.close();
  }
}
