/**
 * The sweep: a grid of cells over two settings of a network (init scale, learning rate, seed,
 * batch size, hidden width), where every cell trains MSE and cross-entropy from identical weights
 * and batches, for one or more seeds, and is summed up by three measures (final batch MSE, steps to
 * reach a batch-MSE threshold, whether the run stalled). What a sweep is and how its runs are judged
 * lives here, shared by the page's Sweep view and `npm run experiment -- sweep`; training its runs is
 * src/train/sweep-run.ts.
 */
import { lossProblem, type LossName } from './losses';
import { replicaSettingsOf, type ReplicaSettings } from './replicas';
import { cloneSpec, type NetworkSpec } from './spec';
import { MAX_BATCH, MAX_WIDTH, validate, validateForDataset, type ValidationProblem } from './validate';

/** The two losses every cell compares, in the order the page draws them. */
export const SWEEP_LOSSES = ['mse', 'cross_entropy'] as const satisfies readonly LossName[];

/** A setting a sweep axis varies: how its values are spaced, which are allowed, and where a value goes in a spec. */
export interface SweepSetting {
  /** Name shown on the page and in the figure. */
  readonly label: string;
  /** 'log': values spaced by a constant factor (they must be above 0); 'linear': by a constant step. */
  readonly spacing: 'log' | 'linear';
  /** Whether its values are whole numbers (rounded after spacing). */
  readonly whole: boolean;
  /** Smallest value accepted. */
  readonly min: number;
  /** Largest value accepted. */
  readonly max: number;
  /** The spec with the value set. */
  apply(spec: NetworkSpec, value: number): void;
  /** The value `spec` has (for hidden width, its first hidden layer's; NaN without one). */
  read(spec: NetworkSpec): number;
}

/** The settings a sweep may vary, by name, in the order the page lists them. */
export const SWEEP_SETTINGS = {
  initScale: {
    label: 'Init scale',
    spacing: 'log',
    whole: false,
    min: 1e-3,
    max: 1e3,
    apply: (spec: NetworkSpec, value: number) => void (spec.init.scale = value),
    read: (spec: NetworkSpec) => spec.init.scale,
  },
  learningRate: {
    label: 'Learning rate',
    spacing: 'log',
    whole: false,
    min: 1e-6,
    max: 1e3,
    apply: (spec: NetworkSpec, value: number) => void (spec.optimizer.learningRate = value),
    read: (spec: NetworkSpec) => spec.optimizer.learningRate,
  },
  seed: {
    label: 'Seed',
    spacing: 'linear',
    whole: true,
    min: 0,
    max: 0xffffffff,
    apply: (spec: NetworkSpec, value: number) => void (spec.seed = value),
    read: (spec: NetworkSpec) => spec.seed,
  },
  batchSize: {
    label: 'Batch size',
    spacing: 'log',
    whole: true,
    min: 1,
    max: MAX_BATCH,
    apply: (spec: NetworkSpec, value: number) => void (spec.batchSize = value),
    read: (spec: NetworkSpec) => spec.batchSize,
  },
  hiddenWidth: {
    label: 'Hidden width',
    spacing: 'log',
    whole: true,
    min: 1,
    max: MAX_WIDTH,
    apply: (spec: NetworkSpec, value: number) => void (spec.widths = spec.widths.map((width, i) => (i === 0 || i === spec.widths.length - 1 ? width : value))),
    read: (spec: NetworkSpec) => (spec.widths.length > 2 ? spec.widths[1] : Number.NaN),
  },
} as const satisfies Record<string, SweepSetting>;

export type SweepSettingName = keyof typeof SWEEP_SETTINGS;
export const SWEEP_SETTING_NAMES = Object.keys(SWEEP_SETTINGS) as SweepSettingName[];

