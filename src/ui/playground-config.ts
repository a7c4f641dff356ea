/**
 * What the page trains, as one JSON-serialisable value: the network spec, where the data comes
 * from, and how the run goes (speed, a scheduled loss switch and pause, GPU tuning). It lives in the
 * URL hash so a link restores the setup and replays the experiment; everything read from a URL goes
 * through parseSpec / parseDataSource / parseRunSettings (checked, never executed).
 */
import { parseDataSource, type DataSource, type SyntheticSource } from '../data/source';
import { syntheticKindInfo, type SyntheticKind } from '../data/synthetic';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../model/spec';
import { parseSpec, type ValidationProblem } from '../model/validate';
import { SATURATION_DEMO_DATA, SATURATION_DEMO_SCHEDULE, saturationDemoSpec } from '../train/saturation-demo';
import { DEFAULT_RUN_SETTINGS, parseRunSettings, type RunSettings, type Speed } from './run-settings';

/** What the page trains; the link carries it. */
export interface PlaygroundConfig {
  /** The network and how it trains. */
  spec: NetworkSpec;
  /** The data it trains on; a CSV source names the uploaded file, whose rows are not part of the link. */
  data: DataSource;
  /**
   * How the run goes. With a switch scheduled, `spec.loss` is the loss of step 0 and the loss from
   * the switch on is the next one the output allows; without one, `spec.loss` is the running loss.
   */
  run: RunSettings;
}

/** The data a page opened without a link trains on. */
export const DEFAULT_DATA: DataSource = { source: 'synthetic', kind: 'circle', samples: 500, noise: 0.1, classes: 2, seed: 1 };

/** The setup of a page opened without a link. */
export function defaultConfig(): PlaygroundConfig {
  return { spec: cloneSpec(DEFAULT_SPEC), data: { ...DEFAULT_DATA }, run: { ...DEFAULT_RUN_SETTINGS } };
}

/**
 * The speed the saturation demo plays at: its MSE plateau and the switch at step 1000 then take
 * long enough to watch (a few hundred steps take several seconds), and the whole demo well under a minute.
 */
const SATURATION_DEMO_SPEED: Speed = 60;

/**
 * The saturation demo (src/train/saturation-demo.ts), the same setup as the headless runs'
 * xor-saturated preset: it switches to cross-entropy and pauses where that preset switches and ends.
 */
export function saturationDemoConfig(): PlaygroundConfig {
  return {
    spec: saturationDemoSpec(),
    data: { source: 'synthetic', ...SATURATION_DEMO_DATA, classes: 2 },
    run: { ...DEFAULT_RUN_SETTINGS, speed: SATURATION_DEMO_SPEED, switchLossAt: SATURATION_DEMO_SCHEDULE.switchLossAt, pauseAt: SATURATION_DEMO_SCHEDULE.steps },
  };
}

/** Synthetic data options with the table's defaults for `kind`, every one stated so the panel can show it. */
export function syntheticDefaults(kind: SyntheticKind, seed: number): SyntheticSource {
  const info = syntheticKindInfo(kind);
  return { source: 'synthetic', kind, samples: info.defaultSamples, noise: info.defaultNoise, classes: info.defaultClasses, seed };
}

/** Checks a link's untrusted data source; an uploaded CSV file cannot come from a link. */
function parseLinkData(value: unknown): { data: DataSource; problems: [] } | { data: null; problems: ValidationProblem[] } {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : { kind: value };
  if (record.source === 'csv' || record.kind === 'csv') {
    return { data: null, problems: [{ field: 'data.source', message: 'A link cannot carry an uploaded CSV file; upload it again.' }] };
  }
  return parseDataSource(value, 'data');
}

/** The hash parameters a link carries (configToHash writes them; anything else in a link is a mistake). */
const LINK_PARAMETERS = ['spec', 'data', 'run'] as const;

/** The link's parameters in a sentence: "spec, data and run". */
const LINK_PARAMETER_LIST = `${LINK_PARAMETERS.slice(0, -1).join(', ')} and ${LINK_PARAMETERS[LINK_PARAMETERS.length - 1]}`;

/** The URL hash that carries `config` (JSON in three hash parameters, `spec`, `data` and `run`). */
export function configToHash(config: PlaygroundConfig): string {
  const params = new URLSearchParams();
  params.set('spec', JSON.stringify(config.spec));
  if (config.data.source !== 'csv') params.set('data', JSON.stringify(config.data));
  params.set('run', JSON.stringify(config.run));
  return `#${params.toString()}`;
}

/**
 * A problem parseSpec found, under the link's `spec` parameter. Its fields are paths inside the
 * spec, except for a spec that is not an object at all, which it names "the spec".
 */
function specFieldProblem(problem: ValidationProblem): ValidationProblem {
  return { field: problem.field === 'the spec' ? 'spec' : `spec.${problem.field}`, message: problem.message };
}

/**
 * The configuration a URL hash describes. An empty hash gives the defaults with no problems;
 * anything unreadable gives the defaults for that part (for the run settings, for that setting)
 * and the problems found, so the page can say what it ignored. A link without `run` (one written
 * before the page had run settings) runs at full speed with nothing scheduled. Like parseSpec with unknown fields, it names every parameter it does not know
 * (a misspelt key, a hash that is not a link of this page), a parameter given twice, and a hash
 * that carries no parameter at all.
 */
export function configFromHash(hash: string): { config: PlaygroundConfig; problems: ValidationProblem[] } {
  const config = defaultConfig();
  const problems: ValidationProblem[] = [];
  const text = hash.replace(/^#/, '');
  const params = new URLSearchParams(text);
  const known: readonly string[] = LINK_PARAMETERS;
  const names = [...params.keys()];
  if (text !== '' && names.length === 0) {
    problems.push({ field: 'link', message: `The link's part after # names no setting; a link of this page carries ${LINK_PARAMETER_LIST}.` });
  }
  for (const name of new Set(names)) {
    if (!known.includes(name)) {
      problems.push({ field: name, message: `Unknown link setting ${JSON.stringify(name)}; a link of this page carries ${LINK_PARAMETER_LIST}.` });
    }
  }
  const readJson = (name: (typeof LINK_PARAMETERS)[number]): unknown => {
    const values = params.getAll(name);
    if (values.length === 0) return undefined;
    if (values.length > 1) {
      problems.push({ field: name, message: `The link gives ${name} ${values.length} times; which one is meant is unclear.` });
      return undefined;
    }
    try {
      return JSON.parse(values[0]) as unknown;
    } catch {
      problems.push({ field: name, message: `The link's ${name} is not valid JSON.` });
      return undefined;
    }
  };
  const specJson = readJson('spec');
  if (specJson !== undefined) {
    const parsed = parseSpec(specJson);
    if (parsed.spec) config.spec = parsed.spec;
    else problems.push(...parsed.problems.map(specFieldProblem));
  }
  const dataJson = readJson('data');
  if (dataJson !== undefined) {
    const parsed = parseLinkData(dataJson);
    if (parsed.data) config.data = parsed.data;
    else problems.push(...parsed.problems);
  }
  const runJson = readJson('run');
  if (runJson !== undefined) {
    const parsed = parseRunSettings(runJson, 'run');
    config.run = parsed.settings;
    problems.push(...parsed.problems);
  }
  return { config, problems };
}
