import { describe, expect, it } from 'vitest';
import { importCsvDataset, type CsvError, type CsvImportOptions, type Dataset } from '../../src/data';

type CsvInput = Parameters<typeof importCsvDataset>[0];

/** The errors of a refused import; fails the test when the import succeeded. */
function errorsOf(text: CsvInput, options?: CsvImportOptions): CsvError[] {
  const result = importCsvDataset(text, options);
  if (result.ok) throw new Error(`expected the import to be refused, but it gave ${result.dataset.trainCount} training rows`);
  return result.errors;
}

function imported(text: CsvInput, options?: CsvImportOptions): { dataset: Dataset; warnings: string[] } {
  const result = importCsvDataset(text, options);
  if (!result.ok) throw new Error(`expected the import to succeed, got ${JSON.stringify(result.errors)}`);
  return result;
}

/** Rows of both splits as [...features, ...targets], sorted so a split's order does not matter. */
function sortedRows(dataset: Dataset): number[][] {
  const rows: number[][] = [];
  const add = (xs: Float32Array, ys: Float32Array, count: number) => {
    for (let i = 0; i < count; i++) {
      rows.push([
        ...xs.subarray(i * dataset.inputSize, (i + 1) * dataset.inputSize),
        ...ys.subarray(i * dataset.outputSize, (i + 1) * dataset.outputSize),
      ]);
    }
  };
  add(dataset.trainX, dataset.trainY, dataset.trainCount);
  add(dataset.testX, dataset.testY, dataset.testCount);
  return sortRows(rows);
}

function sortRows(rows: number[][]): number[][] {
  return [...rows].sort((a, b) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  });
}

/** Expected rows as float32 values, since that is what a Dataset stores. */
function float32Rows(rows: number[][]): number[][] {
  return sortRows(rows.map((row) => row.map((value) => Math.fround(value))));
}

/** A small all-ASCII file, so its length in characters is its size in bytes. */
const SMALL_FILE = 'x,label\n1,a\n2,b\n';

