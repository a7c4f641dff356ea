/**
 * `npm run bench -- [--configs toy,mnist,large] [--losses mse,cross_entropy] [--cpu-configs toy,mnist]
 *   [--reference-configs toy,mnist] [--wasm-threads N] [--windows 3] [--seconds 2] [--steps N]
 *   [--warmup 3] [--matmul-size 1024] [--out BENCHMARKS.md]`
 *
 * Our trainers against TensorFlow.js in one headless Chromium: the WebGPU trainer against TF.js's
 * WebGPU backend; on the CPU, our float32 WebAssembly path against TF.js's wasm backend on one
 * thread and on several, and our float64 path against TF.js's cpu backend; on the same network,
 * batch, SGD learning rate, initial weights and batches. Steady-state samples/s is the median of
 * timed windows after warm-up, each window ending in one synchronisation. Also times each side's
 * matrix product alone on size³ and relates each config's achieved GFLOP/s to it. Prints the
 * tables and writes them to BENCHMARKS.md with the machine they ran on.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { MatmulVariant } from '../src/gpu/step-plan';
import { LOSSES, type LossName } from '../src/model/losses';
import { DEFAULT_OPTIMIZER, type NetworkSpec } from '../src/model/spec';
import type { BenchRequest, BenchResult, CpuMatmulResult, MatmulResult } from './lib/bench-types';
import { filePath, listOf, option, parseCommandArgs, realNumber, wholeNumber, type CommandDeclaration } from './lib/args';
import type { Page } from 'puppeteer';
import { launchHeadless } from './lib/browser';
import type { ScriptHost } from './lib/host';
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

/** The command line: the usage text, the parsing and the checks all read this. */
const BENCH_COMMAND = {
  usage: 'npm run bench -- [options]',
  options: {
    configs: option(listOf(BENCH_CONFIG_NAMES, true), BENCH_CONFIG_NAMES, `GPU configs, from ${BENCH_CONFIG_NAMES.join(', ')}; "none" skips the GPU table`),
    cpuConfigs: option(listOf(BENCH_CONFIG_NAMES, true), ['toy', 'mnist'], 'CPU configs; "none" skips the CPU table'),
    referenceConfigs: option(
      listOf(BENCH_CONFIG_NAMES, true),
      ['toy', 'mnist'],
      'CPU configs on which the float64 path and TF.js\'s cpu backend are timed too;\non large one step of theirs takes many seconds',
    ),
    wasmThreads: option(wholeNumber(2), null, 'threads of the several-thread comparison (default: navigator.hardwareConcurrency)'),
    losses: option(listOf(BENCH_LOSSES, false), BENCH_LOSSES, BENCH_LOSSES.join(', ')),
    windows: option(wholeNumber(1), 3, 'timed windows per measurement; the median is reported'),
    seconds: option(realNumber(0.05, 'S'), 2, 'target length of a window when --steps is not given'),
    steps: option(wholeNumber(1), null, 'steps per window for every measurement, instead of calibrating'),
    warmup: option(wholeNumber(1), 3, 'steps run before timing'),
    matmulSize: option(wholeNumber(0), 1024, 'size of the square product timed alone; 0 skips it'),
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

/** The CPU measurements of one config and loss. */
interface CpuRow {
  config: string;
  loss: LossName;
  spec: NetworkSpec;
  /** Our float64 path and TF.js's cpu backend; null where the config is not among --reference-configs. */
  reference: { ours: BenchResult; tfjs: BenchResult } | null;
  /** Our WebAssembly path and TF.js's wasm backend, one thread each. */
  oneThread: { ours: BenchResult; tfjs: BenchResult };
  /** The same on several threads. */
  threads: { ours: BenchResult; tfjs: BenchResult };
}

/** How many threads each side of the several-thread comparison ran on. */
interface CpuThreads {
  /** Our WebAssembly path. */
  ours: number;
  /** TF.js's wasm backend: it caps its thread pool at half of navigator.hardwareConcurrency, and at 8. */
  tfjs: number;
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

/** Samples/s of a pair and their ratio, as three cells. */
function pairCells(pair: { ours: BenchResult; tfjs: BenchResult } | null): string {
  if (!pair) return 'not run | not run | |';
  return `${fmtRate(pair.ours.medianSamplesPerSecond)} | ${fmtRate(pair.tfjs.medianSamplesPerSecond)} | ${(pair.ours.medianSamplesPerSecond / pair.tfjs.medianSamplesPerSecond).toFixed(2)}`;
}

function cpuTable(rows: CpuRow[], threads: CpuThreads): string {
  const header =
    `| config | loss | batch | ours wasm, 1 thread | TF.js wasm, 1 thread | ours / TF.js | ours wasm, ${plural(threads.ours, 'thread')} | TF.js wasm, ${plural(threads.tfjs, 'thread')} | ours / TF.js | ours ${plural(threads.ours, 'thread')} / 1 | ` +
    'ours GFLOP/s, 1 thread and several | ours float64 | TF.js cpu | ours / TF.js |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|';
  const lines = rows.map(({ config, loss, spec, reference, oneThread, threads: several }) => {
    const perSample = flopsPerStep(spec) / spec.batchSize;
    const gflops = (result: BenchResult) => ((result.medianSamplesPerSecond * perSample) / 1e9).toPrecision(3);
    return (
      `| ${config} [${spec.widths.join('-')}] | ${LOSSES[loss].shortLabel} | ${spec.batchSize} | ${pairCells(oneThread)} | ${pairCells(several)} | ` +
      `${(several.ours.medianSamplesPerSecond / oneThread.ours.medianSamplesPerSecond).toFixed(2)} | ${gflops(oneThread.ours)}, ${gflops(several.ours)} | ${pairCells(reference)} |`
    );
  });
  return [header, rule, ...lines].join('\n');
}

/** Steps per window and the spread of the windows of every CPU measurement, so a reader can tell a steady figure from a noisy one. */
function cpuWindowTable(rows: CpuRow[], threads: CpuThreads): string {
  const header = '| config | loss | measurement | steps per window ours, TF.js | window spread ours, TF.js |';
  const rule = '|---|---|---|---|---|';
  const lines = rows.flatMap(({ config, loss, reference, oneThread, threads: several }) =>
    [
      { what: 'wasm, 1 thread', pair: oneThread },
      { what: `wasm, ${threads.ours} and ${plural(threads.tfjs, 'thread')}`, pair: several },
      { what: 'float64 and cpu', pair: reference },
    ].flatMap(({ what, pair }) =>
      pair ? [`| ${config} | ${LOSSES[loss].shortLabel} | ${what} | ${pair.ours.stepsPerWindow}, ${pair.tfjs.stepsPerWindow} | ${spread(pair.ours)}, ${spread(pair.tfjs)} |`] : [],
    ),
  );
  return [header, rule, ...lines].join('\n');
}

/** One line per square product timed on the CPU. */
function cpuMatmulLines(results: { label: string; result: CpuMatmulResult }[]): string {
  if (results.length === 0) return 'The matrix products were not timed alone (--matmul-size 0).';
  return results
    .map(
      ({ label, result: m }) =>
        `- ${label}, ${m.threads === 1 ? '1 thread' : `${m.threads} threads`}, ${m.size}×${m.size}·${m.size}×${m.size}: **${m.medianGflops.toPrecision(3)} GFLOP/s** ` +
        `(median of ${m.windowGflops.length} windows: ${m.windowGflops.map((g) => g.toPrecision(3)).join(', ')}; ${m.productsPerWindow} products each).`,
    )
    .join('\n');
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
- TF.js: @tensorflow/tfjs-core 4.22 with tfjs-backend-webgpu, tfjs-backend-wasm (XNNPACK, SIMD) or tfjs-backend-cpu,
  tf.variable weights, tf.matMul/tf.sigmoid/tf.softmax, tf.losses.meanSquaredError / sigmoidCrossEntropy /
  softmaxCrossEntropy, tf.train.sgd, tf.tidy. It computes only the loss it trains on.
- Ours: createSession, which every step also evaluates both losses, per-layer gradient norms, the output-delta norm and
  the saturated fraction, and reads them back. On the CPU: our float32 WebAssembly SIMD path (products in
  asm/products.ts, the rest TypeScript, in Web Workers over shared memory) against TF.js's wasm backend; our float64
  reference against TF.js's cpu backend (float32).
- Threads: TF.js's wasm backend starts once per page with a fixed thread count, so each CPU pair has a page of its own
  in the same browser: bench.html?tfjs-wasm-threads=1 (TF.js's one-thread SIMD binary; ours on one worker) and
  bench.html?tfjs-wasm-threads=N (TF.js's threaded binary, which caps itself at half of navigator.hardwareConcurrency;
  ours split across N workers, N = navigator.hardwareConcurrency unless --wasm-threads says otherwise). The pages are
  cross-origin isolated (the dev server's COOP/COEP headers). The float64 pair runs in the second page.
- Each figure: warm-up steps, a calibration run that sizes the window, then timed windows; a window issues its steps and
  synchronises once at its end (ours: session.flush(); TF.js: awaiting data() of the last layer's bias). Our windows and
  TF.js's alternate, so load from other work on the machine falls on both alike. Reported: the median window, in
  samples per second; "window spread" is the slowest and fastest window against it. A calibrated window has at least 3
  steps, so on slow configs it lasts longer than asked.
- GFLOP/s counts the FLOPs of the products a step computes, 2·B·n_(l−1)·n_l each: forward and weight gradient of every
  layer, input gradient of every layer but the first (both implementations skip ∂L/∂X of the data); nothing else.
  "Of our matmul" divides it by the GFLOP/s of our forward product alone on a square matrix, timed in the same run; above
  100% the square product ran slower than the training products did (other sizes, and a machine whose load moves).
  On the CPU, the square product alone is timed for both sides: ours as the forward product of a [size, size] layer over
  a batch of size (bias included), TF.js's as tf.matMul, each on one thread and on several.
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
  const started = new Date();
  const version = await engineVersion(host.projectRoot);
  const loadBefore = loadavg();
  const headless = await launchHeadless(host);
  try {
    const page = await headless.open('/scripts/pages/bench.html');
    const adapter = await page.evaluate(() => window.benchAdapter());
    host.stdout(`adapter: ${adapter}\nbrowser: ${headless.version}\n`);
    const timing = { warmupSteps: options.warmup, windows: options.windows, windowSeconds: options.seconds, windowSteps: options.steps };

    // The variant our trainer uses on this adapter first (the reference for the fractions), then the other one.
    const matmuls: MatmulResult[] = [];
    if (options.matmulSize > 0 && options.configs.length > 0) {
      for (const which of ['trainer', 'other'] as const) {
        const requested: MatmulVariant | null = which === 'other' ? (matmuls[0].variant === 'registers' ? 'workgroup-memory' : 'registers') : null;
        const result = await page.evaluate((size, v, windows, seconds) => window.benchMatmul(size, v, windows, seconds), options.matmulSize, requested, options.windows, options.seconds);
        matmuls.push(result);
        host.stdout(`our matmul kernel (${result.variant}), ${result.size}³: ${result.medianGflops.toPrecision(3)} GFLOP/s (windows ${result.windowGflops.map((g) => g.toPrecision(3)).join(', ')}; ${result.productsPerWindow} products each)\n`);
      }
    }
    const matmul = matmuls[0] ?? null;
    /** Ours and TF.js on one network and loss, on `on` (the page, brought to the front), their windows taken in turn. */
    const pair = async (on: Page, request: BenchRequest, label: string) => {
      await on.bringToFront();
      const { ours, tfjs } = await on.evaluate((r) => window.benchPair(r), request);
      host.stdout(
        `${label}: ours ${fmtRate(ours.medianSamplesPerSecond)} samples/s (${ours.stepsPerWindow} steps/window), ` +
          `TF.js ${fmtRate(tfjs.medianSamplesPerSecond)} samples/s (${tfjs.stepsPerWindow} steps/window), ratio ${(ours.medianSamplesPerSecond / tfjs.medianSamplesPerSecond).toFixed(2)}\n`,
      );
      return { ours, tfjs };
    };
    const gpuRows: Row[] = [];
    for (const config of options.configs) {
      for (const loss of options.losses) {
        const spec = specFor(config, loss);
        const measured = await pair(page, { backend: 'webgpu', threads: null, spec, dataset: BENCH_CONFIGS[config].dataset, ...timing }, `webgpu ${config} ${LOSSES[loss].shortLabel}`);
        gpuRows.push({ config, loss, spec, ...measured });
      }
    }

    const cpuRows: CpuRow[] = [];
    const cpuMatmuls: { label: string; result: CpuMatmulResult }[] = [];
    let cpuThreads: CpuThreads | null = null;
    if (options.cpuConfigs.length > 0) {
      // TF.js's wasm backend starts once per page with a fixed number of threads: each pair has a page of its own.
      const several = options.wasmThreads ?? (await page.evaluate(() => navigator.hardwareConcurrency));
      const oneThreadPage = await headless.open('/scripts/pages/bench.html?tfjs-wasm-threads=1');
      const threadsPage = await headless.open(`/scripts/pages/bench.html?tfjs-wasm-threads=${several}`);
      const tfjsOnOne = await oneThreadPage.evaluate(() => window.benchTfjsWasmThreads());
      if (tfjsOnOne !== 1) throw new Error(`TF.js's wasm backend started on ${tfjsOnOne} threads in the page meant for one`);
      cpuThreads = { ours: several, tfjs: await threadsPage.evaluate(() => window.benchTfjsWasmThreads()) };
      if (cpuThreads.tfjs < several) host.stdout(`TF.js's wasm backend runs on ${plural(cpuThreads.tfjs, 'thread')} of the ${several} asked for: it uses at most half of navigator.hardwareConcurrency\n`);
      if (options.matmulSize > 0) {
        for (const [on, count] of [[oneThreadPage, 1], [threadsPage, several]] as const) {
          for (const implementation of ['ours', 'tfjs'] as const) {
            await on.bringToFront();
            const result = await on.evaluate((which, size, t, windows, seconds) => window.benchCpuMatmul(which, size, t, windows, seconds), implementation, options.matmulSize, count, options.windows, options.seconds);
            const name = implementation === 'ours' ? 'Our WebAssembly product kernel (as the forward product of a layer)' : "TF.js's wasm backend, tf.matMul";
            cpuMatmuls.push({ label: name, result });
            host.stdout(`${name}: ${result.medianGflops.toPrecision(3)} GFLOP/s on ${result.threads} thread(s)\n`);
          }
        }
      }
      for (const config of options.cpuConfigs) {
        for (const loss of options.losses) {
          const spec = specFor(config, loss);
          const request = { spec, dataset: BENCH_CONFIGS[config].dataset, ...timing };
          const name = `${config} ${LOSSES[loss].shortLabel}`;
          const oneThread = await pair(oneThreadPage, { ...request, backend: 'wasm', threads: 1 }, `wasm ${name}, 1 thread`);
          const onThreads = await pair(threadsPage, { ...request, backend: 'wasm', threads: several }, `wasm ${name}, ${several} and ${plural(cpuThreads.tfjs, 'thread')}`);
          const reference = options.referenceConfigs.includes(config) ? await pair(threadsPage, { ...request, backend: 'cpu', threads: null }, `cpu ${name}`) : null;
          cpuRows.push({ config, loss, spec, reference, oneThread, threads: onThreads });
        }
      }
    }
    const loadAfter = loadavg();

    const machine = [
      `- CPU: ${await cpuModel()}, ${cpus().length} logical cores (nproc); no GPU${cpuThreads ? `; in the several-thread CPU figures ours ran on ${plural(cpuThreads.ours, 'thread')} and TF.js's wasm backend on ${plural(cpuThreads.tfjs, 'thread')} (its cap: half of navigator.hardwareConcurrency)` : ''}`,
      `- WebGPU adapter: ${adapter}`,
      `- Browser: ${headless.version} (headless, flags of scripts/find-browser.mjs)`,
      `- Load average (1 min) before / after: ${loadBefore[0].toFixed(2)} / ${loadAfter[0].toFixed(2)}; other work was running on the machine, so figures are noisy`,
      `- Command: \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\`: ${plural(options.windows, 'timed window')} per figure, ${options.steps === null ? `each sized to about ${options.seconds} s` : `${plural(options.steps, 'step')} each`}, after ${plural(options.warmup, 'warm-up step')}`,
    ].join('\n');
    const gpuSection = gpuRows.length > 0 ? gpuTable(gpuRows, matmul) : 'Not run (--configs none).';
    const cpuSection =
      cpuThreads && cpuRows.length > 0
        ? `${cpuMatmulLines(cpuMatmuls)}\n\n${cpuTable(cpuRows, cpuThreads)}\n\nWindows of each CPU measurement:\n\n${cpuWindowTable(cpuRows, cpuThreads)}`
        : 'Not run (--cpu-configs none).';
    const matmulLine =
      matmuls.length > 0
        ? matmuls
            .map(
              (m, i) =>
                `- Our forward matrix-product kernel alone, ${m.variant} variant${i === 0 ? ' (the one our trainer uses on this adapter; the reference of the "of our matmul" column)' : ''}, ` +
                `${m.size}×${m.size}·${m.size}×${m.size}: **${m.medianGflops.toPrecision(3)} GFLOP/s** (median of ${m.windowGflops.length} windows: ${m.windowGflops.map((g) => g.toPrecision(3)).join(', ')}).`,
            )
            .join('\n')
        : 'The matrix-product kernel was not timed (--matmul-size 0, or --configs none).';
    const runSection = `## Run of ${dateLine(started)}, ${version}

${machine}

### WebGPU

${matmulLine}

${gpuSection}

### CPU

${cpuSection}
`;
    const outPath = resolve(host.cwd, options.out);
    await writeFile(outPath, `${BENCHMARKS_HEADER}\n${runSection}${await earlierRuns(outPath)}`);
    host.stdout(`\n${gpuSection}\n\n${cpuSection}\n\nwrote ${outPath}\n`);
    return 0;
  } finally {
    await headless.close();
  }
}