/** One axis of the grid: `count` values of a setting from `from` to `to`. */
export interface SweepAxis {
  /** The setting it varies. */
  setting: SweepSettingName;
  /** First value. */
  from: number;
  /** Last value (equal to `from` when count is 1). */
  to: number;
  /** Number of values, at least 1. */
  count: number;
}

/** A whole sweep: the grid, how long each run trains, how many seeds each cell has, and the threshold runs are judged by. */
export interface SweepSetup {
  /** The grid's columns. */
  x: SweepAxis;
  /** The grid's rows. */
  y: SweepAxis;
  /** Steps every run trains. */
  steps: number;
  /** Runs per cell and loss, with seeds seed, seed + 1, …: the cell's seed is the seed axis's value, else the network's. */
  seedsPerCell: number;
  /** Batch MSE a run must get below: where steps-to-threshold is counted, and above which a finished run has stalled. */
  threshold: number;
}

/** Most values on one axis: each is a row or column of cells a heatmap must still show. */
const MAX_AXIS_VALUES = 64;
/** Most cells: each is a cell of three heatmaps, redrawn every frame, and a pair of runs per seed. */
export const MAX_SWEEP_CELLS = 1024;
/** Most runs of a sweep (cells × seeds per cell × 2 losses): every run keeps a summary on the page. */
export const MAX_SWEEP_RUNS = 16384;
/** Most steps per run, as the headless runs allow (scripts/lib/run-config.ts, MAX_STEPS). */
const MAX_SWEEP_STEPS = 100_000;

/** The sweep the Sweep view opens with: the saturation question over init scale and learning rate, small enough for a CPU adapter. */
export function defaultSweepSetup(): SweepSetup {
  return {
    x: { setting: 'initScale', from: 1, to: 16, count: 5 },
    y: { setting: 'learningRate', from: 0.1, to: 1, count: 3 },
    steps: 500,
    seedsPerCell: 1,
    threshold: 0.1,
  };
}

/** The values of an axis, first to last. Assumes a valid axis (validateSweepSetup). */
export function axisValues(axis: SweepAxis): number[] {
  const setting: SweepSetting = SWEEP_SETTINGS[axis.setting];
  if (axis.count === 1) return [axis.from];
  return Array.from({ length: axis.count }, (_, i) => {
    const t = i / (axis.count - 1);
    const value = setting.spacing === 'log' ? axis.from * (axis.to / axis.from) ** t : axis.from + (axis.to - axis.from) * t;
    // Four significant digits: values read back from a link or shown on a cell stay exactly those trained.
    return setting.whole ? Math.round(value) : Number(value.toPrecision(4));
  });
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value === 'string' ? JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value) : value === null ? 'null' : typeof value;
}

/** Problems of one axis under `name` ("x" or "y"). */
function axisProblems(name: 'x' | 'y', axis: SweepAxis): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const setting: SweepSetting | undefined = (SWEEP_SETTINGS as Record<string, SweepSetting>)[axis.setting];
  if (!setting) return [{ field: `${name}.setting`, message: `Unknown setting ${describe(axis.setting)}; sweep one of ${SWEEP_SETTING_NAMES.join(', ')}.` }];
  if (!(Number.isInteger(axis.count) && axis.count >= 1 && axis.count <= MAX_AXIS_VALUES)) {
    problems.push({ field: `${name}.count`, message: `The number of values must be a whole number from 1 to ${MAX_AXIS_VALUES}, got ${describe(axis.count)}.` });
  }
  for (const end of ['from', 'to'] as const) {
    const value = axis[end];
    if (!Number.isFinite(value)) problems.push({ field: `${name}.${end}`, message: `${setting.label}: expected a number, got ${describe(value)}.` });
    else if (setting.whole && !Number.isInteger(value)) problems.push({ field: `${name}.${end}`, message: `${setting.label} takes whole numbers, got ${value}.` });
    else if (value < setting.min || value > setting.max) problems.push({ field: `${name}.${end}`, message: `${setting.label} must be from ${setting.min} to ${setting.max}, got ${value}.` });
  }
  if (problems.length > 0) return problems;
  if (axis.to < axis.from) {
    problems.push({ field: `${name}.to`, message: `The range is inverted: it ends at ${axis.to}, below its start ${axis.from}; give the smaller value first.` });
  } else if (axis.count > 1 && axis.to === axis.from) {
    problems.push({ field: `${name}.to`, message: `The range ${axis.from} to ${axis.to} is empty but ${axis.count} values were asked for; widen it or ask for 1 value.` });
  } else if (new Set(axisValues(axis)).size < axis.count) {
    problems.push({ field: `${name}.count`, message: `${setting.label} from ${axis.from} to ${axis.to} holds fewer than ${axis.count} different whole values; ask for fewer or widen the range.` });
  }
  return problems;
}

