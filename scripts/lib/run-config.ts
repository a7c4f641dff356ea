/**
 * What a headless run is: a network spec, a data source, a step count and an optional loss
 * switch, read from untrusted JSON (a config file or a preset) and checked field by field.
 *
 * A config file looks like
 *   { "spec": { "widths": [2, 8, 8, 1], "init": { "kind": "glorot", "scale": 8 } },
 *     "dataset": { "kind": "circle", "samples": 500, "noise": 0.1, "seed": 1 },
 *     "steps": 2000, "switchLossAt": 1000 }
 * The spec may leave fields out: they are taken from DEFAULT_SPEC (nested objects field by field),
 * so a config states only what it changes. The dataset is a DataSource (src/data/source.ts),
 * usually in its shorthand: a synthetic kind by name (a string, or an object with its options),
 * { "kind": "mnist", ... } or { "kind": "csv", "path": "file.csv", ... }.
 */
import { DEFAULT_SPEC, parseSpec, type NetworkSpec, type ValidationProblem } from '../../src/model';
import { parameterLayout } from '../../src/model/layout';
import { parseDataSource, type DataSource } from '../../src/data/source';

/** A checked run configuration. */
export interface RunConfig {
  /** The network, complete and valid on its own (dataset checks come when the data is built). */
  spec: NetworkSpec;
  /** The data to train on, as the run file records it. */
  dataset: DataSource;
  /** Training steps. */
  steps: number;
  /** First step trained with the other loss, or null for no switch. */
  switchLossAt: number | null;
}

/** Steps of a config that gives no count. */
const DEFAULT_STEPS = 1000;

/** Most steps one run may take: every step's metrics stay in memory until the run file is written. */
export const MAX_STEPS = 100_000;
/** Why, for the message a longer run gets. */
export const MAX_STEPS_REASON =
  "every step's metrics stay in memory and go into the run file, a few hundred bytes a step; " +
  'train longer in parts, each starting with --init from a parameters file of the last part\'s finalParameters';

/**
 * Most parameters a run may have: its file holds the initial and the final parameters as JSON text,
 * about 20 bytes each, and the whole record must fit one JSON text, which on the GPU path also
 * crosses from the browser to Node in one message of at most 256 MiB.
 */
const MAX_RUN_PARAMETERS = 4_000_000;

const CONFIG_KEYS = ['spec', 'dataset', 'steps', 'switchLossAt', 'description'];

/** Whether a value read from JSON is an object (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
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

function checkStepNumber(problems: ValidationProblem[], field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    problems.push({ field, message: `Expected a whole number of at least 1, got ${show(value)}.` });
  } else if (value > MAX_STEPS) {
    problems.push({ field, message: `At most ${MAX_STEPS} steps, got ${value}: ${MAX_STEPS_REASON}.` });
  }
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
    const parameters = spec ? parameterLayout(spec.widths).totalParameters : 0;
    if (parameters > MAX_RUN_PARAMETERS) {
      problems.push({
        field: 'spec.widths',
        message:
          `The network [${spec!.widths.join(', ')}] has ${parameters} parameters; a run file holds the initial and final ones as JSON text (about 20 bytes each), ` +
          `so a headless run takes at most ${MAX_RUN_PARAMETERS}. Use narrower layers.`,
      });
    }
    for (const problem of parsed.problems) problems.push({ field: `spec.${problem.field}`, message: problem.message });
  }
  let dataset: DataSource | null = null;
  if (value.dataset === undefined) {
    problems.push({ field: 'dataset', message: 'Missing: name the data to train on, e.g. "circle" or { "kind": "csv", "path": "data.csv" }.' });
  } else {
    const parsed = parseDataSource(value.dataset, 'dataset');
    dataset = parsed.data;
    problems.push(...parsed.problems);
  }
  const steps = value.steps ?? DEFAULT_STEPS;
  checkStepNumber(problems, 'steps', steps);
  const switchLossAt = value.switchLossAt ?? null;
  if (switchLossAt !== null) checkStepNumber(problems, 'switchLossAt', switchLossAt);
  if ('description' in value && typeof value.description !== 'string') problems.push({ field: 'description', message: `Expected a string, got ${show(value.description)}.` });
  if (problems.length > 0 || !spec || !dataset) return { config: null, problems };
  return { config: { spec, dataset, steps: steps as number, switchLossAt: switchLossAt as number | null }, problems: [] };
}
