/**
 * The sweep in Node: axis values, every class of bad setup refused with its field named, the runs
 * of a cell pairing MSE and cross-entropy from the same weights and batches, the stall criterion,
 * and a whole small sweep trained on the CPU path whose summaries match single runs.
 */
import { describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer';
import type { Dataset } from '../../src/model/dataset';
import { initParameters } from '../../src/model/init';
import { createRng } from '../../src/model/rng';
import {
  MAX_SWEEP_CELLS,
  MAX_SWEEP_RUNS,
  SweepSummaries,
  axisValues,
  cellMeasure,
  defaultSweepSetup,
  parseSweepSetup,
  runIndex,
  smoothingSteps,
  sweepCells,
  sweepGroups,
  sweepRuns,
  validateSweepFor,
  validateSweepSetup,
  type SweepSetup,
} from '../../src/model/sweep';
import { DEFAULT_SPEC, cloneSpec, type NetworkSpec } from '../../src/model/spec';
import { SweepRefusal, SweepRun } from '../../src/train/sweep-run';

function xorDataset(count = 64): Dataset {
  const rng = createRng(4);
  const trainX = new Float32Array(count * 2);
  const trainY = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    trainX[2 * i] = 2 * rng.next() - 1;
    trainX[2 * i + 1] = 2 * rng.next() - 1;
    trainY[i] = trainX[2 * i] * trainX[2 * i + 1] > 0 ? 1 : 0;
  }
  return { name: 'xor', inputSize: 2, outputSize: 1, trainX, trainY, trainCount: count, testX: new Float32Array(0), testY: new Float32Array(0), testCount: 0 };
}

const BASE: NetworkSpec = { ...cloneSpec(DEFAULT_SPEC), widths: [2, 4, 1], hiddenActivations: ['sigmoid'], batchSize: 8, seed: 5 };

function setup(changes: Partial<SweepSetup> = {}): SweepSetup {
  return { ...defaultSweepSetup(), ...changes };
}

/** The fields of every problem of a setup. */
function fields(s: SweepSetup): string[] {
  return validateSweepSetup(s).map((p) => p.field);
}

describe('sweep axes', () => {
  it('space log settings by a constant factor, linear ones by a constant step, rounding whole ones', () => {
    expect(axisValues({ setting: 'initScale', from: 1, to: 16, count: 5 })).toEqual([1, 2, 4, 8, 16]);
    expect(axisValues({ setting: 'learningRate', from: 0.01, to: 1, count: 3 })).toEqual([0.01, 0.1, 1]);
    expect(axisValues({ setting: 'seed', from: 3, to: 9, count: 4 })).toEqual([3, 5, 7, 9]);
    expect(axisValues({ setting: 'batchSize', from: 4, to: 64, count: 3 })).toEqual([4, 16, 64]);
    expect(axisValues({ setting: 'hiddenWidth', from: 2, to: 8, count: 1 })).toEqual([2]);
  });
});

