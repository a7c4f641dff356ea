import { describe, expect, it } from 'vitest';
import { computeGradients } from '../../src/cpu/network';
import { applyOptimizer } from '../../src/cpu/optimizer';
import { CpuSession } from '../../src/train/cpu-session';
import { CPU_MEMORY_LIMIT_BYTES, CpuTrainer, cpuTrainerBytes } from '../../src/cpu/trainer';
import type { Dataset } from '../../src/model/dataset';
import { BatchSchedule, shuffleSeed } from '../../src/model/batches';
import { initParameters } from '../../src/model/init';
import { createRng } from '../../src/model/rng';
import { DEFAULT_SPEC, cloneSpec, type NetworkSpec } from '../../src/model/spec';
import type { StepMetrics } from '../../src/model/session';
import { expectClose, oracleForward, rows } from './cpu-oracle';

/** Points in the square ±1 labelled by the XOR of their signs; 50 samples, so batches of 8 straddle epochs. */
function xorDataset(seed: number, count = 50): Dataset {
  const rng = createRng(seed);
  const trainX = new Float32Array(count * 2);
  const trainY = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    trainX[2 * i] = 2 * rng.next() - 1;
    trainX[2 * i + 1] = 2 * rng.next() - 1;
    trainY[i] = trainX[2 * i] * trainX[2 * i + 1] > 0 ? 1 : 0;
  }
  return {
    name: 'xor-test',
    inputSize: 2,
    outputSize: 1,
    trainX,
    trainY,
    trainCount: count,
    testX: trainX.slice(0, 20),
    testY: trainY.slice(0, 10),
    testCount: 10,
  };
}

function xorSpec(overrides: Partial<NetworkSpec> = {}): NetworkSpec {
  return { ...cloneSpec(DEFAULT_SPEC), widths: [2, 6, 1], hiddenActivations: ['tanh'], batchSize: 8, seed: 3, ...overrides };
}

/** Inputs and targets of step `step`'s batch, gathered here from the schedule rather than by the trainer. */
function batchOf(spec: NetworkSpec, data: Dataset, step: number): { inputs: Float64Array; targets: Float64Array } {
  const indices = new Uint32Array(spec.batchSize);
  new BatchSchedule(data.trainCount, spec.batchSize, shuffleSeed(spec.seed)).indicesForStep(step, indices);
  return {
    inputs: Float64Array.from(Array.from(indices).flatMap((i) => [data.trainX[2 * i], data.trainX[2 * i + 1]])),
    targets: Float64Array.from(indices, (i) => data.trainY[i]),
  };
}

function runSteps(trainer: CpuTrainer, steps: number): StepMetrics[] {
  return Array.from({ length: steps }, () => trainer.step());
}

