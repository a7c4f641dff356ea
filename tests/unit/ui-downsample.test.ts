/**
 * The curves' incremental min/max downsampling: after every frame of a growing, spiking, gappy
 * series that is sometimes rewound, the buckets kept between frames must be exactly the ones a
 * downsampling of the whole series from scratch gives. Plain modules, so no browser is needed.
 */
import { describe, expect, test } from 'vitest';
import { createRng, type Rng } from '../../src/model/rng';
import type { StepMetrics } from '../../src/model/session';
import { CurveSeries } from '../../src/ui/curve-series';
import { downsampleMinMax, MinMaxDownsampler, type SparseColumn } from '../../src/ui/downsample';
import { MetricsHistory } from '../../src/ui/metrics-history';

/** A value as the curves meet them: mostly smooth, some spikes, some negative, NaN or infinite, some missing. */
function wildValue(rng: Rng, i: number): number | null {
  const roll = rng.next();
  if (roll < 0.05) return null;
  if (roll < 0.1) return Number.NaN;
  if (roll < 0.12) return rng.next() < 0.5 ? Infinity : -Infinity;
  if (roll < 0.2) return (rng.next() < 0.5 ? -1 : 1) * 1000 * rng.next();
  if (roll < 0.3) return -rng.next();
  // Repeated values exercise which index an extreme that occurs twice keeps.
  if (roll < 0.4) return 0.5;
  return Math.exp(-i / 500) + 0.01 * rng.normal();
}

describe('MinMaxDownsampler', () => {
  for (const maxPoints of [2, 7, 16, 64]) {
    test(`keeps its buckets equal to a downsampling from scratch as the series grows, rewinds and changes late (maxPoints ${maxPoints})`, () => {
      const rng = createRng(1000 + maxPoints);
      const x: number[] = [];
      const columns: (number | null)[][] = [[], [], []];
      const read = columns.map((values): SparseColumn => (i) => values[i] ?? null);
      const sampler = new MinMaxDownsampler(maxPoints);
      let rewinds = 0;
      let lateChanges = 0;
      let widest = 0;
      for (let frame = 0; frame < 400; frame++) {
        let changedFrom = Infinity;
        const roll = rng.next();
        if (roll < 0.04 && x.length > 0) {
          // A rewind: the history is trimmed (and may grow past its old length before the next frame).
          const keep = rng.int(x.length);
          x.length = keep;
          for (const values of columns) values.length = keep;
          sampler.reset();
          rewinds++;
        } else if (roll < 0.15 && x.length > 0) {
          // A value that arrives late at an earlier index, as a test evaluation does.
          const at = rng.int(x.length);
          columns[2][at] = wildValue(rng, at);
          changedFrom = at;
          lateChanges++;
        }
        const added = rng.next() < 0.1 ? rng.int(400) : rng.int(12);
        for (let k = 0; k < added; k++) {
          const i = x.length;
          x.push(3 * i + 7);
          for (const values of columns) values.push(wildValue(rng, i));
        }
        const incremental = sampler.update(x, read, changedFrom);
        const fromScratch = downsampleMinMax(x, read, maxPoints);
        expect(incremental, `frame ${frame}, ${x.length} values`).toEqual(fromScratch);
        expect(incremental.x.length).toBeLessThanOrEqual(maxPoints);
        widest = Math.max(widest, x.length);
      }
      // The walk did what it is for: long enough to merge buckets many times, with rewinds and late values.
      expect(widest).toBeGreaterThan(16 * maxPoints);
      expect(rewinds).toBeGreaterThan(3);
      expect(lateChanges).toBeGreaterThan(10);
    });
  }

  test('a bucket width that doubles merges buckets into what a scan at the new width gives', () => {
    const x = Array.from({ length: 8 }, (_, i) => i);
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    const sampler = new MinMaxDownsampler(4);
    // Four values fit: drawn whole; eight need buckets of four, each its min and max in order.
    expect(sampler.update(x.slice(0, 4), [(i) => values[i]]).series).toEqual([[3, 1, 4, 1]]);
    expect(sampler.update(x, [(i) => values[i]])).toEqual({ x: [0, 3, 4, 7], series: [[1, 4, 9, 2]] });
  });
});

describe('CurveSeries', () => {
  /** One step's metrics with wild values; the active loss follows `loss`. */
  function wildMetrics(rng: Rng, step: number, loss: StepMetrics['activeLoss']): StepMetrics {
    const value = () => wildValue(rng, step) ?? Number.NaN;
    return {
      step,
      activeLoss: loss,
      losses: { mse: value(), cross_entropy: value() },
      gradNormW: [value(), value()],
      gradNormB: [value(), value()],
      globalGradNorm: value(),
      outputDeltaNorm: value(),
      saturatedFraction: rng.next(),
    };
  }

  test('draws after every frame what a fresh downsampling of the whole history draws, through switches, late tests and rewinds', () => {
    const rng = createRng(7);
    const maxPoints = 24;
    const history = new MetricsHistory(2);
    const curves = new CurveSeries(maxPoints);
    let loss: StepMetrics['activeLoss'] = 'mse';
    let step = 0;
    let tests = 0;
    let rewinds = 0;
    let switches = 0;
    for (let frame = 0; frame < 300; frame++) {
      const roll = rng.next();
      if (roll < 0.05 && step > 0) {
        step = rng.int(step);
        history.trimFrom(step);
        rewinds++;
      } else if (roll < 0.35) {
        // A test evaluation started some steps ago lands now, behind the newest step (or, started
        // while steps were in flight, ahead of it).
        const at = Math.max(0, step - rng.int(60) + 5);
        const value = () => wildValue(rng, at) ?? Number.NaN;
        history.addTest({ step: at, losses: { mse: value(), cross_entropy: value() }, accuracy: rng.next() });
        tests++;
      }
      if (rng.next() < 0.05) {
        loss = loss === 'mse' ? 'cross_entropy' : 'mse';
        switches++;
      }
      const added = rng.next() < 0.1 ? rng.int(300) : rng.int(10);
      history.append(Array.from({ length: added }, () => wildMetrics(rng, step++, loss)));
      const drawn = curves.update(history);
      expect(drawn, `frame ${frame}, ${history.length} steps`).toEqual(new CurveSeries(maxPoints).update(history));
    }
    expect(history.length).toBeGreaterThan(16 * maxPoints);
    expect(switches).toBeGreaterThan(5);
    expect(tests).toBeGreaterThan(30);
    expect(rewinds).toBeGreaterThan(3);
  });
});