describe('bad sweep setups are refused, the field named', () => {
  it('empty ranges', () => {
    expect(fields(setup({ x: { setting: 'initScale', from: 2, to: 2, count: 3 } }))).toEqual(['x.to']);
    expect(fields(setup({ y: { setting: 'learningRate', from: 0.5, to: 0.5, count: 2 } }))).toEqual(['y.to']);
    expect(fields(setup({ x: { setting: 'initScale', from: 1, to: 4, count: 0 } }))).toEqual(['x.count']);
    // Whole values: 1 to 3 holds three seeds, not five.
    expect(fields(setup({ y: { setting: 'seed', from: 1, to: 3, count: 5 } }))).toEqual(['y.count']);
  });

  it('inverted ranges', () => {
    for (const [from, to] of [[4, 1], [1, 0.5], [16, 15.9]]) {
      const problems = validateSweepSetup(setup({ x: { setting: 'initScale', from, to, count: 3 } }));
      expect(problems.map((p) => p.field)).toEqual(['x.to']);
      expect(problems[0].message).toContain('inverted');
    }
    expect(fields(setup({ y: { setting: 'batchSize', from: 64, to: 8, count: 2 } }))).toEqual(['y.to']);
  });

  it('too many cells, too many runs, too many values on an axis', () => {
    expect(fields(setup({ x: { setting: 'initScale', from: 1, to: 32, count: 32 }, y: { setting: 'learningRate', from: 0.01, to: 1, count: 32 } }))).toEqual([]);
    const tooMany = validateSweepSetup(setup({ x: { setting: 'initScale', from: 1, to: 32, count: 32 }, y: { setting: 'seed', from: 1, to: 33, count: 33 } }));
    expect(tooMany).toEqual([{ field: 'y.count', message: `32 × 33 = 1056 cells is too many; a sweep holds at most ${MAX_SWEEP_CELLS}.` }]);
    expect(fields(setup({ x: { setting: 'initScale', from: 1, to: 64, count: 64 } }))).toEqual([]);
    expect(fields(setup({ x: { setting: 'initScale', from: 1, to: 64, count: 65 } }))).toEqual(['x.count']);
    const runs = validateSweepSetup(setup({ x: { setting: 'initScale', from: 1, to: 16, count: 16 }, y: { setting: 'learningRate', from: 0.1, to: 1, count: 16 }, seedsPerCell: 64 }));
    expect(runs.map((p) => p.field)).toEqual(['seedsPerCell']);
    expect(runs[0].message).toContain(`over the limit of ${MAX_SWEEP_RUNS}; give at most 32 seeds per cell`);
  });

  it('values that are not numbers, or out of the setting’s range, or not whole where they must be', () => {
    const cases: [unknown, string][] = [
      [{ ...setup(), x: { setting: 'initScale', from: 'abc', to: 4, count: 3 } }, 'x.from'],
      [{ ...setup(), y: { setting: 'learningRate', from: 0.1, to: null, count: 3 } }, 'y.to'],
      [{ ...setup(), steps: '100' }, 'steps'],
      [{ ...setup(), threshold: 'low' }, 'threshold'],
      [{ ...setup(), seedsPerCell: true }, 'seedsPerCell'],
    ];
    for (const [value, field] of cases) expect(parseSweepSetup(value).problems.map((p) => p.field), field).toEqual([field]);
    expect(fields(setup({ x: { setting: 'initScale', from: Number.NaN, to: 4, count: 3 } }))).toEqual(['x.from']);
    expect(fields(setup({ x: { setting: 'initScale', from: -1, to: 4, count: 3 } }))).toEqual(['x.from']);
    expect(fields(setup({ y: { setting: 'batchSize', from: 2.5, to: 8, count: 2 } }))).toEqual(['y.from']);
    expect(fields(setup({ steps: 0 }))).toEqual(['steps']);
    expect(fields(setup({ steps: 1.5 }))).toEqual(['steps']);
    expect(fields(setup({ seedsPerCell: 0 }))).toEqual(['seedsPerCell']);
    expect(fields(setup({ threshold: 0 }))).toEqual(['threshold']);
  });

  it('the same setting on both axes, an unknown setting, unknown or missing fields', () => {
    expect(fields(setup({ y: { setting: 'initScale', from: 1, to: 2, count: 2 } }))).toEqual(['y.setting']);
    expect(parseSweepSetup({ ...setup(), x: { ...setup().x, setting: 'momentum' } }).problems.map((p) => p.field)).toEqual(['x.setting']);
    expect(parseSweepSetup({ ...setup(), colour: 'red' }).problems.map((p) => p.field)).toEqual(['colour']);
    const { steps: _steps, ...missing } = setup();
    expect(parseSweepSetup(missing).problems).toEqual([{ field: 'steps', message: 'Missing.' }]);
    expect(parseSweepSetup('{}').problems.map((p) => p.field)).toEqual(['sweep']);
    expect(parseSweepSetup(setup()).setup).toEqual(setup());
  });

  it('cells the network or its data cannot train, under the axis that set the value', () => {
    const data = xorDataset();
    expect(validateSweepFor(setup({ y: { setting: 'batchSize', from: 8, to: 128, count: 3 } }), BASE, data)).toEqual([
      { field: 'y.to', message: 'The batch size 128 is larger than the 64 training samples.' },
    ]);
    expect(validateSweepFor(setup(), { ...BASE, outputActivation: 'linear' }, data).map((p) => p.field)).toEqual(['network.outputActivation']);
    expect(validateSweepFor(setup({ x: { setting: 'hiddenWidth', from: 2, to: 8, count: 2 } }), { ...BASE, widths: [2, 1], hiddenActivations: [] }, data).map((p) => p.field)).toEqual(['x.setting']);
    expect(validateSweepFor(setup({ y: { setting: 'seed', from: 4294967290, to: 4294967295, count: 2 }, seedsPerCell: 3 }), BASE, data).map((p) => p.field)).toEqual(['y.to']);
    expect(validateSweepFor(setup(), { ...BASE, widths: [3, 4, 1] }, data).map((p) => p.field)).toEqual(['network.widths[0]']);
  });
});