/** Every problem of a setup that does not depend on the network: ranges, counts and the limits on cells, runs and steps. */
export function validateSweepSetup(setup: SweepSetup): ValidationProblem[] {
  const problems = [...axisProblems('x', setup.x), ...axisProblems('y', setup.y)];
  if (setup.x.setting === setup.y.setting && !problems.some((p) => p.field.endsWith('.setting'))) {
    problems.push({ field: 'y.setting', message: `Both axes sweep ${SWEEP_SETTINGS[setup.x.setting].label.toLowerCase()}; choose another setting for one of them.` });
  }
  if (!(Number.isInteger(setup.steps) && setup.steps >= 1 && setup.steps <= MAX_SWEEP_STEPS)) {
    problems.push({ field: 'steps', message: `The steps per run must be a whole number from 1 to ${MAX_SWEEP_STEPS}, got ${describe(setup.steps)}.` });
  }
  if (!(Number.isInteger(setup.seedsPerCell) && setup.seedsPerCell >= 1)) {
    problems.push({ field: 'seedsPerCell', message: `The seeds per cell must be a whole number of at least 1, got ${describe(setup.seedsPerCell)}.` });
  }
  if (!(Number.isFinite(setup.threshold) && setup.threshold > 0)) {
    problems.push({ field: 'threshold', message: `The MSE threshold must be a number above 0, got ${describe(setup.threshold)}.` });
  }
  const countsValid = !problems.some((p) => p.field.endsWith('.count') || p.field === 'seedsPerCell');
  if (countsValid) {
    const cells = setup.x.count * setup.y.count;
    if (cells > MAX_SWEEP_CELLS) {
      problems.push({ field: 'y.count', message: `${setup.x.count} × ${setup.y.count} = ${cells} cells is too many; a sweep holds at most ${MAX_SWEEP_CELLS}.` });
    } else if (cells * setup.seedsPerCell * SWEEP_LOSSES.length > MAX_SWEEP_RUNS) {
      const most = Math.floor(MAX_SWEEP_RUNS / (cells * SWEEP_LOSSES.length));
      problems.push({
        field: 'seedsPerCell',
        message: `${cells} cells × ${setup.seedsPerCell} seeds × ${SWEEP_LOSSES.length} losses = ${cells * setup.seedsPerCell * SWEEP_LOSSES.length} runs, over the limit of ${MAX_SWEEP_RUNS}; give at most ${most} seeds per cell.`,
      });
    }
  }
  return problems;
}

type SetupShape = 'number' | 'string' | { readonly [key: string]: SetupShape };
const AXIS_SHAPE = { setting: 'string', from: 'number', to: 'number', count: 'number' } as const;
const SETUP_SHAPE = { x: AXIS_SHAPE, y: AXIS_SHAPE, steps: 'number', seedsPerCell: 'number', threshold: 'number' } as const;

