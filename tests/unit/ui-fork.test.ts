/**
 * The page side of a fork, without a browser: a history's copy (the second branch's history starts
 * as one) holds exactly what the original does and then grows apart from it; the fork's charts
 * overlay both branches' columns on one x axis, each branch's loss drawn as one series; the forked
 * CSV names every row's branch and says where the run was forked.
 */
import { describe, expect, test } from 'vitest';
import { LOSS_NAMES, type LossName } from '../../src/model/losses';
import type { StepMetrics } from '../../src/model/session';
import { CurveSeries, WHOLE_RUN, type CurveView } from '../../src/ui/curve-series';
import { branchLabel, FORK_ACTION, FORK_LOSSES, forkProblem } from '../../src/ui/fork-branches';
import { forkCharts } from '../../src/ui/fork-curves';
import { MetricsHistory } from '../../src/ui/metrics-history';
import { forkedCsv } from '../../src/ui/run-export';

/** Metrics of `step` with values that depend on the step and on `salt`, so two branches differ. */
function metrics(step: number, activeLoss: LossName, salt = 0): StepMetrics {
  return {
    step,
    activeLoss,
    losses: { mse: 1 / (step + 1 + salt), cross_entropy: 2 / (step + 1 + salt) },
    gradNormW: [step + 1 + salt, 2 * step + 1],
    gradNormB: [0, 0],
    globalGradNorm: 3 * step + 1,
    outputDeltaNorm: (step + 1 + salt) / 10,
    saturatedFraction: ((step + salt) % 7) / 7,
  };
}

function steps(from: number, to: number, loss: LossName, salt = 0): StepMetrics[] {
  return Array.from({ length: to - from }, (_, i) => metrics(from + i, loss, salt));
}

/** A history of `length` steps with a switch at a third of it and a test evaluation every 10 steps, kept in a small budget so long ones have buckets. */
function historyOf(length: number): MetricsHistory {
  const history = new MetricsHistory(2, { fullRows: 16, bucketsPerLevel: 4 });
  const switchAt = Math.floor(length / 3);
  history.append(steps(0, switchAt, 'mse'));
  history.append(steps(switchAt, length, 'cross_entropy'));
  for (let step = 0; step < length; step += 10) history.addTest({ step, losses: { mse: step, cross_entropy: 2 * step }, accuracy: 0.5 });
  return history;
}

describe('a history copy', () => {
  test('holds what the original holds, then grows apart from it, at several lengths', () => {
    for (const length of [0, 1, 5, 17, 100, 1000]) {
      const original = historyOf(length);
      const copy = original.clone();
      expect(copy.toCsv(), `${length} steps`).toBe(original.toCsv());
      expect(copy.exportRows(), `${length} steps`).toEqual(original.exportRows());
      expect(copy.switches).toEqual(original.switches);
      expect(copy.tests).toEqual(original.tests);

      // Each grows with its own steps; the other does not see them.
      const before = original.toCsv();
      copy.append(steps(length, length + 50, 'cross_entropy', 3));
      expect(original.toCsv(), `${length} steps: the original after the copy grew`).toBe(before);
      original.append(steps(length, length + 50, 'mse'));
      // The copy grew exactly as a history that had every step from the start would have.
      const whole = historyOf(length);
      whole.append(steps(length, length + 50, 'cross_entropy', 3));
      expect(copy.toCsv(), `${length} steps: the copy`).toBe(whole.toCsv());
      expect(copy.toCsv()).not.toBe(original.toCsv());
    }
  });
});

