/**
 * CSV import, the dataset side: the records the tokenizer (src/data/csv-tokenizer.ts, which also
 * describes the file format) reads become numeric feature columns plus a target given either as
 * one label column or as a group of one-hot columns. Everything is checked before anything is
 * returned, so a file with a problem yields a list of errors and no dataset, never a partly
 * loaded one.
 *
 * The first record is a header naming every column.
 *
 * Targets:
 * - label column (the default is the last column): its distinct values are the classes. With
 *   target 'auto' two classes become one 0/1 column (for a sigmoid output) and three or more
 *   become one-hot columns (softmax); 'binary' insists on two classes, 'one-hot' always gives one
 *   column per class. Classes are ordered numerically when every label is a number, otherwise by
 *   text; in the 0/1 encoding the second class is 1 (so "0"/"1", "no"/"yes" map as expected).
 * - one-hot columns (oneHotColumns): every cell is 0 or 1 and each row has exactly one 1. The
 *   columns are used as they are, except that target 'binary' turns two of them into one 0/1
 *   column (the second column's value).
 * - regression (target 'regression'): the label column holds a real value per row, used as it is
 *   as one target column, for a linear output trained with MSE. The dataset then has no classes.
 */
import type { Dataset } from '../model/dataset';
import { deriveSeed } from '../model/rng';
import { decodeCsvText, MAX_CSV_ERRORS, tokenizeCsv, type CsvError, type CsvRecord } from './csv-tokenizer';
import { seedProblems, splitRows, testCountFor } from './split';

export type { CsvError } from './csv-tokenizer';

/** How to read the file. Every field is optional. */
export interface CsvImportOptions {
  /** Dataset name shown in the UI; "csv" when not given. */
  name?: string;
  /** The label column, by header name or 1-based column number; the last column when neither this nor oneHotColumns is given. */
  labelColumn?: string | number;
  /** Header names of columns that together form a one-hot target (at least two); excludes labelColumn. */
  oneHotColumns?: string[];
  /**
   * Target encoding: 'auto' (default) picks 0/1 for two classes and one-hot for more; 'binary' or
   * 'one-hot' force one; 'regression' reads the label column as one real value per row.
   */
  target?: CsvTarget;
  /** Fraction of rows held out for testing, in [0, 1); 0.2 when not given. */
  testFraction?: number;
  /** Seed of the train/test split; 1 when not given. */
  seed?: number;
  /** Largest accepted file size in bytes (UTF-8); 128 MiB when not given. */
  maxBytes?: number;
  /** Largest accepted number of data rows; 1,000,000 when not given. */
  maxSamples?: number;
}

/** How the target column(s) are read: as classes in one of three encodings, or as real values. */
type CsvTarget = 'auto' | 'binary' | 'one-hot' | 'regression';

/** Either a complete dataset (with advice that did not stop the import) or every problem found. */
export type CsvImportResult =
  | {
      /** The file was imported. */
      ok: true;
      /** The imported, split dataset. */
      dataset: Dataset;
      /** Things worth fixing that did not stop the import, such as features of very different scale. */
      warnings: string[];
    }
  | {
      /** The file was refused; nothing was imported. */
      ok: false;
      /** The problems, in file order where they have a place. */
      errors: CsvError[];
    };

const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;
const DEFAULT_MAX_SAMPLES = 1_000_000;
const DEFAULT_TEST_FRACTION = 0.2;
const DEFAULT_SEED = 1;
/** A class count beyond this is almost surely a continuous column chosen by mistake. */
const MAX_CLASSES = 1000;
/** Feature columns whose largest magnitudes differ by more than this factor draw a warning. */
const SCALE_RATIO_WARNING = 1e3;
const FLOAT32_MAX = 3.4028234663852886e38;
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_PATTERN = /^[+-]?(?:nan|inf|infinity)$/i;

