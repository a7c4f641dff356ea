/**
 * The one data-source schema (src/data/source.ts): both spellings parse to the same source, every
 * kind of bad input is refused under the field it concerns, and buildDataset gives exactly what the
 * data module gives for the same options, reading files only through what it is handed.
 */
import { describe, expect, it } from 'vitest';
import { importCsvDataset } from '../../src/data/csv';
import { parseMnistAsset } from '../../src/data/mnist';
import { buildDataset, CsvImportError, parseDataSource, type DatasetFiles, type DataSource } from '../../src/data/source';
import { makeSyntheticDataset, SYNTHETIC_KINDS } from '../../src/data/synthetic';
import type { Dataset } from '../../src/model/dataset';
import { datasetErrorText } from '../../src/ui/page-datasets';
import { configFromHash, configToHash, defaultConfig } from '../../src/ui/playground-config';

/** The parsed source; fails the test with the problems when the input was refused. */
function parsed(value: unknown): DataSource {
  const result = parseDataSource(value, 'dataset');
  if (!result.data) throw new Error(`expected ${JSON.stringify(value)} to parse, got ${JSON.stringify(result.problems)}`);
  return result.data;
}

/** Files that fail the test if the build reads them. */
const NO_FILES: DatasetFiles = {
  mnistAsset: () => Promise.reject(new Error('the MNIST asset was read')),
  csvFile: (path) => Promise.reject(new Error(`the CSV file ${path} was read`)),
};

/** A complete version-1 MNIST asset of `count` 2×3 images, labels cycling through the digits. */
function tinyMnistAsset(count: number): Uint8Array {
  const height = 2;
  const width = 3;
  const bytes = new Uint8Array(20 + count * (1 + height * width));
  bytes.set([...'MNST'].map((c) => c.charCodeAt(0)));
  const header = new DataView(bytes.buffer);
  header.setUint32(4, 1, true);
  header.setUint32(8, count, true);
  header.setUint32(12, height, true);
  header.setUint32(16, width, true);
  for (let i = 0; i < count; i++) bytes[20 + i] = i % 10;
  for (let i = 20 + count; i < bytes.length; i++) bytes[i] = (i * 37) % 256;
  return bytes;
}

function bytesOf(dataset: Dataset): number[][] {
  return [dataset.trainX, dataset.trainY, dataset.testX, dataset.testY].map((values) => Array.from(values));
}

describe('parseDataSource reads both spellings into one source', () => {
  it.each([
    ['a synthetic kind by name', 'circle', { source: 'synthetic', kind: 'circle', seed: 1 }],
    ['a synthetic kind with options', { kind: 'blobs', classes: 5, noise: 0.02, seed: 4 }, { source: 'synthetic', kind: 'blobs', classes: 5, noise: 0.02, seed: 4 }],
    ['MNIST by kind', { kind: 'mnist', testCount: 500 }, { source: 'mnist', testCount: 500, seed: 1 }],
    ['a CSV file by kind', { kind: 'csv', path: 'data/points.csv', labelColumn: 2, target: 'one-hot' }, { source: 'csv', path: 'data/points.csv', labelColumn: 2, target: 'one-hot', seed: 1 }],
  ])('the shorthand of %s', (_name, shorthand, expected) => {
    expect(parsed(shorthand)).toEqual(expected);
    // The written spelling reads back as itself.
    expect(parsed(expected)).toEqual(expected);
  });

  it('every synthetic kind parses by name and as a link writes it', () => {
    for (const { kind } of SYNTHETIC_KINDS) {
      const link = { source: 'synthetic', kind, samples: 300, noise: 0.05, classes: kind === 'blobs' || kind === 'spiral-k' ? 4 : 2, seed: 3 };
      expect(parsed(kind)).toEqual({ source: 'synthetic', kind, seed: 1 });
      expect(parsed(link)).toEqual(link);
    }
  });

  it('the source shares no list with the JSON it came from', () => {
    const json = { kind: 'csv', path: 'a.csv', oneHotColumns: ['red', 'green'] };
    const source = parsed(json);
    json.oneHotColumns.push('blue');
    expect(source).toMatchObject({ oneHotColumns: ['red', 'green'] });
  });
});