describe('the fork charts', () => {
  /** Two branches forked at `at` from a history of `at` steps, grown by `more` steps each (the second's values differ). */
  function branches(at: number, more: number): [MetricsHistory, MetricsHistory] {
    const first = historyOf(at);
    const second = first.clone();
    first.append(steps(at, at + more, 'mse'));
    second.append(steps(at, at + more, 'cross_entropy', 5));
    // Test evaluations at different steps in each branch: the x axis must hold both.
    first.addTest({ step: at + 3, losses: { mse: 1, cross_entropy: 2 }, accuracy: 0.25 });
    second.addTest({ step: at + 4, losses: { mse: 3, cross_entropy: 4 }, accuracy: 0.75 });
    return [first, second];
  }

  test('overlay each branch on one x axis, each loss one series per branch, at several sizes and views', () => {
    const views: CurveView[] = [WHOLE_RUN, { kind: 'follow', steps: 30 }];
    for (const [at, more, maxPoints] of [
      [20, 15, 200],
      [300, 200, 64],
      [1000, 37, 128],
    ]) {
      for (const view of views) {
        const histories = branches(at, more);
        const drawn = histories.map((history) => new CurveSeries(maxPoints).update(history, view, maxPoints));
        const charts = forkCharts(drawn);
        const name = `forked at ${at}, ${more} more, ${view.kind}`;
        const L = LOSS_NAMES.length;
        // x, then per branch: each loss, each loss's test value.
        expect(charts.loss.length, name).toBe(1 + 2 * 2 * L);
        expect(charts.gradients.length, name).toBe(1 + 2 * (drawn[0].charts.gradients.length - 1));
        expect(charts.accuracy.length, name).toBe(1 + 2 * (drawn[0].charts.accuracy.length - 1));
        for (const chart of [charts.loss, charts.gradients, charts.accuracy]) {
          const x = chart[0] as ArrayLike<number>;
          for (let i = 1; i < x.length; i++) expect(x[i], name).toBeGreaterThan(x[i - 1]);
          for (const series of chart.slice(1)) expect(series.length, name).toBe(x.length);
        }
        // Every branch's own point sits at its own x, with its own value.
        drawn.forEach((branch, b) => {
          const x = charts.loss[0] as number[];
          const own = branch.charts.loss;
          const ownX = own[0] as number[];
          LOSS_NAMES.forEach((_, l) => {
            const driving = own[1 + 2 * l] as (number | null | undefined)[];
            const watched = own[2 + 2 * l] as (number | null | undefined)[];
            const merged = charts.loss[1 + b * 2 * L + l] as (number | null | undefined)[];
            ownX.forEach((step, p) => {
              const expected = typeof driving[p] === 'number' ? driving[p] : typeof watched[p] === 'number' ? watched[p] : driving[p] === null || watched[p] === null ? null : undefined;
              expect(merged[x.indexOf(step)], `${name}, branch ${b}, loss ${l}, step ${step}`).toBe(expected);
            });
            const test = own[1 + 2 * L + l] as (number | null | undefined)[];
            const mergedTest = charts.loss[1 + b * 2 * L + L + l] as (number | null | undefined)[];
            ownX.forEach((step, p) => expect(mergedTest[x.indexOf(step)], `${name}, branch ${b}, test ${l}, step ${step}`).toBe(test[p]));
          });
        });
        // Each branch's test at its own step, none at the other's (the whole run shows both).
        if (view.kind !== 'whole') continue;
        const x = charts.loss[0] as number[];
        const firstTest = charts.loss[1 + L] as (number | null | undefined)[];
        expect(x).toContain(at + 3);
        expect(x).toContain(at + 4);
        expect(firstTest[x.indexOf(at + 4)], name).toBeUndefined();
      }
    }
  });
});

describe('the forked CSV', () => {
  test('names each row\'s branch and says where the run was forked, short and long', () => {
    for (const [at, more] of [
      [4, 3],
      [10, 0],
      [400, 100],
    ]) {
      const first = historyOf(at);
      const second = first.clone();
      first.append(steps(at, at + more, 'mse'));
      second.append(steps(at, at + more, 'cross_entropy', 2));
      const fork = { step: at, branches: [first, second].map((history, b) => ({ label: branchLabel(FORK_LOSSES[b]), history })) };
      const csv = forkedCsv(fork).trimEnd().split('\n');
      expect(csv[0]).toContain(`forked at step ${at}`);
      for (const branch of fork.branches) expect(csv[0]).toContain(branch.label);
      const header = csv.findIndex((line) => !line.startsWith('#'));
      expect(csv[header]).toBe(`branch,${first.toCsv().split('\n').find((line) => !line.startsWith('#'))}`);
      const rows = csv.slice(header + 1);
      // Every row of each branch's own CSV, in order, named by the branch.
      const expected = fork.branches.flatMap((branch) =>
        branch.history
          .toCsv()
          .trimEnd()
          .split('\n')
          .filter((line) => !line.startsWith('#'))
          .slice(1)
          .map((line) => `${branch.label},${line}`),
      );
      expect(rows).toEqual(expected);
      // A long history's own '#' lines come along, named with the branch.
      const ownNotes = fork.branches.flatMap((branch) => branch.history.toCsv().split('\n').filter((line) => line.startsWith('#')).map(() => branch.label));
      expect(csv.slice(1, header).map((line) => line.slice(2, line.indexOf(':')))).toEqual(ownNotes);
    }
  });
});

describe('what a fork compares', () => {
  test('the first two losses of the table, named from it; refused on an output that allows only one', () => {
    expect(FORK_LOSSES).toEqual(LOSS_NAMES.slice(0, 2));
    expect(FORK_ACTION).toBe('Fork: MSE and cross-entropy from here');
    expect(FORK_LOSSES.map(branchLabel)).toEqual(['MSE branch', 'Cross-entropy branch']);
    for (const output of ['sigmoid', 'softmax'] as const) expect(forkProblem(output)).toBeNull();
    expect(forkProblem('linear')).toBe('Cross-entropy needs probabilities: use a sigmoid or softmax output with it, or MSE with a linear output.');
  });
});
