/**
 * A CSV file's real-valued target (target "regression", src/data/csv.ts): the label column is read
 * as one number per row and kept as it is, with no classes; every bad cell is refused with its line
 * and column; the option reads through the data-source schema in both spellings.
 */
import { describe, expect, it } from 'vitest';
import { importCsvDataset, type CsvImportOptions } from '../../src/data/csv';
import { buildDataset, parseDataSource } from '../../src/data/source';
import type { Dataset } from '../../src/model/dataset';

function imported(text: string, options: CsvImportOptions): Dataset {
  const result = importCsvDataset(text, options);
  if (!result.ok) throw new Error(`expected the import to succeed, got ${JSON.stringify(result.errors)}`);
  return result.dataset;
}

/** Every (features, target) row of both splits, sorted, so the split's order does not matter. */
function rowsOf(dataset: Dataset): number[][] {
  const rows: number[][] = [];
  const add = (x: Float32Array, y: Float32Array, count: number) => {
    for (let i = 0; i < count; i++) rows.push([...x.subarray(i * dataset.inputSize, (i + 1) * dataset.inputSize), ...y.subarray(i * dataset.outputSize, (i + 1) * dataset.outputSize)]);
  };
  add(dataset.trainX, dataset.trainY, dataset.trainCount);
  add(dataset.testX, dataset.testY, dataset.testCount);
  return rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe('target "regression" reads the label column as real values', () => {
  const targets = ['0.125', '-3.5', '1e3', '42', '2.5E-2', '+7', '0', '-0.75', '12.5', '1000000'];
  const text = `a,b,price\n${targets.map((y, i) => `${i},${i * 2},${y}`).join('\n')}\n`;

  it('each row keeps its value, as float32, in one target column, and the dataset has no classes', () => {
    const dataset = imported(text, { target: 'regression', testFraction: 0.3 });
    expect(dataset.outputSize).toBe(1);
    expect(dataset.inputSize).toBe(2);
    expect(dataset.classNames).toBeUndefined();
    expect(dataset.trainCount + dataset.testCount).toBe(targets.length);
    expect(rowsOf(dataset)).toEqual(targets.map((y, i) => [i, i * 2, Math.fround(Number(y))]));
  });

  it('the label column may be chosen by name or number, leaving the others as features', () => {
    const first = `price,a,b\n${targets.map((y, i) => `${y},${i},${i * 2}`).join('\n')}\n`;
    for (const labelColumn of ['price', 1] as const) {
      expect(rowsOf(imported(first, { target: 'regression', labelColumn }))).toEqual(rowsOf(imported(text, { target: 'regression' })));
    }
  });

  it('the same column without the option is read as classes: ten values, ten one-hot columns', () => {
    const dataset = imported(text, {});
    expect(dataset.outputSize).toBe(targets.length);
    expect(dataset.classNames).toHaveLength(targets.length);
  });
});

describe('target "regression" refuses cells that are not finite numbers, naming line and column', () => {
  const cases: [string, string, number, RegExp][] = [
    ['a word', 'x,y\n1,2\n2,high\n3,4\n', 3, /"high" in column "y" is not a number/],
    ['NaN', 'x,y\n1,NaN\n2,3\n', 2, /NaN in column "y" is not a finite number/],
    ['-Infinity', 'x,y\n1,2\n2,3\n3,-Infinity\n', 4, /-Infinity in column "y" is not a finite number/],
    ['an empty cell', 'x,y\n1,2\n2,\n', 3, /empty cell in column "y"/],
    ['a value beyond float32', 'x,y\n1,5e38\n2,3\n', 2, /5e38 in column "y" is beyond the float32 range/],
  ];
  for (const [name, text, line, message] of cases) {
    it(name, () => {
      const result = importCsvDataset(text, { target: 'regression' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors[0]).toMatchObject({ line, column: 2 });
      expect(result.errors[0].message).toMatch(message);
    });
  }

  it('every bad cell of the file is listed, not only the first', () => {
    const result = importCsvDataset('x,y\n1,a\n2,3\n3,b\n4,\n', { target: 'regression' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.line)).toEqual([2, 4, 5]);
  });

  it('one-hot columns, which are classes, are refused with it', () => {
    const result = importCsvDataset('x,c0,c1\n1,1,0\n2,0,1\n', { target: 'regression', oneHotColumns: ['c0', 'c1'] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].message).toContain('target "regression" reads real values from one label column');
  });
});

describe('the data-source schema carries the option', () => {
  it('both spellings read it, and the build gives what the import gives', async () => {
    const text = 'x,y\n1,0.5\n2,1.5\n3,2.5\n4,3.5\n5,4.5\n';
    const expected = { source: 'csv', path: 'd.csv', target: 'regression', seed: 3 };
    for (const spelling of [{ kind: 'csv', path: 'd.csv', target: 'regression', seed: 3 }, expected]) {
      const parsed = parseDataSource(spelling, 'dataset');
      expect(parsed.data).toEqual(expected);
    }
    const source = parseDataSource(expected, 'dataset').data!;
    const built = await buildDataset(source, { mnistAsset: () => Promise.reject(new Error('not MNIST')), csvFile: () => Promise.resolve(text) });
    expect(rowsOf(built.dataset)).toEqual(rowsOf(imported(text, { target: 'regression', seed: 3, name: 'd.csv' })));
  });

  it('an unknown target names the choices, regression among them', () => {
    for (const target of ['regresion', 'real', 'continuous']) {
      const parsed = parseDataSource({ kind: 'csv', path: 'd.csv', target }, 'dataset');
      expect(parsed.data).toBeNull();
      expect(parsed.problems[0].message).toContain(`got "${target}"; or "regression" when the target column holds real values`);
    }
    const wrongType = parseDataSource({ kind: 'csv', path: 'd.csv', target: 1 }, 'dataset');
    expect(wrongType.problems).toEqual([{ field: 'dataset.target', message: 'Expected "auto", "binary", "one-hot" or "regression", got 1.' }]);
  });
});
