/**
 * The Node side of run configs: presets and config files, command-line overrides, the files
 * behind datasets, and `--init` files. Every problem the user can fix becomes a ConfigError
 * listing field: message lines.
 *
 * An `--init` file is either a run file written by `npm run train` (its initialParameters are
 * used) or a parameters file: the JSON object {"parameters": [ ... ]} holding the flat parameter
 * vector of src/model/layout.ts, that is for each weight layer in order its weights W as
 * row-major [inputs, outputs] (all weights out of input 1, then out of input 2, …) followed by
 * its biases b [outputs].
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { Dataset } from '../../src/model/dataset';
import { parameterLayout } from '../../src/model/layout';
import { LOSSES, lossAllows, lossesFor, nextLoss, type LossName } from '../../src/model/losses';
import { validateForDataset, type ValidationProblem } from '../../src/model/validate';
import { SATURATION_DEMO_DATA, SATURATION_DEMO_SCHEDULE, saturationDemoSpec } from '../../src/train/saturation-demo';
import presets from '../presets.json';
import { buildDataset, type DatasetFiles, type DataSource } from '../../src/data/source';
import type { InputFile } from './output-files';
import { isRecord, parseRunConfig, type RunConfig } from './run-config';
import { ConfigError } from './user-errors';

/**
 * The presets: xor-saturated is the page's saturation demo (src/train/saturation-demo.ts), the
 * others are in scripts/presets.json.
 */
const PRESETS: Record<string, unknown> = {
  'xor-saturated': {
    description:
      'The saturation demo: sigmoid layers started deep in saturation (Glorot limit x12) on XOR. With MSE the output delta carries o(1-o) and training stalls; with cross-entropy it does not. Switches from MSE to cross-entropy halfway.',
    spec: saturationDemoSpec(),
    dataset: { ...SATURATION_DEMO_DATA },
    ...SATURATION_DEMO_SCHEDULE,
  },
  ...presets,
};

/** Names of the presets. */
export const PRESET_NAMES = Object.keys(PRESETS);

/** Values from the command line that replace the config's (each already range checked by its flag). */
export interface ConfigOverrides {
  /** Training steps. */
  steps?: number | null;
  /** The network's seed (spec.seed). */
  seed?: number | null;
  /** First step trained with the next loss. */
  switchLossAt?: number | null;
}

/** The character a UTF-8 byte-order mark decodes to. */
const BYTE_ORDER_MARK = '\uFEFF';

/** JSON text as some editors save it: a leading byte-order mark is skipped, as the CSV import skips it. */
function parseJson(text: string): unknown {
  return JSON.parse(text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text);
}

/** A value as a message names it: short, never the whole of a large file. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length} item(s)`;
  if (typeof value === 'object') return `an object with the keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A loaded config, with where it came from. */
export interface LoadedConfig {
  /** The checked config, overrides applied. */
  config: RunConfig;
  /** "preset <name>" or the path as given. */
  source: string;
  /** The config file's absolute path; null for a preset. */
  file: string | null;
  /** Directory relative dataset paths start from. */
  baseDir: string;
}

/** A preset by name, or a config file by path, with overrides applied and `switchLossAt` checked against `steps`. */
export async function loadRunConfig(nameOrPath: string, cwd: string, overrides: ConfigOverrides = {}): Promise<LoadedConfig> {
  let raw: unknown;
  let source: string;
  let file: string | null = null;
  let baseDir: string;
  if (Object.hasOwn(PRESETS, nameOrPath)) {
    raw = PRESETS[nameOrPath];
    source = `preset ${nameOrPath}`;
    baseDir = cwd;
  } else {
    const path = resolve(cwd, nameOrPath);
    source = nameOrPath;
    file = path;
    baseDir = dirname(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const looksLikePreset = extname(nameOrPath) === '' && !nameOrPath.includes('/');
      throw new ConfigError(source, [
        {
          field: '--config',
          message: looksLikePreset
            ? `No preset ${JSON.stringify(nameOrPath)} and no such file; presets: ${PRESET_NAMES.join(', ')}.`
            : `Cannot read ${path}: ${(error as Error).message}.`,
        },
      ]);
    }
    try {
      raw = parseJson(text);
    } catch (error) {
      throw new ConfigError(source, [{ field: 'config', message: `Not valid JSON: ${(error as Error).message}.` }]);
    }
  }
  const parsed = parseRunConfig(raw);
  if (!parsed.config) throw new ConfigError(source, parsed.problems);
  const config = parsed.config;
  if (overrides.steps != null) config.steps = overrides.steps;
  if (overrides.seed != null) config.spec.seed = overrides.seed;
  if (overrides.switchLossAt != null) config.switchLossAt = overrides.switchLossAt;
  if (config.switchLossAt !== null && config.switchLossAt >= config.steps) {
    throw new ConfigError(source, [
      { field: 'switchLossAt', message: `The switch at step ${config.switchLossAt} would never happen in a run of ${config.steps} steps; give a step below ${config.steps}.` },
    ]);
  }
  return { config, source, file, baseDir };
}

