/**
 * The training loop driving a forked run, on a fake clock with 60 Hz frames: both branches are
 * issued the same steps in lockstep, each branch's metrics reach the owner in its own list, every
 * step once and in order; and a branch whose steps lag holds the loop back (its back-pressure
 * counts the slowest branch), however fast the other one is.
 */
import { describe, expect, it } from 'vitest';
import { host, runFrames, useFakeFrames } from './fake-frames';
import { DEFAULT_SPEC } from '../../src/model/spec';
import type { Session, StepMetrics } from '../../src/model/session';
import { ForkedRun } from '../../src/train/fork';
import { TrainingLoop } from '../../src/ui/training-loop';

/** A session whose steps finish at once, or, while `held`, only once released. */
function fakeSession(): Session & { held: boolean } {
  let taken = 0;
  let loss = DEFAULT_SPEC.loss;
  let finished: StepMetrics[] = [];
  let pending: StepMetrics[] = [];
  const session = {
    held: false,
    backend: 'cpu' as const,
    get spec() {
      return { ...DEFAULT_SPEC, loss };
    },
    dataset: null as never,
    get stepsTaken() {
      return taken;
    },
    async train(steps: number) {
      for (let i = 0; i < steps; i++) pending.push({ step: taken + i, activeLoss: loss } as StepMetrics);
      taken += steps;
    },
    setLoss(next: typeof loss) {
      loss = next;
    },
    async takeMetrics() {
      if (!session.held) {
        finished.push(...pending);
        pending = [];
      }
      const out = finished;
      finished = [];
      return out;
    },
    async flush() {},
    async snapshot() {
      return { step: taken, loss, parameters: new Float64Array(3), optimizerSlots: [] };
    },
    async restore(state: { step: number }) {
      taken = state.step;
    },
    evaluate: () => Promise.reject(new Error('not used')),
    dispose() {},
  };
  return session;
}



useFakeFrames();

describe('the training loop on a forked run', () => {
  it('trains both branches in lockstep, reports each branch apart, and waits for a lagging branch', async () => {
    for (const [forkAt, speed] of [
      [0, 'max'],
      [37, 'max'],
      [5, 30],
    ] as const) {
      const first = fakeSession();
      await first.train(forkAt);
      await first.takeMetrics();
      const second = fakeSession();
      const fork = await ForkedRun.create(first, async () => second, ['mse', 'cross_entropy']);
      const received: StepMetrics[][] = [[], []];
      const loop = new TrainingLoop(host, {
        onMetrics(branches) {
          expect(branches).toHaveLength(2);
          branches.forEach((metrics, b) => received[b].push(...metrics));
        },
        onError(error) {
          throw error;
        },
        beforeSteps: () => Infinity,
        onPauseStep() {},
      });
      loop.setSession(fork);
      loop.setSpeed(speed);

      // The second branch finishes nothing: the loop stops issuing within its back-pressure bound.
      second.held = true;
      loop.play();
      await runFrames(3);
      const issuedWhileHeld = fork.stepsTaken - forkAt;
      const name = `forked at ${forkAt}, speed ${speed}`;
      expect(issuedWhileHeld, name).toBeGreaterThan(0);
      // At most two frames' worth in flight (MAX_FRAMES_IN_FLIGHT) of at most 256 steps each, plus the frame that grew them.
      expect(issuedWhileHeld, name).toBeLessThanOrEqual(3 * 256);
      expect(received[1], name).toHaveLength(0);

      // Released, it catches up and the loop goes on.
      second.held = false;
      await runFrames(2);
      loop.pause();
      await runFrames(0.2);
      expect(first.stepsTaken, name).toBe(second.stepsTaken);
      expect(fork.stepsTaken - forkAt, name).toBeGreaterThan(issuedWhileHeld);
      received.forEach((metrics, b) => {
        expect(metrics.map((m) => m.step), `${name}, branch ${b}`).toEqual(Array.from({ length: fork.stepsTaken - forkAt }, (_, i) => forkAt + i));
        expect(new Set(metrics.map((m) => m.activeLoss)), `${name}, branch ${b}`).toEqual(new Set([b === 0 ? 'mse' : 'cross_entropy']));
      });
      loop.hostDisconnected();
    }
  });
});