describe('CpuTrainer', () => {
  it('trains step s on the schedule’s batch s, reports metrics before the update, then applies it', () => {
    const spec = xorSpec({ optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'sgd', learningRate: 0.3 } });
    const data = xorDataset(1);
    const trainer = new CpuTrainer(spec, data);
    runSteps(trainer, 7); // the batch of step 7 straddles the first and second epoch (56 > 50)
    const before = trainer.parameters.slice();
    const metrics = trainer.step();
    const { inputs, targets } = batchOf(spec, data, 7);
    const expected = computeGradients(spec, before, inputs, targets, spec.batchSize, 'mse');
    expect(metrics).toEqual({
      step: 7,
      activeLoss: 'mse',
      losses: { mse: expected.losses.mse, cross_entropy: expected.losses.cross_entropy },
      gradNormW: expected.gradNormW,
      gradNormB: expected.gradNormB,
      globalGradNorm: expected.globalGradNorm,
      outputDeltaNorm: expected.outputDeltaNorm,
      saturatedFraction: expected.saturatedFraction,
    });
    expect(trainer.parameters).toEqual(before.map((p, i) => p - 0.3 * expected.gradient[i]));
    expect(trainer.stepsTaken).toBe(8);
  });

  it('reproduces a seeded run bit for bit, and a different seed gives a different run', () => {
    const spec = xorSpec({ optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam', learningRate: 0.05 } });
    const data = xorDataset(2);
    const first = new CpuTrainer(spec, data);
    const second = new CpuTrainer(spec, data);
    const firstMetrics = runSteps(first, 30);
    expect(runSteps(second, 30)).toEqual(firstMetrics);
    expect(second.parameters).toEqual(first.parameters);
    expect(second.optimizerState).toEqual(first.optimizerState);
    const otherSeed = new CpuTrainer({ ...spec, seed: spec.seed + 1 }, data);
    expect(runSteps(otherSeed, 30).map((m) => m.losses.mse)).not.toEqual(firstMetrics.map((m) => m.losses.mse));
  });

  it('switching the loss keeps weights, optimizer state and batch order; the next step follows the new loss', () => {
    const spec = xorSpec({ optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam', learningRate: 0.05 } });
    const data = xorDataset(3);
    const trainer = new CpuTrainer(spec, data);
    runSteps(trainer, 5);
    const beforeSwitch = trainer.snapshot();
    trainer.setLoss('cross_entropy');
    const afterSwitch = trainer.snapshot();
    expect(afterSwitch).toEqual({ ...beforeSwitch, loss: 'cross_entropy' });
    expect(trainer.spec.loss).toBe('cross_entropy');

    const metrics = trainer.step();
    const { inputs, targets } = batchOf(spec, data, 5);
    const expected = computeGradients(spec, beforeSwitch.parameters, inputs, targets, spec.batchSize, 'cross_entropy');
    expect(metrics.step).toBe(5);
    expect(metrics.activeLoss).toBe('cross_entropy');
    expect(metrics.globalGradNorm).toBe(expected.globalGradNorm);
    expect([metrics.losses.mse, metrics.losses.cross_entropy]).toEqual([expected.losses.mse, expected.losses.cross_entropy]);
    // The update continues Adam from its sixth step with the moments it had.
    const parameters = beforeSwitch.parameters.slice();
    applyOptimizer(spec.optimizer, parameters, expected.gradient, { slots: beforeSwitch.optimizerSlots.map((s) => s.slice()), t: 5 });
    expect(trainer.parameters).toEqual(parameters);
  });

  it('reports both losses every step and which one drove it, across switches back and forth', () => {
    const trainer = new CpuTrainer(xorSpec(), xorDataset(4));
    const active: string[] = [];
    for (const loss of ['mse', 'cross_entropy', 'mse'] as const) {
      trainer.setLoss(loss);
      for (const m of runSteps(trainer, 3)) {
        active.push(m.activeLoss);
        expect(Number.isFinite(m.losses.mse) && Number.isFinite(m.losses.cross_entropy)).toBe(true);
      }
    }
    expect(active).toEqual(['mse', 'mse', 'mse', 'cross_entropy', 'cross_entropy', 'cross_entropy', 'mse', 'mse', 'mse']);
  });

  it('continues exactly from a snapshot restored into a new trainer', () => {
    const spec = xorSpec({ optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'momentum', learningRate: 0.1 } });
    const data = xorDataset(5);
    const straight = new CpuTrainer(spec, data);
    runSteps(straight, 6);
    const snapshot = straight.snapshot();
    const straightTail = runSteps(straight, 6);
    const resumed = new CpuTrainer(spec, data);
    resumed.restore(snapshot);
    expect(resumed.stepsTaken).toBe(6);
    expect(runSteps(resumed, 6)).toEqual(straightTail);
    expect(resumed.parameters).toEqual(straight.parameters);
    expect(resumed.optimizerState).toEqual(straight.optimizerState);
    // The snapshot was copied: training on did not change it.
    expect(snapshot.step).toBe(6);
    expect(snapshot.parameters).not.toEqual(straight.parameters);
  });

  it('learns XOR: cross-entropy with Adam brings the loss well down', () => {
    const spec = xorSpec({
      widths: [2, 8, 1],
      loss: 'cross_entropy',
      optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam', learningRate: 0.05 },
    });
    const trainer = new CpuTrainer(spec, xorDataset(6, 64));
    const metrics = runSteps(trainer, 600);
    const meanLoss = (part: StepMetrics[]): number => part.reduce((s, m) => s + m.losses.cross_entropy, 0) / part.length;
    // An untrained net sits near log 2 ≈ 0.69; a net that separates the quadrants gets far below it.
    expect(meanLoss(metrics.slice(0, 20))).toBeGreaterThan(0.5);
    expect(meanLoss(metrics.slice(-20))).toBeLessThan(0.2);
  });

  it('from a saturated start, MSE’s output delta nearly vanishes while cross-entropy’s does not', () => {
    const spec = xorSpec({ init: { kind: 'glorot', scale: 30 } });
    const data = xorDataset(7);
    const mse = new CpuTrainer(spec, data).step();
    const crossEntropy = new CpuTrainer({ ...spec, loss: 'cross_entropy' }, data).step();
    expect(mse.saturatedFraction).toBeGreaterThan(0.5);
    expect(crossEntropy.saturatedFraction).toBe(mse.saturatedFraction);
    expect(mse.outputDeltaNorm).toBeLessThan(0.1 * crossEntropy.outputDeltaNorm);
  });

  it('starts from given parameters (a copy) or from the seeded initialisation', () => {
    const spec = xorSpec();
    const data = xorDataset(8);
    expect(new CpuTrainer(spec, data).parameters).toEqual(initParameters(spec));
    const given = initParameters({ ...spec, seed: 99 });
    const trainer = new CpuTrainer(spec, data, given);
    trainer.step();
    expect(given).toEqual(initParameters({ ...spec, seed: 99 }));
    expect(() => new CpuTrainer(spec, data, new Float64Array(5))).toThrow(/network \[2, 6, 1\] has 25 parameters but 5 were given/);
  });

  it('refuses invalid specs, a loss the output cannot take, and snapshots of another network or optimizer, saying why', () => {
    const data = xorDataset(9);
    expect(() => new CpuTrainer(xorSpec({ widths: [2, 0, 1] }), data)).toThrow(/widths\[1\]: The width of hidden layer 1 must be a whole number/);
    expect(() => new CpuTrainer(xorSpec({ widths: [3, 6, 1] }), data)).toThrow(/widths\[0\]: The dataset has 2 input feature\(s\)/);
    const linear = new CpuTrainer(xorSpec({ outputActivation: 'linear' }), data);
    expect(() => linear.setLoss('cross_entropy')).toThrow(/cross-entropy needs probabilities/);
    expect(linear.spec.loss).toBe('mse');
    const adam = new CpuTrainer(xorSpec({ optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'adam' } }), data);
    const sgdSnapshot = new CpuTrainer(xorSpec(), data).snapshot();
    expect(() => adam.restore(sgdSnapshot)).toThrow(/adam keeps 2 slot\(s\) of 25 values, got \[\]/);
    expect(() => adam.restore({ ...adam.snapshot(), parameters: new Float64Array(3) })).toThrow(/has 25 parameters but 3 were given/);
  });
});

describe('CpuSession', () => {
  it('returns each step’s metrics once, in order, matching a CpuTrainer of the same spec', async () => {
    const spec = xorSpec();
    const data = xorDataset(10);
    const session = new CpuSession(spec, data);
    await session.train(4);
    session.setLoss('cross_entropy');
    await session.train(3);
    await session.flush();
    const metrics = await session.takeMetrics();
    expect(await session.takeMetrics()).toEqual([]);
    const trainer = new CpuTrainer(spec, data);
    const expected = runSteps(trainer, 4);
    trainer.setLoss('cross_entropy');
    expected.push(...runSteps(trainer, 3));
    expect(metrics).toEqual(expected);
    expect(metrics.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(session.stepsTaken).toBe(7);
    expect(session.spec.loss).toBe('cross_entropy');
    expect(spec.loss).toBe('mse');
    expect(session.backend).toBe('cpu');
  });

  it('evaluates inputs with the current parameters, rounded to float32', async () => {
    const spec = xorSpec();
    const session = new CpuSession(spec, xorDataset(11));
    await session.train(5);
    const { parameters } = await session.snapshot();
    const inputs = Float32Array.from([0.5, -0.25, -1, 1, 0, 0]);
    const expected = rows(inputs, 2).flatMap((x) => oracleForward(spec, parameters, x).o);
    // float32 rounding of values in (0, 1): half an ulp, 2⁻²⁴ relative.
    expectClose('outputs', await session.evaluate(inputs, 3), expected, 0, 2 ** -24);
    expect(await session.evaluate(inputs, 0)).toEqual(new Float32Array(0));
  });

  it('restore drops metrics not yet taken and continues from the snapshot', async () => {
    const session = new CpuSession(xorSpec(), xorDataset(12));
    await session.train(3);
    const snapshot = await session.snapshot();
    await session.train(2);
    await session.restore(snapshot);
    expect(await session.takeMetrics()).toEqual([]);
    await session.train(1);
    expect((await session.takeMetrics()).map((m) => m.step)).toEqual([3]);
  });

  it('refuses a network whose float64 storage exceeds the CPU limit before allocating it, naming both sizes', () => {
    const data = xorDataset(1);
    const wide = xorSpec({ widths: [2, 65536, 65536, 1], hiddenActivations: ['tanh', 'tanh'] });
    // Counted here independently: two 65536-wide layers hold 2·65536 + 65536² + 65536 + 65536 + 1
    // parameters; SGD keeps parameters and gradient (2 vectors); 3 values per unit per sample.
    const parameters = 2 * 65536 + 65536 + 65536 * 65536 + 65536 + 65536 + 1;
    const activations = 3 * wide.batchSize * (2 + 65536 + 65536 + 1);
    const bytes = 8 * (2 * parameters + activations);
    expect(cpuTrainerBytes(wide)).toBe(bytes);
    expect(bytes).toBeGreaterThan(CPU_MEMORY_LIMIT_BYTES);
    const gib = (bytes / 1024 ** 3).toFixed(1);
    expect(() => new CpuTrainer(wide, data)).toThrow(`needs ${gib} GiB on the CPU path, over its limit of 2 GiB`);
    expect(cpuTrainerBytes(xorSpec())).toBeLessThan(CPU_MEMORY_LIMIT_BYTES);
  });

  it('refuses a fractional step count and any use after dispose', async () => {
    const session = new CpuSession(xorSpec(), xorDataset(13));
    await expect(session.train(1.5)).rejects.toThrow(/whole number of steps, got 1.5/);
    session.dispose();
    await expect(session.train(1)).rejects.toThrow(/disposed/);
    expect(() => session.setLoss('mse')).toThrow(/disposed/);
  });
});