describe('parseDataSource refuses bad input under the field it concerns', () => {
  // [what is wrong, input, field every case must name]
  const cases: [string, unknown, string][] = [
    ['neither a name nor an object: a number', 42, 'dataset'],
    ['neither a name nor an object: null', null, 'dataset'],
    ['neither a name nor an object: a list', ['circle'], 'dataset'],
    ['unknown source', { source: 'moons', seed: 1 }, 'dataset.source'],
    ['source not a string', { source: 3 }, 'dataset.source'],
    ['unknown kind by name', 'moons', 'dataset.kind'],
    ['unknown kind in an object', { kind: 'moons', seed: 1 }, 'dataset.kind'],
    ['kind missing', { samples: 100 }, 'dataset.kind'],
    ['synthetic source naming a file kind', { source: 'synthetic', kind: 'mnist' }, 'dataset.kind'],
    ['unknown synthetic option', { kind: 'circle', nois: 0.2 }, 'dataset.nois'],
    ['option of another source', { source: 'mnist', samples: 100 }, 'dataset.samples'],
    ['both spellings at once', { source: 'mnist', kind: 'mnist' }, 'dataset.kind'],
    ['unknown CSV option', { kind: 'csv', path: 'a.csv', name: 'a' }, 'dataset.name'],
    ['number given as text', { kind: 'circle', noise: '0.1' }, 'dataset.noise'],
    ['number not finite', { source: 'mnist', seed: Number.NaN }, 'dataset.seed'],
    ['number given as a list', { kind: 'xor', samples: [100] }, 'dataset.samples'],
    ['CSV path missing', { kind: 'csv' }, 'dataset.path'],
    ['CSV path empty', { source: 'csv', path: '', seed: 1 }, 'dataset.path'],
    ['CSV path not text', { kind: 'csv', path: 7 }, 'dataset.path'],
    ['label column neither name nor number', { kind: 'csv', path: 'a.csv', labelColumn: true }, 'dataset.labelColumn'],
    ['one-hot columns not all names', { kind: 'csv', path: 'a.csv', oneHotColumns: ['a', 1] }, 'dataset.oneHotColumns'],
    ['target not text', { kind: 'csv', path: 'a.csv', target: 2 }, 'dataset.target'],
  ];
  it.each(cases)('%s', (_name, input, field) => {
    const result = parseDataSource(input, 'dataset');
    expect(result.data).toBeNull();
    expect(result.problems.map((p) => p.field)).toContain(field);
  });

  // Values are judged by the data module, whose message names the option, under the source's own field.
  const values: [string, unknown, RegExp][] = [
    ['noise above 1', { kind: 'circle', noise: 5 }, /noise must be in \[0, 1\].*got 5/],
    ['too many classes', { kind: 'blobs', classes: 11 }, /2 to 10 classes, got 11/],
    ['fewer samples than classes', { kind: 'blobs', classes: 4, samples: 3 }, /samples must be an integer from 4/],
    ['fractional seed', { source: 'synthetic', kind: 'xor', seed: 0.5 }, /seed must be an integer, got 0.5/],
    ['negative MNIST test count', { kind: 'mnist', testCount: -1 }, /test count must be an integer of at least 0, got -1/],
    ['fractional MNIST seed', { source: 'mnist', seed: 2.5 }, /seed must be an integer, got 2.5/],
    ['CSV test fraction of 1', { kind: 'csv', path: 'a.csv', testFraction: 1 }, /testFraction must be in \[0, 1\), got 1/],
    ['unknown CSV target', { kind: 'csv', path: 'a.csv', target: 'multi' }, /target must be "auto", "binary" or "one-hot", got "multi"/],
    ['label column and one-hot columns', { kind: 'csv', path: 'a.csv', labelColumn: 'y', oneHotColumns: ['a', 'b'] }, /either labelColumn or oneHotColumns/],
  ];
  it.each(values)('%s', (_name, input, message) => {
    const result = parseDataSource(input, 'dataset');
    expect(result.data).toBeNull();
    expect(result.problems).toContainEqual({ field: 'dataset', message: expect.stringMatching(message) });
  });

  it('reports every problem at once, each under its field', () => {
    const result = parseDataSource({ kind: 'circle', nois: 1, samples: 'many', seed: 'one' }, 'data');
    expect(result.problems.map((p) => p.field).sort()).toEqual(['data.nois', 'data.samples', 'data.seed']);
    const values = parseDataSource({ kind: 'xor', noise: 2, classes: 3, seed: 0.5 }, 'data');
    expect(values.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/seed must be an integer/),
      expect.stringMatching(/exactly 2 classes, got 3/),
      expect.stringMatching(/noise must be in \[0, 1\]/),
    ]);
  });
});