describe('CSV import refuses bad files with the line, column and reason', () => {
  // [description, file text, options, expected line, expected column, message fragment]
  const cases: [string, string, CsvImportOptions, number, number, RegExp][] = [
    ['an empty file', '', {}, 0, 0, /the file is empty/],
    ['a file of blank lines', '\n  \r\n\n', {}, 0, 0, /the file is empty/],
    ['a header without rows', 'x,y,label\n', {}, 0, 0, /header \(x, y, label\) but no data rows/],
    ['a first line of numbers instead of a header', '1,2,0\n3,4,1\n', {}, 1, 0, /holds only numbers \(1, 2, 0\).*header/],
    ['a header naming a column twice', 'x,x,label\n1,2,a\n', {}, 1, 2, /names "x" twice \(columns 1 and 2\)/],
    ['a header with an unnamed column', 'x,,label\n1,2,a\n', {}, 1, 2, /column 2 has no name/],
    ['a row with a missing field', 'x,y,label\n1,2,a\n3,b\n', {}, 3, 3, /has 2 fields but the header has 3 columns/],
    ['a row with an extra field', 'x,y,label\n1,2,a\n3,4,b,9\n', {}, 3, 4, /has 4 fields but the header has 3 columns/],
    ['a non-numeric feature', 'x,y,label\n1,2,a\n3,abc,b\n', {}, 3, 2, /"abc" in column "y" is not a number/],
    ['a number with a unit', 'x,y,label\n1,2,a\n3,4kg,b\n', {}, 3, 2, /"4kg" in column "y" is not a number/],
    ['a NaN feature', 'x,y,label\n1,NaN,a\n3,4,b\n', {}, 2, 2, /NaN in column "y" is not a finite number/],
    ['an Infinity feature', 'x,y,label\n1,2,a\n-Infinity,4,b\n', {}, 3, 1, /-Infinity in column "x" is not a finite number/],
    ['a feature beyond float32', 'x,y,label\n1,2,a\n3,1e39,b\n', {}, 3, 2, /1e39 in column "y" is beyond the float32 range/],
    ['an empty feature cell', 'x,y,label\n1,2,a\n ,4,b\n', {}, 3, 1, /empty cell in column "x"/],
    ['an empty label', 'x,y,label\n1,2,a\n3,4,\n', {}, 3, 3, /empty label in column "label"/],
    ['a label column with one class', 'x,y,label\n1,2,a\n3,4,a\n5,6,a\n', {}, 1, 3, /"label" has a single class \(a\) in all 3 rows/],
    [
      'one-hot columns that sum to 2',
      'x,cat,dog\n1,1,0\n2,1,1\n3,0,1\n',
      { oneHotColumns: ['cat', 'dog'] },
      3,
      2,
      /one-hot columns \(cat, dog\) sum to 2 in this row/,
    ],
    [
      'one-hot columns that sum to 0',
      'x,cat,dog\n1,1,0\n2,0,1\n3,0,0\n',
      { oneHotColumns: ['cat', 'dog'] },
      4,
      2,
      /sum to 0 in this row; exactly one of them must be 1/,
    ],
    [
      'a one-hot cell that is not 0 or 1',
      'x,cat,dog\n1,1,0\n2,0.5,0.5\n',
      { oneHotColumns: ['cat', 'dog'] },
      3,
      2,
      /one-hot column "cat" holds 0.5; one-hot cells must be 0 or 1/,
    ],
    [
      'one-hot columns that are all one class',
      'x,cat,dog\n1,1,0\n2,1,0\n',
      { oneHotColumns: ['cat', 'dog'] },
      1,
      2,
      /only the one-hot column "cat" is ever 1/,
    ],
    ['a quote that never closes', 'x,y,label\n1,2,a\n3,4,"b\n5,6,c\n', {}, 3, 3, /quoted field opens here and never closes/],
    ['text after a closing quote', 'x,y,label\n1,2,"a"b\n', {}, 2, 3, /text "b" follows a closing quote/],
    ['a quote inside an unquoted field', 'x,y,label\n1,2,a"b\n', {}, 2, 3, /has a quote but does not start with one/],
    ['a label column that does not exist', 'x,y,label\n1,2,a\n', { labelColumn: 'class' }, 1, 0, /no column is named "class"; the header has: x, y, label/],
    ['a label column number out of range', 'x,y,label\n1,2,a\n', { labelColumn: 4 }, 0, 0, /labelColumn 4 is not a column number from 1 to 3/],
    ['both a label and one-hot columns', 'x,y,label\n1,2,a\n', { labelColumn: 'label', oneHotColumns: ['x', 'y'] }, 0, 0, /either labelColumn or oneHotColumns/],
    ['no feature column left', 'cat,dog\n1,0\n0,1\n', { oneHotColumns: ['cat', 'dog'] }, 1, 0, /no feature columns are left/],
    [
      'a binary target over three classes',
      'x,label\n1,a\n2,b\n3,c\n',
      { target: 'binary' },
      1,
      2,
      /target "binary" needs exactly 2 classes, but label column "label" has 3 \(a, b, c\)/,
    ],
    ['more rows than maxSamples', 'x,label\n1,a\n2,b\n3,a\n4,b\n', { maxSamples: 3 }, 0, 0, /4 data rows, over the limit of 3/],
    ['a file larger than maxBytes', SMALL_FILE, { maxBytes: 10 }, 0, 0, new RegExp(`the file is ${SMALL_FILE.length} bytes, over the limit of 10 bytes`)],
    ['a test fraction that leaves no training row', SMALL_FILE, { testFraction: 0.75 }, 0, 0, /a test fraction of 0.75 takes all 2 samples/],
    ['a bad test fraction', 'x,label\n1,a\n2,b\n', { testFraction: 1.5 }, 0, 0, /testFraction must be in \[0, 1\), got 1.5/],
  ];

  it.each(cases)('%s', (_description, text, options, line, column, message) => {
    const errors = errorsOf(text, options);
    expect(errors[0]).toMatchObject({ line, column });
    expect(errors[0].message).toMatch(message);
  });

  it('counts lines as an editor does, with CRLF ends and a quoted field spanning lines', () => {
    const text = 'x,y,label\r\n1,2,"two\r\nline label"\r\n\r\n3,oops,b\r\n';
    expect(errorsOf(text)).toEqual([{ line: 5, column: 2, message: expect.stringMatching(/"oops" in column "y"/) }]);
  });

  it('reports every bad cell of the file, in order, and imports nothing', () => {
    const errors = errorsOf('x,y,label\n1,a,p\n2,3\nNaN,4,q\n5,6,r\n');
    expect(errors.map(({ line, column }) => [line, column])).toEqual([
      [2, 2],
      [3, 3],
      [4, 1],
    ]);
  });

  it('stops listing after 100 errors and says so', () => {
    const text = 'x,label\n' + Array.from({ length: 150 }, () => 'bad,a').join('\n');
    const errors = errorsOf(text);
    expect(errors).toHaveLength(101);
    expect(errors[100].message).toMatch(/stopped after 100 errors/);
  });

  it('measures maxBytes in UTF-8 bytes, for text and for raw bytes alike', () => {
    const text = 'x,label\n1,é\n2,ü\n';
    const bytes = new TextEncoder().encode(text);
    expect(errorsOf(text, { maxBytes: bytes.length - 1 })[0].message).toContain(`${bytes.length} bytes`);
    expect(errorsOf(bytes, { maxBytes: bytes.length - 1 })[0].message).toContain(`${bytes.length} bytes`);
    // Two-byte letters make the byte count differ from the character count, so this can tell them apart.
    expect(bytes.length).toBeGreaterThan(text.length);
    const atLimit = imported(text, { maxBytes: bytes.length }).dataset;
    expect(atLimit.trainCount + atLimit.testCount).toBe(2);
    expect(imported(bytes, { maxBytes: bytes.length }).dataset).toEqual(atLimit);
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('x,label\n1,'), 0xff, 0xfe, 10]);
    expect(errorsOf(bytes)[0].message).toMatch(/not UTF-8 text/);
  });
});

