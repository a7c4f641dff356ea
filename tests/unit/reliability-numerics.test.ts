/**
 * Numerical extremes on the float64 CPU path, and the GuardedSession that stops a diverging run:
 * saturated logits, a learning rate that blows the weights up, an all-zero dataset, a width-1
 * bottleneck.
 */
import { describe, expect, it } from 'vitest';
import { computeGradients, forward } from '../../src/cpu/network';
import { initParameters } from '../../src/model/init';
import { CpuSession } from '../../src/train/cpu-session';
import { CpuTrainer } from '../../src/cpu/trainer';
import type { Dataset } from '../../src/model/dataset';
import { makeSyntheticDataset } from '../../src/data/synthetic';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import type { OutputActivation } from '../../src/model/activations';
import { LOSS_NAMES, type LossName } from '../../src/model/losses';
import { GuardedSession, type GuardEvent } from '../../src/train/guarded-session';
import type { StepMetrics } from '../../src/model/session';

const isLossName = (name: string): name is LossName => (LOSS_NAMES as string[]).includes(name);

function specOf(changes: Partial<NetworkSpec>): NetworkSpec {
  return { ...cloneSpec(DEFAULT_SPEC), ...changes };
}

/** Every figure of StepMetrics that must be finite (cross-entropy only where it is defined). */
function nonFiniteFigures(metrics: StepMetrics, output: OutputActivation): string[] {
  const figures: [string, number][] = [
    ['mse', metrics.losses.mse],
    ['outputDeltaNorm', metrics.outputDeltaNorm],
    ['globalGradNorm', metrics.globalGradNorm],
    ['saturatedFraction', metrics.saturatedFraction],
    ...metrics.gradNormW.map((value, l): [string, number] => [`gradNormW[${l}]`, value]),
    ...metrics.gradNormB.map((value, l): [string, number] => [`gradNormB[${l}]`, value]),
  ];
  if (output !== 'linear') figures.push(['crossEntropy', metrics.losses.cross_entropy]);
  return figures.filter(([, value]) => !Number.isFinite(value)).map(([name, value]) => `step ${metrics.step} ${name}=${value}`);
}

function expectAllFinite(metrics: StepMetrics[], output: OutputActivation): void {
  expect(metrics.length).toBeGreaterThan(0);
  expect(metrics.flatMap((m) => nonFiniteFigures(m, output))).toEqual([]);
}

function guardOf(spec: NetworkSpec, dataset: Dataset, events: GuardEvent[], snapshotEverySteps: number): Promise<GuardedSession> {
  return GuardedSession.create({
    createSession: async () => new CpuSession(spec, dataset),
    onStatus: (event) => events.push(event),
    snapshotEverySteps,
    // Steps alone set the cadence here, so the kept snapshot can be compared with the reference run.
    minSnapshotIntervalMs: 0,
  });
}