/** The layout a parameters file follows for `widths`, e.g. "layer 1: W 2×4 = 8 then b 4; layer 2: W 4×1 = 4 then b 1". */
function parameterLayoutText(widths: readonly number[]): string {
  return parameterLayout(widths)
    .layers.map(({ fanIn, fanOut }, l) => `layer ${l + 1}: W ${fanIn}×${fanOut} = ${fanIn * fanOut} then b ${fanOut}`)
    .join('; ');
}

/** Problems with a flat parameter list meant for `widths`, found under `field` in the file at `path`. */
function parameterListProblems(list: unknown, field: string, path: string, widths: readonly number[]): ValidationProblem[] {
  const expected = parameterLayout(widths).totalParameters;
  const layout = `the network [${widths.join(', ')}] needs ${expected} numbers, per layer W row-major [inputs, outputs] then b (${parameterLayoutText(widths)})`;
  if (!Array.isArray(list)) return [{ field: '--init', message: `${field} in ${path} must be a list of numbers, got ${describeValue(list)}; ${layout}.` }];
  if (list.length !== expected) return [{ field: '--init', message: `${path} holds ${list.length} ${field}, but ${layout}.` }];
  const bad = list.flatMap((value, index) => (typeof value === 'number' && Number.isFinite(value) ? [] : [index]));
  if (bad.length === 0) return [];
  const first = bad[0];
  return [{ field: '--init', message: `${field}[${first}] in ${path} is ${describeValue(list[first])}, not a finite number${bad.length > 1 ? ` (and ${bad.length - 1} more entries are not)` : ''}; every parameter must be one.` }];
}

/**
 * Initial parameters from an `--init` file (a run file or a parameters file, see the module
 * comment), checked against the network they are meant for.
 */
export async function readInitialParameters(path: string, config: RunConfig): Promise<Float64Array> {
  const { widths } = config.spec;
  const wanted = `give a run file written by npm run train, or a parameters file {"parameters": [...]} (${parameterLayoutText(widths)})`;
  let value: unknown;
  try {
    value = parseJson(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, [{ field: '--init', message: `Cannot read ${path} as JSON: ${(error as Error).message}; ${wanted}.` }]);
  }
  let problems: ValidationProblem[];
  let list: unknown;
  if (isRecord(value) && value.format === 'mlp-playground-run') {
    list = value.initialParameters;
    const recorded = isRecord(value.spec) ? value.spec.widths : undefined;
    problems =
      JSON.stringify(recorded) === JSON.stringify(widths)
        ? parameterListProblems(list, 'initialParameters', path, widths)
        : [{ field: '--init', message: `${path} holds a network of widths ${JSON.stringify(recorded)}, this config has ${JSON.stringify(widths)}.` }];
  } else if (isRecord(value) && Object.hasOwn(value, 'parameters')) {
    list = value.parameters;
    const extra = Object.keys(value).filter((key) => key !== 'parameters');
    problems =
      extra.length > 0
        ? [{ field: '--init', message: `A parameters file holds only "parameters"; ${path} also has ${extra.map((key) => JSON.stringify(key)).join(', ')}.` }]
        : parameterListProblems(list, 'parameters', path, widths);
  } else {
    problems = [{ field: '--init', message: `${path} holds ${describeValue(value)}, which is neither a run file of this project nor a parameters file; ${wanted}.` }];
  }
  if (problems.length > 0) throw new ConfigError(path, problems);
  return Float64Array.from(list as number[]);
}

/** Dataset files on disk, CSV files read as text: the form a GPU run hands on to its page. */
interface NodeDatasetFiles extends DatasetFiles {
  /** The CSV file at `path`, relative to the config's directory unless absolute, as UTF-8 text. */
  csvFile(path: string): Promise<string>;
}

