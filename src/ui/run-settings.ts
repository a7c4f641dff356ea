/**
 * How the page runs training, beside what it trains: the speed, a loss switch and a pause scheduled
 * at a step, and whether GPU sessions tune their matrix products on this adapter. The link carries
 * them (playground-config.ts), so a shared link replays the same experiment at the same pace.
 * Everything read from a link or a field goes through parseRunSettings.
 */
import type { ValidationProblem } from '../model/validate';

/** The speeds the page offers, in steps per second: a few steps on a log scale, then as fast as possible. */
export const SPEEDS = [1, 3, 10, 30, 60, 200, 1000, 'max'] as const;

/** A speed: steps per second, or 'max' for as many steps as fit each frame. */
export type Speed = (typeof SPEEDS)[number];

/** Largest step a switch or a pause may be scheduled at: far beyond any run a page trains, and exact in a float. */
export const LAST_SCHEDULABLE_STEP = 1_000_000_000;

/** How the page runs training. */
export interface RunSettings {
  /** Steps per second the training loop keeps to, or 'max' for as many as fit each frame. */
  speed: Speed;
  /** The first step trained with the next loss the output allows (src/train/loss-schedule.ts), or null for no scheduled switch. */
  switchLossAt: number | null;
  /** The step count at which Play pauses by itself (steps 0 … N − 1 trained), or null. */
  pauseAt: number | null;
  /** Whether GPU sessions time the product variants on this adapter and run the fastest; false runs the fixed rule's. */
  tuneGpu: boolean;
}

/** The settings of a page opened without a link: full speed, nothing scheduled, tuning on. */
export const DEFAULT_RUN_SETTINGS: Readonly<RunSettings> = { speed: 'max', switchLossAt: null, pauseAt: null, tuneGpu: true };

/** The keys of RunSettings, as a link spells them. */
const RUN_SETTING_KEYS = Object.keys(DEFAULT_RUN_SETTINGS) as (keyof RunSettings)[];

/** A speed in words: "10 steps/s", or "as fast as possible". */
export function speedLabel(speed: Speed): string {
  return speed === 'max' ? 'as fast as possible' : `${speed} ${speed === 1 ? 'step' : 'steps'}/s`;
}

/** A scheduled step: null, or a whole number from 1 to LAST_SCHEDULABLE_STEP; else the problem, under `field`. */
function readStep(value: unknown, field: string, what: string): { step: number | null } | { problem: ValidationProblem } {
  if (value === null) return { step: null };
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= LAST_SCHEDULABLE_STEP) return { step: value };
  const shown = typeof value === 'number' && Number.isNaN(value) ? 'not a number' : JSON.stringify(value) ?? String(value);
  return {
    problem: { field, message: `The step to ${what} must be a whole number from 1 to ${LAST_SCHEDULABLE_STEP.toLocaleString('en')}, or empty for none; ${shown} is not.` },
  };
}

/**
 * Checks untrusted run settings (from a link, or a panel's fields), named under `field`. Each
 * setting that is missing takes its default; each that is wrong takes its default too and is
 * named, as is every key RunSettings does not have.
 */
export function parseRunSettings(value: unknown, field = 'run'): { settings: RunSettings; problems: ValidationProblem[] } {
  const settings: RunSettings = { ...DEFAULT_RUN_SETTINGS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { settings, problems: [{ field, message: `The run settings must be an object with ${RUN_SETTING_KEYS.join(', ')}.` }] };
  }
  const record = value as Record<string, unknown>;
  const problems: ValidationProblem[] = [];
  for (const key of Object.keys(record)) {
    if (!(RUN_SETTING_KEYS as string[]).includes(key)) problems.push({ field: `${field}.${key}`, message: `Unknown run setting ${JSON.stringify(key)}; the run settings are ${RUN_SETTING_KEYS.join(', ')}.` });
  }
  if ('speed' in record) {
    const speed = SPEEDS.find((offered) => offered === record.speed);
    if (speed === undefined) {
      problems.push({ field: `${field}.speed`, message: `The speed must be one of ${SPEEDS.join(', ')} (steps per second, or "max"); ${JSON.stringify(record.speed) ?? String(record.speed)} is not.` });
    } else settings.speed = speed;
  }
  for (const [key, what] of [
    ['switchLossAt', 'switch the loss at'],
    ['pauseAt', 'pause at'],
  ] as const) {
    if (!(key in record)) continue;
    const read = readStep(record[key], `${field}.${key}`, what);
    if ('problem' in read) problems.push(read.problem);
    else settings[key] = read.step;
  }
  if ('tuneGpu' in record) {
    if (typeof record.tuneGpu === 'boolean') settings.tuneGpu = record.tuneGpu;
    else problems.push({ field: `${field}.tuneGpu`, message: `Whether to tune the GPU must be true or false; ${JSON.stringify(record.tuneGpu) ?? String(record.tuneGpu)} is not.` });
  }
  return { settings, problems };
}