/** Imports a CSV file (text or raw bytes) as a dataset; see the module comment for the format. */
export function importCsvDataset(input: string | ArrayBuffer | Uint8Array, options: CsvImportOptions = {}): CsvImportResult {
  const optionProblems = csvOptionProblems(options);
  if (optionProblems.length > 0) return { ok: false, errors: optionProblems.map((message) => ({ line: 0, column: 0, message })) };
  const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;

  const decoded = decodeCsvText(input, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if ('error' in decoded) return { ok: false, errors: [decoded.error] };
  const { records, errors: syntaxErrors } = tokenizeCsv(decoded.text);
  if (syntaxErrors.length > 0) return { ok: false, errors: syntaxErrors };
  if (records.length === 0) return refuse(0, 0, 'the file is empty; it needs a header line and at least one data row');

  const [headerRecord, ...rows] = records;
  const headerResult = readHeader(headerRecord);
  if (!headerResult.ok) return headerResult;
  const header = headerResult.names;
  const roles = assignColumns(header, headerRecord.line, options);
  if (!roles.ok) return roles;
  if (rows.length === 0) {
    return refuse(0, 0, `the file has a header (${header.join(', ')}) but no data rows; add rows of values below it`);
  }
  if (rows.length > maxSamples) {
    return refuse(0, 0, `the file has ${rows.length} data rows, over the limit of ${maxSamples}; import fewer rows or raise maxSamples`);
  }

  const table = readRows(rows, header, roles.columns, options.target === 'regression');
  if (!table.ok) return table;
  const target = encodeTarget(table, header, headerRecord.line, roles.columns, options.target ?? 'auto');
  if (!target.ok) return target;

  let testCount: number;
  try {
    testCount = testCountFor(rows.length, options.testFraction ?? DEFAULT_TEST_FRACTION);
  } catch (error) {
    return refuse(0, 0, (error as Error).message);
  }
  const featureColumns = roles.columns.features;
  const dataset = splitRows(
    {
      name: options.name ?? 'csv',
      inputSize: featureColumns.length,
      outputSize: target.outputSize,
      count: rows.length,
      x: table.features,
      y: target.y,
    },
    testCount,
    deriveSeed(options.seed ?? DEFAULT_SEED, 'csv split'),
  );
  if (target.classNames) dataset.classNames = target.classNames;
  const warnings = [
    ...target.warnings,
    ...featureWarnings(table.features, featureColumns.map((index) => header[index])),
  ];
  return { ok: true, dataset, warnings };
}

/** The failing branch of every step of the import. */
type Refusal = { ok: false; errors: CsvError[] };

function refuse(line: number, column: number, message: string): Refusal {
  return { ok: false, errors: [{ line, column, message }] };
}

/**
 * What is wrong with import options on their own, before any file is read: one message per
 * problem, naming the option and its value. importCsvDataset refuses options with any.
 */
export function csvOptionProblems(options: CsvImportOptions): string[] {
  const problems: string[] = [];
  const { testFraction, seed, maxBytes, maxSamples, target, labelColumn, oneHotColumns } = options;
  if (testFraction !== undefined && !(testFraction >= 0 && testFraction < 1)) {
    problems.push(`testFraction must be in [0, 1), got ${testFraction}`);
  }
  if (seed !== undefined) problems.push(...seedProblems(seed));
  if (maxBytes !== undefined && !(maxBytes > 0)) problems.push(`maxBytes must be positive, got ${maxBytes}`);
  if (maxSamples !== undefined && !(Number.isInteger(maxSamples) && maxSamples > 0)) {
    problems.push(`maxSamples must be a positive integer, got ${maxSamples}`);
  }
  if (target !== undefined && target !== 'auto' && target !== 'binary' && target !== 'one-hot' && target !== 'regression') {
    problems.push(`target must be "auto", "binary" or "one-hot", got "${String(target)}"; or "regression" when the target column holds real values`);
  }
  if (labelColumn !== undefined && oneHotColumns !== undefined) {
    problems.push('give either labelColumn or oneHotColumns, not both: a target is one label column or a group of one-hot columns');
  }
  if (target === 'regression' && oneHotColumns !== undefined) {
    problems.push('target "regression" reads real values from one label column, but oneHotColumns name class columns; give labelColumn (or no column: the last one) instead');
  }
  return problems;
}

function readHeader(record: CsvRecord): { ok: true; names: string[] } | Refusal {
  const names = record.fields.map((field) => field.trim());
  const errors: CsvError[] = [];
  if (names.every((name) => NUMBER_PATTERN.test(name))) {
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
    errors.push({
      line: record.line,
      column: 0,
      message: `the first line holds only numbers (${shown}); it must be a header naming each column, e.g. x1,x2,label`,
    });
    return { ok: false, errors };
  }
  const firstSeen = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === '') {
      errors.push({ line: record.fieldLines[index], column: index + 1, message: `column ${index + 1} has no name in the header; name every column` });
    } else if (firstSeen.has(name)) {
      errors.push({
        line: record.fieldLines[index],
        column: index + 1,
        message: `the header names "${name}" twice (columns ${firstSeen.get(name)! + 1} and ${index + 1}); give each column its own name`,
      });
    } else firstSeen.set(name, index);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, names };
}

