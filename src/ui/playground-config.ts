/**
 * What the page trains, as one JSON-serialisable value: the network spec and where the data comes
 * from. It lives in the URL hash so a link restores the setup; everything read from a URL goes
 * through parseSpec / parseDataConfig (checked, never executed).
 */
import { SYNTHETIC_KINDS, type SyntheticKind } from '../data/synthetic';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../model/spec';
import { parseSpec, type ValidationProblem } from '../model/validate';
import { SATURATION_DEMO_DATA, saturationDemoSpec } from '../train/saturation-demo';

/** Where the training data comes from. */
export type DataConfig =
  | {
      /** A seeded 2-D set from src/data/synthetic.ts. */
      source: 'synthetic';
      /** Which set (SYNTHETIC_KINDS). */
      kind: SyntheticKind;
      /** Samples, train and test together. */
      samples: number;
      /** Gaussian σ added to each point. */
      noise: number;
      /** Classes (2 for the binary sets). */
      classes: number;
      /** Seed of the points and the split. */
      seed: number;
    }
  | {
      /** The MNIST digits asset. */
      source: 'mnist';
      /** Seed of the train/test split. */
      seed: number;
    }
  | {
      /** A CSV file the user uploaded; its rows are not part of the link. */
      source: 'csv';
      /** File name, for display. */
      name: string;
    };

export interface PlaygroundConfig {
  /** The network and how it trains. */
  spec: NetworkSpec;
  /** The data it trains on. */
  data: DataConfig;
}

export const DEFAULT_DATA: DataConfig = { source: 'synthetic', kind: 'circle', samples: 500, noise: 0.1, classes: 2, seed: 1 };

export function defaultConfig(): PlaygroundConfig {
  return { spec: cloneSpec(DEFAULT_SPEC), data: { ...DEFAULT_DATA } };
}

/** The saturation demo (src/train/saturation-demo.ts), the same setup as the headless runs' xor-saturated preset. */
export function saturationDemoConfig(): PlaygroundConfig {
  return { spec: saturationDemoSpec(), data: { source: 'synthetic', ...SATURATION_DEMO_DATA, classes: 2 } };
}

/** The menu entry of a synthetic kind. */
export function syntheticInfo(kind: SyntheticKind) {
  const info = SYNTHETIC_KINDS.find((entry) => entry.kind === kind);
  if (!info) throw new Error(`unknown synthetic dataset ${JSON.stringify(kind)}`);
  return info;
}

/** Synthetic data options with the table's defaults for `kind`. */
export function syntheticDefaults(kind: SyntheticKind, seed: number): DataConfig {
  const info = syntheticInfo(kind);
  return { source: 'synthetic', kind, samples: info.defaultSamples, noise: info.defaultNoise, classes: info.defaultClasses, seed };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Checks untrusted data options (from a URL); a CSV source cannot come from a link. */
function parseDataConfig(value: unknown): { data: DataConfig; problems: [] } | { data: null; problems: ValidationProblem[] } {
  const problems: ValidationProblem[] = [];
  if (!isRecord(value)) return { data: null, problems: [{ field: 'data', message: 'Expected an object describing the dataset.' }] };
  if (value.source === 'mnist') {
    if (!wholeNumber(value.seed, 0, 0xffffffff)) problems.push({ field: 'data.seed', message: 'The data seed must be a whole number from 0 to 4294967295.' });
    return problems.length > 0 ? { data: null, problems } : { data: { source: 'mnist', seed: value.seed as number }, problems: [] };
  }
  if (value.source !== 'synthetic') {
    const message =
      value.source === 'csv'
        ? 'A link cannot carry an uploaded CSV file; upload it again.'
        : 'Unknown data source; use "synthetic" or "mnist".';
    return { data: null, problems: [{ field: 'data.source', message }] };
  }
  const info = SYNTHETIC_KINDS.find((entry) => entry.kind === value.kind);
  if (!info) {
    return { data: null, problems: [{ field: 'data.kind', message: `Unknown dataset; use one of ${SYNTHETIC_KINDS.map((k) => k.kind).join(', ')}.` }] };
  }
  if (!wholeNumber(value.samples, Math.max(info.minClasses, 2), 1_000_000)) {
    problems.push({ field: 'data.samples', message: 'The sample count must be a whole number from 2 to 1000000.' });
  }
  if (!(typeof value.noise === 'number' && value.noise >= 0 && value.noise <= 1)) {
    problems.push({ field: 'data.noise', message: 'The noise must be a number from 0 to 1.' });
  }
  if (!wholeNumber(value.classes, info.minClasses, info.maxClasses)) {
    problems.push({ field: 'data.classes', message: `${info.label} takes ${info.minClasses} to ${info.maxClasses} classes.` });
  }
  if (!wholeNumber(value.seed, 0, 0xffffffff)) problems.push({ field: 'data.seed', message: 'The data seed must be a whole number from 0 to 4294967295.' });
  if (problems.length > 0) return { data: null, problems };
  return {
    data: { source: 'synthetic', kind: info.kind, samples: value.samples as number, noise: value.noise as number, classes: value.classes as number, seed: value.seed as number },
    problems: [],
  };
}

/** The URL hash that carries `config` (JSON in two hash parameters, `spec` and `data`). */
export function configToHash(config: PlaygroundConfig): string {
  const params = new URLSearchParams();
  params.set('spec', JSON.stringify(config.spec));
  if (config.data.source !== 'csv') params.set('data', JSON.stringify(config.data));
  return `#${params.toString()}`;
}

/**
 * The configuration a URL hash describes. An empty hash gives the defaults with no problems;
 * anything unreadable gives the defaults for that part and the problems found, so the page can say
 * what it ignored.
 */
export function configFromHash(hash: string): { config: PlaygroundConfig; problems: ValidationProblem[] } {
  const config = defaultConfig();
  const problems: ValidationProblem[] = [];
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const readJson = (name: string): unknown => {
    const text = params.get(name);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      problems.push({ field: name, message: `The link's ${name} is not valid JSON.` });
      return undefined;
    }
  };
  const specJson = readJson('spec');
  if (specJson !== undefined) {
    const parsed = parseSpec(specJson);
    if (parsed.spec) config.spec = parsed.spec;
    else problems.push(...parsed.problems.map((p) => ({ field: `spec.${p.field}`, message: p.message })));
  }
  const dataJson = readJson('data');
  if (dataJson !== undefined) {
    const parsed = parseDataConfig(dataJson);
    if (parsed.data) config.data = parsed.data;
    else problems.push(...parsed.problems);
  }
  return { config, problems };
}