function shapeProblems(value: unknown, shape: SetupShape, field: string, problems: ValidationProblem[]): void {
  if (typeof shape === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ field: field || 'sweep', message: `Expected an object, got ${Array.isArray(value) ? 'a list' : describe(value)}.` });
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(shape, key)) problems.push({ field: field ? `${field}.${key}` : key, message: `Unknown field ${describe(key)}; known fields: ${Object.keys(shape).join(', ')}.` });
    }
    for (const [key, inner] of Object.entries(shape)) {
      const path = field ? `${field}.${key}` : key;
      if (!Object.hasOwn(record, key)) problems.push({ field: path, message: 'Missing.' });
      else shapeProblems(record[key], inner, path, problems);
    }
  } else if (typeof value !== shape || (typeof value === 'number' && !Number.isFinite(value))) {
    problems.push({ field, message: `Expected a ${shape === 'number' ? 'finite number' : shape}, got ${describe(value)}.` });
  }
}

/** Turns untrusted JSON (a link, a command line) into a setup: types and unknown keys first, then validateSweepSetup. */
export function parseSweepSetup(value: unknown): { setup: SweepSetup; problems: [] } | { setup: null; problems: ValidationProblem[] } {
  const problems: ValidationProblem[] = [];
  shapeProblems(value, SETUP_SHAPE, '', problems);
  if (problems.length > 0) return { setup: null, problems };
  const setup = JSON.parse(JSON.stringify(value)) as SweepSetup;
  const invalid = validateSweepSetup(setup);
  return invalid.length > 0 ? { setup: null, problems: invalid } : { setup, problems: [] };
}

/** One cell of the grid. */
export interface SweepCell {
  /** Its index, row by row: y index × x count + x index. */
  index: number;
  /** Its column. */
  xIndex: number;
  /** Its row. */
  yIndex: number;
  /** The x setting's value. */
  xValue: number;
  /** The y setting's value. */
  yValue: number;
  /** The network with both values set (its seed is the cell's first seed, its loss the base's). */
  spec: NetworkSpec;
}

/** One run of a sweep: a cell, a seed and a loss. */
export interface SweepRunPlan {
  /** Its index among all runs: ((cell × seeds per cell) + seed number) × 2 + loss number. */
  index: number;
  /** The cell it belongs to. */
  cell: number;
  /** Which of the cell's seeds (0 for the first). */
  seedNumber: number;
  /** The loss it trains with. */
  loss: LossName;
  /** Its spec: exactly the single run it is, which the main view can open. */
  spec: NetworkSpec;
}

/** The cells of a setup over the network `base`, row by row. */
export function sweepCells(setup: SweepSetup, base: NetworkSpec): SweepCell[] {
  const xs = axisValues(setup.x);
  const ys = axisValues(setup.y);
  return ys.flatMap((yValue, yIndex) =>
    xs.map((xValue, xIndex) => {
      const spec = cloneSpec(base);
      SWEEP_SETTINGS[setup.x.setting].apply(spec, xValue);
      SWEEP_SETTINGS[setup.y.setting].apply(spec, yValue);
      return { index: yIndex * xs.length + xIndex, xIndex, yIndex, xValue, yValue, spec };
    }),
  );
}

/** Index of run (cell, seed number, loss) among all runs. */
export function runIndex(setup: SweepSetup, cell: number, seedNumber: number, loss: LossName): number {
  return (cell * setup.seedsPerCell + seedNumber) * SWEEP_LOSSES.length + (SWEEP_LOSSES as readonly LossName[]).indexOf(loss);
}

/** Every run of the sweep, in run order: per cell, per seed, MSE then cross-entropy from the same weights and batches. */
export function sweepRuns(setup: SweepSetup, cells: readonly SweepCell[]): SweepRunPlan[] {
  return cells.flatMap((cell) =>
    Array.from({ length: setup.seedsPerCell }, (_, seedNumber) =>
      SWEEP_LOSSES.map((loss) => {
        const spec = cloneSpec(cell.spec);
        spec.seed = cell.spec.seed + seedNumber;
        spec.loss = loss;
        return { index: runIndex(setup, cell.index, seedNumber, loss), cell: cell.index, seedNumber, loss, spec };
      }),
    ).flat(),
  );
}

