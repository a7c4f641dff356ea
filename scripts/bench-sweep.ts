/**
 * `npm run bench:sweep -- [--replicas 1,16,256,1024] [--forms workgroup,invocation] [--windows 3]
 *   [--seconds 2] [--warmup 3] [--out docs/sweep-bench.md]`
 *
 * The sweep row of the benchmarks: replica-steps per second of the GPU replica trainer for the toy
 * network 2-8-8-1 at batch 32 with R replicas, in each form, and the ratio to R = 1 of the same
 * form in the same run; beside it the single-network trainer (createSession) on the same network,
 * for scale. Prints the table and writes it with the machine and its load to --out.
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { DataSource } from '../src/data/source';
import type { ReplicaForm } from '../src/gpu/kernels';
import { MAX_REPLICAS } from '../src/model/replicas';
import { DEFAULT_OPTIMIZER, type NetworkSpec } from '../src/model/spec';
import type { BenchResult } from './lib/bench-types';
import { filePath, listOf, option, parseCommandArgs, realNumber, wholeNumber, type CommandDeclaration } from './lib/args';
import { launchHeadless } from './lib/browser';
import type { ScriptHost } from './lib/host';
import { checkOutputPath, writeOutputs } from './lib/output-files';
import type { ReplicaBenchResult } from './lib/replica-bench-types';
import { withUserErrors } from './lib/user-errors';

/** The network of the row, as the issue names it: the toy network of `npm run bench` at batch 32. */
const SHAPE: NetworkSpec = {
  widths: [2, 8, 8, 1],
  hiddenActivations: ['sigmoid', 'sigmoid'],
  outputActivation: 'sigmoid',
  loss: 'mse',
  optimizer: { ...DEFAULT_OPTIMIZER, kind: 'sgd', learningRate: 0.1 },
  batchSize: 32,
  init: { kind: 'glorot', scale: 1 },
  seed: 1,
};
const DATASET: DataSource = { source: 'synthetic', kind: 'circle', seed: 1 };
const FORMS: ReplicaForm[] = ['workgroup', 'invocation'];
/** Most timed windows and longest window, so a typo cannot keep the machine busy for a day. */
const MAX_WINDOWS = 100;
const MAX_WINDOW_SECONDS = 600;

/** A comma-separated list of replica counts. */
function replicaCounts(): Parameters<typeof option<number[]>>[0] {
  const one = wholeNumber(1, MAX_REPLICAS);
  return {
    placeholder: 'R,R,…',
    expected: `a comma-separated list of replica counts from 1 to ${MAX_REPLICAS}`,
    read(text) {
      const values = text.split(',').map((item) => one.read(item)?.value);
      return values.length > 0 && values.every((value) => value !== undefined) ? { value: values as number[] } : null;
    },
  };
}

const BENCH_SWEEP_COMMAND = {
  usage: 'npm run bench:sweep -- [options]',
  options: {
    replicas: option(replicaCounts(), [1, 16, 256, 1024], 'replica counts R; the ratios are to R = 1, which is always measured'),
    forms: option(listOf(FORMS, false), FORMS, `replica forms, from ${FORMS.join(', ')}`),
    windows: option(wholeNumber(1, MAX_WINDOWS), 3, 'timed windows per measurement; the median is reported'),
    seconds: option(realNumber(0.05, MAX_WINDOW_SECONDS, 'S'), 2, 'target length of a window'),
    warmup: option(wholeNumber(1, 1000), 3, 'steps run before timing'),
    out: option(filePath(), 'docs/sweep-bench.md', 'where the table is written'),
  },
} satisfies CommandDeclaration;

function fmtRate(rate: number): string {
  return rate >= 1000 ? Math.round(rate).toLocaleString('en-US') : rate.toPrecision(3);
}

/** Slowest and fastest window against the median. */
function spread(windows: number[], median: number): string {
  return `${Math.round((100 * (Math.min(...windows) - median)) / median)}/+${Math.round((100 * (Math.max(...windows) - median)) / median)}%`;
}

