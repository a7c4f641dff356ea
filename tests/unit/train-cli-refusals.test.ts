/**
 * Hostile input to the headless commands (issue 16): every problem the user can fix ends with its
 * message naming the field, exit code 2 and no stack trace, and leaves the folder exactly as it
 * was: nothing written, nothing changed, no temporary file behind. Each class is tried with
 * several inputs: networks the engine refuses, bad --init files, numbers out of range, outputs
 * that cannot be written or would destroy an input, dataset seeds that alias, endless steps,
 * floods of errors, and CSV targets whose shape disagrees with the network.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as bench } from '../../scripts/bench';
import { main as experiment } from '../../scripts/experiment';
import { main as train } from '../../scripts/train';
import { MAX_CSV_ERRORS } from '../../src/data/csv-tokenizer';
import { parameterLayout } from '../../src/model/layout';
import { parseRunConfig } from '../../scripts/lib/run-config';
import { expectNoStackTrace, expectUserError, filesUnder, projectRoot, runScript, type ScriptResult } from './script-harness';

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'train-cli-refusals-'));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

const SMALL_SPEC = { widths: [2, 4, 1], hiddenActivations: ['tanh'], outputActivation: 'sigmoid', loss: 'mse', batchSize: 16 };
const SMALL_CONFIG = { spec: SMALL_SPEC, dataset: 'circle', steps: 5 };

/** A CSV file of `rows` rows: features x1, x2 and a target column y from `target(row)`. */
function csvText(rows: number, target: (row: number) => string | number): string {
  const lines = Array.from({ length: rows }, (_, row) => `${(row % 7) / 7},${(row % 5) / 5},${target(row)}`);
  return `x1,x2,y\n${lines.join('\n')}\n`;
}

/** One refused command: the files it finds, its arguments (relative paths start in its own folder), and what the error must name. */
interface RefusalCase {
  name: string;
  files?: Record<string, string | object>;
  /** Extra setup in the case's folder (folders, links). */
  setup?: (dir: string) => void;
  args: string[];
  field: string;
  fragment: string | RegExp;
}

/** Runs `command` in a fresh folder holding the case's files, and checks the user error and that the folder did not change. */
async function expectRefused(command: typeof train, refusal: RefusalCase): Promise<ScriptResult> {
  const dir = mkdtempSync(join(workDir, 'case-'));
  for (const [name, content] of Object.entries(refusal.files ?? {})) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  refusal.setup?.(dir);
  const before = filesUnder(dir);
  const result = await runScript(command, refusal.args, dir);
  expectUserError(result, refusal.field, refusal.fragment);
  expect(filesUnder(dir)).toEqual(before);
  return result;
}

function runCases(cases: RefusalCase[]): void {
  for (const refusal of cases) it(refusal.name, () => expectRefused(train, refusal));
}

