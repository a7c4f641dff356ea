/**
 * `npm run train -- --config <file.json | preset> [--backend gpu|cpu|wasm] [--runtime node|chromium|auto]
 *   [--steps N] [--seed S] [--switch-loss-at K] [--init FILE] [--test-every N] [--csv] [--out run.json]`
 *
 * Trains one configuration headless and writes one JSON run file (RunRecord in
 * scripts/lib/run-session.ts), and with --csv the per-step metrics as CSV beside it. The CPU and
 * WebAssembly paths run here in Node; the GPU path (--runtime) runs here on Node's WebGPU (Dawn)
 * or in headless Chromium on the page scripts/pages/run.html. The test rows are scored at the end (and every
 * --test-every steps).
 * Exit codes: 0 done; 2 bad arguments, config, data or output path, or a network the backend
 * refuses (printed as field: message lines, nothing written); 3 the run stopped at a non-finite
 * metric (the run file and the CSV say where); 1 --runtime node where Node's WebGPU cannot be used
 * (one line says why), or anything else, which is a bug.
 */
import { basename, join, resolve } from 'node:path';
import { LOSS_NAMES, lossAllows, type LossValues } from '../src/model/losses';
import type { OutputActivation } from '../src/model/activations';
import { filePath, oneOf, option, parseCommandArgs, requiredOption, switchOption, wholeNumber, type CommandDeclaration } from './lib/args';
import { configInputFiles, PRESET_NAMES, datasetFor, loadRunConfig, nodeDatasetFiles, readInitialParameters } from './lib/config-files';
import { openGpuRunner, runtimeOption } from './lib/gpu-runtime';
import type { ScriptHost } from './lib/host';
import { checkOutputPath, writeOutputs, type InputFile, type OutputFile } from './lib/output-files';
import { createProgressBar, formatFigure } from './lib/progress';
import { MAX_STEPS, MAX_STEPS_REASON } from './lib/run-config';
import { runOnCpu, runOnWasm } from './lib/runners';
import { metricsToCsv, type RunRecord, type RunRequest } from './lib/run-session';
import { withUserErrors } from './lib/user-errors';

/** Exit code of a run that stopped at a non-finite metric. */
const STOPPED_EXIT_CODE = 3;

/** The command line: the usage text, the parsing and the checks all read this. */
const TRAIN_COMMAND = {
  usage: 'npm run train -- --config <file.json | preset> [options]',
  options: {
    config: requiredOption(filePath('<file|preset>'), `a config file or a preset (${PRESET_NAMES.join(', ')})`, `a run config (JSON) or a preset: ${PRESET_NAMES.join(', ')}`),
    backend: option(
      oneOf(['gpu', 'cpu', 'wasm']),
      'gpu',
      'gpu: WebGPU (see --runtime); cpu: the float64 reference in Node;\nwasm: float32 WebAssembly SIMD in Node, on one thread',
    ),
    runtime: runtimeOption(),
    steps: option(wholeNumber(1, MAX_STEPS, 'N', MAX_STEPS_REASON), null, `training steps, at most ${MAX_STEPS} (overrides the config)`),
    seed: option(wholeNumber(0, 0xffffffff, 'S'), null, 'network seed from 0 to 4294967295: initial weights and batch order\n(overrides spec.seed; the dataset keeps its own seed)'),
    switchLossAt: option(wholeNumber(1, MAX_STEPS - 1, 'K'), null, 'switch to the other loss before step K (overrides the config)'),
    init: option(
      filePath('FILE'),
      null,
      'start from the initialParameters of a run file, or from a parameters file\n' +
        '{"parameters": [...]}: for each weight layer in order, W row-major [inputs, outputs]\n(all weights out of input 1, then input 2, ...), then b [outputs]',
    ),
    testEvery: option(wholeNumber(1, MAX_STEPS, 'N'), null, 'also score the test rows every N steps (they are always scored at the end)'),
    tuneMs: option(
      wholeNumber(0, 600_000, 'MS'),
      3000,
      'milliseconds the GPU may spend timing its product variants on this adapter; 0 runs the fixed rule\'s.\nChoices are kept per adapter and shape in the user\'s cache folder (webgpu-mlp-playground/tuning.json)\nand used without timing on later runs; a shape cut short is finished on the next run',
    ),
    csv: switchOption('also write the per-step metrics and test results as CSV next to the JSON'),
    out: option(filePath('run.json'), null, 'where to write the run (default artifacts/runs/<config>-<backend>.json)'),
  },
} satisfies CommandDeclaration;

/** Every loss the output allows with its value ("n/a" when not finite); the others are NaN by design and left out. */
function lossList(output: OutputActivation, losses: LossValues): string {
  return LOSS_NAMES.filter((loss) => lossAllows(loss, output))
    .map((loss) => `${loss} ${formatFigure(losses[loss], (value) => value.toPrecision(5))}`)
    .join(', ');
}

/** The summary's line on the test rows: the last scoring, or why there is none. */
function testLine(record: RunRecord): string {
  const output = record.spec.outputActivation;
  const test = record.tests[record.tests.length - 1];
  if (record.dataset.testCount === 0) return '  test: the dataset holds no test rows';
  if (!test) return '  test: not scored, the run stopped before the first scoring';
  const accuracy = Number.isFinite(test.accuracy) ? `, accuracy ${(100 * test.accuracy).toFixed(1)}%` : '';
  return `  test (${record.dataset.testCount} rows) after ${test.step} steps: ${lossList(output, test.losses)}${accuracy}`;
}

