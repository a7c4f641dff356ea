/**
 * `npm run experiment -- sweep [options]`: the sweep of the page's Sweep view, headless. A grid of
 * two settings of a preset's (or config file's) network, every cell MSE and cross-entropy from
 * identical weights and batches for each of its seeds, trained as replicas on the GPU (WebGPU in
 * headless Chromium) or the float64 CPU path. Writes sweep.png (the fraction of runs that stalled,
 * and their final batch MSE, against the x setting), sweep.csv (every run) and sweep.md (a
 * paragraph and a table for the README, numbers from this run).
 */
import { join, relative, resolve } from 'node:path';
import { LOSSES, type LossName } from '../../src/model/losses';
import { OPTIMIZERS } from '../../src/model/optimizers';
import type { NetworkSpec } from '../../src/model/spec';
import {
  SWEEP_LOSSES,
  SWEEP_SETTINGS,
  SWEEP_SETTING_NAMES,
  axisValues,
  parseSweepSetup,
  smoothingSteps,
  stallCriterion,
  validateSweepFor,
  type SweepSetup,
} from '../../src/model/sweep';
import type { ValidationProblem } from '../../src/model/validate';
import { filePath, oneOf, option, parseCommandArgs, wholeNumber, type CommandDeclaration } from './args';
import { launchHeadless } from './browser';
import { adapterOrWhyNot } from './gpu-run';
import { announceRuntime, resolveRuntime, runtimeOption } from './gpu-runtime';
import { configInputFiles, datasetFor, loadRunConfig, nodeDatasetFiles, PRESET_NAMES } from './config-files';
import type { ScriptHost } from './host';
import { checkOutputPath, writeOutputs } from './output-files';
import { decodeFromPage } from './page-transfer';
import { createProgressBar } from './progress';
import type { RunProgress } from './run-session';
import { trainSweep, type SweepOutcome, type SweepRequest, type SweepResult } from './sweep-result';
import { ConfigError, withUserErrors } from './user-errors';

/** A sweep figure as the chart page (scripts/pages/sweep-chart.ts) draws it. */
export interface SweepFigure {
  /** The heading: what is compared, on which backend and adapter. */
  title: string;
  /** The network, data, seeds and what is identical between the runs of a cell. */
  subtitle: string;
  /** Name of the swept x setting. */
  xLabel: string;
  /** Whether x is drawn on a log axis. */
  xLog: boolean;
  /** The x values. */
  xValues: number[];
  /** One panel per measure. */
  panels: {
    /** What the panel's y axis shows. */
    title: string;
    /** Fixed y range, or absent for [0, max]. */
    range?: [number, number];
    /** One line per loss (and per y value): its legend label, CSS colour, whether dashed, and its value at each x. */
    series: { label: string; color: string; dashed: boolean; values: (number | null)[] }[];
  }[];
}

/** Colours of the losses, as on the page's curves (src/ui/palette.ts). */
const LOSS_COLORS: Record<LossName, string> = { mse: '#d9480f', cross_entropy: '#1c64d9' };

/** A finite number, checked further as the sweep's setting. */
function anyNumber(): Parameters<typeof option<number>>[0] {
  return {
    placeholder: 'X',
    expected: 'a number',
    read: (text) => (text.trim() !== '' && Number.isFinite(Number(text)) ? { value: Number(text) } : null),
  };
}