describe('a network the engine refuses is a user error, not a stack trace', () => {
  runCases([
    {
      name: 'one wide layer and a large batch, over the CPU path memory limit',
      files: { 'c.json': { spec: { widths: [2, 20000, 1], hiddenActivations: ['tanh'], batchSize: 60000 }, dataset: { kind: 'circle', samples: 100000 }, steps: 2 } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
      field: 'spec',
      fragment: /the network \[2, 20000, 1\] with batch 60000 needs [\d.]+ GiB on the CPU path/,
    },
    {
      name: 'three hidden layers and a large batch, over the CPU path memory limit',
      files: { 'c.json': { spec: { widths: [2, 1200, 1200, 1200, 1], hiddenActivations: ['relu', 'relu', 'relu'], batchSize: 60000 }, dataset: { kind: 'xor', samples: 80000 }, steps: 2 } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
      field: 'spec',
      fragment: 'on the CPU path, over its limit',
    },
    {
      name: 'more parameters than a run file can hold',
      files: { 'c.json': { spec: { widths: [2, 2100, 2100, 1], hiddenActivations: ['tanh', 'tanh'] }, dataset: 'circle' } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
      field: 'spec.widths',
      fragment: `has ${parameterLayout([2, 2100, 2100, 1]).totalParameters} parameters`,
    },
    {
      name: 'the largest layers allowed, far over what a run file can hold',
      files: { 'c.json': { spec: { widths: [2, 65536, 65536, 1], hiddenActivations: ['tanh', 'tanh'] }, dataset: 'circle' } },
      args: ['--config', 'c.json', '--backend', 'gpu', '--out', 'run.json'],
      field: 'spec.widths',
      fragment: 'so a headless run takes at most 4000000',
    },
  ]);
});

describe('--init refuses what is not a run file or a parameters file of the right shape', () => {
  const layout = parameterLayout(SMALL_SPEC.widths);
  const count = layout.totalParameters;
  const perLayer = 'layer 1: W 2×4 = 8 then b 4; layer 2: W 4×1 = 4 then b 1';
  const withInit = (content: string | object, fragment: string | RegExp): RefusalCase => ({
    name: `--init holding ${typeof content === 'string' ? content.slice(0, 30) : JSON.stringify(content).slice(0, 60)}`,
    files: { 'c.json': SMALL_CONFIG, 'init.json': content },
    args: ['--config', 'c.json', '--backend', 'cpu', '--init', 'init.json', '--out', 'run.json'],
    field: '--init',
    fragment,
  });
  it('the per-layer layout the messages give is the parameter layout', () => {
    expect(layout.layers.map(({ fanIn, fanOut }) => fanIn * fanOut + fanOut).reduce((a, b) => a + b)).toBe(count);
  });
  runCases([
    withInit('null', `holds null, which is neither a run file of this project nor a parameters file; give a run file written by npm run train, or a parameters file {"parameters": [...]} (${perLayer})`),
    withInit('42', 'holds 42, which is neither'),
    withInit('"weights"', 'holds "weights", which is neither'),
    withInit([0.1, 0.2, 0.3], 'holds a list of 3 item(s), which is neither'),
    withInit({}, 'holds an object with the keys (none), which is neither'),
    withInit({ format: 'something-else', initialParameters: [] }, 'holds an object with the keys format, initialParameters, which is neither'),
    withInit({ parameters: null }, new RegExp(`parameters in .*init\\.json must be a list of numbers, got null; the network \\[2, 4, 1\\] needs ${count} numbers`)),
    withInit({ parameters: [1, 2] }, `holds 2 parameters, but the network [2, 4, 1] needs ${count} numbers, per layer W row-major [inputs, outputs] then b (${perLayer})`),
    withInit({ parameters: Array.from({ length: count + 1 }, () => 0.1) }, `holds ${count + 1} parameters, but the network [2, 4, 1] needs ${count} numbers`),
    withInit({ parameters: Array.from({ length: count }, (_, i) => (i === 5 ? 'x' : 0.1)) }, 'parameters[5] in'),
    withInit({ parameters: Array.from({ length: count }, (_, i) => (i >= 3 ? null : 0.1)) }, `parameters[3] in`),
    withInit({ parameters: Array.from({ length: count }, () => 0.1), scale: 2 }, 'A parameters file holds only "parameters"'),
    withInit({ format: 'mlp-playground-run', spec: SMALL_SPEC, initialParameters: Array.from({ length: count }, (_, i) => (i === 0 ? null : 0.1)) }, 'initialParameters[0] in'),
    withInit('{"parameters": [1, 2,', 'as JSON'),
    withInit('', 'as JSON'),
  ]);

  it('a null in the list is named as not a finite number, with how many more there are', async () => {
    const result = await expectRefused(train, withInit({ parameters: Array.from({ length: count }, (_, i) => (i >= 3 ? null : 0.1)) }, /parameters\[3\] in .* is null, not a finite number \(and \d+ more entries are not\)/));
    expect(result.stderr).toContain(`(and ${count - 4} more entries are not)`);
  });

  runCases([
    {
      name: '--init naming no file',
      files: { 'c.json': SMALL_CONFIG },
      args: ['--config', 'c.json', '--backend', 'cpu', '--init', 'missing.json', '--out', 'run.json'],
      field: '--init',
      fragment: /Cannot read .*missing\.json as JSON: ENOENT/,
    },
    {
      name: '--init naming a folder',
      files: { 'c.json': SMALL_CONFIG },
      setup: (dir) => mkdirSync(join(dir, 'weights')),
      args: ['--config', 'c.json', '--backend', 'cpu', '--init', 'weights', '--out', 'run.json'],
      field: '--init',
      fragment: /Cannot read .*weights as JSON: EISDIR/,
    },
  ]);
});

describe('numbers on the command line are range checked before use', () => {
  const flag = (args: string[], field: string, fragment: string): RefusalCase => ({
    name: args.join(' '),
    files: { 'c.json': SMALL_CONFIG },
    args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', ...args],
    field,
    fragment,
  });
  runCases([
    flag(['--seed', '99999999999'], '--seed', 'Expected a whole number from 0 to 4294967295, got "99999999999"'),
    flag(['--seed', '4294967296'], '--seed', 'got "4294967296"'),
    flag(['--seed=-1'], '--seed', 'got "-1"'),
    flag(['--seed', '1.5'], '--seed', 'got "1.5"'),
    flag(['--steps', '100001'], '--steps', "from 1 to 100000 (every step's metrics stay in memory"),
    flag(['--steps', '0'], '--steps', 'got "0"'),
    flag(['--switch-loss-at', '0'], '--switch-loss-at', 'Expected a whole number from 1 to 99999'),
    flag(['--switch-loss-at', '100000'], '--switch-loss-at', 'got "100000"'),
    flag(['--test-every', '0'], '--test-every', 'Expected a whole number from 1 to 100000, got "0"'),
    flag(['--test-every', '1e3'], '--test-every', 'got "1e3"'),
  ]);
});

describe('an output path that cannot take the run is refused before training', () => {
  runCases([
    {
      name: '--out naming an existing folder',
      files: { 'c.json': SMALL_CONFIG },
      setup: (dir) => mkdirSync(join(dir, 'runs')),
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'runs'],
      field: '--out',
      fragment: /runs is a folder; give a file path, e\.g\. .*runs\/runs\.json\./,
    },
    {
      name: '--out below a file',
      files: { 'c.json': SMALL_CONFIG, notes: 'text' },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'notes/run.json'],
      field: '--out',
      fragment: /notes is a file, so .*notes\/run\.json cannot be made below it/,
    },
    {
      name: '--out deep below a file',
      files: { 'c.json': SMALL_CONFIG, notes: 'text' },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'notes/a/b/run.json'],
      field: '--out',
      fragment: 'is a file, so',
    },
    {
      name: '--csv when the derived .csv path is a folder',
      files: { 'c.json': SMALL_CONFIG },
      setup: (dir) => mkdirSync(join(dir, 'run.csv')),
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', '--csv'],
      field: '--csv',
      fragment: 'run.csv is a folder',
    },
    {
      name: '--csv when the derived .csv path is a link to a folder',
      files: { 'c.json': SMALL_CONFIG },
      setup: (dir) => {
        mkdirSync(join(dir, 'tables'));
        symlinkSync(join(dir, 'tables'), join(dir, 'run.csv'));
      },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run', '--csv'],
      field: '--csv',
      fragment: 'run.csv is a folder',
    },
  ]);
});

