/**
 * Where a dataset comes from, as one JSON value. The page's link (`data=` in the URL hash), the
 * headless runs' config files and presets (`dataset`) and the run files that record what was
 * trained all hold a DataSource; `parseDataSource` checks one read from untrusted JSON, and
 * `buildDataset` makes the dataset, with file access passed in so the same code runs on the page,
 * in the headless pages and in Node.
 *
 * Two spellings are read, one is written:
 * - { "source": "synthetic", "kind": "circle", "samples": 500, … }, { "source": "mnist", "seed": 1 },
 *   { "source": "csv", "path": "data.csv", … }: what the page's links and the run files hold.
 * - A config file's shorthand, where "kind" alone names the source: "circle",
 *   { "kind": "circle", "noise": 0.2 }, { "kind": "mnist" }, { "kind": "csv", "path": "data.csv" }.
 */
import type { Dataset } from '../model/dataset';
import type { ValidationProblem } from '../model/validate';
import { csvOptionProblems, importCsvDataset, type CsvError, type CsvImportOptions } from './csv';
import { mnistOptionProblems, parseMnistAsset, type MnistOptions } from './mnist';
import { makeSyntheticDataset, SYNTHETIC_KINDS, syntheticOptionProblems, type SyntheticOptions } from './synthetic';

/** A seeded 2-D set; the options it leaves out take its kind's defaults (SYNTHETIC_KINDS). */
export interface SyntheticSource extends SyntheticOptions {
  /** Marks a generated set of src/data/synthetic.ts. */
  source: 'synthetic';
}

/** The MNIST digits. */
export interface MnistSource extends MnistOptions {
  /** Marks the MNIST asset (public/data/mnist.bin) of src/data/mnist.ts. */
  source: 'mnist';
  /** Seed of the train/test split. */
  seed: number;
}

/** A CSV file of numeric feature columns and a target. */
export interface CsvSource extends Pick<CsvImportOptions, 'labelColumn' | 'oneHotColumns' | 'target' | 'testFraction'> {
  /** Marks a CSV file, imported by src/data/csv.ts. */
  source: 'csv';
  /** In a config file, the file's path relative to the config (or to the working directory for a preset); on the page, the uploaded file's name. */
  path: string;
  /** Seed of the train/test split. */
  seed: number;
}

/** Where a dataset comes from: enough to build exactly the same data again. */
export type DataSource = SyntheticSource | MnistSource | CsvSource;

/** The kinds of source, the values of DataSource['source']. */
type SourceName = DataSource['source'];

/** How the parser checks a field's type ('kind' is checked as the spelling is read); the data modules check the values. */
type FieldType = 'kind' | 'number' | 'path' | 'column' | 'names' | 'target';

/** Every field each source may have besides `source`, in the order a source is written. */
const SOURCE_FIELDS: Record<SourceName, Record<string, FieldType>> = {
  synthetic: { kind: 'kind', samples: 'number', noise: 'number', classes: 'number', testFraction: 'number', seed: 'number' },
  mnist: { testCount: 'number', seed: 'number' },
  csv: { path: 'path', labelColumn: 'column', oneHotColumns: 'names', target: 'target', testFraction: 'number', seed: 'number' },
};
const SOURCE_NAMES = Object.keys(SOURCE_FIELDS) as SourceName[];
const SYNTHETIC_KIND_NAMES: readonly string[] = SYNTHETIC_KINDS.map((info) => info.kind);
/** Sources a config file's shorthand names by their kind, besides the synthetic kinds. */
const FILE_KINDS: readonly SourceName[] = ['mnist', 'csv'];
const SHORTHAND_KINDS: readonly string[] = [...SYNTHETIC_KIND_NAMES, ...FILE_KINDS];

/** Seed of a source that gives none, so a config without one still reproduces. */
const DEFAULT_SEED = 1;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a message quotes it. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

/** The failure of a field's type check, or null when the value has the type. */
function typeProblem(type: FieldType, value: unknown): string | null {
  switch (type) {
    case 'kind':
      return null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : `Expected a number, got ${show(value)}.`;
    case 'path':
      return typeof value === 'string' && value !== '' ? null : `A CSV dataset needs "path", the file to read, got ${show(value)}.`;
    case 'column':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
        ? null
        : `Expected a header name or a 1-based column number, got ${show(value)}.`;
    case 'names':
      return Array.isArray(value) && value.every((name) => typeof name === 'string') ? null : `Expected a list of header names, got ${show(value)}.`;
    case 'target':
      return typeof value === 'string' ? null : `Expected "auto", "binary", "one-hot" or "regression", got ${show(value)}.`;
  }
}

/** Which source a record describes, and the keys its spelling allows; or the one problem that stops the reading. */
function readSpelling(record: Record<string, unknown>, field: string): { source: SourceName; keys: string[] } | { problem: ValidationProblem } {
  if (Object.hasOwn(record, 'source')) {
    const source = record.source;
    if (typeof source !== 'string' || !(SOURCE_NAMES as string[]).includes(source)) {
      return { problem: { field: `${field}.source`, message: `Unknown data source ${show(source)}; use one of ${SOURCE_NAMES.join(', ')}.` } };
    }
    if (source === 'synthetic' && !SYNTHETIC_KIND_NAMES.includes(record.kind as string)) {
      return { problem: { field: `${field}.kind`, message: `Unknown dataset ${show(record.kind)}; use one of ${SYNTHETIC_KIND_NAMES.join(', ')}.` } };
    }
    return { source: source as SourceName, keys: ['source', ...Object.keys(SOURCE_FIELDS[source as SourceName])] };
  }
  const kind = record.kind;
  if (typeof kind !== 'string' || !SHORTHAND_KINDS.includes(kind)) {
    return { problem: { field: `${field}.kind`, message: `Unknown dataset ${show(kind)}; use one of ${SHORTHAND_KINDS.join(', ')}.` } };
  }
  const source = FILE_KINDS.find((name) => name === kind) ?? 'synthetic';
  return { source, keys: ['kind', ...Object.keys(SOURCE_FIELDS[source]).filter((key) => key !== 'kind')] };
}