describe('buildDataset', () => {
  it('gives a synthetic source exactly what the generator gives, and reads no file', async () => {
    const options = { kind: 'spiral-k' as const, samples: 240, noise: 0.03, classes: 4, testFraction: 0.25, seed: 9 };
    const built = await buildDataset({ source: 'synthetic', ...options }, NO_FILES);
    expect(bytesOf(built.dataset)).toEqual(bytesOf(makeSyntheticDataset(options)));
    expect(built.warnings).toEqual([]);
    // The shorthand of a config file builds the same data as the written spelling.
    const fromShorthand = await buildDataset(parsed({ kind: 'spiral-k', samples: 240, noise: 0.03, classes: 4, testFraction: 0.25, seed: 9 }), NO_FILES);
    expect(bytesOf(fromShorthand.dataset)).toEqual(bytesOf(built.dataset));
  });

  it('splits the MNIST asset it is handed with the source’s test count and seed', async () => {
    const asset = tinyMnistAsset(40);
    const files: DatasetFiles = { ...NO_FILES, mnistAsset: () => Promise.resolve(asset) };
    const built = await buildDataset({ source: 'mnist', testCount: 8, seed: 5 }, files);
    expect(built.dataset.testCount).toBe(8);
    expect(bytesOf(built.dataset)).toEqual(bytesOf(parseMnistAsset(asset, { testCount: 8, seed: 5 })));
    const otherSeed = await buildDataset({ source: 'mnist', testCount: 8, seed: 6 }, files);
    expect(bytesOf(otherSeed.dataset)).not.toEqual(bytesOf(built.dataset));
  });

  it('imports the CSV file its path names, named after the file, with the import’s warnings', async () => {
    const text = 'income,ratio,label\n' + Array.from({ length: 20 }, (_, i) => `${1000 * (i + 1)},${0.01 * (i % 4)},${i % 2 ? 'yes' : 'no'}`).join('\n');
    const asked: string[] = [];
    const files: DatasetFiles = { ...NO_FILES, csvFile: (path) => (asked.push(path), Promise.resolve(text)) };
    const built = await buildDataset({ source: 'csv', path: 'runs/data/people.csv', testFraction: 0.25, seed: 3 }, files);
    expect(asked).toEqual(['runs/data/people.csv']);
    const direct = importCsvDataset(text, { name: 'people.csv', testFraction: 0.25, seed: 3 });
    if (!direct.ok) throw new Error(JSON.stringify(direct.errors));
    expect(built.dataset.name).toBe('people.csv');
    expect(bytesOf(built.dataset)).toEqual(bytesOf(direct.dataset));
    expect(built.warnings).toEqual(direct.warnings);
    expect(built.warnings.join(' ')).toMatch(/"income".*"ratio"/);
    // Bytes and text of the same file build the same data.
    const fromBytes = await buildDataset({ source: 'csv', path: 'people.csv', testFraction: 0.25, seed: 3 }, { ...NO_FILES, csvFile: () => Promise.resolve(new TextEncoder().encode(text)) });
    expect(bytesOf(fromBytes.dataset)).toEqual(bytesOf(built.dataset));
  });

  it('refuses a bad CSV file with every problem placed by path, line and column', async () => {
    const files: DatasetFiles = { ...NO_FILES, csvFile: () => Promise.resolve('x,label\n1,a\nnine,b\n3\n') };
    const error = await buildDataset({ source: 'csv', path: 'bad.csv', seed: 1 }, files).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvImportError);
    const refusal = error as CsvImportError;
    expect(refusal.errors.map((e) => [e.line, e.column])).toEqual([
      [3, 1],
      [4, 2],
    ]);
    expect(refusal.message).toMatch(/^the CSV file bad\.csv was refused:\nbad\.csv:3:1: "nine" in column "x" is not a number\nbad\.csv:4:2: this row has 1 fields/);
    // The page shows the same problems by line and column, in one paragraph.
    expect(datasetErrorText(error)).toMatch(/^line 3, column 1: "nine" in column "x" is not a number line 4, column 2: /);
  });

  it('refuses bytes that are not UTF-8 rather than reading them with replacement characters', async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('x,label\n1,caf'), 0xe9, 10, ...new TextEncoder().encode('2,b\n')]);
    const error = await buildDataset({ source: 'csv', path: 'latin1.csv', seed: 1 }, { ...NO_FILES, csvFile: () => Promise.resolve(latin1) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvImportError);
    expect((error as CsvImportError).errors[0].message).toMatch(/not UTF-8/);
  });

  it('throws what the generator refuses, naming the value', async () => {
    await expect(buildDataset({ source: 'synthetic', kind: 'circle', noise: 3, seed: 1 }, NO_FILES)).rejects.toThrow(/noise must be in \[0, 1\].*got 3/);
  });
});