describe('an output is never one of the files the run reads', () => {
  const csvConfig = { spec: { ...SMALL_SPEC, batchSize: 8 }, dataset: { kind: 'csv', path: 'points.csv' }, steps: 3 };
  const points = csvText(40, (row) => (row % 2 ? 'yes' : 'no'));
  runCases([
    {
      name: '--out equal to the config file',
      files: { 'c.json': SMALL_CONFIG },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'c.json'],
      field: '--out',
      fragment: 'is the config file (--config), which the run reads; writing there would destroy it',
    },
    {
      name: '--out equal to the config file, spelt through another folder',
      files: { 'c.json': SMALL_CONFIG },
      setup: (dir) => mkdirSync(join(dir, 'sub')),
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'sub/../c.json'],
      field: '--out',
      fragment: 'is the config file (--config)',
    },
    {
      name: '--out reaching the config file through a symbolic link',
      files: { 'c.json': SMALL_CONFIG },
      setup: (dir) => symlinkSync(dir, join(dir, 'same')),
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'same/c.json'],
      field: '--out',
      fragment: 'is the config file (--config)',
    },
    {
      name: '--out equal to the dataset CSV file',
      files: { 'c.json': csvConfig, 'points.csv': points },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'points.csv'],
      field: '--out',
      fragment: 'is the CSV file of the dataset',
    },
    {
      name: 'the .csv derived from --out equal to the dataset CSV file',
      files: { 'c.json': csvConfig, 'points.csv': points },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'points.json', '--csv'],
      field: '--csv',
      fragment: 'points.csv is the CSV file of the dataset',
    },
    {
      name: 'the .csv derived from an --out without extension equal to the dataset CSV file',
      files: { 'c.json': csvConfig, 'points.csv': points },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'points', '--csv'],
      field: '--csv',
      fragment: 'is the CSV file of the dataset',
    },
    {
      name: '--out equal to the --init file',
      files: { 'c.json': SMALL_CONFIG, 'w.json': { parameters: Array.from({ length: parameterLayout(SMALL_SPEC.widths).totalParameters }, () => 0.1) } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--init', 'w.json', '--out', 'w.json'],
      field: '--out',
      fragment: 'is the --init file',
    },
  ]);
});