/** 0-based column indices by role. */
interface ColumnRoles {
  /** Feature columns, in file order. */
  features: number[];
  /** The label column, or -1 when the target is one-hot columns. */
  label: number;
  /** The one-hot columns, in the order the options list them (empty for a label column). */
  oneHot: number[];
}

function assignColumns(
  header: string[],
  headerLine: number,
  options: CsvImportOptions,
): { ok: true; columns: ColumnRoles } | Refusal {
  const errors: CsvError[] = [];
  const listed = header.join(', ');
  const findColumn = (name: string): number => {
    const index = header.indexOf(name.trim());
    if (index < 0) {
      errors.push({ line: headerLine, column: 0, message: `no column is named "${name}"; the header has: ${listed}` });
    }
    return index;
  };
  let label = -1;
  let oneHot: number[] = [];
  if (options.oneHotColumns !== undefined) {
    oneHot = options.oneHotColumns.map(findColumn);
    if (options.oneHotColumns.length < 2) {
      errors.push({
        line: 0,
        column: 0,
        message: `oneHotColumns lists ${options.oneHotColumns.length} column(s); one-hot targets need at least two (or use labelColumn)`,
      });
    }
    const duplicate = oneHot.find((index, position) => index >= 0 && oneHot.indexOf(index) !== position);
    if (duplicate !== undefined) {
      errors.push({ line: 0, column: 0, message: `oneHotColumns lists "${header[duplicate]}" more than once; list each column once` });
    }
  } else if (typeof options.labelColumn === 'number') {
    const number = options.labelColumn;
    if (!(Number.isInteger(number) && number >= 1 && number <= header.length)) {
      errors.push({
        line: 0,
        column: 0,
        message: `labelColumn ${number} is not a column number from 1 to ${header.length} (${listed})`,
      });
    } else label = number - 1;
  } else if (typeof options.labelColumn === 'string') {
    label = findColumn(options.labelColumn);
  } else {
    label = header.length - 1;
  }
  const targets = new Set(label >= 0 ? [label] : oneHot);
  const features = header.map((_, index) => index).filter((index) => !targets.has(index));
  if (errors.length === 0 && features.length === 0) {
    errors.push({
      line: headerLine,
      column: 0,
      message: `no feature columns are left once the target columns are taken (${listed}); the file needs at least one numeric feature column`,
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, columns: { features, label, oneHot } };
}

/** Parsed rows: features as float32, raw label text, real target values or one-hot values, each with where it came from. */
interface ParsedRows {
  /** The rows were all readable. */
  ok: true;
  /** Features, row-major [rows, feature columns]. */
  features: Float32Array;
  /** Label text per row (label-column class targets only). */
  labels: string[];
  /** The label column's value per row (regression targets only). */
  values: Float32Array;
  /** One-hot values, row-major [rows, one-hot columns] (one-hot targets only). */
  oneHot: Float32Array;
}

function readRows(
  rows: CsvRecord[],
  header: string[],
  columns: ColumnRoles,
  regression: boolean,
): ParsedRows | Refusal {
  const errors: CsvError[] = [];
  const featureCount = columns.features.length;
  const oneHotCount = columns.oneHot.length;
  const features = new Float32Array(rows.length * featureCount);
  const oneHot = new Float32Array(rows.length * oneHotCount);
  const labels: string[] = [];
  const values = new Float32Array(regression ? rows.length : 0);
  const report = (line: number, column: number, message: string): void => {
    if (errors.length < MAX_CSV_ERRORS) errors.push({ line, column, message });
    else if (errors.length === MAX_CSV_ERRORS) {
      errors.push({ line, column: 0, message: `stopped after ${MAX_CSV_ERRORS} errors; fix these and import again` });
    }
  };

  rows.forEach((record, row) => {
    if (errors.length > MAX_CSV_ERRORS) return;
    const { fields, fieldLines } = record;
    if (fields.length !== header.length) {
      const column = Math.min(fields.length, header.length) + 1;
      const line = fields.length > header.length ? fieldLines[header.length] : fieldLines[fields.length - 1];
      report(line, column, `this row has ${fields.length} fields but the header has ${header.length} columns (${header.join(', ')})`);
      return;
    }
    columns.features.forEach((index, feature) => {
      const value = parseCell(fields[index], header[index]);
      if (typeof value === 'string') report(fieldLines[index], index + 1, value);
      else features[row * featureCount + feature] = value;
    });
    if (columns.label >= 0 && regression) {
      const value = parseCell(fields[columns.label], header[columns.label]);
      if (typeof value === 'string') report(fieldLines[columns.label], columns.label + 1, value);
      else values[row] = value;
      return;
    }
    if (columns.label >= 0) {
      const label = fields[columns.label].trim();
      if (label === '') {
        report(fieldLines[columns.label], columns.label + 1, `empty label in column "${header[columns.label]}"; every row needs a class`);
      }
      labels.push(label);
      return;
    }
    let sum = 0;
    let valid = true;
    columns.oneHot.forEach((index, slot) => {
      const value = parseCell(fields[index], header[index]);
      if (typeof value === 'string') {
        report(fieldLines[index], index + 1, value);
        valid = false;
      } else if (value !== 0 && value !== 1) {
        report(fieldLines[index], index + 1, `one-hot column "${header[index]}" holds ${fields[index].trim()}; one-hot cells must be 0 or 1`);
        valid = false;
      } else {
        oneHot[row * oneHotCount + slot] = value;
        sum += value;
      }
    });
    if (valid && sum !== 1) {
      const names = columns.oneHot.map((index) => header[index]).join(', ');
      report(
        fieldLines[columns.oneHot[0]],
        columns.oneHot[0] + 1,
        `the one-hot columns (${names}) sum to ${sum} in this row; exactly one of them must be 1`,
      );
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, features, labels, values, oneHot };
}

/** A cell as a float32-representable number, or the message saying why it is not one. */
function parseCell(field: string, columnName: string): number | string {
  const cell = field.trim();
  if (cell === '') return `empty cell in column "${columnName}"; every cell needs a number`;
  if (NON_FINITE_PATTERN.test(cell)) {
    return `${cell} in column "${columnName}" is not a finite number; replace it with a value or drop the row`;
  }
  if (!NUMBER_PATTERN.test(cell)) return `"${cell}" in column "${columnName}" is not a number`;
  const value = Number(cell);
  if (!(Math.abs(value) <= FLOAT32_MAX)) {
    return `${cell} in column "${columnName}" is beyond the float32 range (±3.4e38); rescale the column`;
  }
  return value;
}

interface EncodedTarget {
  /** The target was encoded. */
  ok: true;
  /** Targets, row-major [rows, outputSize]. */
  y: Float32Array;
  /** Target columns per row. */
  outputSize: number;
  /** One name per class, in target order; null for real-valued (regression) targets. */
  classNames: string[] | null;
  /** Advice about the classes. */
  warnings: string[];
}

function encodeTarget(
  table: ParsedRows,
  header: string[],
  headerLine: number,
  columns: ColumnRoles,
  target: CsvTarget,
): EncodedTarget | Refusal {
  if (target === 'regression') return { ok: true, y: table.values, outputSize: 1, classNames: null, warnings: [] };
  return columns.label >= 0
    ? encodeLabels(table.labels, header[columns.label], headerLine, columns.label + 1, target)
    : encodeOneHot(table.oneHot, columns.oneHot.map((index) => header[index]), headerLine, columns.oneHot[0] + 1, target);
}

function encodeLabels(
  labels: string[],
  columnName: string,
  headerLine: number,
  column: number,
  target: 'auto' | 'binary' | 'one-hot',
): EncodedTarget | Refusal {
  const numeric = labels.every((label) => NUMBER_PATTERN.test(label));
  // Numeric labels are grouped by value, so "1" and "1.0" are one class; its name is the first spelling seen.
  const key = (label: string): string => (numeric ? String(Number(label)) : label);
  const nameOfClass = new Map<string, string>();
  for (const label of labels) if (!nameOfClass.has(key(label))) nameOfClass.set(key(label), label);
  const keys = [...nameOfClass.keys()];
  keys.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const classNames = keys.map((classKey) => nameOfClass.get(classKey)!);

  if (keys.length < 2) {
    return refuse(headerLine, column, `label column "${columnName}" has a single class (${classNames[0]}) in all ${labels.length} rows; a classifier needs at least two classes`);
  }
  if (keys.length > MAX_CLASSES) {
    return refuse(headerLine, column, 
      `label column "${columnName}" has ${keys.length} distinct values, more than ${MAX_CLASSES} classes; is it a continuous value rather than a class? Choose another labelColumn`,
    );
  }
  if (target === 'binary' && keys.length !== 2) {
    return refuse(headerLine, column, 
      `target "binary" needs exactly 2 classes, but label column "${columnName}" has ${keys.length} (${classNames.slice(0, 10).join(', ')}); use target "one-hot" or "auto"`,
    );
  }
  const classIndex = new Map(keys.map((classKey, index) => [classKey, index]));
  const binary = keys.length === 2 && target !== 'one-hot';
  const outputSize = binary ? 1 : keys.length;
  const y = new Float32Array(labels.length * outputSize);
  labels.forEach((label, row) => {
    const index = classIndex.get(key(label))!;
    if (binary) y[row] = index;
    else y[row * outputSize + index] = 1;
  });
  return { ok: true, y, outputSize, classNames, warnings: [] };
}

function encodeOneHot(
  values: Float32Array,
  columnNames: string[],
  headerLine: number,
  firstColumn: number,
  target: 'auto' | 'binary' | 'one-hot',
): EncodedTarget | Refusal {
  const width = columnNames.length;
  const rows = values.length / width;
  const counts = new Array<number>(width).fill(0);
  for (let row = 0; row < rows; row++) for (let slot = 0; slot < width; slot++) counts[slot] += values[row * width + slot];
  const present = columnNames.filter((_, slot) => counts[slot] > 0);
  if (present.length < 2) {
    return refuse(headerLine, firstColumn, `only the one-hot column "${present[0]}" is ever 1, so all ${rows} rows are one class; a classifier needs at least two classes`);
  }
  if (target === 'binary') {
    if (width !== 2) {
      return refuse(headerLine, firstColumn, `target "binary" needs exactly 2 one-hot columns, got ${width} (${columnNames.join(', ')}); use target "one-hot" or "auto"`);
    }
    const y = new Float32Array(rows);
    for (let row = 0; row < rows; row++) y[row] = values[row * 2 + 1];
    return { ok: true, y, outputSize: 1, classNames: columnNames, warnings: [] };
  }
  const warnings = columnNames
    .filter((_, slot) => counts[slot] === 0)
    .map((name) => `one-hot column "${name}" is 1 in no row, so its class never occurs; the network will learn never to predict it`);
  return { ok: true, y: values, outputSize: width, classNames: columnNames, warnings };
}

/** Advice on features that are constant or of wildly different magnitudes. */
function featureWarnings(features: Float32Array, names: string[]): string[] {
  const width = names.length;
  const rows = features.length / width;
  const warnings: string[] = [];
  const scales: { name: string; maxAbs: number }[] = [];
  names.forEach((name, column) => {
    let maxAbs = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let row = 0; row < rows; row++) {
      const value = features[row * width + column];
      maxAbs = Math.max(maxAbs, Math.abs(value));
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    if (rows > 1 && min === max) {
      warnings.push(`feature "${name}" is ${min} in every row and tells the network nothing; consider dropping it`);
    }
    if (maxAbs > 0) scales.push({ name, maxAbs });
  });
  if (scales.length >= 2) {
    scales.sort((a, b) => b.maxAbs - a.maxAbs);
    const largest = scales[0];
    const smallest = scales[scales.length - 1];
    const ratio = largest.maxAbs / smallest.maxAbs;
    if (ratio > SCALE_RATIO_WARNING) {
      warnings.push(
        `features differ wildly in scale: "${largest.name}" reaches ${largest.maxAbs} but "${smallest.name}" only ${smallest.maxAbs} ` +
          `(ratio ${ratio.toPrecision(3)}); standardise the columns (subtract the mean, divide by the deviation) so the largest does not dominate training`,
      );
    }
  }
  return warnings;
}