/** Runs that share a network shape (widths and batch size), so one replica session can train them together. */
export interface SweepGroup {
  /** The shape they share: the first run's spec. */
  shape: NetworkSpec;
  /** The runs, by index. */
  runs: number[];
  /** Their replica settings, in the order of `runs`. */
  replicas: ReplicaSettings[];
}

/** The runs split by network shape, in the order their first run appears. */
export function sweepGroups(runs: readonly SweepRunPlan[]): SweepGroup[] {
  const groups = new Map<string, SweepGroup>();
  for (const run of runs) {
    const key = JSON.stringify([run.spec.widths, run.spec.batchSize]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { shape: run.spec, runs: [], replicas: [] }));
    group.runs.push(run.index);
    group.replicas.push(replicaSettingsOf(run.spec));
  }
  return [...groups.values()];
}

/** Where a problem of a cell's spec belongs in the sweep form: the axis that set the value, else the network. */
function cellField(setup: SweepSetup, field: string): string {
  const owner: Partial<Record<string, SweepSettingName>> = { 'init.scale': 'initScale', 'optimizer.learningRate': 'learningRate', seed: 'seed', batchSize: 'batchSize' };
  const setting = owner[field] ?? (/^widths\[\d+\]$/.test(field) ? 'hiddenWidth' : undefined);
  if (setting === setup.x.setting) return 'x.to';
  if (setting === setup.y.setting) return 'y.to';
  return `network.${field}`;
}

/**
 * Problems of a valid setup over the network `base` and its data: an output that cannot compare
 * the losses, an axis the network has no place for, and any cell whose network is invalid (a batch
 * larger than the data, a seed past 2³² − 1 once the cell's seeds are counted), each named once
 * under the axis that set the value or under `network.`.
 */
export function validateSweepFor(setup: SweepSetup, base: NetworkSpec, data: { inputSize: number; outputSize: number; trainCount: number }): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const loss of SWEEP_LOSSES) {
    const refusal = lossProblem(loss, base.outputActivation);
    if (refusal) problems.push({ field: 'network.outputActivation', message: `A sweep compares MSE with cross-entropy. ${refusal}` });
  }
  for (const name of ['x', 'y'] as const) {
    if (setup[name].setting === 'hiddenWidth' && base.widths.length < 3) problems.push({ field: `${name}.setting`, message: 'The network has no hidden layer whose width could be swept.' });
  }
  if (problems.length > 0) return problems;
  const seen = new Set<string>();
  for (const cell of sweepCells(setup, base)) {
    // The last seed of the cell is the one that can run past the largest seed.
    const last = cloneSpec(cell.spec);
    last.seed += setup.seedsPerCell - 1;
    for (const problem of [...validate(last), ...validateForDataset(last, data)]) {
      const field = cellField(setup, problem.field);
      if (seen.has(field)) continue;
      seen.add(field);
      problems.push({ field, message: problem.message });
    }
  }
  return problems;
}

/**
 * Steps a run's batch MSE is averaged over before it is compared with the threshold: a tenth of
 * the run, from 1 to 50 steps, so one lucky batch does not count as reaching it.
 */
export function smoothingSteps(steps: number): number {
  return Math.max(1, Math.min(50, Math.floor(steps / 10)));
}

/** The stall criterion in one sentence, as the page and the figure state it. */
export function stallCriterion(setup: Pick<SweepSetup, 'steps' | 'threshold'>): string {
  return `a run has stalled when its batch MSE, averaged over its last ${smoothingSteps(setup.steps)} steps, is still above ${setup.threshold} after ${setup.steps} steps`;
}