describe('silent nonsense is refused', () => {
  const seedCase = (name: string, dataset: object, seed: number): RefusalCase => ({
    name: `${name} seed ${seed}`,
    files: { 'c.json': { spec: SMALL_SPEC, dataset: { ...dataset, seed }, steps: 2 }, 'points.csv': csvText(40, (row) => row % 2) },
    args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
    field: 'dataset',
    fragment: seed === Math.trunc(seed) ? `seed must be from 0 to 4294967295 (2³² − 1), got ${seed}` : 'seed must be an integer',
  });
  runCases([
    seedCase('a synthetic dataset', { kind: 'circle' }, 2 ** 32),
    seedCase('a synthetic dataset', { kind: 'spiral-k', classes: 3 }, -1),
    seedCase('a CSV dataset', { kind: 'csv', path: 'points.csv' }, 1e12),
    seedCase('a CSV dataset', { kind: 'csv', path: 'points.csv' }, 2 ** 53),
    seedCase('MNIST', { kind: 'mnist' }, 2 ** 32 + 5),
  ]);

  runCases([
    {
      name: 'steps beyond the bound in the config',
      files: { 'c.json': { ...SMALL_CONFIG, steps: 100001 } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
      field: 'steps',
      fragment: "At most 100000 steps, got 100001: every step's metrics stay in memory and go into the run file",
    },
    {
      name: 'a billion steps in the config',
      files: { 'c.json': { ...SMALL_CONFIG, steps: 1e9 } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
      field: 'steps',
      fragment: 'got 1000000000',
    },
    {
      name: 'a switch beyond the bound in the config',
      files: { 'c.json': { ...SMALL_CONFIG, switchLossAt: 200000 } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
      field: 'switchLossAt',
      fragment: 'At most 100000 steps, got 200000',
    },
  ]);

  /** A config with `count` problems, and the problems parseRunConfig finds in it. */
  const floods: [string, object][] = [
    ['200,000 bad widths', { spec: { widths: [2, ...Array.from({ length: 200000 }, () => -1), 1] }, dataset: 'circle' }],
    ['5,000 unknown keys', { ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key${i}`, i])), spec: SMALL_SPEC, dataset: 'circle' }],
    ['101 problems, one over the cap', { ...Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`key${i}`, i])), spec: SMALL_SPEC, dataset: 'circle' }],
  ];
  for (const [name, config] of floods) {
    it(`a config with ${name}: the list is capped as the CSV importer caps it, saying how many more`, async () => {
      const total = parseRunConfig(config).problems.length;
      expect(total).toBeGreaterThan(MAX_CSV_ERRORS);
      const result = await expectRefused(train, { name, files: { 'c.json': config }, args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'], field: name.startsWith('200') ? 'spec.widths[1]' : 'key0', fragment: '' });
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1 + MAX_CSV_ERRORS + 1);
      expect(lines.at(-1)).toBe(`… and ${total - MAX_CSV_ERRORS} more problem${total - MAX_CSV_ERRORS === 1 ? '' : 's'}; fix these and run again.`);
    });
  }

  it('a config of 100 problems, exactly the cap, is listed whole', async () => {
    const config = { ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key${i}`, i])), spec: SMALL_SPEC, dataset: 'circle' };
    expect(parseRunConfig(config).problems).toHaveLength(MAX_CSV_ERRORS);
    const result = await expectRefused(train, { name: 'cap', files: { 'c.json': config }, args: ['--config', 'c.json', '--backend', 'cpu'], field: 'key99', fragment: 'Unknown field' });
    expect(result.stderr).not.toContain('more problem');
  });
});

