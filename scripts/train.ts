/**
 * `npm run train -- --config <file.json | preset> [--backend gpu|cpu] [--steps N] [--seed S]
 *   [--switch-loss-at K] [--init run.json] [--csv] [--out run.json]`
 *
 * Trains one configuration headless and writes one JSON run file (RunRecord in
 * scripts/lib/run-session.ts). The CPU path runs here in Node; the GPU path runs in headless
 * Chromium with WebGPU on the page scripts/pages/run.html. Exit codes: 0 done, 2 bad arguments,
 * config or data (printed as field: message lines), 1 anything else.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LOSS_NAMES } from '../src/model/losses';
import { formatProblems, type ValidationProblem } from '../src/model/validate';
import { launchHeadless } from './lib/browser';
import { ConfigError, PRESET_NAMES, datasetFor, loadRunConfig, nodeDatasetFiles, readInitialParameters } from './lib/config-files';
import type { ScriptHost } from './lib/host';
import { createProgressBar } from './lib/progress';
import { gpuRunner, runOnCpu } from './lib/runners';
import { metricsToCsv, type RunRecord, type RunRequest } from './lib/run-session';

const USAGE = `usage: npm run train -- --config <file.json | preset> [options]

  --config <file|preset>  a run config (JSON) or a preset: ${PRESET_NAMES.join(', ')}
  --backend gpu|cpu       gpu: WebGPU in headless Chromium (default); cpu: the float64 reference in Node
  --steps N               training steps (overrides the config)
  --seed S                network seed: initial weights and batch order (overrides spec.seed;
                          the dataset keeps its own seed)
  --switch-loss-at K      switch to the other loss before step K (overrides the config)
  --init run.json         start from the initialParameters of an earlier run file
  --csv                   also write the per-step metrics as CSV next to the JSON
  --out run.json          where to write the run (default artifacts/runs/<config>-<backend>.json)
`;

/** Command-line options; values are checked, but not yet against the config. */
interface TrainOptions {
  config: string;
  backend: 'gpu' | 'cpu';
  steps: number | null;
  seed: number | null;
  switchLossAt: number | null;
  init: string | null;
  csv: boolean;
  out: string | null;
}

const VALUE_FLAGS = ['--config', '--backend', '--steps', '--seed', '--switch-loss-at', '--init', '--out'];
const SWITCH_FLAGS = ['--csv', '--help'];

function wholeNumber(problems: ValidationProblem[], flag: string, text: string, min: number): number | null {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    problems.push({ field: flag, message: `Expected a whole number of at least ${min}, got ${JSON.stringify(text)}.` });
    return null;
  }
  return value;
}

/** Parses the command line (`--flag value` or `--flag=value`); null for --help. Throws a ConfigError listing every bad flag. */
function parseTrainArgs(args: readonly string[]): TrainOptions | null {
  const problems: ValidationProblem[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const equals = args[i].startsWith('--') ? args[i].indexOf('=') : -1;
    const flag = equals > 0 ? args[i].slice(0, equals) : args[i];
    const inline = equals > 0 ? args[i].slice(equals + 1) : null;
    if (SWITCH_FLAGS.includes(flag) && inline === null) {
      switches.add(flag);
    } else if (VALUE_FLAGS.includes(flag)) {
      const value = inline ?? args[++i];
      if (value === undefined || (inline === null && value.startsWith('--'))) problems.push({ field: flag, message: 'Needs a value.' });
      else values.set(flag, value);
    } else {
      problems.push({ field: flag, message: `Unknown argument; known: ${[...VALUE_FLAGS, ...SWITCH_FLAGS].join(', ')}.` });
    }
  }
  if (switches.has('--help')) return null;
  const config = values.get('--config');
  if (config === undefined) problems.push({ field: '--config', message: `Missing: give a config file or a preset (${PRESET_NAMES.join(', ')}).` });
  const backend = values.get('--backend') ?? 'gpu';
  if (backend !== 'gpu' && backend !== 'cpu') problems.push({ field: '--backend', message: `Expected gpu or cpu, got ${JSON.stringify(backend)}.` });
  const number = (flag: string, min: number) => (values.has(flag) ? wholeNumber(problems, flag, values.get(flag)!, min) : null);
  const options: TrainOptions = {
    config: config ?? '',
    backend: backend as 'gpu' | 'cpu',
    steps: number('--steps', 1),
    seed: number('--seed', 0),
    switchLossAt: number('--switch-loss-at', 1),
    init: values.get('--init') ?? null,
    csv: switches.has('--csv'),
    out: values.get('--out') ?? null,
  };
  if (problems.length > 0) throw new ConfigError('arguments', problems);
  return options;
}

