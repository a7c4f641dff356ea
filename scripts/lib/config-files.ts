/**
 * The Node side of run configs: presets and config files, command-line overrides, the files
 * behind datasets, and `--init` run files. Every problem the user can fix becomes a ConfigError
 * listing field: message lines.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { Dataset } from '../../src/model/dataset';
import { parameterLayout } from '../../src/model/layout';
import { formatProblems, validateForDataset, type ValidationProblem } from '../../src/model/validate';
import { SATURATION_DEMO_DATA, saturationDemoSpec } from '../../src/train/saturation-demo';
import presets from '../presets.json';
import { buildDataset, type DatasetFiles } from '../../src/data/source';
import { parseRunConfig, type RunConfig } from './run-config';
import type { RunRecord } from './run-session';

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
    steps: 2000,
    switchLossAt: 1000,
  },
  ...presets,
};

/** Names of the presets. */
export const PRESET_NAMES = Object.keys(PRESETS);

/** A problem the user can fix (arguments, config, data): printed as field: message lines. */
export class ConfigError extends Error {
  constructor(
    /** Where the problems are: a config file, a preset, or a run file. */
    readonly source: string,
    /** Each problem, under the field it is about. */
    readonly problems: ValidationProblem[],
  ) {
    super(`${source}:\n${formatProblems(problems)}`);
  }
}

/** Values from the command line that replace the config's. */
export interface ConfigOverrides {
  steps?: number | null;
  seed?: number | null;
  switchLossAt?: number | null;
}

/** A loaded config, with where it came from. */
export interface LoadedConfig {
  config: RunConfig;
  /** "preset <name>" or the path as given. */
  source: string;
  /** Directory relative dataset paths start from. */
  baseDir: string;
}

/** A preset by name, or a config file by path, with overrides applied and `switchLossAt` checked against `steps`. */
export async function loadRunConfig(nameOrPath: string, cwd: string, overrides: ConfigOverrides = {}): Promise<LoadedConfig> {
  let raw: unknown;
  let source: string;
  let baseDir: string;
  if (Object.hasOwn(PRESETS, nameOrPath)) {
    raw = PRESETS[nameOrPath];
    source = `preset ${nameOrPath}`;
    baseDir = cwd;
  } else {
    const path = resolve(cwd, nameOrPath);
    source = nameOrPath;
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
      raw = JSON.parse(text);
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
  return { config, source, baseDir };
}

/** Initial parameters from an earlier run file, checked against the network they are meant for. */
export async function readInitialParameters(path: string, config: RunConfig): Promise<Float64Array> {
  let record: Partial<RunRecord>;
  try {
    record = JSON.parse(await readFile(path, 'utf8')) as Partial<RunRecord>;
  } catch (error) {
    throw new ConfigError(path, [{ field: '--init', message: `Cannot read a run file from ${path}: ${(error as Error).message}.` }]);
  }
  const expected = parameterLayout(config.spec.widths).totalParameters;
  const problems: ValidationProblem[] = [];
  if (record.format !== 'mlp-playground-run') {
    problems.push({ field: '--init', message: `${path} is not a run file of this project (format ${JSON.stringify(record.format)}); give a file written by npm run train.` });
  } else if (JSON.stringify(record.spec?.widths) !== JSON.stringify(config.spec.widths)) {
    problems.push({ field: '--init', message: `${path} holds a network of widths ${JSON.stringify(record.spec?.widths)}, this config has ${JSON.stringify(config.spec.widths)}.` });
  } else if (!Array.isArray(record.initialParameters) || record.initialParameters.length !== expected || !record.initialParameters.every(Number.isFinite)) {
    problems.push({ field: '--init', message: `${path} must hold ${expected} finite initialParameters, found ${Array.isArray(record.initialParameters) ? record.initialParameters.length : 'none'}.` });
  }
  if (problems.length > 0) throw new ConfigError(path, problems);
  return Float64Array.from(record.initialParameters as number[]);
}

/** Dataset files on disk, CSV files read as text: the form a GPU run hands on to its page. */
interface NodeDatasetFiles extends DatasetFiles {
  /** The CSV file at `path`, relative to the config's directory unless absolute, as UTF-8 text. */
  csvFile(path: string): Promise<string>;
}

/** Dataset files read from disk: the MNIST asset under public/, CSV paths relative to the config. */
export function nodeDatasetFiles(projectRoot: string, baseDir: string): NodeDatasetFiles {
  return {
    async mnistAsset() {
      const path = join(projectRoot, 'public', 'data', 'mnist.bin');
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        throw new Error(`cannot read ${path} (${(error as Error).message}); build it with \`node scripts/build-mnist.mjs\``);
      }
    },
    async csvFile(path) {
      const full = isAbsolute(path) ? path : join(baseDir, path);
      try {
        return await readFile(full, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the CSV file ${full}: ${(error as Error).message}`);
      }
    },
  };
}

/** Builds the dataset and checks the spec against it; both kinds of failure are the user's to fix. */
export async function datasetFor(loaded: LoadedConfig, files: DatasetFiles): Promise<Dataset> {
  let dataset: Dataset;
  try {
    ({ dataset } = await buildDataset(loaded.config.dataset, files));
  } catch (error) {
    throw new ConfigError(loaded.source, [{ field: 'dataset', message: (error as Error).message }]);
  }
  const problems = validateForDataset(loaded.config.spec, dataset).map((p) => ({ field: `spec.${p.field}`, message: p.message }));
  if (problems.length > 0) throw new ConfigError(loaded.source, problems);
  return dataset;
}