describe('CSV targets whose shape disagrees with the network say why', () => {
  const csvRun = (name: string, rows: string, dataset: object, spec: object, field: string, fragment: string | RegExp, extra: string[] = []): RefusalCase => ({
    name,
    files: { 'c.json': { spec: { ...SMALL_SPEC, batchSize: 8, ...spec }, dataset: { kind: 'csv', path: 'data.csv', ...dataset }, steps: 3 }, 'data.csv': rows },
    args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', ...extra],
    field,
    fragment,
  });
  runCases([
    csvRun('a real-valued target of 20 values read as classes', csvText(40, (row) => (row % 20) * 0.37), {}, {}, 'spec.widths[2]',
      'The dataset has 20 target column(s) but the network has 1 output(s). The CSV\'s label column holds numbers, read as 20 classes; if the target is a real value, set "target": "regression" in dataset'),
    csvRun('a real-valued target of 40 values read as classes, 2 outputs', csvText(40, (row) => row / 8 - 2), {}, { widths: [2, 4, 2], outputActivation: 'softmax' }, 'spec.widths[2]', 'read as 40 classes; if the target is a real value'),
    csvRun('three numeric labels and one output', csvText(40, (row) => row % 3), {}, {}, 'spec.widths[2]', 'read as 3 classes'),
    csvRun('a regression target with cross-entropy', csvText(40, (row) => row * 0.1), { target: 'regression' }, { loss: 'cross_entropy' }, 'spec.loss',
      'The dataset\'s targets are real values (target "regression"), but the cross-entropy needs class targets; train with the mean squared error, with a linear output.'),
    csvRun('a regression target and a switch to cross-entropy', csvText(40, (row) => row * 0.1), { target: 'regression' }, {}, 'switchLossAt', 'but the cross-entropy needs class targets', ['--switch-loss-at', '2']),
    csvRun('a regression target and two outputs', csvText(40, (row) => row * 0.1), { target: 'regression' }, { widths: [2, 4, 2], outputActivation: 'linear' }, 'spec.widths[2]', 'The dataset has 1 target column(s) but the network has 2 output(s).'),
    csvRun('a regression target holding a word', csvText(40, (row) => (row === 7 ? 'high' : row)), { target: 'regression' }, {}, 'dataset', /data\.csv:9:3: "high" in column "y" is not a number/),
    csvRun('a regression target holding NaN', csvText(40, (row) => (row === 3 ? 'NaN' : row)), { target: 'regression' }, {}, 'dataset', /data\.csv:5:3: NaN in column "y" is not a finite number/),
    csvRun('a batch larger than the rows the default test split leaves', csvText(40, (row) => row % 2), {}, { batchSize: 36 }, 'spec.batchSize',
      'The batch size 36 is larger than the 32 training samples. 8 of the 40 rows are held out as the test split (testFraction left at its default); lower batchSize, or set a smaller dataset.testFraction.'),
    csvRun('a batch larger than the rows a given test split leaves', csvText(40, (row) => row % 2), { testFraction: 0.5 }, { batchSize: 30 }, 'spec.batchSize', '20 of the 40 rows are held out as the test split (testFraction 0.5)'),
  ]);

  it('text labels read as classes get no advice about regression', async () => {
    const result = await expectRefused(train, csvRun('text labels', csvText(40, (row) => ['cat', 'dog', 'owl'][row % 3]), {}, {}, 'spec.widths[2]', 'The dataset has 3 target column(s)'));
    expect(result.stderr).not.toContain('regression');
  });

  runCases([
    {
      name: 'a synthetic set whose default test split leaves fewer rows than the batch',
      files: { 'c.json': { spec: { ...SMALL_SPEC, batchSize: 45 }, dataset: { kind: 'circle', samples: 50 } } },
      args: ['--config', 'c.json', '--backend', 'cpu', '--out', 'run.json'],
      field: 'spec.batchSize',
      fragment: '10 of the 50 rows are held out as the test split (testFraction left at its default)',
    },
  ]);
});