/** How the GPU ran the step: one line on its layout, and on how many products were tuned (none for a CPU run). */
function gpuPlanLines(record: RunRecord): string[] {
  const plan = record.gpuPlan;
  if (!plan) return [];
  if (plan.kernel === 'fused') return ['  GPU step: one fused kernel (no matrix products to tune)'];
  const timed = plan.products.filter((product) => product.source !== 'rule');
  const tuning = plan.tuning ? ` (tuning ${Math.round(plan.tuning.elapsedMs)} ms of a ${plan.tuning.budgetMs} ms budget)` : '';
  const variants = [...new Set(plan.products.map((product) => product.variant))].join(', ');
  return [`  GPU step: ${plan.products.length} matrix products, ${timed.length} run the variant timed fastest on this adapter${tuning}; variants: ${variants}`];
}

/** A one-screen summary of a finished run. */
function summarize(record: RunRecord, outPath: string, csvPath: string | null): string {
  const last = record.metrics[record.metrics.length - 1];
  const trained = record.stopped ? `${record.metrics.length} of ${record.steps} steps` : `${record.steps} steps`;
  return [
    `${record.config} on ${record.backend}${record.adapter ? ` (${record.adapter}, runtime ${record.runtime})` : ''}: ${trained} of batch ${record.spec.batchSize} on ${record.dataset.name}`,
    `  last step ${last.step}: ${last.activeLoss} active, ${lossList(record.spec.outputActivation, last.losses)}, ` +
      `output-delta norm ${formatFigure(last.outputDeltaNorm, (norm) => norm.toExponential(3))}, saturated ${formatFigure(last.saturatedFraction, (fraction) => (100 * fraction).toFixed(1))}%`,
    testLine(record),
    ...gpuPlanLines(record),
    `  ${record.timings.stepsPerSecond.toFixed(1)} steps/s, ${record.timings.samplesPerSecond.toFixed(0)} samples/s ` +
      `(training ${(record.timings.trainMs / 1000).toFixed(2)} s with metrics readback, setup ${(record.timings.setupMs / 1000).toFixed(2)} s, ` +
      `test scoring ${(record.timings.testMs / 1000).toFixed(2)} s)`,
    `  wrote ${outPath}${csvPath ? ` and ${csvPath}` : ''}`,
    '',
  ].join('\n');
}

export async function main(args: string[], host: ScriptHost): Promise<number> {
  const options = parseCommandArgs(TRAIN_COMMAND, args, host);
  if (typeof options === 'number') return options;
  return withUserErrors(host, async () => {
    const loaded = await loadRunConfig(options.config, host.cwd, options);
    const { config, source } = loaded;
    const files = nodeDatasetFiles(host.projectRoot, loaded.baseDir);
    // Built here for the GPU path too: data that does not fit the spec fails before a GPU runtime starts.
    const dataset = await datasetFor(loaded, files, (warning) => host.stderr(`warning: ${warning}\n`));
    const initPath = options.init ? resolve(host.cwd, options.init) : null;
    const initialParameters = initPath ? await readInitialParameters(initPath, config) : null;
    // Checked before the run, so a path that cannot take the output costs no training.
    const outPath = resolve(host.cwd, options.out ?? join('artifacts', 'runs', `${basename(options.config, '.json')}-${options.backend}.json`));
    const csvPath = options.csv ? outPath.replace(/(\.json)?$/, '.csv') : null;
    const inputs: InputFile[] = [...configInputFiles(loaded, host.projectRoot), ...(initPath ? [{ path: initPath, what: 'the --init file' }] : [])];
    await checkOutputPath(outPath, '--out', inputs);
    if (csvPath) await checkOutputPath(csvPath, '--csv', inputs);
    const request: RunRequest = {
      config: source,
      spec: config.spec,
      dataset: config.dataset,
      csvText: config.dataset.source === 'csv' ? await files.csvFile(config.dataset.path) : null,
      steps: config.steps,
      switchLossAt: config.switchLossAt,
      initialParameters: initialParameters ? Array.from(initialParameters) : null,
      testEvery: options.testEvery,
      tuneMs: options.backend === 'gpu' ? options.tuneMs : 0,
    };
    const progress = createProgressBar(host, options.backend);
    let record: RunRecord;
    if (options.backend === 'cpu') {
      record = await runOnCpu(request, dataset, progress.update);
    } else if (options.backend === 'wasm') {
      record = await runOnWasm(request, dataset, progress.update);
    } else {
      const runner = await openGpuRunner(options.runtime, host);
      try {
        record = await runner.run(request, dataset, progress.update);
      } finally {
        await runner.close();
      }
    }
    progress.done();
    const outputs: OutputFile[] = [{ path: outPath, field: '--out', content: `${JSON.stringify(record)}\n` }];
    if (csvPath) outputs.push({ path: csvPath, field: '--csv', content: metricsToCsv(record.metrics, record.tests) });
    await writeOutputs(outputs);
    host.stdout(summarize(record, outPath, csvPath));
    if (!record.stopped) return 0;
    host.stderr(`stopped: ${record.stopped.message}\n`);
    return STOPPED_EXIT_CODE;
  });
}