describe('sweep runs', () => {
  const s = setup({ x: { setting: 'initScale', from: 1, to: 4, count: 3 }, y: { setting: 'seed', from: 10, to: 20, count: 2 }, seedsPerCell: 2 });
  const cells = sweepCells(s, BASE);
  const runs = sweepRuns(s, cells);

  it('pair MSE with cross-entropy from the same weights and batches, per seed of each cell', () => {
    expect(runs).toHaveLength(3 * 2 * 2 * 2);
    runs.forEach((run, i) => expect(run.index).toBe(i));
    for (let i = 0; i < runs.length; i += 2) {
      const [mse, ce] = [runs[i], runs[i + 1]];
      expect([mse.loss, ce.loss]).toEqual(['mse', 'cross_entropy']);
      expect({ ...ce.spec, loss: 'mse' }).toEqual(mse.spec);
      expect(initParameters(ce.spec)).toEqual(initParameters(mse.spec));
    }
    const cell = cells[4];
    expect([cell.xValue, cell.yValue, cell.spec.init.scale, cell.spec.seed]).toEqual([2, 20, 2, 20]);
    const second = runs[runIndex(s, 4, 1, 'cross_entropy')];
    expect([second.cell, second.seedNumber, second.spec.seed, second.spec.init.scale]).toEqual([4, 1, 21, 2]);
  });

  it('share one replica session per network shape', () => {
    expect(sweepGroups(runs)).toHaveLength(1);
    const shaped = setup({ x: { setting: 'batchSize', from: 4, to: 16, count: 3 }, y: { setting: 'hiddenWidth', from: 2, to: 3, count: 2 } });
    const groups = sweepGroups(sweepRuns(shaped, sweepCells(shaped, BASE)));
    expect(groups).toHaveLength(6);
    for (const group of groups) {
      expect(group.runs).toHaveLength(2);
      expect(group.replicas.map((r) => r.loss)).toEqual(['mse', 'cross_entropy']);
    }
  });
});