/** What every run's batch MSE has shown so far: its smoothed MSE, when it first got below the threshold, whether it stalled. */
export class SweepSummaries {
  /** Steps each run has reported. */
  readonly stepsDone: Uint32Array;
  /** Each run's first step (counted from 1) at whose end the smoothed MSE was at or below the threshold; 0 while it has not been. */
  readonly stepsToThreshold: Uint32Array;
  /** Each run's batch MSE of its very first step, before any update (the same for both losses of a seed). */
  readonly firstMse: Float64Array;
  private readonly window: number;
  private readonly recent: Float64Array;
  private readonly recentSums: Float64Array;

  constructor(
    /** Number of runs. */
    readonly runs: number,
    /** Steps every run trains. */
    readonly steps: number,
    /** The batch MSE threshold. */
    readonly threshold: number,
  ) {
    this.window = smoothingSteps(steps);
    this.stepsDone = new Uint32Array(runs);
    this.stepsToThreshold = new Uint32Array(runs);
    this.firstMse = new Float64Array(runs).fill(Number.NaN);
    this.recent = new Float64Array(runs * this.window);
    this.recentSums = new Float64Array(runs);
  }

  /** Records run `run`'s batch MSE of its next step. */
  record(run: number, mse: number): void {
    const done = this.stepsDone[run];
    if (done === 0) this.firstMse[run] = mse;
    const slot = run * this.window + (done % this.window);
    this.recentSums[run] += mse - (done >= this.window ? this.recent[slot] : 0);
    this.recent[slot] = mse;
    this.stepsDone[run] = done + 1;
    if (this.stepsToThreshold[run] === 0 && this.smoothedMse(run) <= this.threshold) this.stepsToThreshold[run] = done + 1;
  }

  /** The mean batch MSE of the run's last `smoothingSteps` steps (fewer at the start); NaN before its first. */
  smoothedMse(run: number): number {
    const done = this.stepsDone[run];
    return done === 0 ? Number.NaN : this.recentSums[run] / Math.min(done, this.window);
  }

  /** Whether the run is finished and stalled (stallCriterion); null while it is still training. */
  stalled(run: number): boolean | null {
    if (this.stepsDone[run] < this.steps) return null;
    // A NaN (a diverged run) is not below the threshold either.
    return !(this.smoothedMse(run) <= this.threshold);
  }
}

/** How a cell is summed up over its seeds, as the heatmaps show it. */
export const SWEEP_MEASURES = {
  finalMse: { label: 'Final batch MSE', unit: '' },
  stepsToThreshold: { label: 'Steps to the threshold', unit: 'steps' },
  stalled: { label: 'Stalled', unit: 'of the seeds' },
} as const;
export type SweepMeasure = keyof typeof SWEEP_MEASURES;
export const SWEEP_MEASURE_NAMES = Object.keys(SWEEP_MEASURES) as SweepMeasure[];

/**
 * A cell's value for one loss over its seeds: the mean smoothed batch MSE; the median steps to the
 * threshold (Infinity when more than half of the seeds have not reached it); the fraction of
 * finished seeds that stalled. NaN while no seed has anything to show.
 */
export function cellMeasure(setup: SweepSetup, summaries: SweepSummaries, cell: number, loss: LossName, measure: SweepMeasure): number {
  const runs = Array.from({ length: setup.seedsPerCell }, (_, k) => runIndex(setup, cell, k, loss));
  if (measure === 'finalMse') {
    const values = runs.map((run) => summaries.smoothedMse(run)).filter((value) => !Number.isNaN(value));
    return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
  }
  if (measure === 'stalled') {
    const finished = runs.map((run) => summaries.stalled(run)).filter((stalled) => stalled !== null);
    return finished.length === 0 ? Number.NaN : finished.filter(Boolean).length / finished.length;
  }
  if (runs.every((run) => summaries.stepsDone[run] === 0)) return Number.NaN;
  const steps = runs.map((run) => summaries.stepsToThreshold[run] || Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const middle = Math.floor(steps.length / 2);
  return steps.length % 2 === 1 ? steps[middle] : (steps[middle - 1] + steps[middle]) / 2;
}
