/**
 * The headless train command (scripts/train.ts) on the CPU path, in Node: config errors name
 * their field and exit non-zero, a run writes one complete JSON file, the loss switch lands on
 * the requested step, and --init reproduces the initial parameters of an earlier run or takes a
 * parameters file. The test rows are scored into the run file, the CSV and the summary; a run
 * that meets a non-finite metric stops there, says so and exits 3; a linear output's NaN
 * cross-entropy never breaks a line; a CSV declares a real-valued target. (Refusals of bad
 * input: train-cli-refusals.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../scripts/train';
import type { RunRecord } from '../../scripts/lib/run-session';
import { parameterLayout } from '../../src/model/layout';
import { LOSS_NAMES } from '../../src/model/losses';
import { PRESET_NAMES, datasetFor, loadRunConfig, nodeDatasetFiles } from '../../scripts/lib/config-files';
import { createSession } from '../../src/train/create-session';
import { findNonFinite } from '../../src/train/divergence-check';
import { scoreOutputs } from '../../src/model/scoring';
import type { NetworkSpec } from '../../src/model/spec';
import { expectNoStackTrace, filesUnder, projectRoot, runScript, type ScriptResult } from './script-harness';

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'train-cli-'));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs the command in-process with captured output; a browser is never needed on the CPU path. */
function train(...args: string[]): Promise<ScriptResult> {
  return runScript(main, args, workDir);
}