describe('the stall criterion', () => {
  it('averages a tenth of the run, 1 to 50 steps', () => {
    expect([5, 50, 300, 2000, 100000].map(smoothingSteps)).toEqual([1, 5, 30, 50, 50]);
  });

  it('counts steps to the threshold on the smoothed MSE and calls a finished run above it stalled', () => {
    const summaries = new SweepSummaries(3, 20, 0.1);
    for (let step = 0; step < 20; step++) {
      summaries.record(0, step < 9 ? 0.3 : 0.01);
      summaries.record(1, 0.25);
      // One lucky batch alone does not count: the average of two steps must be below.
      summaries.record(2, step === 4 ? 0.0 : 0.24);
      if (step < 19) expect(summaries.stalled(0)).toBeNull();
    }
    expect(summaries.stepsToThreshold[0]).toBe(11);
    expect(summaries.stalled(0)).toBe(false);
    expect(summaries.stepsToThreshold[1]).toBe(0);
    expect(summaries.stalled(1)).toBe(true);
    expect(summaries.stepsToThreshold[2]).toBe(0);
    expect(summaries.smoothedMse(1)).toBeCloseTo(0.25, 12);
    expect(summaries.firstMse[0]).toBe(0.3);
  });

  it('sums a cell up over its seeds', () => {
    const s = setup({ seedsPerCell: 3, steps: 10 });
    const summaries = new SweepSummaries(6, 10, s.threshold);
    expect(cellMeasure(s, summaries, 0, 'mse', 'finalMse')).toBeNaN();
    const mse = [0.3, 0.05, 0.2];
    for (let step = 0; step < 10; step++) for (let k = 0; k < 3; k++) {
      summaries.record(runIndex(s, 0, k, 'mse'), mse[k]);
      summaries.record(runIndex(s, 0, k, 'cross_entropy'), step < 3 + k ? 0.2 : 0.01);
    }
    expect(cellMeasure(s, summaries, 0, 'mse', 'finalMse')).toBeCloseTo(0.55 / 3, 12);
    expect(cellMeasure(s, summaries, 0, 'mse', 'stalled')).toBeCloseTo(2 / 3, 12);
    expect(cellMeasure(s, summaries, 0, 'mse', 'stepsToThreshold')).toBe(Number.POSITIVE_INFINITY);
    expect(cellMeasure(s, summaries, 0, 'cross_entropy', 'stalled')).toBe(0);
    expect(cellMeasure(s, summaries, 0, 'cross_entropy', 'stepsToThreshold')).toBe(5);
  });
});

describe('SweepRun on the CPU path', () => {
  it('trains every run of a small sweep, each exactly as its single run', async () => {
    const data = xorDataset();
    const s = setup({ x: { setting: 'initScale', from: 1, to: 8, count: 2 }, y: { setting: 'batchSize', from: 4, to: 8, count: 2 }, steps: 30, seedsPerCell: 2 });
    const sweep = await SweepRun.start({ setup: s, base: BASE, dataset: data, backend: 'cpu' });
    expect(sweep.groups).toHaveLength(2);
    let advances = 0;
    while (!sweep.finished) {
      await sweep.advance();
      expect(++advances).toBeLessThan(1000);
    }
    expect(sweep.replicaStepsDone).toBe(sweep.totalReplicaSteps);
    for (const run of sweep.runs) {
      const single = new CpuTrainer(run.spec, data);
      const mse = Array.from({ length: s.steps }, () => single.step().losses.mse);
      const tail = mse.slice(-smoothingSteps(s.steps));
      expect(sweep.summaries.smoothedMse(run.index)).toBeCloseTo(tail.reduce((a, b) => a + b, 0) / tail.length, 12);
      expect(sweep.summaries.firstMse[run.index]).toBe(mse[0]);
    }
    await sweep.dispose();
  });

  it('refuses a bad sweep with every problem under its field, opening nothing', async () => {
    const data = xorDataset();
    const refusal = await SweepRun.start({ setup: setup({ x: { setting: 'initScale', from: 4, to: 1, count: 3 }, steps: 0 }), base: BASE, dataset: data, backend: 'cpu' }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(SweepRefusal);
    expect((refusal as SweepRefusal).problems.map((p) => p.field)).toEqual(['x.to', 'steps']);
    const wide = { ...BASE, widths: [2, 4096, 1] };
    const memory = await SweepRun.start({ setup: setup({ steps: 10, seedsPerCell: 100 }), base: wide, dataset: data, backend: 'cpu' }).catch((e: unknown) => e);
    expect((memory as SweepRefusal).problems.map((p) => p.field)).toEqual(['seedsPerCell']);
    expect((memory as SweepRefusal).problems[0].message).toContain('replicas of [2, 4096, 1] with batch 8 need');
  });
});
