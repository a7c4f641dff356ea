/**
 * Bad input from the outside world: CSV files, specs from URL state and config files, dataset
 * seeds, and a bad configuration offered to a running session. Every case checks the place named
 * (line and column, or field), a fragment of the message, and that nothing was produced or changed.
 */
import { describe, expect, it } from 'vitest';
import { importCsvDataset, type CsvError, type CsvImportOptions } from '../../src/data/csv';
import { parseMnistAsset } from '../../src/data/mnist';
import { parseDataSource } from '../../src/data/source';
import { makeSyntheticDataset } from '../../src/data/synthetic';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import { MAX_WIDTH, parseSpec, validateForDataset, type ValidationProblem } from '../../src/model/validate';
import { createSession } from '../../src/train/create-session';
import { GuardedSession } from '../../src/train/guarded-session';

/** The errors of a refused import; fails the test when the import produced a dataset. */
function refused(input: string | Uint8Array, options?: CsvImportOptions): CsvError[] {
  const result = importCsvDataset(input, options);
  expect(result.ok, 'the import must refuse the file and return no dataset').toBe(false);
  expect('dataset' in result).toBe(false);
  return result.ok ? [] : result.errors;
}

describe('CSV import refuses bad files with the line and column, and returns no dataset', () => {
  const cases: { name: string; text: string; options?: CsvImportOptions; line: number; column: number; fragment: string }[] = [
    { name: 'an empty file', text: '', line: 0, column: 0, fragment: 'the file is empty' },
    { name: 'only blank lines', text: '\n\r\n  \n', line: 0, column: 0, fragment: 'the file is empty' },
    { name: 'a header only', text: 'x,y,label\n', line: 0, column: 0, fragment: 'has a header (x, y, label) but no data rows' },
    { name: 'a row with a field missing', text: 'x,y,label\n1,2,a\n3,4\n5,6,b\n', line: 3, column: 3, fragment: 'this row has 2 fields but the header has 3 columns' },
    { name: 'a row with a field too many', text: 'x,y,label\n1,2,a\n3,4,b,9\n', line: 3, column: 4, fragment: 'this row has 4 fields but the header has 3 columns' },
    { name: 'a word in a feature column', text: 'x,y,label\n1,2,a\n3,abc,b\n', line: 3, column: 2, fragment: '"abc" in column "y" is not a number' },
    { name: 'NaN in a feature column', text: 'x,y,label\nNaN,2,a\n3,4,b\n', line: 2, column: 1, fragment: 'NaN in column "x" is not a finite number' },
    { name: 'Infinity in a feature column', text: 'x,y,label\n1,2,a\n3,Infinity,b\n', line: 3, column: 2, fragment: 'Infinity in column "y" is not a finite number' },
    { name: '-inf in a feature column', text: 'x,y,label\n1,-inf,a\n3,4,b\n', line: 2, column: 2, fragment: '-inf in column "y" is not a finite number' },
    { name: 'a value beyond float32', text: 'x,y,label\n1e39,2,a\n3,4,b\n', line: 2, column: 1, fragment: 'beyond the float32 range' },
    { name: 'an empty cell', text: 'x,y,label\n1,,a\n3,4,b\n', line: 2, column: 2, fragment: 'empty cell in column "y"' },
    { name: 'a label column with one class', text: 'x,y,label\n1,2,a\n3,4,a\n5,6,a\n', line: 1, column: 3, fragment: 'label column "label" has a single class (a) in all 3 rows' },
    {
      name: 'one-hot columns summing to 2',
      text: 'x,c0,c1\n1,1,0\n2,1,1\n3,0,1\n',
      options: { oneHotColumns: ['c0', 'c1'] },
      line: 3,
      column: 2,
      fragment: 'the one-hot columns (c0, c1) sum to 2 in this row',
    },
    {
      name: 'one-hot columns summing to 0',
      text: 'x,c0,c1\n1,1,0\n2,0,0\n3,0,1\n',
      options: { oneHotColumns: ['c0', 'c1'] },
      line: 3,
      column: 2,
      fragment: 'sum to 0 in this row',
    },
    {
      name: 'a one-hot cell of 0.5',
      text: 'x,c0,c1\n1,0.5,0.5\n3,0,1\n',
      options: { oneHotColumns: ['c0', 'c1'] },
      line: 2,
      column: 2,
      fragment: 'one-hot cells must be 0 or 1',
    },
    { name: 'a quote that never closes', text: 'x,y,label\n1,"2,a\n3,4,b\n', line: 2, column: 2, fragment: 'a quoted field opens here and never closes' },
    { name: 'a first line of numbers instead of a header', text: '1,2,3\n4,5,6\n', line: 1, column: 0, fragment: 'must be a header naming each column' },
    { name: 'a label column that does not exist', text: 'x,y,label\n1,2,a\n3,4,b\n', options: { labelColumn: 'class' }, line: 1, column: 0, fragment: 'no column is named "class"' },
    {
      name: 'a file over the size limit',
      text: `x,y,label\n${'0.5,0.25,a\n'.repeat(20)}`,
      options: { maxBytes: 100 },
      line: 0,
      column: 0,
      fragment: 'the file is 230 bytes, over the limit of 100 bytes',
    },
    { name: 'more rows than the row limit', text: 'x,label\n1,a\n2,b\n3,a\n', options: { maxSamples: 2 }, line: 0, column: 0, fragment: 'the file has 3 data rows, over the limit of 2' },
  ];
  for (const { name, text, options, line, column, fragment } of cases) {
    it(name, () => {
      const errors = refused(text, options);
      expect(errors[0]).toMatchObject({ line, column });
      expect(errors[0].message).toContain(fragment);
    });
  }

  it('a file over the size limit given as bytes is refused before it is decoded', () => {
    const bytes = new Uint8Array(300).fill(0xff);
    const errors = refused(bytes, { maxBytes: 256 });
    expect(errors).toEqual([{ line: 0, column: 0, message: expect.stringContaining('the file is 300 bytes, over the limit of 256 bytes') }]);
  });

  it('bytes that are not UTF-8 are refused', () => {
    const errors = refused(Uint8Array.from([0x78, 0x2c, 0x6c, 0x0a, 0xc3, 0x28, 0x2c, 0x61, 0x0a]));
    expect(errors[0]).toMatchObject({ line: 0, column: 0 });
    expect(errors[0].message).toContain('not UTF-8 text');
  });

  it('features of wildly different scale import with a warning that names both columns', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${(i + 1) * 10000},${(i + 1) / 1000},${i % 2 ? 'yes' : 'no'}`);
    const result = importCsvDataset(`income,ratio,label\n${rows.join('\n')}\n`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const scale = result.warnings.filter((w) => w.includes('differ wildly in scale'));
    expect(scale).toHaveLength(1);
    expect(scale[0]).toContain('"income" reaches 120000');
    expect(scale[0]).toContain('"ratio" only');
  });
});

/** A valid spec to break one field at a time; parseSpec sees it as untrusted JSON. */
function validJson(): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ ...cloneSpec(DEFAULT_SPEC), widths: [2, 8, 1], hiddenActivations: ['tanh'] })) as Record<string, unknown>;
}

/** Breaks a copy of the valid spec, parses it, and checks the spec comes back null and the input untouched. */
function rejected(breakIt: (json: Record<string, any>) => void): ValidationProblem[] {
  const json = validJson();
  breakIt(json);
  const before = structuredClone(json);
  const result = parseSpec(json);
  expect(result.spec, 'parseSpec must return no spec').toBeNull();
  expect(json).toEqual(before);
  return result.problems;
}

describe('parseSpec refuses bad URL state and config files, naming the field', () => {
  const cases: { name: string; breakIt: (json: Record<string, any>) => void; field: string; fragment: string }[] = [
    { name: 'an unknown top-level key', breakIt: (j) => (j.learning_rate = 0.1), field: 'learning_rate', fragment: 'Unknown field "learning_rate"' },
    { name: 'an unknown optimizer key', breakIt: (j) => (j.optimizer.lr = 0.1), field: 'optimizer.lr', fragment: 'Unknown field "lr"' },
    // Keys that Object.prototype also has must be refused like any other unknown key.
    { name: 'an unknown key named "constructor"', breakIt: (j) => Reflect.set(j, 'constructor', 1), field: 'constructor', fragment: 'Unknown field "constructor"' },
    { name: 'an unknown optimizer key named "toString"', breakIt: (j) => (j.optimizer.toString = 'x'), field: 'optimizer.toString', fragment: 'Unknown field "toString"' },
    { name: 'a missing field', breakIt: (j) => delete j.batchSize, field: 'batchSize', fragment: 'Missing.' },
    { name: 'widths as a string', breakIt: (j) => (j.widths = '2,8,1'), field: 'widths', fragment: 'Expected a list of numbers, got "2,8,1"' },
    { name: 'a width given as text', breakIt: (j) => (j.widths[1] = '8'), field: 'widths[1]', fragment: 'Expected a number, got "8"' },
    { name: 'the optimizer as a list', breakIt: (j) => (j.optimizer = []), field: 'optimizer', fragment: 'Expected an object, got a list' },
    { name: 'a negative width', breakIt: (j) => (j.widths[1] = -8), field: 'widths[1]', fragment: 'must be a whole number of at least 1, got -8' },
    { name: 'a zero input width', breakIt: (j) => (j.widths[0] = 0), field: 'widths[0]', fragment: 'The input width must be a whole number of at least 1, got 0' },
    { name: 'a fractional width', breakIt: (j) => (j.widths[1] = 7.5), field: 'widths[1]', fragment: 'got 7.5' },
    { name: 'a layer of 10⁹ units', breakIt: (j) => (j.widths[1] = 1e9), field: 'widths[1]', fragment: `is 1000000000; at most ${MAX_WIDTH} units` },
    { name: 'learning rate "NaN" (text, as JSON must write it)', breakIt: (j) => (j.optimizer.learningRate = 'NaN'), field: 'optimizer.learningRate', fragment: 'Expected a number, got "NaN"' },
    { name: 'learning rate NaN (the number, through the object path)', breakIt: (j) => (j.optimizer.learningRate = NaN), field: 'optimizer.learningRate', fragment: 'Expected a finite number, got NaN' },
    { name: 'learning rate Infinity', breakIt: (j) => (j.optimizer.learningRate = Infinity), field: 'optimizer.learningRate', fragment: 'Expected a finite number, got Infinity' },
    { name: 'a width of NaN', breakIt: (j) => (j.widths[1] = NaN), field: 'widths[1]', fragment: 'Expected a finite number, got NaN' },
    { name: 'a negative learning rate', breakIt: (j) => (j.optimizer.learningRate = -0.1), field: 'optimizer.learningRate', fragment: 'got -0.1' },
    { name: 'momentum of 1', breakIt: (j) => (j.optimizer.momentum = 1), field: 'optimizer.momentum', fragment: 'Momentum must be at least 0 and below 1, got 1' },
    { name: 'Adam ε of 0', breakIt: (j) => (j.optimizer.epsilon = 0), field: 'optimizer.epsilon', fragment: 'got 0' },
    { name: 'a batch size of 0', breakIt: (j) => (j.batchSize = 0), field: 'batchSize', fragment: 'whole number of at least 1, got 0' },
    { name: 'a batch size of 10⁹', breakIt: (j) => (j.batchSize = 1e9), field: 'batchSize', fragment: 'The batch size is 1000000000; at most' },
    { name: 'softmax with one output', breakIt: (j) => (j.outputActivation = 'softmax'), field: 'outputActivation', fragment: 'Softmax over a single output' },
    {
      name: 'a linear output with cross-entropy',
      breakIt: (j) => ((j.outputActivation = 'linear'), (j.loss = 'cross_entropy')),
      field: 'loss',
      fragment: 'Cross-entropy needs probabilities',
    },
    { name: 'an unknown activation', breakIt: (j) => (j.hiddenActivations[0] = 'gelu'), field: 'hiddenActivations[0]', fragment: 'Unknown activation "gelu"' },
    { name: 'an activation count that does not match', breakIt: (j) => j.hiddenActivations.push('relu'), field: 'hiddenActivations', fragment: '1 hidden layer(s) but 2 hidden activation(s)' },
    { name: 'a negative seed', breakIt: (j) => (j.seed = -1), field: 'seed', fragment: 'from 0 to 4294967295, got -1' },
    { name: 'a fractional seed', breakIt: (j) => (j.seed = 1.5), field: 'seed', fragment: 'got 1.5' },
    { name: 'a seed of 2³²', breakIt: (j) => (j.seed = 2 ** 32), field: 'seed', fragment: 'got 4294967296' },
    { name: 'a seed given as text', breakIt: (j) => (j.seed = '42'), field: 'seed', fragment: 'Expected a number, got "42"' },
    { name: 'an init scale of 0', breakIt: (j) => (j.init.scale = 0), field: 'init.scale', fragment: 'finite number above 0, got 0' },
  ];
  for (const { name, breakIt, field, fragment } of cases) {
    it(name, () => {
      const problems = rejected(breakIt);
      const problem = problems.find((p) => p.field === field);
      expect(problem, `a problem for ${field} among ${JSON.stringify(problems)}`).toBeDefined();
      expect(problem!.message).toContain(fragment);
    });
  }

  it('a "__proto__" key from JSON text is refused and pollutes nothing', () => {
    const text = JSON.stringify(validJson()).replace('{', '{"__proto__":{"polluted":true},');
    const result = parseSpec(JSON.parse(text));
    expect(result.spec).toBeNull();
    expect(result.problems).toContainEqual({ field: '__proto__', message: expect.stringContaining('Unknown field "__proto__"') });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fields inherited from a prototype do not count as given', () => {
    const result = parseSpec(Object.create(validJson()) as unknown);
    expect(result.spec).toBeNull();
    expect(result.problems).toContainEqual({ field: 'widths', message: 'Missing.' });
  });

  it('not an object at all', () => {
    for (const value of [null, 42, 'spec', [1, 2]]) {
      const result = parseSpec(value);
      expect(result.spec).toBeNull();
      expect(result.problems[0]).toMatchObject({ field: 'the spec', message: expect.stringContaining('Expected an object') });
    }
  });
});

describe('validateForDataset refuses a spec that does not fit the data', () => {
  const dataset = makeSyntheticDataset({ kind: 'circle', samples: 50, seed: 1 });
  const spec = (changes: Partial<NetworkSpec>): NetworkSpec => ({ ...cloneSpec(DEFAULT_SPEC), ...changes });

  it('a batch larger than the training set', () => {
    const problems = validateForDataset(spec({ batchSize: dataset.trainCount + 1 }), dataset);
    expect(problems).toEqual([{ field: 'batchSize', message: `The batch size ${dataset.trainCount + 1} is larger than the ${dataset.trainCount} training samples.` }]);
  });

  it('input and output widths that differ from the data', () => {
    const problems = validateForDataset(spec({ widths: [3, 8, 2], hiddenActivations: ['tanh'] }), dataset);
    expect(problems.map((p) => p.field)).toEqual(['widths[0]', 'widths[2]']);
    expect(problems[0].message).toContain('2 input feature(s)');
    expect(problems[1].message).toContain('1 target column(s)');
  });
});

describe('a bad configuration offered to a running session changes nothing', () => {
  const dataset = makeSyntheticDataset({ kind: 'circle', samples: 100, seed: 2 });
  const good: NetworkSpec = { ...cloneSpec(DEFAULT_SPEC), widths: [2, 6, 1], hiddenActivations: ['tanh'], batchSize: 16 };
  const badSpecs: { name: string; spec: NetworkSpec; fragment: string }[] = [
    { name: 'learning rate NaN', spec: { ...good, optimizer: { ...good.optimizer, learningRate: NaN } }, fragment: 'optimizer.learningRate: The learning rate must be a finite number above 0, got NaN' },
    { name: 'a batch larger than the data', spec: { ...good, batchSize: 1000 }, fragment: 'batchSize: The batch size 1000 is larger than the 80 training samples' },
    { name: 'an input width the data does not have', spec: { ...good, widths: [5, 6, 1] }, fragment: 'widths[0]: The dataset has 2 input feature(s)' },
  ];
  for (const { name, spec, fragment } of badSpecs) {
    it(name, async () => {
      const guard = await GuardedSession.create({ createSession: () => createSession({ spec: good, dataset, backend: 'cpu' }) });
      await guard.train(20);
      const before = await guard.snapshot();
      const specBefore = structuredClone(guard.spec);
      await expect(createSession({ spec, dataset, backend: 'cpu' })).rejects.toThrow(fragment);
      expect(guard.spec).toEqual(specBefore);
      expect(await guard.snapshot()).toEqual(before);
      await guard.train(1);
      expect((await guard.takeMetrics()).at(-1)?.step).toBe(20);
    });
  }
});

describe('dataset seeds outside 0…2³²−1 are refused by every data module, not folded onto another seed', () => {
  const refusedSeeds = [-1, -4294967295, 2 ** 32, 2 ** 32 + 1, 1e12, 2 ** 53];
  const acceptedSeeds = [0, 1, 2 ** 32 - 1];
  const csv = 'x,label\n1,a\n2,b\n3,a\n4,b\n5,a\n';

  it('the synthetic sets', () => {
    for (const seed of refusedSeeds) {
      expect(() => makeSyntheticDataset({ kind: 'circle', samples: 20, seed })).toThrow(`seed must be from 0 to 4294967295 (2³² − 1), got ${seed}`);
    }
    for (const seed of acceptedSeeds) expect(makeSyntheticDataset({ kind: 'circle', samples: 20, seed }).trainCount).toBe(16);
  });

  it('a CSV split', () => {
    for (const seed of refusedSeeds) {
      expect(refused(csv, { seed })).toEqual([{ line: 0, column: 0, message: expect.stringContaining(`seed must be from 0 to 4294967295 (2³² − 1), got ${seed}; a seed outside that range would give the same data as another seed`) }]);
    }
    for (const seed of acceptedSeeds) expect(importCsvDataset(csv, { seed }).ok).toBe(true);
  });

  it('the MNIST split, before the asset is read', () => {
    for (const seed of refusedSeeds) expect(() => parseMnistAsset(new Uint8Array(0), { seed })).toThrow(`got ${seed}`);
  });

  it('a data source from a link or a config, in every kind, under the field', () => {
    for (const source of [{ kind: 'xor' }, { kind: 'blobs', classes: 3 }, { kind: 'mnist' }, { kind: 'csv', path: 'a.csv' }]) {
      for (const seed of refusedSeeds) {
        const result = parseDataSource({ ...source, seed }, 'dataset');
        expect(result.data).toBeNull();
        expect(result.problems).toEqual([{ field: 'dataset', message: expect.stringContaining(`got ${seed}`) }]);
      }
      for (const seed of acceptedSeeds) expect(parseDataSource({ ...source, seed }, 'dataset').problems).toEqual([]);
    }
  });

  it('a fractional seed is still refused as not an integer, with the range to use', () => {
    expect(() => makeSyntheticDataset({ kind: 'xor', seed: 0.5 })).toThrow('seed must be an integer, got 0.5; use one from 0 to 4294967295');
  });
});