describe('the other scripts refuse outputs and numbers the same way, before any work', () => {
  it('experiment: --out-dir naming a file', async () => {
    await expectRefused(experiment, { name: 'out-dir file', files: { docs: 'a file' }, args: ['saturation', '--backend', 'cpu', '--out-dir', 'docs'], field: '--out-dir', fragment: 'docs is a file, so' });
  });

  it('experiment: --out-dir whose saturation.csv is a folder', async () => {
    await expectRefused(experiment, {
      name: 'out-dir csv folder',
      setup: (dir) => mkdirSync(join(dir, 'figures', 'saturation.csv'), { recursive: true }),
      args: ['saturation', '--backend', 'cpu', '--out-dir', 'figures'],
      field: '--out-dir',
      fragment: 'saturation.csv is a folder',
    });
  });

  it('experiment: --steps and --seeds beyond their bounds', async () => {
    await expectRefused(experiment, { name: 'steps', args: ['saturation', '--steps', '100001'], field: '--steps', fragment: 'from 2 to 100000' });
    await expectRefused(experiment, { name: 'seeds', args: ['saturation', '--seeds', '101'], field: '--seeds', fragment: 'from 0 to 100' });
  });

  it('bench: --out naming a folder, and numbers beyond their bounds', async () => {
    await expectRefused(bench, { name: 'bench out', setup: (dir) => mkdirSync(join(dir, 'tables')), args: ['--out', 'tables'], field: '--out', fragment: 'tables is a folder' });
    await expectRefused(bench, { name: 'bench matmul', args: ['--matmul-size', '5000'], field: '--matmul-size', fragment: "from 0 to 4096 (its matrices must fit WebGPU's default 128 MiB storage binding)" });
    await expectRefused(bench, { name: 'bench windows', args: ['--windows', '0'], field: '--windows', fragment: 'from 1 to 100' });
    await expectRefused(bench, { name: 'bench seconds', args: ['--seconds', '1e9'], field: '--seconds', fragment: 'from 0.05 to 600' });
  });
});

describe('through the real command (node scripts/lib/run-ts.mjs): the message, exit code 2, no stack trace', () => {
  const cases: { name: string; files: Record<string, string>; args: string[]; line: RegExp }[] = [
    { name: '--init naming a file that holds null', files: { 'c.json': JSON.stringify(SMALL_CONFIG), 'null.json': 'null' }, args: ['--init', 'null.json'], line: /^--init: .*null\.json holds null/m },
    {
      name: 'a network over the CPU path memory limit',
      files: { 'c.json': JSON.stringify({ spec: { widths: [2, 20000, 1], hiddenActivations: ['tanh'], batchSize: 60000 }, dataset: { kind: 'circle', samples: 100000 } }) },
      args: [],
      line: /^spec: the network \[2, 20000, 1\] with batch 60000 needs/m,
    },
  ];
  for (const { name, files, args, line } of cases) {
    it(name, () => {
      const dir = mkdtempSync(join(workDir, 'process-'));
      for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
      const before = filesUnder(dir);
      const result = spawnSync(process.execPath, ['scripts/lib/run-ts.mjs', 'scripts/train.ts', '--config', 'c.json', '--backend', 'cpu', '--out', 'run.json', ...args], {
        cwd: projectRoot,
        env: { ...process.env, INIT_CWD: dir },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(line);
      expectNoStackTrace(result.stderr);
      expect(filesUnder(dir)).toEqual(before);
    }, 150_000);
  }
});
