/** Forking a run into an MSE branch and a cross-entropy branch from one state (src/train/fork.ts), on the CPU path. */
import { describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer';
import { makeSyntheticDataset } from '../../src/data/synthetic';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import { CpuSession } from '../../src/train/cpu-session';
import { ForkedRun } from '../../src/train/fork';

const dataset = makeSyntheticDataset({ kind: 'xor', samples: 200, seed: 3 });
const spec: NetworkSpec = { ...cloneSpec(DEFAULT_SPEC), optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam', learningRate: 0.05 } };

async function trainedSession(steps: number): Promise<CpuSession> {
  const session = new CpuSession(spec, dataset);
  await session.train(steps);
  await session.takeMetrics();
  return session;
}

describe('ForkedRun', () => {
  it('starts both branches from bit-identical parameters, optimizer state and step', async () => {
    const fork = await ForkedRun.create(await trainedSession(7), async () => new CpuSession(spec, dataset), ['mse', 'cross_entropy']);
    const [a, b] = await Promise.all(fork.branches.map((branch) => branch.session.snapshot()));
    expect(b.step).toBe(7);
    expect(a.step).toBe(7);
    expect(Array.from(b.parameters)).toEqual(Array.from(a.parameters));
    expect(b.optimizerSlots.map((slot) => Array.from(slot))).toEqual(a.optimizerSlots.map((slot) => Array.from(slot)));
    expect([a.loss, b.loss]).toEqual(['mse', 'cross_entropy']);
    fork.dispose();
  });

  it('trains each branch in lockstep with its own loss, exactly as a run from the fork state with that loss', async () => {
    const fork = await ForkedRun.create(await trainedSession(5), async () => new CpuSession(spec, dataset), ['mse', 'cross_entropy']);
    await fork.train(20);
    const [mseMetrics, ceMetrics] = await fork.takeMetrics();
    expect(fork.stepsTaken).toBe(25);
    expect(mseMetrics.map((m) => m.activeLoss)).toEqual(Array(20).fill('mse'));
    expect(ceMetrics.map((m) => m.activeLoss)).toEqual(Array(20).fill('cross_entropy'));
    for (const [index, loss] of (['mse', 'cross_entropy'] as const).entries()) {
      const reference = new CpuTrainer(spec, dataset);
      reference.restore({ ...fork.forkedFrom, loss });
      const referenceMetrics = Array.from({ length: 20 }, () => reference.step());
      expect((index === 0 ? mseMetrics : ceMetrics).map((m) => m.losses)).toEqual(referenceMetrics.map((m) => m.losses));
      expect(Array.from((await fork.branches[index].session.snapshot()).parameters)).toEqual(Array.from(reference.parameters));
    }
    // The branches did diverge: the two losses drive different updates.
    const [a, b] = await Promise.all(fork.branches.map((branch) => branch.session.snapshot()));
    expect(Array.from(a.parameters)).not.toEqual(Array.from(b.parameters));
    fork.dispose();
  });

  it('keeping a branch disposes the other and hands on the kept one, which trains on alone', async () => {
    const fork = await ForkedRun.create(await trainedSession(3), async () => new CpuSession(spec, dataset), ['mse', 'cross_entropy']);
    await fork.train(4);
    const dropped = fork.branches[0].session;
    const kept = fork.keep(1);
    expect(kept).toBe(fork.branches[1].session);
    await expect(dropped.train(1)).rejects.toThrow(/disposed/);
    await kept.train(2);
    expect(kept.stepsTaken).toBe(9);
    expect(kept.spec.loss).toBe('cross_entropy');
    await expect(fork.train(1)).rejects.toThrow(/this fork has ended/);
  });

  it('refuses a loss the output does not allow before it makes the second branch', async () => {
    const linear: NetworkSpec = { ...spec, outputActivation: 'linear' };
    const session = new CpuSession(linear, dataset);
    let made = 0;
    await expect(
      ForkedRun.create(session, async () => {
        made++;
        return new CpuSession(linear, dataset);
      }, ['mse', 'cross_entropy']),
    ).rejects.toThrow(/cannot fork with cross_entropy: Cross-entropy needs probabilities/);
    expect(made).toBe(0);
  });
});