/** The command line: the usage text, the parsing and the checks all read this. */
const SWEEP_COMMAND = {
  usage: 'npm run experiment -- sweep [options]',
  options: {
    backend: option(oneOf(['gpu', 'cpu']), 'gpu', 'gpu: the WebGPU replica trainer (see --runtime); cpu: the float64 reference in Node'),
    runtime: runtimeOption(),
    config: option(filePath('PRESET|FILE'), 'xor-saturated', `the network and data every cell varies: a preset (${PRESET_NAMES.join(', ')}) or a config file`),
    x: option(oneOf(SWEEP_SETTING_NAMES), 'initScale', 'setting along x'),
    xFrom: option(anyNumber(), 0.5, 'first x value'),
    xTo: option(anyNumber(), 32, 'last x value'),
    xValues: option(wholeNumber(1, 1000), 13, 'x values (log-spaced for init scale, learning rate, batch size and hidden width)'),
    y: option(oneOf(SWEEP_SETTING_NAMES), 'learningRate', 'setting along y'),
    yFrom: option(anyNumber(), null, "first y value (default: the network's own)"),
    yTo: option(anyNumber(), null, 'last y value (default: the first)'),
    yValues: option(wholeNumber(1, 1000), 1, 'y values'),
    steps: option(wholeNumber(1, 1_000_000), 2000, 'steps every run trains'),
    seeds: option(wholeNumber(1, 1_000_000), 64, "seeds per cell and loss: the network's seed and the ones after it"),
    threshold: option(anyNumber(), 0.1, 'batch MSE a run must get below (steps to it; above it at the end, the run stalled)'),
    outDir: option(filePath('DIR'), 'docs', 'where sweep.png, .csv and .md go'),
  },
} satisfies CommandDeclaration;

/** The flag of each field of a sweep setup, so a problem names what the user typed. */
const FLAGS: Record<string, string> = {
  backend: '--backend',
  'x.setting': '--x',
  'x.from': '--x-from',
  'x.to': '--x-to',
  'x.count': '--x-values',
  'y.setting': '--y',
  'y.from': '--y-from',
  'y.to': '--y-to',
  'y.count': '--y-values',
  steps: '--steps',
  seedsPerCell: '--seeds',
  threshold: '--threshold',
};

/** A problem of the sweep under the flag that set the value (`network.` fields belong to the config). */
function flagProblem(problem: ValidationProblem): ValidationProblem {
  return { field: FLAGS[problem.field] ?? (problem.field.startsWith('network.') ? '--config' : problem.field), message: problem.message };
}

function fmt(value: number): string {
  return value === 0 ? '0' : Math.abs(value) >= 0.01 ? value.toFixed(3) : value.toExponential(2);
}

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

/** The median of finite values and Infinity (a run that never reached the threshold); Infinity when most never did. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** What one cell found for one loss. */
interface CellLoss {
  stalled: number;
  seeds: number;
  meanFinalMse: number;
  medianSteps: number;
}

function cellLoss(result: SweepResult, cell: number, loss: LossName): CellLoss {
  const runs = result.runs.filter((run) => run.cell === cell && run.loss === loss);
  return {
    stalled: runs.filter((run) => run.stalled).length,
    seeds: runs.length,
    meanFinalMse: runs.reduce((sum, run) => sum + run.finalMse, 0) / runs.length,
    medianSteps: median(runs.map((run) => run.stepsToThreshold ?? Number.POSITIVE_INFINITY)),
  };
}

function csvOf(setup: SweepSetup, result: SweepResult): string {
  const header = 'cell,x_setting,x,y_setting,y,seed,loss,first_batch_mse,final_batch_mse,steps_to_threshold,stalled';
  // Seven significant digits: the GPU computes in float32.
  const cell = (value: number) => Number(value.toPrecision(7));
  const rows = result.runs.map((run) => {
    const { xValue, yValue } = result.cells[run.cell];
    return [run.cell, setup.x.setting, xValue, setup.y.setting, yValue, run.seed, run.loss, cell(run.firstMse), cell(run.finalMse), run.stepsToThreshold ?? '', run.stalled ? 1 : 0].join(',');
  });
  return `${header}\n${rows.join('\n')}\n`;
}

