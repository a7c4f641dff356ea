/**
 * A long run's history (src/ui/metrics-history.ts) in bounded memory: the exports hold every step
 * kept whole and older steps as min/mean/max rows, and say which; loss switches and test
 * evaluations stay exact; rewinds and late or repeated metrics keep the steps consistent. A small
 * budget stands in for a long run, so the tests stay quick.
 */
import { describe, expect, test } from 'vitest';
import { LOSS_NAMES, LOSSES, type LossName } from '../../src/model/losses';
import { createRng, type Rng } from '../../src/model/rng';
import type { StepMetrics } from '../../src/model/session';
import { describeResolution, MetricsHistory, type TestEvaluation } from '../../src/ui/metrics-history';

const SMALL = { fullRows: 500, bucketsPerLevel: 16 };

/** Step `step`'s metrics: values that vary and spike, every one a multiple of 2⁻¹⁰ so means compare exactly. */
function metricsAt(rng: Rng, step: number, loss: LossName): StepMetrics {
  const value = () => Math.round((1 + Math.sin(step / 700) + (rng.next() < 0.01 ? 50 : rng.next())) * 1024) / 1024;
  return {
    step,
    activeLoss: loss,
    losses: { mse: value(), cross_entropy: value() },
    gradNormW: [value(), value()],
    gradNormB: [0, 0],
    globalGradNorm: value(),
    outputDeltaNorm: value(),
    saturatedFraction: rng.int(9) / 8,
  };
}

/** A history of `steps` steps, switching loss at each step in `switchAt`, with the metrics it was given. */
function longRun(steps: number, switchAt: number[], seed = 5): { history: MetricsHistory; given: StepMetrics[] } {
  const rng = createRng(seed);
  const history = new MetricsHistory(2, SMALL);
  const given: StepMetrics[] = [];
  let loss: LossName = 'mse';
  for (let step = 0; step < steps; step++) {
    if (switchAt.includes(step)) loss = loss === 'mse' ? 'cross_entropy' : 'mse';
    given.push(metricsAt(rng, step, loss));
  }
  for (let start = 0; start < steps; start += 997) history.append(given.slice(start, start + 997));
  return { history, given };
}