/** Where the MNIST asset lies in the project. */
function mnistAssetPath(projectRoot: string): string {
  return join(projectRoot, 'public', 'data', 'mnist.bin');
}

/** A CSV source's path on disk: relative to the config's directory unless absolute. */
function csvFilePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : join(baseDir, path);
}

/** The files a loaded config makes the run read: the config file itself and the dataset's file. */
export function configInputFiles(loaded: LoadedConfig, projectRoot: string): InputFile[] {
  const inputs: InputFile[] = loaded.file ? [{ path: loaded.file, what: 'the config file (--config)' }] : [];
  const { dataset } = loaded.config;
  if (dataset.source === 'csv') inputs.push({ path: csvFilePath(dataset.path, loaded.baseDir), what: 'the CSV file of the dataset' });
  if (dataset.source === 'mnist') inputs.push({ path: mnistAssetPath(projectRoot), what: 'the MNIST asset of the dataset' });
  return inputs;
}

/** Dataset files read from disk: the MNIST asset under public/, CSV paths relative to the config. */
export function nodeDatasetFiles(projectRoot: string, baseDir: string): NodeDatasetFiles {
  return {
    async mnistAsset() {
      const path = mnistAssetPath(projectRoot);
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        throw new Error(`cannot read ${path} (${(error as Error).message}); build it with \`node scripts/build-mnist.mjs\``);
      }
    },
    async csvFile(path) {
      const full = csvFilePath(path, baseDir);
      try {
        return await readFile(full, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the CSV file ${full}: ${(error as Error).message}`);
      }
    },
  };
}

/** What to add to a problem validateForDataset found, when the data source explains it. */
function dataSourceHint(problem: ValidationProblem, spec: RunConfig['spec'], source: DataSource, dataset: Dataset): string {
  const outputField = `widths[${spec.widths.length - 1}]`;
  if (problem.field === outputField && source.source === 'csv' && source.target !== 'regression' && dataset.classNames?.every((name) => Number.isFinite(Number(name)))) {
    return ` The CSV's label column holds numbers, read as ${dataset.classNames.length} classes; if the target is a real value, set "target": "regression" in dataset (one linear output trained with MSE).`;
  }
  if (problem.field === 'batchSize' && dataset.testCount > 0) {
    const split = source.source === 'mnist' ? `testCount ${source.testCount ?? 'left at its default'}` : `testFraction ${source.testFraction ?? 'left at its default'}`;
    const option = source.source === 'mnist' ? 'dataset.testCount' : 'dataset.testFraction';
    return ` ${dataset.testCount} of the ${dataset.trainCount + dataset.testCount} rows are held out as the test split (${split}); lower batchSize, or set a smaller ${option}.`;
  }
  return '';
}

/** The losses a run trains with: its first one, and the one it switches to. */
function lossesOfRun(config: RunConfig): LossName[] {
  const { loss, outputActivation } = config.spec;
  return config.switchLossAt === null ? [loss] : [loss, nextLoss(loss, outputActivation)];
}

/**
 * Builds the dataset and checks the spec against it; both kinds of failure are the user's to fix.
 * Advice that did not stop the build (a CSV file's constant or badly scaled columns) goes to `onWarning`.
 */
export async function datasetFor(loaded: LoadedConfig, files: DatasetFiles, onWarning: (warning: string) => void = () => {}): Promise<Dataset> {
  const { config } = loaded;
  let dataset: Dataset;
  try {
    const built = await buildDataset(config.dataset, files);
    dataset = built.dataset;
    built.warnings.forEach(onWarning);
  } catch (error) {
    throw new ConfigError(loaded.source, [{ field: 'dataset', message: (error as Error).message }]);
  }
  const problems = validateForDataset(config.spec, dataset).map((p) => ({ field: `spec.${p.field}`, message: p.message + dataSourceHint(p, config.spec, config.dataset, dataset) }));
  // Real-valued targets have no classes: only a loss defined on a linear output fits them.
  if (dataset.classNames === undefined) {
    const fitting = lossesFor('linear').map((loss) => LOSSES[loss].noun).join(' or ');
    for (const [position, loss] of lossesOfRun(config).entries()) {
      if (lossAllows(loss, 'linear')) continue;
      problems.push({
        field: position === 0 ? 'spec.loss' : 'switchLossAt',
        message: `The dataset's targets are real values (target "regression"), but the ${LOSSES[loss].noun} needs class targets; train with the ${fitting}, with a linear output.`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(loaded.source, problems);
  return dataset;
}