describe('saturated logits of ±100', () => {
  // Softplus computed from z, never log(1 − sigmoid(z)): float64 sigmoid(100) is exactly 1.
  const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  const cases: { output: OutputActivation; loss: LossName }[] = [
    { output: 'sigmoid', loss: 'mse' },
    { output: 'sigmoid', loss: 'cross_entropy' },
    { output: 'softmax', loss: 'mse' },
    { output: 'softmax', loss: 'cross_entropy' },
    { output: 'linear', loss: 'mse' },
  ];
  for (const { output, loss } of cases) {
    it(`${output} + ${loss}: finite losses, output delta and gradients, with targets opposite to the prediction`, () => {
      // One layer [1 → 2], input 1, weights +100 and −100: logits z = (100, −100) exactly.
      const network = { widths: [1, 2], hiddenActivations: [], outputActivation: output };
      const parameters = Float64Array.from([100, -100, 0, 0]);
      const targets = Float64Array.from([0, 1]);
      const result = computeGradients(network, parameters, Float64Array.from([1]), targets, 1, loss);
      expect(result.forward.preActivations[0]).toEqual(Float64Array.from([100, -100]));
      expect(Number.isFinite(result.losses.mse)).toBe(true);
      expect(Array.from(result.gradient).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(result.outputDeltaNorm)).toBe(true);
      expect(Number.isFinite(result.globalGradNorm)).toBe(true);
      // The loss is the one the formulas of DESIGN.md give, not merely finite.
      if (output === 'sigmoid') {
        expect(result.losses.cross_entropy).toBeCloseTo((softplus(100) - 0 * 100 + softplus(-100) - 1 * -100) / 2, 10);
      } else if (output === 'softmax') {
        const logSumExp = 100 + Math.log1p(Math.exp(-200));
        expect(result.losses.cross_entropy).toBeCloseTo(logSumExp - -100, 10);
      } else {
        expect(result.losses.cross_entropy).toBeNaN();
      }
    });
  }

  it('a CPU session started with logits beyond ±100 trains 50 steps with finite metrics', async () => {
    const dataset = makeSyntheticDataset({ kind: 'blobs', classes: 3, samples: 120, seed: 5 });
    // A large init scale on a 2→3 softmax layer puts the logits of most samples beyond ±100.
    const spec = specOf({ widths: [2, 3], hiddenActivations: [], outputActivation: 'softmax', loss: 'cross_entropy', init: { kind: 'glorot', scale: 400 } });
    const logits = forward(spec, initParameters(spec), dataset.trainX, dataset.trainCount).preActivations[0];
    const beyond100 = logits.filter((z) => Math.abs(z) >= 100).length;
    expect(beyond100 / logits.length, 'the premise: most logits are at least 100 in magnitude').toBeGreaterThan(0.5);
    const session = new CpuSession(spec, dataset);
    await session.train(50);
    const metrics = await session.takeMetrics();
    expectAllFinite(metrics, 'softmax');
  });
});

describe('learning rate 100: the guard stops at the first non-finite metric', () => {
  const dataset = makeSyntheticDataset({ kind: 'gaussians', samples: 200, seed: 3 });
  const spec = specOf({
    widths: [2, 6, 1],
    hiddenActivations: ['tanh'],
    outputActivation: 'linear',
    loss: 'mse',
    optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'momentum', learningRate: 100 },
    batchSize: 16,
  });

  it('names the step and the layer, keeps the last good parameters exactly, refuses training, and restores', async () => {
    // The unguarded reference run: where the metrics first stop being finite, and every state on the way.
    const reference = new CpuTrainer(spec, dataset);
    const referenceStates = [reference.snapshot()];
    let firstBad = -1;
    for (let step = 0; step < 5000 && firstBad < 0; step++) {
      const metrics = reference.step();
      referenceStates.push(reference.snapshot());
      if (nonFiniteFigures(metrics, 'linear').length > 0) firstBad = step;
    }
    expect(firstBad, 'learning rate 100 should make this net diverge').toBeGreaterThan(0);

    const events: GuardEvent[] = [];
    const guard = await guardOf(spec, dataset, events, 7);
    const taken: StepMetrics[] = [];
    while (guard.condition === 'ready' && guard.stepsTaken < firstBad + 10) {
      await guard.train(3);
      taken.push(...(await guard.takeMetrics()));
    }
    expect(guard.condition).toBe('non-finite');
    const fault = guard.fault!;
    expect(fault.step).toBe(firstBad);
    // The metrics handed on end with the faulty step, and are the reference run's own.
    expect(taken.map((m) => m.step)).toEqual(Array.from({ length: firstBad + 1 }, (_, i) => i));
    const faulty = taken[taken.length - 1];
    const figure = fault.metric === 'gradNormW' || fault.metric === 'gradNormB' ? faulty[fault.metric][fault.layer! - 1] : isLossName(fault.metric) ? faulty.losses[fault.metric] : faulty[fault.metric];
    expect(Number.isFinite(figure)).toBe(false);
    expect(Object.is(figure, fault.value)).toBe(true);

    const stops = events.filter((e) => e.kind === 'non-finite');
    expect(stops).toHaveLength(1);
    const stop = stops[0];
    expect(stop.message).toContain(`Step ${firstBad}:`);
    if (fault.layer !== null) expect(stop.message).toContain(`layer ${fault.layer}'s`);
    expect(stop.message).toContain(String(fault.value));
    expect(stop.message).toContain('learning rate (now 100)');

    // The kept snapshot is the last one whose own step gave finite metrics, with the reference's exact values.
    const kept = guard.lastGoodSnapshot!;
    expect(stop.kind === 'non-finite' && stop.keptStep).toBe(kept.step);
    expect(stop.message).toContain(`parameters of step ${kept.step} are kept`);
    expect(kept.step).toBeLessThan(firstBad);
    expect(firstBad - kept.step).toBeLessThanOrEqual(2 * 7);
    const referenceKept = referenceStates[kept.step];
    expect(kept.parameters).toEqual(referenceKept.parameters);
    expect(kept.optimizerSlots).toEqual(referenceKept.optimizerSlots);

    await expect(guard.train(1)).rejects.toThrow(/training is stopped/);
    expect(await guard.takeMetrics()).toEqual([]);

    await guard.restoreLastGood();
    expect(guard.condition).toBe('ready');
    expect(events[events.length - 1]).toMatchObject({ kind: 'restored', step: kept.step });
    const restored = await guard.snapshot();
    expect(restored.step).toBe(kept.step);
    expect(restored.parameters).toEqual(kept.parameters);
    expect(restored.optimizerSlots).toEqual(kept.optimizerSlots);
    await guard.train(1);
    const [next] = await guard.takeMetrics();
    expect(next.step).toBe(kept.step);
    expect(next.losses.mse).toBe(taken[kept.step].losses.mse);
  });

  it('refuses to restore a snapshot that holds a non-finite value, and changes nothing', async () => {
    const guard = await guardOf(spec, dataset, [], 50);
    await guard.train(5);
    const before = await guard.snapshot();
    const poisoned = { ...before, parameters: before.parameters.slice() };
    poisoned.parameters[3] = Infinity;
    await expect(guard.restore(poisoned)).rejects.toThrow(/parameter 3 = Infinity/);
    expect(await guard.snapshot()).toEqual(before);
  });
});