/** What every row of an export must hold for the steps it covers: the scan of the metrics given. */
function scanOf(given: readonly StepMetrics[], read: (m: StepMetrics) => number): { mean: number; min: number; max: number } {
  const values = given.map(read);
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

describe('MetricsHistory of a long run', () => {
  test('exportRows covers every step once, newest whole, older in power-of-two rows whose mean, min and max are those of their steps', () => {
    const { history, given } = longRun(30_000, [4_000, 17_500]);
    const rows = history.exportRows();
    expect(rows.firstStep[0]).toBe(0);
    expect(rows.lastStep.at(-1)).toBe(29_999);
    rows.firstStep.forEach((step, r) => {
      if (r > 0) expect(step, `row ${r}`).toBe(rows.lastStep[r - 1] + 1);
    });
    // Ranges: contiguous, coarse to fine, the newest steps one row each.
    expect(rows.ranges.length).toBeGreaterThan(2);
    rows.ranges.forEach((range, i) => {
      expect(Math.log2(range.stepsPerRow) % 1).toBe(0);
      if (i > 0) {
        expect(range.firstStep).toBe(rows.ranges[i - 1].lastStep + 1);
        expect(range.stepsPerRow).toBeLessThan(rows.ranges[i - 1].stepsPerRow);
      }
    });
    // The last bucket before the whole steps may reach into them (buckets keep their place).
    const [coarser, whole] = rows.ranges.slice(-2);
    expect(whole.stepsPerRow).toBe(1);
    expect(whole.lastStep).toBe(29_999);
    expect(whole.firstStep).toBeGreaterThanOrEqual(history.firstFullStep);
    expect(whole.firstStep).toBeLessThan(history.firstFullStep + coarser.stepsPerRow);
    expect(rows.firstStep.length).toBeLessThan(30_000 / 10);
    const reads: [string, (m: StepMetrics) => number][] = [
      ['mse', (m) => m.losses.mse],
      ['cross_entropy', (m) => m.losses.cross_entropy],
      ['grad_norm_w1', (m) => m.gradNormW[0]],
      ['grad_norm_w2', (m) => m.gradNormW[1]],
      ['global_grad_norm', (m) => m.globalGradNorm],
      ['output_delta_norm', (m) => m.outputDeltaNorm],
      ['saturated_fraction', (m) => m.saturatedFraction],
    ];
    expect(rows.series.map((s) => s.csvName)).toEqual(reads.map(([name]) => name));
    for (let r = 0; r < rows.firstStep.length; r += 7) {
      const steps = given.slice(rows.firstStep[r], rows.lastStep[r] + 1);
      reads.forEach(([name, read], s) => {
        expect({ mean: rows.series[s].mean[r], min: rows.series[s].min[r], max: rows.series[s].max[r] }, `${name}, steps ${rows.firstStep[r]}–${rows.lastStep[r]}`).toEqual(scanOf(steps, read));
      });
      // The loss that drove most of the row's steps.
      const drivenBy = (loss: LossName) => steps.filter((m) => m.activeLoss === loss).length;
      const most = LOSS_NAMES.reduce((a, b) => (drivenBy(b) > drivenBy(a) ? b : a));
      expect(rows.active[r], `steps ${rows.firstStep[r]}–${rows.lastStep[r]}`).toBe(LOSSES[most].id);
    }
  });

  test('loss switches and test evaluations stay exact however long the run', () => {
    const switchAt = [3, 1_000, 1_001, 9_999, 20_000, 39_998];
    const { history } = longRun(40_000, switchAt);
    expect(history.switches.map((s) => s.step)).toEqual(switchAt);
    expect(history.switches.map((s) => s.loss)).toEqual(['cross_entropy', 'mse', 'cross_entropy', 'mse', 'cross_entropy', 'mse']);
    const rng = createRng(8);
    const tests: TestEvaluation[] = Array.from({ length: 2_000 }, (_, i) => ({ step: 20 * i, losses: { mse: rng.next(), cross_entropy: rng.next() }, accuracy: rng.next() }));
    for (const evaluation of tests) history.addTest(evaluation);
    expect(history.tests).toEqual(tests);
  });

  test('the CSV of a long run says in its header which steps each row covers, then one row per bucket and per test evaluation', () => {
    const { history, given } = longRun(20_000, [7_000]);
    history.addTest({ step: 50, losses: { mse: 0.5, cross_entropy: 0.25 }, accuracy: 0.75 });
    history.addTest({ step: 19_990, losses: { mse: 0.125, cross_entropy: 0.0625 }, accuracy: 1 });
    const rows = history.exportRows();
    const lines = history.toCsv().trim().split('\n');
    const comments = lines.filter((line) => line.startsWith('#'));
    expect(lines.slice(0, comments.length)).toEqual(comments);
    const header = comments.join(' ');
    expect(header).toContain(describeResolution(rows.ranges));
    for (const range of rows.ranges) expect(header).toContain(`steps ${range.firstStep.toLocaleString('en-US')}–${range.lastStep.toLocaleString('en-US')}`);
    expect(header).toContain('step 7,000 → cross_entropy');
    const columns = lines[comments.length].split(',');
    expect(columns.slice(0, 6)).toEqual(['step', 'last_step', 'active_loss', 'mse', 'mse_min', 'mse_max']);
    expect(columns.slice(-3)).toEqual(['test_mse', 'test_cross_entropy', 'test_accuracy']);
    const body = lines.slice(comments.length + 1).map((line) => line.split(','));
    expect(body).toHaveLength(rows.firstStep.length + 2);
    // Rows in step order; a test evaluation's row after the row holding its step.
    const testRows = body.filter((cells) => cells[2] === '' && cells.at(-1) !== '');
    expect(testRows.map((cells) => [cells[0], cells[1], ...cells.slice(-3)])).toEqual([
      ['50', '50', '0.5', '0.25', '0.75'],
      ['19990', '19990', '0.125', '0.0625', '1'],
    ]);
    for (let i = 1; i < body.length; i++) expect(Number(body[i][0]), `row ${i}`).toBeGreaterThanOrEqual(Number(body[i - 1][0]));
    // A bucket row: its steps' mean, min and max.
    const bucket = body.find((cells) => Number(cells[1]) - Number(cells[0]) >= 63)!;
    const steps = given.slice(Number(bucket[0]), Number(bucket[1]) + 1);
    expect(bucket.slice(3, 6).map(Number)).toEqual(Object.values(scanOf(steps, (m) => m.losses.mse)));
    // The newest rows are single steps, min = mean = max.
    const newest = body.at(-1)!;
    expect(newest.slice(0, 2)).toEqual(['19999', '19999']);
    expect(newest[3]).toBe(newest[4]);
    expect(newest[3]).toBe(String(given[19_999].losses.mse));
  });

  test('a rewind into the steps kept whole is exact; further back, the steps that shared a bucket with later ones become gaps', () => {
    const { history, given } = longRun(20_000, [10_000]);
    history.trimFrom(19_800);
    expect(history.length).toBe(19_800);
    expect(history.latest('mse')).toBe(given[19_799].losses.mse);
    expect(history.switches).toEqual([{ step: 10_000, loss: 'cross_entropy' }]);

    history.trimFrom(12_345);
    expect(history.length).toBe(12_345);
    const rows = history.exportRows();
    // Every step before 12,345 has a row; the steps whose values went with the forgotten ones are NaN, the rest exact.
    expect(rows.lastStep.at(-1)).toBe(12_344);
    const gaps = rows.firstStep.flatMap((step, r) => (Number.isNaN(rows.series[0].mean[r]) ? [step] : []));
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps.length).toBeLessThan(2 ** 12);
    for (const step of gaps) expect(step).toBeGreaterThan(12_345 - 2 ** 12);
    const kept = rows.firstStep.findIndex((step) => step === gaps[0]);
    expect(rows.series[0].max[kept - 1]).toBe(Math.max(...given.slice(rows.firstStep[kept - 1], rows.lastStep[kept - 1] + 1).map((m) => m.losses.mse)));

    // Training goes on from the rewound step: new metrics follow it, and a switch is noted against the loss before.
    const rng = createRng(1);
    history.append([metricsAt(rng, 12_345, 'cross_entropy'), metricsAt(rng, 12_346, 'mse')]);
    expect(history.length).toBe(12_347);
    expect(history.switches).toEqual([
      { step: 10_000, loss: 'cross_entropy' },
      { step: 12_346, loss: 'mse' },
    ]);
  });

  test('metrics of a step already held replace it and what follows; metrics after a missing step leave a gap', () => {
    const rng = createRng(2);
    const history = new MetricsHistory(2, SMALL);
    history.append([0, 1, 2, 3, 4].map((step) => metricsAt(rng, step, 'mse')));
    const again = metricsAt(rng, 3, 'cross_entropy');
    history.append([again]);
    expect(history.length).toBe(4);
    expect(history.latest('mse')).toBe(again.losses.mse);
    expect(history.switches).toEqual([{ step: 3, loss: 'cross_entropy' }]);
    history.append([metricsAt(rng, 7, 'cross_entropy')]);
    expect(Array.from(history.column('step'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(history.column('mse')).map(Number.isNaN)).toEqual([false, false, false, false, true, true, true, false]);
    expect(history.switches).toEqual([{ step: 3, loss: 'cross_entropy' }]);
  });

  test('test evaluations are kept in step order, one per step: a late one is put in its place, a repeated one replaces the first', () => {
    const history = new MetricsHistory(2);
    const at = (step: number, accuracy: number): TestEvaluation => ({ step, losses: { mse: accuracy / 2, cross_entropy: accuracy / 4 }, accuracy });
    for (const evaluation of [at(10, 0.1), at(30, 0.3), at(20, 0.2), at(30, 0.35), at(0, 0), at(40, 0.4)]) history.addTest(evaluation);
    expect(history.tests).toEqual([at(0, 0), at(10, 0.1), at(20, 0.2), at(30, 0.35), at(40, 0.4)]);
    const series = history.testSeries;
    expect(Array.from(series.step)).toEqual([0, 10, 20, 30, 40]);
    // What a view drawn after the first two adds must draw again from: the lowest index written since.
    expect(series.changedSince(2)).toBe(0);
    expect(series.changedSince(5)).toBe(4);
    expect(series.changedSince(6)).toBe(Infinity);
    history.trimFrom(20);
    expect(history.tests.map((t) => t.step)).toEqual([0, 10, 20]);
  });
});