/** A one-screen summary of a finished run. */
function summarize(record: RunRecord, outPath: string, csvPath: string | null): string {
  const last = record.metrics[record.metrics.length - 1];
  return [
    `${record.config} on ${record.backend}${record.adapter ? ` (${record.adapter})` : ''}: ${record.steps} steps of batch ${record.spec.batchSize} on ${record.dataset.name}`,
    `  last step ${last.step}: ${last.activeLoss} active, ${LOSS_NAMES.map((loss) => `${loss} ${last.losses[loss].toPrecision(5)}`).join(', ')}, ` +
      `output-delta norm ${last.outputDeltaNorm.toExponential(3)}, saturated ${(100 * last.saturatedFraction).toFixed(1)}%`,
    `  ${record.timings.stepsPerSecond.toFixed(1)} steps/s, ${record.timings.samplesPerSecond.toFixed(0)} samples/s ` +
      `(training ${(record.timings.trainMs / 1000).toFixed(2)} s with metrics readback, setup ${(record.timings.setupMs / 1000).toFixed(2)} s)`,
    `  wrote ${outPath}${csvPath ? ` and ${csvPath}` : ''}`,
    '',
  ].join('\n');
}

export async function main(args: string[], host: ScriptHost): Promise<number> {
  try {
    const options = parseTrainArgs(args);
    if (!options) {
      host.stdout(USAGE);
      return 0;
    }
    const loaded = await loadRunConfig(options.config, host.cwd, options);
    const { config, source } = loaded;
    const files = nodeDatasetFiles(host.projectRoot, loaded.baseDir);
    // Built here for the GPU path too: data that does not fit the spec fails before a browser starts.
    const dataset = await datasetFor(loaded, files);
    const initialParameters = options.init ? await readInitialParameters(resolve(host.cwd, options.init), config) : null;
    const request: RunRequest = {
      config: source,
      spec: config.spec,
      dataset: config.dataset,
      csvText: config.dataset.source === 'csv' ? await files.csvFile(config.dataset.path) : null,
      steps: config.steps,
      switchLossAt: config.switchLossAt,
      initialParameters: initialParameters ? Array.from(initialParameters) : null,
    };
    const progress = createProgressBar(host, options.backend);
    let record: RunRecord;
    if (options.backend === 'cpu') {
      record = await runOnCpu(request, dataset, progress.update);
    } else {
      const headless = await launchHeadless(host);
      try {
        const run = await gpuRunner(await headless.open('/scripts/pages/run.html'));
        record = await run(request, progress.update);
      } finally {
        await headless.close();
      }
    }
    progress.done();
    const outPath = resolve(host.cwd, options.out ?? join('artifacts', 'runs', `${basename(options.config, '.json')}-${options.backend}.json`));
    await mkdir(dirname(outPath), { recursive: true });
    await writeFile(outPath, `${JSON.stringify(record)}\n`);
    const csvPath = options.csv ? outPath.replace(/(\.json)?$/, '.csv') : null;
    if (csvPath) await writeFile(csvPath, metricsToCsv(record.metrics));
    host.stdout(summarize(record, outPath, csvPath));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    host.stderr(`error in ${error.source}:\n${formatProblems(error.problems)}\n`);
    if (error.source === 'arguments') host.stderr(`\n${USAGE}`);
    return 2;
  }
}