function writeConfig(name: string, config: unknown): string {
  const path = join(workDir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function readRun(name: string): RunRecord {
  return JSON.parse(readFileSync(join(workDir, name), 'utf8')) as RunRecord;
}

const SMALL_SPEC = { widths: [2, 4, 1], hiddenActivations: ['tanh'], outputActivation: 'sigmoid', loss: 'mse', batchSize: 16 };

describe('train CLI: bad configs', () => {
  const cases: { name: string; config: unknown; args?: string[]; field: string }[] = [
    { name: 'unknown spec key', config: { spec: { ...SMALL_SPEC, widht: [2, 1] }, dataset: 'circle' }, field: 'spec.widht' },
    { name: 'unknown top-level key', config: { spec: SMALL_SPEC, dataset: 'circle', step: 10 }, field: 'step' },
    { name: 'wrong type', config: { spec: { ...SMALL_SPEC, batchSize: '16' }, dataset: 'circle' }, field: 'spec.batchSize' },
    { name: 'bad learning rate', config: { spec: { ...SMALL_SPEC, optimizer: { learningRate: -1 } }, dataset: 'circle' }, field: 'spec.optimizer.learningRate' },
    { name: 'unknown dataset', config: { spec: SMALL_SPEC, dataset: 'moons' }, field: 'dataset.kind' },
    { name: 'unknown dataset option', config: { spec: SMALL_SPEC, dataset: { kind: 'circle', nois: 0.2 } }, field: 'dataset.nois' },
    { name: 'dataset value out of range', config: { spec: SMALL_SPEC, dataset: { kind: 'circle', noise: 5 } }, field: 'dataset' },
    { name: 'input width not the dataset', config: { spec: { ...SMALL_SPEC, widths: [3, 4, 1] }, dataset: 'circle' }, field: 'spec.widths[0]' },
    { name: 'switch after the last step', config: { spec: SMALL_SPEC, dataset: 'circle', steps: 10, switchLossAt: 10 }, field: 'switchLossAt' },
    { name: 'steps not a whole number', config: { spec: SMALL_SPEC, dataset: 'circle', steps: 2.5 }, field: 'steps' },
    { name: 'bad --steps flag', config: { spec: SMALL_SPEC, dataset: 'circle' }, args: ['--steps', 'ten'], field: '--steps' },
    { name: 'unknown flag', config: { spec: SMALL_SPEC, dataset: 'circle' }, args: ['--stpes', '10'], field: '--stpes' },
  ];
  for (const { name, config, args = [], field } of cases) {
    it(`${name}: exits 2 naming ${field}, writes nothing`, async () => {
      const file = writeConfig(`bad-${name.replace(/\W+/g, '-')}.json`, config);
      const out = join(workDir, `bad-${name.replace(/\W+/g, '-')}-run.json`);
      const result = await train('--config', file, '--backend', 'cpu', '--out', out, ...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `, 'm'));
      expect(existsSync(out)).toBe(false);
    });
  }

  it('a missing config file exits 2 naming --config', async () => {
    const result = await train('--config', join(workDir, 'no-such.json'), '--backend', 'cpu');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--config: Cannot read/m);
  });

  it('--init with a run of another network exits 2 naming --init', async () => {
    const other = writeConfig('other-net.json', { spec: { ...SMALL_SPEC, widths: [2, 3, 1] }, dataset: 'circle', steps: 2 });
    expect((await train('--config', other, '--backend', 'cpu', '--out', 'other-net-run.json')).code).toBe(0);
    const config = writeConfig('small.json', { spec: SMALL_SPEC, dataset: 'circle' });
    const result = await train('--config', config, '--backend', 'cpu', '--steps', '2', '--init', 'other-net-run.json', '--out', 'never.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--init: .*widths \[2,3,1\]/m);
    expect(existsSync(join(workDir, 'never.json'))).toBe(false);
  });
});

describe('presets', () => {
  it('every preset parses, and its spec fits its dataset', async () => {
    expect(PRESET_NAMES.length).toBeGreaterThan(0);
    for (const name of PRESET_NAMES) {
      const loaded = await loadRunConfig(name, workDir);
      const dataset = await datasetFor(loaded, nodeDatasetFiles(projectRoot, loaded.baseDir));
      expect(dataset.inputSize, name).toBe(loaded.config.spec.widths[0]);
    }
  });
});

describe('train CLI: CPU runs', () => {
  const STEPS = 30;

  it('writes one JSON run with one metrics entry per step, and the CSV with --csv', async () => {
    // The preset switches at step 1000; a shorter run must move the switch inside it.
    const result = await train('--config', 'xor-saturated', '--backend', 'cpu', '--steps', String(STEPS), '--switch-loss-at', '20', '--out', 'run.json', '--csv');
    expect(result.code, result.stderr).toBe(0);
    const run = readRun('run.json');
    const parameterCount = parameterLayout(run.spec.widths).totalParameters;
    expect(run.format).toBe('mlp-playground-run');
    expect(run.backend).toBe('cpu');
    expect(run.steps).toBe(STEPS);
    expect(run.dataset).toMatchObject({ kind: 'xor', name: 'xor', inputSize: 2, outputSize: 1 });
    expect(run.dataset.trainCount + run.dataset.testCount).toBe(500);
    expect(run.initialParameters).toHaveLength(parameterCount);
    expect(run.finalParameters).toHaveLength(parameterCount);
    expect(run.finalParameters).not.toEqual(run.initialParameters);
    expect(run.metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    for (const m of run.metrics) {
      expect(LOSS_NAMES).toContain(m.activeLoss);
      expect(Number.isFinite(m.losses.mse) && Number.isFinite(m.losses.cross_entropy) && Number.isFinite(m.outputDeltaNorm)).toBe(true);
      expect(m.gradNormW).toHaveLength(run.spec.widths.length - 1);
      expect(m.gradNormB).toHaveLength(run.spec.widths.length - 1);
      expect(m.saturatedFraction).toBeGreaterThanOrEqual(0);
      expect(m.saturatedFraction).toBeLessThanOrEqual(1);
    }
    expect(run.timings.trainMs).toBeGreaterThan(0);
    const csvLines = readFileSync(join(workDir, 'run.csv'), 'utf8').trimEnd().split('\n');
    expect(csvLines).toHaveLength(STEPS + 1);
    expect(csvLines[1].split(',')[0]).toBe('0');
    expect(Number(csvLines[STEPS].split(',')[2])).toBe(run.metrics[STEPS - 1].losses.mse);
  });

  it('--switch-loss-at K changes the active loss exactly at step K', async () => {
    const K = 13;
    const config = writeConfig('switch.json', { spec: SMALL_SPEC, dataset: 'circle', steps: STEPS });
    const result = await train('--config', config, '--backend', 'cpu', '--switch-loss-at', String(K), '--out', 'switch-run.json');
    expect(result.code, result.stderr).toBe(0);
    const run = readRun('switch-run.json');
    expect(run.spec.loss).toBe('mse');
    expect(run.switchLossAt).toBe(K);
    const firstOther = run.metrics.findIndex((m) => m.activeLoss !== run.spec.loss);
    expect(firstOther).toBe(K);
    expect(run.metrics.slice(K).every((m) => m.activeLoss === 'cross_entropy')).toBe(true);
  });

  it('--init starts from the initial parameters of an earlier run, whatever the seed', async () => {
    const config = writeConfig('init.json', { spec: SMALL_SPEC, dataset: 'circle', steps: 3 });
    const args = ['--config', config, '--backend', 'cpu'];
    for (const extra of [['--seed', '3', '--out', 'seed3.json'], ['--seed', '7', '--out', 'seed7.json'], ['--seed', '7', '--init', 'seed3.json', '--out', 'seed7-from-3.json']]) {
      const result = await train(...args, ...extra);
      expect(result.code, result.stderr).toBe(0);
    }
    const seed3 = readRun('seed3.json');
    const seed7 = readRun('seed7.json');
    const seed7From3 = readRun('seed7-from-3.json');
    // Without --init the seeds give different weights, so equality below is --init's doing.
    expect(seed7.initialParameters).not.toEqual(seed3.initialParameters);
    expect(seed7From3.initialParameters).toEqual(seed3.initialParameters);
    expect(seed7From3.spec.seed).toBe(7);
  });
});

/** A fresh folder under the work folder, with `files` written into it (objects as JSON). */
function folderWith(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(workDir, 'run-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

/** A CSV file of `rows` rows: features x1, x2 and a target column y from `target(x1, x2, row)`. */
function csvText(rows: number, target: (x1: number, x2: number, row: number) => string | number): string {
  const lines = Array.from({ length: rows }, (_, row) => {
    const x1 = ((row * 37) % 101) / 101;
    const x2 = ((row * 53) % 97) / 97;
    return `${x1},${x2},${target(x1, x2, row)}`;
  });
  return `x1,x2,y\n${lines.join('\n')}\n`;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The run's test rows scored again, independently of the run: a CPU session started from the run's final parameters, evaluated on the dataset the config builds. */
async function rescoreFinal(run: RunRecord, configPath: string) {
  const loaded = await loadRunConfig(configPath, workDir);
  const dataset = await datasetFor(loaded, nodeDatasetFiles(projectRoot, loaded.baseDir));
  const session = await createSession({ spec: run.spec as NetworkSpec, dataset, backend: 'cpu', initialParameters: Float64Array.from(run.finalParameters!) });
  const outputs = await session.evaluate(dataset.testX, dataset.testCount);
  session.dispose();
  return scoreOutputs(run.spec.outputActivation, outputs, dataset.testY, dataset.testCount, dataset.outputSize, dataset.classNames !== undefined);
}

describe('train CLI: held-out results', () => {
  const cases: { name: string; config: object; args: string[]; testSteps: number[]; classes: boolean }[] = [
    { name: 'a binary set, scored at the end only', config: { spec: SMALL_SPEC, dataset: 'circle', steps: 30 }, args: [], testSteps: [30], classes: true },
    { name: 'a binary set scored every 10 steps', config: { spec: SMALL_SPEC, dataset: 'xor', steps: 30 }, args: ['--test-every', '10'], testSteps: [10, 20, 30], classes: true },
    {
      name: 'three classes with softmax, every 7 steps of 20',
      config: { spec: { widths: [2, 8, 3], hiddenActivations: ['relu'], outputActivation: 'softmax', loss: 'cross_entropy', batchSize: 16 }, dataset: { kind: 'spiral-k', classes: 3, samples: 300 }, steps: 20 },
      args: ['--test-every', '7'],
      testSteps: [7, 14, 20],
      classes: true,
    },
    { name: '--test-every beyond the run', config: { spec: SMALL_SPEC, dataset: 'gaussians', steps: 12 }, args: ['--test-every', '50'], testSteps: [12], classes: true },
    {
      name: 'a real-valued CSV target, where accuracy means nothing',
      config: { spec: { ...SMALL_SPEC, outputActivation: 'linear' }, dataset: { kind: 'csv', path: 'points.csv', target: 'regression' }, steps: 16 },
      args: ['--test-every', '8'],
      testSteps: [8, 16],
      classes: false,
    },
  ];
  for (const { name, config, args, testSteps, classes } of cases) {
    it(`${name}: in the run file, the CSV and the summary`, async () => {
      const dir = folderWith({ 'c.json': config, 'points.csv': csvText(60, (x1, x2) => 2 * x1 - x2 + 0.5) });
      const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', '--csv', ...args], dir);
      expect(result.code, result.stderr).toBe(0);
      const run = readJson<RunRecord>(join(dir, 'run.json'));
      expect(run.tests.map((t) => t.step)).toEqual(testSteps);
      const final = run.tests.at(-1)!;
      const again = await rescoreFinal(run, join(dir, 'c.json'));
      for (const loss of LOSS_NAMES) expect(final.losses[loss] ?? NaN).toBe(again.losses[loss]);
      if (classes) {
        expect(final.accuracy).toBe(again.accuracy);
        expect(final.accuracy).toBeGreaterThanOrEqual(0);
        expect(result.stdout).toContain(`test (${run.dataset.testCount} rows) after ${final.step} steps: `);
        expect(result.stdout).toContain(`accuracy ${(100 * final.accuracy).toFixed(1)}%`);
      } else {
        expect(final.accuracy).toBeNull();
        expect(result.stdout).toMatch(new RegExp(`test \\(${run.dataset.testCount} rows\\) after ${final.step} steps: mse [\\d.e+-]+\\n`));
      }
      // The CSV carries each scoring on the row of the step after whose update it was taken.
      const rows = readFileSync(join(dir, 'run.csv'), 'utf8').trimEnd().split('\n').map((line) => line.split(','));
      const header = rows[0];
      const column = (name: string) => header.indexOf(name);
      expect(header.slice(-LOSS_NAMES.length - 1)).toEqual([...LOSS_NAMES.map((loss) => `test_${loss}`), 'test_accuracy']);
      for (const row of rows.slice(1)) {
        const test = run.tests.find((t) => t.step - 1 === Number(row[0]));
        for (const loss of LOSS_NAMES) expect(row[column(`test_${loss}`)]).toBe(test ? String(test.losses[loss] ?? NaN) : '');
        expect(row[column('test_accuracy')]).toBe(test ? String(test.accuracy ?? NaN) : '');
      }
    });
  }

  it('a dataset with no test rows: no scoring, and the summary says so', async () => {
    const dir = folderWith({ 'c.json': { spec: SMALL_SPEC, dataset: { kind: 'circle', testFraction: 0 }, steps: 10 } });
    const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', '--test-every', '5'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(readJson<RunRecord>(join(dir, 'run.json')).tests).toEqual([]);
    expect(result.stdout).toContain('test: the dataset holds no test rows');
  });
});

describe('train CLI: a run stops at the first non-finite metric, writes a complete file that says so, and exits 3', () => {
  const cases: { name: string; files: Record<string, string | object>; kept: 'some' | 'none' }[] = [
    {
      name: 'SGD at learning rate 1e30 on a linear output',
      files: { 'c.json': { spec: { widths: [2, 16, 1], hiddenActivations: ['relu'], outputActivation: 'linear', loss: 'mse', optimizer: { learningRate: 1e30 }, batchSize: 16 }, dataset: 'circle', steps: 300 } },
      kept: 'some',
    },
    {
      name: 'momentum at learning rate 1e20 with leaky ReLU layers',
      files: {
        'c.json': {
          spec: { widths: [2, 8, 8, 1], hiddenActivations: ['leaky_relu', 'leaky_relu'], outputActivation: 'linear', loss: 'mse', optimizer: { kind: 'momentum', learningRate: 1e20 }, batchSize: 8 },
          dataset: { kind: 'gaussians', samples: 200 },
          steps: 500,
        },
      },
      kept: 'some',
    },
    {
      name: 'features near the float32 limit and enormous initial weights: the loss overflows at the first step',
      files: {
        'c.json': { spec: { widths: [2, 8, 1], hiddenActivations: ['relu'], outputActivation: 'linear', loss: 'mse', batchSize: 8, init: { scale: 1e100 } }, dataset: { kind: 'csv', path: 'huge.csv', target: 'regression' }, steps: 50 },
        'huge.csv': csvText(40, (x1) => x1).replace(/^0\.(\d+),/gm, '3e38,'),
      },
      kept: 'none',
    },
  ];
  for (const { name, files, kept } of cases) {
    it(name, async () => {
      const dir = folderWith(files);
      const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', '--csv'], dir);
      expect(result.code, result.stderr).toBe(3);
      expectNoStackTrace(result.stderr);
      const run = readJson<RunRecord>(join(dir, 'run.json'));
      const stopped = run.stopped!;
      expect(stopped).not.toBeNull();
      // The metrics end with the faulty step, which is the first one findNonFinite refuses.
      expect(run.metrics.map((m) => m.step)).toEqual(Array.from({ length: stopped.step + 1 }, (_, i) => i));
      const revived = (value: number | null) => value ?? NaN;
      const faulty = run.metrics.map((m) => ({ ...m, losses: Object.fromEntries(LOSS_NAMES.map((loss) => [loss, revived(m.losses[loss])])) as typeof m.losses, outputDeltaNorm: revived(m.outputDeltaNorm), globalGradNorm: revived(m.globalGradNorm), gradNormW: m.gradNormW.map(revived), gradNormB: m.gradNormB.map(revived) }));
      expect(faulty.slice(0, -1).every((m) => findNonFinite(m, run.spec) === null)).toBe(true);
      expect(findNonFinite(faulty.at(-1)!, run.spec)).toMatchObject({ step: stopped.step, metric: stopped.metric, layer: stopped.layer });
      expect(stopped.message).toMatch(new RegExp(`^Step ${stopped.step}: the .+; the run stopped there, and `));
      expect(result.stderr).toContain(`stopped: ${stopped.message}`);
      if (kept === 'none') {
        expect(stopped.keptStep).toBeNull();
        expect(run.finalParameters).toBeNull();
        expect(stopped.message).toContain('no parameters are kept (finalParameters is null)');
      } else {
        expect(stopped.keptStep).toBeGreaterThanOrEqual(0);
        expect(stopped.keptStep).toBeLessThan(stopped.step);
        expect(run.finalParameters!.every(Number.isFinite)).toBe(true);
        expect(stopped.message).toContain(`finalParameters holds the parameters of step ${stopped.keptStep}`);
      }
      // The summary and progress lines print what is not finite as n/a instead of failing on it.
      expect(result.stdout).toContain(`${stopped.step + 1} of ${run.steps} steps`);
      expect(result.stdout).toContain('n/a');
      expect(readFileSync(join(dir, 'run.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(stopped.step + 2);
      expect(Object.keys(filesUnder(dir)).sort()).toEqual([...Object.keys(files), 'run.csv', 'run.json'].sort());
    });
  }
});

describe('train CLI: a linear output, whose cross-entropy is NaN by design', () => {
  for (const hidden of ['tanh', 'relu', 'sigmoid'] as const) {
    it(`${hidden} hidden units: the run completes and every line leaves the cross-entropy out`, async () => {
      const dir = folderWith({ 'c.json': { spec: { widths: [2, 6, 1], hiddenActivations: [hidden], outputActivation: 'linear', loss: 'mse', batchSize: 16 }, dataset: 'circle', steps: 30 } });
      const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', '--csv'], dir);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(/cross_entropy|NaN|n\/a/);
      expect(result.stderr).not.toMatch(/NaN|n\/a/);
      const run = readJson<RunRecord>(join(dir, 'run.json'));
      expect(run.stopped).toBeNull();
      expect(run.metrics.every((m) => m.losses.cross_entropy === null && Number.isFinite(m.losses.mse))).toBe(true);
      expect(run.finalParameters!.every(Number.isFinite)).toBe(true);
    });
  }
});

describe('train CLI: --init takes a parameters file', () => {
  it('the finalParameters of one run, as {"parameters": [...]}, start the next', async () => {
    const dir = folderWith({ 'c.json': { spec: SMALL_SPEC, dataset: 'circle', steps: 5 } });
    expect((await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'first.json'], dir)).code).toBe(0);
    const first = readJson<RunRecord>(join(dir, 'first.json'));
    writeFileSync(join(dir, 'weights.json'), JSON.stringify({ parameters: first.finalParameters }));
    const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--init', 'weights.json', '--out', 'second.json'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(readJson<RunRecord>(join(dir, 'second.json')).initialParameters).toEqual(first.finalParameters);
  });

  it('a hand-written file in the documented layout: per layer W row-major [inputs, outputs], then b', async () => {
    const widths = [2, 3, 1];
    const layout = parameterLayout(widths);
    // W1[i][j] = 10·i + j + 1, b1[j] = 0.5·j, W2[i][0] = 0.5 − i, b2 = 7: each value says where it belongs.
    const parameters = [...[0, 1].flatMap((i) => [0, 1, 2].map((j) => 10 * i + j + 1)), 0, 0.5, 1, ...[0, 1, 2].map((i) => 0.5 - i), 7];
    expect(parameters).toHaveLength(layout.totalParameters);
    const dir = folderWith({ 'c.json': { spec: { ...SMALL_SPEC, widths, hiddenActivations: ['relu'] }, dataset: 'xor', steps: 2 }, 'w.json': `\uFEFF${JSON.stringify({ parameters })}` });
    const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--init', 'w.json', '--out', 'run.json'], dir);
    expect(result.code, result.stderr).toBe(0);
    const run = readJson<RunRecord>(join(dir, 'run.json'));
    expect(run.initialParameters).toEqual(parameters);
    const [first, second] = layout.layers;
    expect(run.initialParameters[first.weightOffset + 1 * first.fanOut + 2]).toBe(13);
    expect(run.initialParameters.slice(first.biasOffset, first.biasOffset + 3)).toEqual([0, 0.5, 1]);
    expect(run.initialParameters[second.biasOffset]).toBe(7);
  });
});

describe('train CLI: a config file with a UTF-8 byte-order mark', () => {
  for (const [name, text] of [
    ['compact', `\uFEFF${JSON.stringify({ spec: SMALL_SPEC, dataset: 'circle', steps: 3 })}`],
    ['indented, with CRLF line ends', `\uFEFF${JSON.stringify({ spec: SMALL_SPEC, dataset: { kind: 'xor', seed: 4 }, steps: 3 }, null, 2).replace(/\n/g, '\r\n')}\r\n`],
  ]) {
    it(`is read like any other (${name})`, async () => {
      const dir = folderWith({ 'c.json': text });
      const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'], dir);
      expect(result.code, result.stderr).toBe(0);
      expect(readJson<RunRecord>(join(dir, 'run.json')).metrics).toHaveLength(3);
    });
  }
});

describe('train CLI: a CSV with a real-valued target', () => {
  it('trains a linear output with MSE on one target column, with no classes', async () => {
    const dir = folderWith({
      'c.json': { spec: { widths: [2, 8, 1], hiddenActivations: ['tanh'], outputActivation: 'linear', loss: 'mse', optimizer: { learningRate: 0.05 }, batchSize: 16 }, dataset: { kind: 'csv', path: 'points.csv', target: 'regression' }, steps: 400 },
      'points.csv': csvText(200, (x1, x2) => (3 * x1 - 2 * x2 + 0.25).toFixed(6)),
    });
    const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', '--test-every', '100'], dir);
    expect(result.code, result.stderr).toBe(0);
    const run = readJson<RunRecord>(join(dir, 'run.json'));
    expect(run.dataset).toMatchObject({ source: 'csv', target: 'regression', outputSize: 1, trainCount: 160, testCount: 40 });
    expect(run.metrics.every((m) => Number.isFinite(m.losses.mse))).toBe(true);
    // A linear map is learnable: the test error ends far below the targets' variance, the error of predicting their mean.
    const loaded = await loadRunConfig(join(dir, 'c.json'), workDir);
    const { testY, testCount, classNames } = await datasetFor(loaded, nodeDatasetFiles(projectRoot, loaded.baseDir));
    expect(classNames).toBeUndefined();
    const mean = testY.reduce((sum, y) => sum + y, 0) / testCount;
    const variance = testY.reduce((sum, y) => sum + (y - mean) ** 2, 0) / testCount;
    expect(run.tests.at(-1)!.losses.mse).toBeLessThan(variance / 10);
    expect(result.stdout).not.toContain('accuracy');
  });
});

describe('train CLI: outputs are written whole, under their own names only', () => {
  it('a run over an existing file replaces it, and leaves no temporary file beside it', async () => {
    const dir = folderWith({ 'c.json': { spec: SMALL_SPEC, dataset: 'circle', steps: 4 }, 'run.json': 'old run', 'run.csv': 'old csv' });
    const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', '--csv'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(filesUnder(dir)).sort()).toEqual(['c.json', 'run.csv', 'run.json']);
    expect(readJson<RunRecord>(join(dir, 'run.json')).metrics).toHaveLength(4);
    expect(readFileSync(join(dir, 'run.csv'), 'utf8').split('\n')[0]).toMatch(/^step,activeLoss,/);
  });

  it('folders named by --out are made, and only then', async () => {
    const dir = folderWith({ 'c.json': { spec: SMALL_SPEC, dataset: 'circle', steps: 4 } });
    const result = await runScript(main, ['--config', 'c.json', '--backend', 'cpu', '--out', 'a/b/run.json'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(filesUnder(dir)).sort()).toEqual(['a/', 'a/b/', 'a/b/run.json', 'c.json']);
  });
});
