/**
 * What a headless run is: a network spec, a dataset description, a step count and an optional
 * loss switch, read from untrusted JSON (a config file or a preset) and checked field by field.
 *
 * A config file looks like
 *   { "spec": { "widths": [2, 8, 8, 1], "init": { "kind": "glorot", "scale": 8 } },
 *     "dataset": { "kind": "circle", "samples": 500, "noise": 0.1, "seed": 1 },
 *     "steps": 2000, "switchLossAt": 1000 }
 * The spec may leave fields out: they are taken from DEFAULT_SPEC (nested objects field by field),
 * so a config states only what it changes. The dataset is a synthetic kind by name (a string, or an
 * object with its options), { "kind": "mnist", ... } or { "kind": "csv", "path": "file.csv", ... }.
 */
import { DEFAULT_SPEC, parseSpec, type NetworkSpec, type ValidationProblem } from '../../src/model';
import { SYNTHETIC_KINDS, type SyntheticOptions } from '../../src/data/synthetic';

/** A dataset as a run file records it: enough to build exactly the same data again. */
export type DatasetDescription =
  /** A seeded 2-D dataset of src/data/synthetic.ts, with its own options. */
  | SyntheticOptions
  | {
      /** The MNIST digits asset (public/data/mnist.bin). */
      kind: 'mnist';
      /** Digits held out for testing; 2,000 of the 10,000 when absent. */
      testCount?: number;
      /** Seed of the split. */
      seed: number;
    }
  | {
      /** A CSV file: numeric feature columns and a target column. */
      kind: 'csv';
      /** Path of the file, relative to the config file (or to the working directory for a preset). */
      path: string;
      /** The label column, by header name or 1-based number; the last column when absent. */
      labelColumn?: string | number;
      /** Header names of columns forming a one-hot target, instead of a label column. */
      oneHotColumns?: string[];
      /** Target encoding: 'auto' (default), 'binary' or 'one-hot' (src/data/csv.ts). */
      target?: 'auto' | 'binary' | 'one-hot';
      /** Fraction held out for testing; 0.2 when absent. */
      testFraction?: number;
      /** Seed of the split. */
      seed: number;
    };

/** A checked run configuration. */
export interface RunConfig {
  /** The network, complete and valid on its own (dataset checks come when the data is built). */
  spec: NetworkSpec;
  /** The data to train on. */
  dataset: DatasetDescription;
  /** Training steps. */
  steps: number;
  /** First step trained with the other loss, or null for no switch. */
  switchLossAt: number | null;
}

/** Seed of a dataset whose description gives none, so a config without one still reproduces. */
const DEFAULT_DATASET_SEED = 1;
/** Steps of a config that gives no count. */
const DEFAULT_STEPS = 1000;

const CONFIG_KEYS = ['spec', 'dataset', 'steps', 'switchLossAt', 'description'];
const SYNTHETIC_OPTION_KEYS = ['kind', 'samples', 'noise', 'testFraction', 'classes', 'seed'];
const MNIST_OPTION_KEYS = ['kind', 'testCount', 'seed'];
const CSV_OPTION_KEYS = ['kind', 'path', 'labelColumn', 'oneHotColumns', 'target', 'testFraction', 'seed'];
const FILE_KINDS = ['mnist', 'csv'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** The user's spec over DEFAULT_SPEC: nested objects merge field by field, anything else replaces. */
function withDefaults(userSpec: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = JSON.parse(JSON.stringify(DEFAULT_SPEC));
  for (const [key, value] of Object.entries(userSpec)) {
    const base = merged[key];
    merged[key] = isRecord(base) && isRecord(value) ? { ...base, ...value } : value;
  }
  return merged;
}

function checkWholeNumber(problems: ValidationProblem[], field: string, value: unknown, min: number): value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.push({ field, message: `Expected a whole number of at least ${min}, got ${show(value)}.` });
    return false;
  }
  return true;
}

