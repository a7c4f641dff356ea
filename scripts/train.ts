/**
 * `npm run train -- --config <file.json | preset> [--backend gpu|cpu|wasm] [--steps N] [--seed S]
 *   [--switch-loss-at K] [--init run.json] [--csv] [--out run.json]`
 *
 * Trains one configuration headless and writes one JSON run file (RunRecord in
 * scripts/lib/run-session.ts). The CPU and WebAssembly paths run here in Node; the GPU path runs in
 * headless Chromium with WebGPU on the page scripts/pages/run.html. Exit codes: 0 done, 2 bad arguments,
 * config or data (printed as field: message lines), 1 anything else.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LOSS_NAMES } from '../src/model/losses';
import { formatProblems } from '../src/model/validate';
import { filePath, oneOf, option, parseCommandArgs, requiredOption, switchOption, wholeNumber, type CommandDeclaration } from './lib/args';
import { launchHeadless } from './lib/browser';
import { ConfigError, PRESET_NAMES, datasetFor, loadRunConfig, nodeDatasetFiles, readInitialParameters } from './lib/config-files';
import type { ScriptHost } from './lib/host';
import { createProgressBar } from './lib/progress';
import { gpuRunner, runOnCpu, runOnWasm } from './lib/runners';
import { metricsToCsv, type RunRecord, type RunRequest } from './lib/run-session';

/** The command line: the usage text, the parsing and the checks all read this. */
const TRAIN_COMMAND = {
  usage: 'npm run train -- --config <file.json | preset> [options]',
  options: {
    config: requiredOption(filePath('<file|preset>'), `a config file or a preset (${PRESET_NAMES.join(', ')})`, `a run config (JSON) or a preset: ${PRESET_NAMES.join(', ')}`),
    backend: option(
      oneOf(['gpu', 'cpu', 'wasm']),
      'gpu',
      'gpu: WebGPU in headless Chromium; cpu: the float64 reference in Node;\nwasm: float32 WebAssembly SIMD in Node, on one thread',
    ),
    steps: option(wholeNumber(1), null, 'training steps (overrides the config)'),
    seed: option(wholeNumber(0, 'S'), null, 'network seed: initial weights and batch order (overrides spec.seed;\nthe dataset keeps its own seed)'),
    switchLossAt: option(wholeNumber(1, 'K'), null, 'switch to the other loss before step K (overrides the config)'),
    init: option(filePath('run.json'), null, 'start from the initialParameters of an earlier run file'),
    csv: switchOption('also write the per-step metrics as CSV next to the JSON'),
    out: option(filePath('run.json'), null, 'where to write the run (default artifacts/runs/<config>-<backend>.json)'),
  },
} satisfies CommandDeclaration;

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
  const options = parseCommandArgs(TRAIN_COMMAND, args, host);
  if (typeof options === 'number') return options;
  try {
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
    } else if (options.backend === 'wasm') {
      record = await runOnWasm(request, dataset, progress.update);
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
    return 2;
  }
}
