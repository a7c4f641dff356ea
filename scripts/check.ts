/**
 * `npm run check -- --config <file.json | preset> [--runtime node|chromium|auto] [--steps N] [--variants LIST] [--init FILE]`
 *
 * The self-check of a network on this machine's GPU (src/train/self-check.ts): a few steps on the
 * GPU and on the float64 CPU path from identical weights and batches, once in the plan the network
 * would run and once with every matrix-product variant the autotuner might pick, every tensor
 * compared under the bounds the test suite uses. Prints, per tensor kind, the largest relative
 * error, its bound and pass or fail, with the adapter. Runs where --runtime says, as `npm run train`
 * does: in this Node process on Node's WebGPU (Dawn), or in headless Chromium.
 * Exit codes: 0 every tensor within its bound; 4 a tensor outside its bound (the failures are
 * printed); 2 bad arguments, config or data, or a network the GPU refuses; 1 anything else, a bug.
 */
import { resolve } from 'node:path';
import { MATMUL_VARIANT_NAMES } from '../src/gpu/kernels';
import type { SelfCheckReport } from '../src/train/self-check';
import { filePath, listOf, option, parseCommandArgs, requiredOption, wholeNumber, type CommandDeclaration } from './lib/args';
import { PRESET_NAMES, datasetFor, loadRunConfig, nodeDatasetFiles, readInitialParameters } from './lib/config-files';
import type { CheckRequest } from './lib/gpu-run';
import { openGpuRunner, runtimeOption } from './lib/gpu-runtime';
import type { ScriptHost } from './lib/host';
import { withUserErrors } from './lib/user-errors';

/** Exit code of a check that found a tensor outside its bound. */
const FAILED_EXIT_CODE = 4;
/** Most failures printed; the rest are counted. */
const SHOWN_FAILURES = 20;

const CHECK_COMMAND = {
  usage: 'npm run check -- --config <file.json | preset> [options]',
  options: {
    config: requiredOption(filePath('<file|preset>'), `a config file or a preset (${PRESET_NAMES.join(', ')})`, `the network and data to check: a run config (JSON) or a preset: ${PRESET_NAMES.join(', ')}`),
    runtime: runtimeOption(),
    steps: option(wholeNumber(1, 100, 'N'), 3, 'steps trained on both paths'),
    variants: option(listOf(MATMUL_VARIANT_NAMES, false), null, `product variants to check (default: every one the autotuner might pick on this GPU): ${MATMUL_VARIANT_NAMES.join(', ')}`),
    init: option(filePath('FILE'), null, 'start from these weights (a run file or a parameters file, as for npm run train) instead of the seeded ones'),
  },
} satisfies CommandDeclaration;

/** The report as the terminal shows it: the adapter, one line per tensor kind, then what failed. */
export function formatReport(report: SelfCheckReport): string {
  const { vendor, architecture, description } = report.adapter;
  const lines = [
    `GPU self-check on ${[vendor, architecture, description].filter(Boolean).join(' / ') || 'an unnamed adapter'}: ${report.passed ? 'passed' : 'FAILED'} in ${(report.elapsedMs / 1000).toFixed(1)} s`,
    `  plans: ${report.plans.join('; ')}`,
    '  tensor kind       tensors  largest rel. error  bound (rtol, scaled atol)  share of bound  result',
    ...report.kinds.map(
      (k) =>
        `  ${k.kind.padEnd(16)}  ${String(k.tensors).padStart(7)}  ${k.largestRelativeError.toExponential(2).padStart(18)}  ` +
        `${`${k.bound.rtol.toExponential(1)}, ${k.bound.scaledAtol.toExponential(1)}`.padStart(25)}  ${k.boundFraction.toFixed(3).padStart(14)}  ${k.passed ? 'pass' : 'FAIL'}`,
    ),
  ];
  if (report.failures.length > 0) {
    lines.push('  failures:', ...report.failures.slice(0, SHOWN_FAILURES).map((failure) => `    ${failure}`));
    if (report.failures.length > SHOWN_FAILURES) lines.push(`    … and ${report.failures.length - SHOWN_FAILURES} more`);
  }
  return `${lines.join('\n')}\n`;
}

export async function main(args: string[], host: ScriptHost): Promise<number> {
  const options = parseCommandArgs(CHECK_COMMAND, args, host);
  if (typeof options === 'number') return options;
  return withUserErrors(host, async () => {
    const loaded = await loadRunConfig(options.config, host.cwd);
    const { config, source } = loaded;
    const files = nodeDatasetFiles(host.projectRoot, loaded.baseDir);
    // Built here for the Chromium runtime too: data that does not fit the spec fails before a browser starts.
    const dataset = await datasetFor(loaded, files, (warning) => host.stderr(`warning: ${warning}\n`));
    const initialParameters = options.init ? await readInitialParameters(resolve(host.cwd, options.init), config) : null;
    const request: CheckRequest = {
      run: {
        config: source,
        spec: config.spec,
        dataset: config.dataset,
        csvText: config.dataset.source === 'csv' ? await files.csvFile(config.dataset.path) : null,
        steps: options.steps,
        switchLossAt: null,
        initialParameters: initialParameters ? Array.from(initialParameters) : null,
        testEvery: null,
        tuneMs: 0,
      },
      steps: options.steps,
      variants: options.variants,
    };
    const runner = await openGpuRunner(options.runtime, host);
    let report: SelfCheckReport;
    try {
      report = await runner.check(request, dataset);
    } finally {
      await runner.close();
    }
    host.stdout(formatReport(report));
    return report.passed ? 0 : FAILED_EXIT_CODE;
  });
}