describe('the page link carries a data source', () => {
  it('a link saved with the current data shape loads the same setup', () => {
    for (const data of [
      { source: 'synthetic', kind: 'xor', samples: 300, noise: 0.05, classes: 2, seed: 3 },
      { source: 'synthetic', kind: 'blobs', samples: 600, noise: 0.05, classes: 4, seed: 1 },
      { source: 'mnist', seed: 7 },
    ] as const) {
      const config = { ...defaultConfig(), data };
      const hash = `#spec=${encodeURIComponent(JSON.stringify(config.spec))}&data=${encodeURIComponent(JSON.stringify(data))}`;
      const restored = configFromHash(hash);
      expect(restored.problems).toEqual([]);
      expect(restored.config).toEqual(config);
      expect(configFromHash(configToHash(restored.config)).config).toEqual(config);
    }
  });

  it('refuses an uploaded CSV file and bad data, naming the field, and keeps the default data', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ source: 'csv', name: 'points.csv' }, 'data.source', /cannot carry an uploaded CSV file; upload it again/],
      [{ source: 'csv', path: 'points.csv', seed: 1 }, 'data.source', /cannot carry an uploaded CSV file/],
      [{ kind: 'csv', path: 'points.csv' }, 'data.source', /cannot carry an uploaded CSV file/],
      ['csv', 'data.source', /cannot carry an uploaded CSV file/],
      [{ source: 'synthetic', kind: 'moons', seed: 1 }, 'data.kind', /Unknown dataset "moons"/],
      [{ source: 'mnist', seed: 1, colour: 'red' }, 'data.colour', /Unknown option "colour"/],
      [{ source: 'synthetic', kind: 'circle', samples: 500, noise: 4, classes: 2, seed: 1 }, 'data', /noise must be in \[0, 1\]/],
    ];
    for (const [data, field, message] of cases) {
      const { config, problems } = configFromHash(`#data=${encodeURIComponent(JSON.stringify(data))}`);
      expect(problems).toContainEqual({ field, message: expect.stringMatching(message) });
      expect(config.data).toEqual(defaultConfig().data);
    }
  });

  it('does not write an uploaded CSV file into the link', () => {
    const hash = configToHash({ ...defaultConfig(), data: { source: 'csv', path: 'points.csv', seed: 1 } });
    expect(new URLSearchParams(hash.slice(1)).has('data')).toBe(false);
  });
});