function parseDataset(value: unknown, problems: ValidationProblem[]): DatasetDescription | null {
  const syntheticKinds = SYNTHETIC_KINDS.map((info) => info.kind as string);
  const knownKinds = [...syntheticKinds, ...FILE_KINDS].join(', ');
  const record: Record<string, unknown> | null = typeof value === 'string' ? { kind: value } : isRecord(value) ? value : null;
  if (!record) {
    problems.push({ field: 'dataset', message: `Expected a dataset name (${knownKinds}) or an object with "kind" and options, got ${show(value)}.` });
    return null;
  }
  const kind = record.kind;
  if (typeof kind !== 'string' || !(syntheticKinds.includes(kind) || FILE_KINDS.includes(kind))) {
    problems.push({ field: 'dataset.kind', message: `Unknown dataset ${show(kind)}; use one of ${knownKinds}.` });
    return null;
  }
  const allowed = kind === 'mnist' ? MNIST_OPTION_KEYS : kind === 'csv' ? CSV_OPTION_KEYS : SYNTHETIC_OPTION_KEYS;
  const before = problems.length;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) problems.push({ field: `dataset.${key}`, message: `Unknown option ${JSON.stringify(key)} for dataset "${kind}"; known options: ${allowed.join(', ')}.` });
  }
  for (const key of ['samples', 'noise', 'testFraction', 'testCount', 'classes', 'seed']) {
    if (key in record && typeof record[key] !== 'number') problems.push({ field: `dataset.${key}`, message: `Expected a number, got ${show(record[key])}.` });
  }
  if (kind === 'csv') {
    if (typeof record.path !== 'string' || record.path === '') problems.push({ field: 'dataset.path', message: `A CSV dataset needs "path", the file to read, got ${show(record.path)}.` });
    if ('labelColumn' in record && typeof record.labelColumn !== 'string' && typeof record.labelColumn !== 'number') {
      problems.push({ field: 'dataset.labelColumn', message: `Expected a header name or a 1-based column number, got ${show(record.labelColumn)}.` });
    }
    if ('oneHotColumns' in record && !(Array.isArray(record.oneHotColumns) && record.oneHotColumns.every((name) => typeof name === 'string'))) {
      problems.push({ field: 'dataset.oneHotColumns', message: `Expected a list of header names, got ${show(record.oneHotColumns)}.` });
    }
    if ('target' in record && typeof record.target !== 'string') problems.push({ field: 'dataset.target', message: `Expected "auto", "binary" or "one-hot", got ${show(record.target)}.` });
  }
  // Values (ranges, encodings) are checked by the data modules, which name the value they refuse.
  if (problems.length > before) return null;
  return { ...record, seed: record.seed ?? DEFAULT_DATASET_SEED } as DatasetDescription;
}

/**
 * Checks a parsed config file. Every problem is reported at once, each with its field path
 * ("spec.optimizer.learningRate", "dataset.noise", "steps").
 */
export function parseRunConfig(value: unknown): { config: RunConfig; problems: [] } | { config: null; problems: ValidationProblem[] } {
  if (!isRecord(value)) return { config: null, problems: [{ field: 'config', message: `Expected a JSON object with spec and dataset, got ${show(value)}.` }] };
  const problems: ValidationProblem[] = [];
  for (const key of Object.keys(value)) {
    if (!CONFIG_KEYS.includes(key)) problems.push({ field: key, message: `Unknown field ${JSON.stringify(key)}; known fields: ${CONFIG_KEYS.join(', ')}.` });
  }
  let spec: NetworkSpec | null = null;
  if (value.spec !== undefined && !isRecord(value.spec)) {
    problems.push({ field: 'spec', message: `Expected an object with the fields of a network spec, got ${show(value.spec)}.` });
  } else {
    const parsed = parseSpec(withDefaults(value.spec ?? {}));
    if (parsed.spec) spec = parsed.spec;
    for (const problem of parsed.problems) problems.push({ field: `spec.${problem.field}`, message: problem.message });
  }
  if (value.dataset === undefined) problems.push({ field: 'dataset', message: 'Missing: name the data to train on, e.g. "circle" or { "kind": "csv", "path": "data.csv" }.' });
  const dataset = value.dataset === undefined ? null : parseDataset(value.dataset, problems);
  const steps = value.steps ?? DEFAULT_STEPS;
  checkWholeNumber(problems, 'steps', steps, 1);
  const switchLossAt = value.switchLossAt ?? null;
  if (switchLossAt !== null) checkWholeNumber(problems, 'switchLossAt', switchLossAt, 1);
  if ('description' in value && typeof value.description !== 'string') problems.push({ field: 'description', message: `Expected a string, got ${show(value.description)}.` });
  if (problems.length > 0 || !spec || !dataset) return { config: null, problems };
  return { config: { spec, dataset, steps: steps as number, switchLossAt: switchLossAt as number | null }, problems: [] };
}