function markdownTable(setup: SweepSetup, result: SweepResult): string {
  const xLabel = SWEEP_SETTINGS[setup.x.setting].label.toLowerCase();
  const yLabel = SWEEP_SETTINGS[setup.y.setting].label.toLowerCase();
  const showY = setup.y.count > 1;
  const steps = (value: number) => (value === Number.POSITIVE_INFINITY ? 'never' : String(Math.round(value)));
  const header = `| ${xLabel} |${showY ? ` ${yLabel} |` : ''} MSE stalled | CE stalled | median steps to ${setup.threshold}, MSE | CE | mean final batch MSE, MSE | CE |`;
  const rule = `|---:|${showY ? '---:|' : ''}---:|---:|---:|---:|---:|---:|`;
  const rows = result.cells.map(({ xValue, yValue }, index) => {
    const [mse, ce] = SWEEP_LOSSES.map((loss) => cellLoss(result, index, loss));
    return `| ${xValue} |${showY ? ` ${yValue} |` : ''} ${mse.stalled}/${mse.seeds} (${percent(mse.stalled, mse.seeds)}) | ${ce.stalled}/${ce.seeds} (${percent(ce.stalled, ce.seeds)}) | ${steps(mse.medianSteps)} | ${steps(ce.medianSteps)} | ${fmt(mse.meanFinalMse)} | ${fmt(ce.meanFinalMse)} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** The network in words, for the subtitle and the paragraph. */
function networkText(spec: NetworkSpec): string {
  return `[${spec.widths.join(', ')}] with ${[...new Set([...spec.hiddenActivations, spec.outputActivation])].join(' and ')} units, ${OPTIMIZERS[spec.optimizer.kind].label} at learning rate ${spec.optimizer.learningRate}, batch ${spec.batchSize}`;
}

/** The paragraph: what ran, the criterion, and what the paired runs say about the seed question. */
function explanation(setup: SweepSetup, spec: NetworkSpec, datasetName: string, trainCount: number, result: SweepResult, table: string, pngLink: string, csvLink: string): string {
  const xLabel = SWEEP_SETTINGS[setup.x.setting].label.toLowerCase();
  const pairs = result.runs.filter((run) => run.loss === 'mse').map((mse) => ({ mse, ce: result.runs.find((ce) => ce.loss === 'cross_entropy' && ce.cell === mse.cell && ce.seed === mse.seed)! }));
  const mseStalled = pairs.filter((pair) => pair.mse.stalled);
  const rescued = mseStalled.filter((pair) => !pair.ce.stalled);
  const ceOnly = pairs.filter((pair) => pair.ce.stalled && !pair.mse.stalled);
  const perCell = result.cells.map((cell, index) => ({ cell, mse: cellLoss(result, index, 'mse'), ce: cellLoss(result, index, 'cross_entropy') }));
  const first = perCell[0];
  const last = perCell[perCell.length - 1];
  const mostlyStalled = perCell.find((entry) => entry.mse.stalled * 2 > entry.mse.seeds);
  const worstCe = perCell.reduce((worst, entry) => (entry.ce.stalled / entry.ce.seeds > worst.ce.stalled / worst.ce.seeds ? entry : worst), perCell[0]);
  const where = result.backend === 'webgpu' ? `the WebGPU replica trainer${result.adapter ? ` (${result.adapter})` : ''}` : 'the float64 CPU path';
  const seeds = `${setup.seedsPerCell} seeds (${spec.seed}–${spec.seed + setup.seedsPerCell - 1})`;
  return `<!-- Written by \`npm run experiment -- sweep\`; numbers come from that run. -->
## How often MSE stalls, and cross-entropy from the same start does not

![The fraction of runs that stalled against the ${xLabel}, MSE and cross-entropy from identical weights and batches](${pngLink})

${result.runs.length} runs of one network, ${networkText(spec)}, on ${datasetName} (${trainCount} training points): for each ${xLabel}
(${axisValues(setup.x).join(', ')})${setup.y.count > 1 ? ` and each ${SWEEP_SETTINGS[setup.y.setting].label.toLowerCase()} (${axisValues(setup.y).join(', ')})` : ''}, ${seeds}, each seed trained twice from identical
initial weights and identical batches, once with MSE and once with cross-entropy, ${setup.steps} steps each, by ${where}, ${result.groups === 1 ? 'all of them at once as replicas' : `as replicas in ${result.groups} groups of one network shape`}.
The sweep took ${(result.elapsedMs / 1000).toFixed(0)} s. The criterion: ${stallCriterion(setup)}; the same batch MSE is measured for both losses,
whichever drives training.

${table}

What the pairs say, from the same weights and batches: of the ${mseStalled.length} starts where MSE stalled, cross-entropy got below
${setup.threshold} in ${rescued.length}; cross-entropy stalled where MSE did not in ${ceOnly.length} of ${pairs.length}. At ${xLabel} ${first.cell.xValue} MSE stalled in
${first.mse.stalled} of ${first.mse.seeds} seeds and cross-entropy in ${first.ce.stalled}; at ${last.cell.xValue}, in ${last.mse.stalled} and ${last.ce.stalled}.
${mostlyStalled ? `MSE first stalled in more than half of the seeds at ${xLabel} ${mostlyStalled.cell.xValue}.` : 'MSE stalled in no more than half of the seeds at any value.'} Cross-entropy stalled in at most
${worstCe.ce.stalled} of ${worstCe.ce.seeds} seeds at any value (at ${worstCe.cell.xValue}).
Every run is in [${csvLink.replace(/^\//, '')}](${csvLink}).
`;
}

/** The figure: stalled fraction and final batch MSE against x, one line per loss (and per y value). */
function figureOf(setup: SweepSetup, spec: NetworkSpec, datasetName: string, result: SweepResult): SweepFigure {
  const xs = axisValues(setup.x);
  const ys = axisValues(setup.y);
  const series = (value: (entry: CellLoss) => number) =>
    ys.flatMap((yValue, yIndex) =>
      SWEEP_LOSSES.map((loss) => ({
        label: `${LOSSES[loss].label}${ys.length > 1 ? `, ${SWEEP_SETTINGS[setup.y.setting].label.toLowerCase()} ${yValue}` : ''}`,
        color: LOSS_COLORS[loss],
        dashed: yIndex % 2 === 1,
        values: xs.map((_, xIndex) => value(cellLoss(result, yIndex * xs.length + xIndex, loss))),
      })),
    );
  return {
    title: `How often MSE stalls, and cross-entropy from the same start does not (${result.backend}${result.adapter ? `, ${result.adapter}` : ''})`,
    subtitle:
      `[${spec.widths.join(', ')}] ${spec.hiddenActivations.join('/')} → ${spec.outputActivation}, ${spec.optimizer.kind} lr ${spec.optimizer.learningRate}, batch ${spec.batchSize}, ${datasetName}; ` +
      `${setup.seedsPerCell} seeds per point, each trained with MSE and with cross-entropy from identical weights and batches, ${setup.steps} steps; ` +
      `stalled: batch MSE over the last ${smoothingSteps(setup.steps)} steps still above ${setup.threshold}.`,
    xLabel: SWEEP_SETTINGS[setup.x.setting].label.toLowerCase(),
    xLog: SWEEP_SETTINGS[setup.x.setting].spacing === 'log',
    xValues: xs,
    panels: [
      { title: 'Fraction of runs that stalled', range: [0, 1], series: series((entry) => entry.stalled / entry.seeds) },
      { title: `Mean final batch MSE (last ${smoothingSteps(setup.steps)} steps)`, series: series((entry) => entry.meanFinalMse) },
    ],
  };
}

export async function sweepMain(args: string[], host: ScriptHost): Promise<number> {
  const options = parseCommandArgs(SWEEP_COMMAND, args, host);
  if (typeof options === 'number') return options;
  return withUserErrors(host, async () => {
    const loaded = await loadRunConfig(options.config, host.cwd);
    const spec = loaded.config.spec;
    const yFrom = options.yFrom ?? SWEEP_SETTINGS[options.y].read(spec);
    const parsed = parseSweepSetup({
      x: { setting: options.x, from: options.xFrom, to: options.xTo, count: options.xValues },
      y: { setting: options.y, from: yFrom, to: options.yTo ?? yFrom, count: options.yValues },
      steps: options.steps,
      seedsPerCell: options.seeds,
      threshold: options.threshold,
    });
    if (!parsed.setup) throw new ConfigError('the arguments', parsed.problems.map(flagProblem));
    const setup = parsed.setup;
    const files = nodeDatasetFiles(host.projectRoot, loaded.baseDir);
    const dataset = await datasetFor(loaded, files);
    const problems = validateSweepFor(setup, spec, dataset);
    if (problems.length > 0) throw new ConfigError(`the sweep of ${loaded.source}`, problems.map(flagProblem));
    const outDir = resolve(host.cwd, options.outDir);
    const [pngPath, csvPath, mdPath] = ['sweep.png', 'sweep.csv', 'sweep.md'].map((name) => join(outDir, name));
    for (const path of [pngPath, csvPath, mdPath]) await checkOutputPath(path, '--out-dir', configInputFiles(loaded, host.projectRoot));

    const request: SweepRequest = { setup, spec, dataset: loaded.config.dataset, csvText: loaded.config.dataset.source === 'csv' ? await files.csvFile(loaded.config.dataset.path) : null };
    const progress = createProgressBar(host, `sweep ${options.backend} (run-steps)`);
    const headless = await launchHeadless(host);
    try {
      let outcome: SweepOutcome;
      const resolved = options.backend === 'gpu' ? await resolveRuntime(options.runtime, host) : null;
      if (resolved?.runtime === 'node') {
        const adapter = await adapterOrWhyNot();
        announceRuntime(host, 'node', resolved.description, adapter);
        outcome = await trainSweep(request, dataset, 'webgpu', adapter, progress.update);
      } else if (resolved?.runtime === 'chromium') {
        const page = await headless.open('/scripts/pages/run.html');
        announceRuntime(host, 'chromium', headless.version, await page.evaluate(() => window.runAdapter()));
        await page.exposeFunction('reportRunProgress', (text: string) => progress.update(decodeFromPage<RunProgress>(text)));
        outcome = decodeFromPage<SweepOutcome>(await page.evaluate((r) => window.runSweep(r), request));
      } else {
        outcome = await trainSweep(request, dataset, 'cpu', null, progress.update);
      }
      progress.done();
      if ('refused' in outcome) throw new ConfigError(`the sweep of ${loaded.source}`, outcome.refused.map(flagProblem));
      const { result } = outcome;
      const { adapter } = result;
      const chart = await headless.open('/scripts/pages/sweep-chart.html', { width: 1040, height: 760 });
      await chart.evaluate((f) => window.drawSweep(f), figureOf(setup, spec, dataset.name, result));
      const element = await chart.$('#figure');
      if (!element) throw new Error('the chart page has no #figure element');
      const png = await element.screenshot();
      const table = markdownTable(setup, result);
      host.stdout(`\n${table}\n\nsweep of ${result.runs.length} runs took ${(result.elapsedMs / 1000).toFixed(1)} s on ${adapter ?? 'the CPU path'}\n`);
      const fromRoot = (path: string) => `/${relative(host.projectRoot, path).split('\\').join('/')}`;
      await writeOutputs([
        { path: pngPath, field: '--out-dir', content: png },
        { path: csvPath, field: '--out-dir', content: csvOf(setup, result) },
        { path: mdPath, field: '--out-dir', content: explanation(setup, spec, dataset.name, dataset.trainCount, result, table, fromRoot(pngPath), fromRoot(csvPath)) },
      ]);
      host.stdout(`wrote ${pngPath}, ${csvPath} and ${mdPath}\n`);
      return 0;
    } finally {
      await headless.close();
    }
  });
}