describe('degenerate data and shapes train with finite metrics', () => {
  function zeroDataset(outputSize: number): Dataset {
    const count = 64;
    return {
      name: 'zeros',
      inputSize: 3,
      outputSize,
      trainX: new Float32Array(count * 3),
      trainY: new Float32Array(count * outputSize),
      trainCount: count,
      testX: new Float32Array(8 * 3),
      testY: new Float32Array(8 * outputSize),
      testCount: 8,
    };
  }
  const zeroCases: { output: OutputActivation; loss: LossName; outputs: number }[] = [
    { output: 'sigmoid', loss: 'cross_entropy', outputs: 1 },
    { output: 'sigmoid', loss: 'mse', outputs: 1 },
    { output: 'softmax', loss: 'cross_entropy', outputs: 3 },
    { output: 'linear', loss: 'mse', outputs: 2 },
  ];
  for (const { output, loss, outputs } of zeroCases) {
    it(`all-zero inputs and targets, ${output} + ${loss}, adam`, async () => {
      const spec = specOf({
        widths: [3, 4, outputs],
        hiddenActivations: ['relu'],
        outputActivation: output,
        loss,
        optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam', learningRate: 0.01 },
        batchSize: 16,
      });
      const events: GuardEvent[] = [];
      const guard = await guardOf(spec, zeroDataset(outputs), events, 40);
      await guard.train(120);
      expectAllFinite(await guard.takeMetrics(), output);
      expect(guard.condition).toBe('ready');
      expect(events).toEqual([]);
    });
  }

  for (const hidden of ['relu', 'tanh', 'sigmoid'] as const) {
    it(`a width-1 ${hidden} bottleneck [2, 8, 1, 8, 1] trains 300 steps`, async () => {
      const spec = specOf({
        widths: [2, 8, 1, 8, 1],
        hiddenActivations: [hidden, hidden, hidden],
        outputActivation: 'sigmoid',
        loss: 'cross_entropy',
        optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'sgd', learningRate: 0.5 },
      });
      const guard = await guardOf(spec, makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 2 }), [], 100);
      await guard.train(300);
      const metrics = await guard.takeMetrics();
      expect(metrics).toHaveLength(300);
      expectAllFinite(metrics, 'sigmoid');
    });
  }
});