describe('CSV import reads valid files', () => {
  it('a label column with two classes becomes one 0/1 column, the second class in order being 1', () => {
    const text = 'x1,x2,label\n0.5,-1,no\n1.5,2,yes\n-3,4.25,no\n7,8,yes\n9,10,no\n';
    const { dataset, warnings } = imported(text, { testFraction: 0.4, seed: 3 });
    expect(warnings).toEqual([]);
    expect(dataset.name).toBe('csv');
    expect(dataset.inputSize).toBe(2);
    expect(dataset.outputSize).toBe(1);
    expect(dataset.classNames).toEqual(['no', 'yes']);
    expect(dataset.testCount).toBe(2);
    expect(dataset.trainCount).toBe(3);
    expect(sortedRows(dataset)).toEqual(
      float32Rows([
        [0.5, -1, 0],
        [1.5, 2, 1],
        [-3, 4.25, 0],
        [7, 8, 1],
        [9, 10, 0],
      ]),
    );
  });

  it('three text classes become one-hot columns in sorted class order', () => {
    const text = 'weight,label\n1,dog\n2,cat\n3,bird\n4,cat\n';
    const { dataset } = imported(text, { testFraction: 0 });
    expect(dataset.classNames).toEqual(['bird', 'cat', 'dog']);
    expect(dataset.outputSize).toBe(3);
    expect(dataset.testCount).toBe(0);
    expect(sortedRows(dataset)).toEqual(
      float32Rows([
        [1, 0, 0, 1],
        [2, 0, 1, 0],
        [3, 1, 0, 0],
        [4, 0, 1, 0],
      ]),
    );
  });

  it('target "one-hot" keeps two classes as two columns; numeric labels group by value and sort by number', () => {
    const text = 'x,label\n1,10\n2,9\n3,10.0\n4,9\n';
    const { dataset } = imported(text, { target: 'one-hot', testFraction: 0 });
    expect(dataset.classNames).toEqual(['9', '10']);
    expect(dataset.outputSize).toBe(2);
    expect(sortedRows(dataset)).toEqual(
      float32Rows([
        [1, 0, 1],
        [2, 1, 0],
        [3, 0, 1],
        [4, 1, 0],
      ]),
    );
  });

  it('a label column chosen by name or by 1-based number, in the middle of the file', () => {
    const text = 'a,kind,b\n1,x,2\n3,y,4\n5,x,6\n';
    const expected = float32Rows([
      [1, 2, 0],
      [3, 4, 1],
      [5, 6, 0],
    ]);
    expect(sortedRows(imported(text, { labelColumn: 'kind', testFraction: 0 }).dataset)).toEqual(expected);
    expect(sortedRows(imported(text, { labelColumn: 2, testFraction: 0 }).dataset)).toEqual(expected);
  });

  it('one-hot columns are used as they are, in the order listed', () => {
    const text = 'red,x,green,y,blue\n1,0.25,0,-2,0\n0,0.5,0,3,1\n0,1,1,4,0\n';
    const { dataset, warnings } = imported(text, { oneHotColumns: ['red', 'green', 'blue'], testFraction: 0 });
    expect(warnings).toEqual([]);
    expect(dataset.inputSize).toBe(2);
    expect(dataset.outputSize).toBe(3);
    expect(dataset.classNames).toEqual(['red', 'green', 'blue']);
    expect(sortedRows(dataset)).toEqual(
      float32Rows([
        [0.25, -2, 1, 0, 0],
        [0.5, 3, 0, 0, 1],
        [1, 4, 0, 1, 0],
      ]),
    );
  });

  it('target "binary" turns two one-hot columns into one 0/1 column (the second column)', () => {
    const text = 'x,neg,pos\n1,1,0\n2,0,1\n';
    const { dataset } = imported(text, { oneHotColumns: ['neg', 'pos'], target: 'binary', testFraction: 0 });
    expect(dataset.outputSize).toBe(1);
    expect(sortedRows(dataset)).toEqual(float32Rows([[1, 0], [2, 1]]));
  });

  it('reads quoted fields, doubled quotes, a byte-order mark, CRLF and spaces around values', () => {
    const text = '\ufeff"kind ""quoted""", y ,"z"\r\n"big, red", -2 ,"1.5"\r\nsmall , "4e-1",3\r\n';
    const { dataset } = imported(text, { labelColumn: 'kind "quoted"', testFraction: 0 });
    expect(dataset.classNames).toEqual(['big, red', 'small']);
    expect(sortedRows(dataset)).toEqual(float32Rows([[-2, 1.5, 0], [0.4, 3, 1]]));
  });

  it('reads raw bytes the same as text', () => {
    const text = 'x,label\n1,a\n2,b\n3,a\n';
    const fromText = imported(text, { seed: 5 }).dataset;
    const fromBytes = imported(new TextEncoder().encode(text).buffer, { seed: 5 }).dataset;
    expect(fromBytes).toEqual(fromText);
  });

  it('splits by seed: same seed same split, another seed another split', () => {
    const text = 'x,label\n' + Array.from({ length: 40 }, (_, i) => `${i},${i % 2}`).join('\n');
    const trainOf = (seed: number) => Array.from(imported(text, { seed }).dataset.trainX);
    expect(trainOf(1)).toEqual(trainOf(1));
    expect(trainOf(2)).not.toEqual(trainOf(1));
    expect(trainOf(1)).toHaveLength(32);
  });

  it('warns, naming the columns, about features of wildly different scale and about constant features', () => {
    const text = 'income,ratio,flag,label\n250000,0.5,1,a\n-180000,0.1,1,b\n';
    const { warnings } = imported(text);
    expect(warnings).toHaveLength(2);
    expect(warnings).toContainEqual(expect.stringMatching(/"flag" is 1 in every row/));
    expect(warnings).toContainEqual(expect.stringMatching(/"income" reaches 250000 but "ratio" only 0.5 \(ratio 5.00e\+5\)/));
    expect(imported('a,b,label\n250,0.5,x\n-180,0.1,y\n').warnings).toEqual([]);
  });

  it('warns about a one-hot column that is never 1', () => {
    const text = 'x,a,b,c\n1,1,0,0\n2,0,1,0\n';
    const { warnings, dataset } = imported(text, { oneHotColumns: ['a', 'b', 'c'] });
    expect(dataset.outputSize).toBe(3);
    expect(warnings).toEqual([expect.stringMatching(/one-hot column "c" is 1 in no row/)]);
  });
});
