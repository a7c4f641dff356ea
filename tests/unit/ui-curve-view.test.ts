/**
 * The curves' views (src/ui/curve-series.ts): the last N steps and a range of steps draw, frame
 * after frame, exactly what a read from scratch draws; a frame reads only the buckets that are new
 * or still filling; and however long the history, a view draws at most the x positions its width
 * allows, read at the level that fits.
 */
import { describe, expect, test } from 'vitest';
import { createRng, type Rng } from '../../src/model/rng';
import type { StepMetrics } from '../../src/model/session';
import { CurveSeries, levelFor, type CurveView } from '../../src/ui/curve-series';
import { MetricsHistory } from '../../src/ui/metrics-history';

function metricsAt(rng: Rng, step: number, loss: StepMetrics['activeLoss']): StepMetrics {
  const value = () => (rng.next() < 0.03 ? Number.NaN : rng.next() < 0.05 ? -rng.next() : Math.exp(-step / 5000) + rng.next());
  return { step, activeLoss: loss, losses: { mse: value(), cross_entropy: value() }, gradNormW: [value(), value()], gradNormB: [0, 0], globalGradNorm: value(), outputDeltaNorm: value(), saturatedFraction: rng.next() };
}

/** Counts the buckets `history` hands out while `work` runs. */
function bucketsRead(history: MetricsHistory, work: () => void): number {
  const read = history.readBuckets.bind(history);
  let visited = 0;
  history.readBuckets = (from, to, level, visit) =>
    read(from, to, level, (...args) => {
      visited++;
      visit(...args);
    });
  try {
    work();
  } finally {
    history.readBuckets = read;
  }
  return visited;
}

describe('CurveSeries views', () => {
  const views: CurveView[] = [
    { kind: 'follow', steps: 500 },
    { kind: 'follow', steps: 30 },
    { kind: 'range', from: 200, to: 1_500 },
  ];
  for (const view of views) {
    test(`${JSON.stringify(view)}: every frame draws what a read from scratch draws, through switches, tests, rewinds and widths`, () => {
      const rng = createRng(17);
      const history = new MetricsHistory(2, { fullRows: 300, bucketsPerLevel: 64 });
      const curves = new CurveSeries(40);
      let loss: StepMetrics['activeLoss'] = 'mse';
      let step = 0;
      const counts = { rewinds: 0, tests: 0, switches: 0, widths: 0 };
      let maxPoints = 40;
      for (let frame = 0; frame < 250; frame++) {
        const roll = rng.next();
        if (roll < 0.04 && step > 0) {
          step = Math.max(0, step - rng.int(200));
          history.trimFrom(step);
          counts.rewinds++;
        } else if (roll < 0.3) {
          const at = Math.max(0, step - rng.int(40) + 3);
          history.addTest({ step: at, losses: { mse: rng.next(), cross_entropy: rng.next() }, accuracy: rng.next() });
          counts.tests++;
        } else if (roll < 0.33) {
          maxPoints = 16 + rng.int(60);
          counts.widths++;
        }
        if (rng.next() < 0.05) {
          loss = loss === 'mse' ? 'cross_entropy' : 'mse';
          counts.switches++;
        }
        const added = rng.next() < 0.1 ? rng.int(400) : rng.int(20);
        history.append(Array.from({ length: added }, () => metricsAt(rng, step++, loss)));
        const drawn = curves.update(history, view, maxPoints);
        expect(drawn, `frame ${frame}, ${history.length} steps`).toEqual(new CurveSeries(40).update(history, view, maxPoints));
        expect(drawn.to).toBeGreaterThan(drawn.from);
        if (view.kind === 'follow' && history.length > view.steps) expect(drawn.to - drawn.from + 1).toBe(view.steps);
      }
      expect(history.length).toBeGreaterThan(1_500);
      expect(counts.rewinds).toBeGreaterThan(3);
      expect(counts.tests).toBeGreaterThan(30);
      expect(counts.switches).toBeGreaterThan(5);
      expect(counts.widths).toBeGreaterThan(3);
    });
  }

  test('on a million steps, a frame reads only the new buckets, and any view draws at most its width at the level that fits', () => {
    const rng = createRng(4);
    const history = new MetricsHistory(2);
    let step = 0;
    const chunk = (count: number, loss: StepMetrics['activeLoss'] = 'mse') => history.append(Array.from({ length: count }, () => metricsAt(rng, step++, loss)));
    for (let i = 0; i < 100; i++) chunk(10_000, i < 50 ? 'mse' : 'cross_entropy');
    const maxPoints = 1_200;
    const curves = new CurveSeries(maxPoints);
    for (const view of [{ kind: 'whole' }, { kind: 'follow', steps: 10_000 }, { kind: 'follow', steps: 300 }, { kind: 'range', from: 400_000, to: 600_000 }] satisfies CurveView[]) {
      let drawn = curves.update(history, view, maxPoints);
      const level = levelFor(drawn.to - drawn.from + 1, maxPoints);
      expect(drawn.finestStepsPerPoint, JSON.stringify(view)).toBe(2 ** level);
      for (const chart of Object.values(drawn.charts)) expect(chart[0].length, JSON.stringify(view)).toBeLessThanOrEqual(maxPoints + 2);
      expect(drawn.charts.loss[0].length, JSON.stringify(view)).toBeGreaterThanOrEqual(maxPoints / 4);
      // The next frame, 100 steps later: the newest kept bucket is read again, then the new ones.
      const visited = bucketsRead(history, () => {
        chunk(100);
        drawn = curves.update(history, view, maxPoints);
      });
      expect(visited, JSON.stringify(view)).toBeLessThanOrEqual(view.kind === 'range' ? 2 : Math.ceil(100 / 2 ** level) + 2);
    }
    // A zoom on any range reads about one bucket per two x positions, not the steps behind them.
    for (const [from, to] of [
      [0, 1_000_000],
      [123_456, 654_321],
      [990_000, 1_000_000],
    ]) {
      const visited = bucketsRead(history, () => curves.update(history, { kind: 'range', from, to }, maxPoints));
      expect(visited, `steps ${from}–${to}`).toBeLessThanOrEqual(maxPoints / 2 + 2 + 25);
    }
  });
});
