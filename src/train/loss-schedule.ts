/**
 * A loss switch scheduled at a step: the command line's `--switch-loss-at K` and the page's "switch
 * the loss at step N" follow this one rule, so a run replayed from a link or a config file switches
 * where the other did. Steps before the switch train with the run's first loss, steps from it on
 * with the next loss the output allows (nextLoss). The loss is read from the step count, never
 * toggled, so steps trained again (a restored snapshot, a device-loss recovery) keep their loss.
 */
import type { OutputActivation } from '../model/activations';
import { nextLoss, type LossName } from '../model/losses';

/** A run's losses over its steps. */
export interface LossSchedule {
  /** The loss of step 0 and of every step before the switch. */
  firstLoss: LossName;
  /** The output activation, which decides the loss switched to. */
  output: OutputActivation;
  /** The first step trained with the next loss, or null for no switch. */
  switchAt: number | null;
}

/** The loss that drives step `step` under `schedule`. */
export function scheduledLoss(schedule: LossSchedule, step: number): LossName {
  const { firstLoss, output, switchAt } = schedule;
  return switchAt !== null && step >= switchAt ? nextLoss(firstLoss, output) : firstLoss;
}

/**
 * How many steps from `step` on may be trained in one go with the loss of `step`: up to the
 * switch when it lies ahead, else any number (Infinity).
 */
export function stepsBeforeSwitch(schedule: LossSchedule, step: number): number {
  return schedule.switchAt !== null && step < schedule.switchAt ? schedule.switchAt - step : Infinity;
}
