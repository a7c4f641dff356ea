/**
 * The training loop's speed, pause step and schedule hook, on a fake clock with 60 Hz animation
 * frames and a session that finishes every step at once, so the counts are exact: at a set speed
 * it issues the steps the elapsed time allows (within a step and a frame's worth), at 'max' as many as fit;
 * it pauses itself with exactly the pause step's count issued, and only when that step lay ahead;
 * and no batch crosses the step the owner's beforeSteps names.
 */
import { describe, expect, it } from 'vitest';
import { host, runFrames, useFakeFrames } from './fake-frames';
import { DEFAULT_SPEC } from '../../src/model/spec';
import type { Session, StepMetrics } from '../../src/model/session';
import { TrainingLoop } from '../../src/ui/training-loop';
import type { Speed } from '../../src/ui/run-settings';

/** A session whose steps finish as soon as they are issued, recording each train() call. */
function instantSession(): Session & { calls: { from: number; count: number }[] } {
  let taken = 0;
  let finished: StepMetrics[] = [];
  const calls: { from: number; count: number }[] = [];
  return {
    backend: 'cpu',
    spec: { ...DEFAULT_SPEC },
    dataset: null as never,
    get stepsTaken() {
      return taken;
    },
    calls,
    async train(steps: number) {
      calls.push({ from: taken, count: steps });
      for (let i = 0; i < steps; i++) finished.push({ step: taken + i, activeLoss: 'mse' } as StepMetrics);
      taken += steps;
    },
    setLoss() {},
    async takeMetrics() {
      const out = finished;
      finished = [];
      return out;
    },
    async flush() {},
    snapshot: () => Promise.reject(new Error('not used')),
    restore: () => Promise.reject(new Error('not used')),
    evaluate: () => Promise.reject(new Error('not used')),
    dispose() {},
  };
}


/** A loop over a fresh instant session, with its pauses and its beforeSteps calls recorded. */
function loopWith(beforeSteps: (from: number) => number = () => Infinity) {
  const session = instantSession();
  const pauses: number[] = [];
  const asked: number[] = [];
  const loop = new TrainingLoop(host, {
    onMetrics() {},
    onError(error) {
      throw error;
    },
    beforeSteps(from) {
      asked.push(from);
      return beforeSteps(from);
    },
    onPauseStep(step) {
      pauses.push(step);
    },
  });
  loop.setSession(session);
  return { loop, session, pauses, asked };
}


useFakeFrames();

describe('the training loop', () => {
  it('issues the steps a set speed allows, within a step and a frame\'s worth, over several seconds', async () => {
    for (const [speed, seconds] of [
      [1, 5],
      [3, 4],
      [10, 3],
      [30, 3],
      [60, 3],
      [200, 2],
    ] as [Exclude<Speed, 'max'>, number][]) {
      const { loop, session } = loopWith();
      loop.setSpeed(speed);
      loop.play();
      await runFrames(seconds);
      loop.pause();
      // One step is owed at Play, so the first answers at once; then the rate. Bound: a step for
      // the fraction still owed, and a frame's worth, since the last frame may fall up to a frame
      // before the end of the window.
      const bound = 1 + speed / 60;
      expect(Math.abs(session.stepsTaken - (1 + speed * seconds)), `${speed} steps/s over ${seconds} s: ${session.stepsTaken}`).toBeLessThanOrEqual(bound);
      loop.hostDisconnected();
    }
  });

  it("at 'max' issues far more than the fastest set speed, and a new speed acts at once", async () => {
    const { loop, session } = loopWith();
    loop.setSpeed('max');
    loop.play();
    await runFrames(1);
    const atMax = session.stepsTaken;
    expect(atMax).toBeGreaterThan(1000);
    loop.setSpeed(10);
    await runFrames(2);
    expect(Math.abs(session.stepsTaken - atMax - (1 + 20))).toBeLessThanOrEqual(1 + 10 / 60);
    loop.hostDisconnected();
  });

  it('pauses itself with exactly the pause step issued, only when that step lay ahead, and goes on past it on Play', async () => {
    for (const [speed, pauseAt] of [
      ['max', 1],
      ['max', 500],
      [60, 37],
      [1000, 2001],
    ] as [Speed, number][]) {
      const { loop, session, pauses } = loopWith();
      loop.setSpeed(speed);
      loop.setPauseAt(pauseAt);
      loop.play();
      await runFrames(Math.max(2, (pauseAt / (speed === 'max' ? 1000 : speed)) * 1.5));
      expect(session.stepsTaken, `${speed}, pause at ${pauseAt}`).toBe(pauseAt);
      expect(loop.running).toBe(false);
      expect(pauses).toEqual([pauseAt]);
      // Play at the pause step goes on: it no longer lies ahead.
      loop.play();
      await runFrames(0.5);
      expect(session.stepsTaken).toBeGreaterThan(pauseAt);
      expect(pauses).toEqual([pauseAt]);
      loop.pause();
      // A pause step set behind the steps taken does nothing.
      loop.setPauseAt(pauseAt);
      loop.play();
      const before = session.stepsTaken;
      await runFrames(0.5);
      expect(session.stepsTaken).toBeGreaterThan(before);
      expect(pauses).toEqual([pauseAt]);
      loop.hostDisconnected();
    }
  });

  it('never issues a batch across the step beforeSteps names, and asks before every batch and every Step', async () => {
    for (const switchAt of [1, 2, 100, 777]) {
      const { loop, session, asked } = loopWith((from) => (from < switchAt ? switchAt - from : Infinity));
      loop.setSpeed('max');
      loop.play();
      await runFrames(2);
      loop.pause();
      await loop.idle();
      expect(session.stepsTaken).toBeGreaterThan(switchAt);
      expect(session.calls.some((call) => call.from === switchAt), `a batch starts at ${switchAt}`).toBe(true);
      expect(session.calls.every((call) => call.from >= switchAt || call.from + call.count <= switchAt)).toBe(true);
      expect(asked).toEqual(session.calls.map((call) => call.from));
      await loop.stepOnce();
      expect(asked[asked.length - 1]).toBe(session.stepsTaken - 1);
      loop.hostDisconnected();
    }
  });
});