export async function main(args: string[], host: ScriptHost): Promise<number> {
  const options = parseCommandArgs(BENCH_SWEEP_COMMAND, args, host);
  if (typeof options === 'number') return options;
  return withUserErrors(host, async () => {
    const outPath = resolve(host.cwd, options.out);
    await checkOutputPath(outPath, '--out', []);
    const counts = [...new Set([1, ...options.replicas])].sort((a, b) => a - b);
    const started = new Date();
    const loadBefore = loadavg();
    const headless = await launchHeadless(host);
    try {
      const page = await headless.open('/scripts/pages/bench.html');
      const adapter = await page.evaluate(() => window.benchAdapter());
      host.stdout(`adapter: ${adapter}\nbrowser: ${headless.version}\n`);
      const timing = { warmupSteps: options.warmup, windows: options.windows, windowSeconds: options.seconds };
      const single: BenchResult = await page.evaluate(
        (request) => window.benchTrainer(request),
        { implementation: 'ours' as const, backend: 'webgpu' as const, threads: null, spec: SHAPE, dataset: DATASET, ...timing, windowSteps: null },
      );
      const singleSteps = single.medianSamplesPerSecond / SHAPE.batchSize;
      host.stdout(`single network (${single.plan}): ${fmtRate(singleSteps)} steps/s\n`);
      const rows: { form: ReplicaForm; replicas: number; result: ReplicaBenchResult }[] = [];
      for (const form of options.forms) {
        for (const replicas of counts) {
          const result = await page.evaluate((request) => window.benchReplicas(request), { shape: SHAPE, dataset: DATASET, replicas, form, ...timing });
          rows.push({ form, replicas, result });
          host.stdout(`${form} per replica, R = ${replicas}: ${fmtRate(result.medianReplicaSteps)} replica-steps/s (${result.stepsPerWindow} steps/window)\n`);
        }
      }
      const loadAfter = loadavg();
      const base = (form: ReplicaForm) => rows.find((row) => row.form === form && row.replicas === 1)!.result.medianReplicaSteps;
      const table = [
        '| form | R | replica-steps/s | ratio to R = 1 | steps per window | window spread |',
        '|---|---:|---:|---:|---:|---|',
        `| single network (createSession: ${single.plan}) | 1 | ${fmtRate(singleSteps)} | | ${single.stepsPerWindow} | ${spread(single.windowSamplesPerSecond, single.medianSamplesPerSecond)} |`,
        ...rows.map(
          ({ form, replicas, result }) =>
            `| ${form} per replica | ${replicas} | ${fmtRate(result.medianReplicaSteps)} | ${(result.medianReplicaSteps / base(form)).toFixed(1)} | ${result.stepsPerWindow} | ${spread(result.windowReplicaSteps, result.medianReplicaSteps)} |`,
        ),
      ].join('\n');
      const report = `# The sweep row: replica-steps per second

Written by \`npm run bench:sweep\` (scripts/bench-sweep.ts) on ${started.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC')}.

The GPU replica trainer (src/gpu/replica-trainer.ts) trains R replicas of [${SHAPE.widths.join(', ')}] (sigmoid units, SGD
learning rate ${SHAPE.optimizer.learningRate}, batch ${SHAPE.batchSize}, circle data), replica r with seed 1 + r and MSE or
cross-entropy alternating, one dispatch per step for all of them. A figure is the median of ${options.windows} timed windows of
about ${options.seconds} s after ${options.warmup} warm-up steps; a window issues its steps, waits for the last one, and takes
every replica's metrics. The ratio divides by R = 1 of the same form, in the same run. The first row is the ordinary
single-network trainer on the same network, for scale.

- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} logical cores, shared with other work while this ran
- WebGPU adapter: ${adapter}
- Browser: ${headless.version} (headless)
- Load average (1 min) before / after: ${loadBefore[0].toFixed(2)} / ${loadAfter[0].toFixed(2)}
- Command: \`npm run bench:sweep${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\`

${table}
`;
      await writeOutputs([{ path: outPath, field: '--out', content: report }]);
      host.stdout(`\n${table}\n\nwrote ${outPath}\n`);
      return 0;
    } finally {
      await headless.close();
    }
  });
}
