/**
 * The one rule of a scheduled loss switch (src/train/loss-schedule.ts), shared by the command
 * line's --switch-loss-at and the page's "switch the loss at step N": steps before N train with the
 * first loss, steps from N on with the next loss the output allows, and a chunk of steps never
 * crosses N. Looped over the tables' outputs and losses, at several switch steps.
 */
import { describe, expect, it } from 'vitest';
import { OUTPUT_ACTIVATIONS } from '../../src/model/activations';
import { lossesFor, nextLoss } from '../../src/model/losses';
import { scheduledLoss, stepsBeforeSwitch, type LossSchedule } from '../../src/train/loss-schedule';

const SWITCH_STEPS = [1, 2, 17, 1000, 123_456];

/** Every schedule of the tables: each output, each loss it allows, each switch step, and none. */
const SCHEDULES: LossSchedule[] = OUTPUT_ACTIVATIONS.flatMap((output) =>
  lossesFor(output).flatMap((firstLoss) => [null, ...SWITCH_STEPS].map((switchAt) => ({ firstLoss, output, switchAt }))),
);

describe('a scheduled loss switch', () => {
  it('trains every step before the switch with the first loss and every step from it on with the next one', () => {
    expect(SCHEDULES.length).toBeGreaterThan(12);
    for (const schedule of SCHEDULES) {
      const { firstLoss, output, switchAt } = schedule;
      const name = JSON.stringify(schedule);
      const probes = switchAt === null ? [0, 1, 999, 10 ** 9] : [0, switchAt - 1, switchAt, switchAt + 1, switchAt * 3];
      for (const step of probes) {
        const expected = switchAt !== null && step >= switchAt ? nextLoss(firstLoss, output) : firstLoss;
        expect(scheduledLoss(schedule, step), `${name} at step ${step}`).toBe(expected);
      }
      if (switchAt !== null && lossesFor(output).length > 1) {
        // The switch changes the loss exactly at its step, never before.
        expect(scheduledLoss(schedule, switchAt - 1), name).not.toBe(scheduledLoss(schedule, switchAt));
      }
    }
  });

  it('cuts a chunk of steps at the switch, and never after it', () => {
    for (const schedule of SCHEDULES) {
      const name = JSON.stringify(schedule);
      const { switchAt } = schedule;
      if (switchAt === null) {
        for (const step of [0, 5, 10 ** 6]) expect(stepsBeforeSwitch(schedule, step), name).toBe(Infinity);
        continue;
      }
      expect(stepsBeforeSwitch(schedule, 0), name).toBe(switchAt);
      expect(stepsBeforeSwitch(schedule, switchAt - 1), name).toBe(1);
      for (const step of [switchAt, switchAt + 1, switchAt * 2]) expect(stepsBeforeSwitch(schedule, step), `${name} at ${step}`).toBe(Infinity);
      // Chunks of at most 7 steps, as a caller issues them: every step trains with its scheduled loss.
      let step = 0;
      const chunks: number[] = [];
      while (step < switchAt + 10) {
        const count = Math.min(7, stepsBeforeSwitch(schedule, step));
        const losses = new Set(Array.from({ length: count }, (_, i) => scheduledLoss(schedule, step + i)));
        expect(losses.size, `${name}: chunk from ${step}`).toBe(1);
        chunks.push(step);
        step += count;
      }
      expect(chunks, name).toContain(switchAt);
    }
  });
});