/** What the data module that builds the source refuses in its options, one message each naming the value. */
function valueProblems(data: DataSource): string[] {
  switch (data.source) {
    case 'synthetic':
      return syntheticOptionProblems(data);
    case 'mnist':
      return mnistOptionProblems(data);
    case 'csv':
      return csvOptionProblems(data);
  }
}

/**
 * Turns untrusted JSON (a link's `data`, a config file's `dataset`) into a DataSource, in either
 * spelling (see the module comment); a seed left out is 1. Every problem is reported at once, each
 * under `field` or one of its fields ("dataset.noise"): unknown keys and wrong types first, as
 * parseSpec does, then the values, judged by the data module that builds the source and reported
 * under `field` itself, since a value can be wrong only together with another (samples against
 * classes, a test fraction against the samples). Nothing in the input is executed.
 */
export function parseDataSource(value: unknown, field: string): { data: DataSource; problems: [] } | { data: null; problems: ValidationProblem[] } {
  const record = typeof value === 'string' ? { kind: value } : isRecord(value) ? value : null;
  if (!record) {
    return {
      data: null,
      problems: [{ field, message: `Expected a dataset name (${SHORTHAND_KINDS.join(', ')}) or an object with "kind" and options, got ${show(value)}.` }],
    };
  }
  const spelling = readSpelling(record, field);
  if ('problem' in spelling) return { data: null, problems: [spelling.problem] };
  const { source, keys } = spelling;
  const name = source === 'synthetic' ? (record.kind as string) : source;
  const problems: ValidationProblem[] = [];
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) problems.push({ field: `${field}.${key}`, message: `Unknown option ${JSON.stringify(key)} for dataset "${name}"; known options: ${keys.join(', ')}.` });
  }
  const options: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(SOURCE_FIELDS[source])) {
    const required = type === 'kind' || type === 'path';
    if (!Object.hasOwn(record, key) && !required) continue;
    const problem = typeProblem(type, record[key]);
    if (problem) problems.push({ field: `${field}.${key}`, message: problem });
    else options[key] = record[key];
  }
  if (problems.length > 0) return { data: null, problems };
  // A copy, so the source shares no list with the JSON it came from.
  const data = JSON.parse(JSON.stringify({ source, ...options, seed: options.seed ?? DEFAULT_SEED })) as DataSource;
  const refused = valueProblems(data).map((message) => ({ field, message }));
  return refused.length > 0 ? { data: null, problems: refused } : { data, problems: [] };
}

/** How to get at the bytes behind the sources that read files. */
export interface DatasetFiles {
  /** The MNIST asset (public/data/mnist.bin): fetched on a page, read from disk in Node. */
  mnistAsset(): Promise<Uint8Array>;
  /** The CSV file a source's `path` names: text, or raw bytes, which the import checks to be UTF-8. */
  csvFile(path: string): Promise<string | Uint8Array>;
}

/** A built dataset and what is worth saying about it. */
export interface BuiltDataset {
  /** The dataset, split into training and test rows. */
  dataset: Dataset;
  /** Advice that did not stop the build, such as a CSV file's constant or badly scaled columns; empty for the other sources. */
  warnings: string[];
}

/** A CSV file the import refused; `message` lists every problem as path:line:column lines. */
export class CsvImportError extends Error {
  constructor(
    /** The path the source names. */
    readonly path: string,
    /** Every problem found, in file order where they have a place. */
    readonly errors: readonly CsvError[],
  ) {
    const places = errors.map((e) => `${path}${e.line > 0 ? `:${e.line}` : ''}${e.column > 0 ? `:${e.column}` : ''}: ${e.message}`);
    super(`the CSV file ${path} was refused:\n${places.join('\n')}`);
    this.name = 'CsvImportError';
  }
}

/** The last part of a path, for the dataset's display name (works on / and \\ alike, in Node and the page). */
function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * The dataset a source describes. Throws, naming the value, what the data modules refuse; a CSV
 * file that does not import throws a CsvImportError carrying each problem's line and column.
 */
export async function buildDataset(data: DataSource, files: DatasetFiles): Promise<BuiltDataset> {
  switch (data.source) {
    case 'synthetic':
      return { dataset: makeSyntheticDataset(data), warnings: [] };
    case 'mnist':
      return { dataset: parseMnistAsset(await files.mnistAsset(), { testCount: data.testCount, seed: data.seed }), warnings: [] };
    case 'csv': {
      const { path, labelColumn, oneHotColumns, target, testFraction, seed } = data;
      const result = importCsvDataset(await files.csvFile(path), { name: basename(path), labelColumn, oneHotColumns, target, testFraction, seed });
      if (!result.ok) throw new CsvImportError(path, result.errors);
      return { dataset: result.dataset, warnings: result.warnings };
    }
  }
}
