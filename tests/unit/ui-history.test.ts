/**
 * The run history behind the curves and its downsampling for drawing. Plain modules, so this file
 * needs no browser; it sits with the UI tests because it tests src/ui.
 */
import { describe, expect, test } from 'vitest';
import type { StepMetrics } from '../../src/model/session';
import { downsampleMinMax } from '../../src/ui/downsample';
import { MetricsHistory } from '../../src/ui/metrics-history';

function metrics(step: number, activeLoss: StepMetrics['activeLoss']): StepMetrics {
  return {
    step,
    activeLoss,
    losses: { mse: 1 / (step + 1), cross_entropy: 2 / (step + 1) },
    gradNormW: [step, 2 * step],
    gradNormB: [0, 0],
    globalGradNorm: 3 * step,
    outputDeltaNorm: step / 10,
    saturatedFraction: 0.5,
  };
}

describe('downsampleMinMax', () => {
  test('short columns come back whole, NaN turned into gaps', () => {
    const x = [0, 1, 2, 3];
    const values = [4, Number.NaN, 6, 7];
    const result = downsampleMinMax(x, [(i) => values[i], (i) => (i === 2 ? 9 : null)], 10);
    expect(result.x).toEqual(x);
    expect(result.series).toEqual([
      [4, null, 6, 7],
      [null, null, 9, null],
    ]);
  });

  test('long columns shrink to at most maxPoints and keep every bucket extreme, spikes included', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const values = x.map((i) => Math.sin(i / 1000));
    values[43_210] = 50;
    values[77_777] = -50;
    const maxPoints = 1000;
    const result = downsampleMinMax(x, [(i) => values[i]], maxPoints);
    expect(result.x.length).toBeLessThanOrEqual(maxPoints);
    expect(result.series[0]).toHaveLength(result.x.length);
    const drawn = result.series[0] as number[];
    expect(Math.max(...drawn)).toBe(50);
    expect(Math.min(...drawn)).toBe(-50);
    for (let i = 1; i < result.x.length; i++) expect(result.x[i]).toBeGreaterThanOrEqual(result.x[i - 1]);
    expect(result.x[0]).toBe(0);
    expect(result.x[result.x.length - 1]).toBe(n - 1);
  });

  test('a bucket keeps its min and max in the order they occur', () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7];
    const rising = [0, 1, 2, 3, 4, 5, 6, 7];
    const falling = [7, 6, 5, 4, 3, 2, 1, 0];
    const result = downsampleMinMax(x, [(i) => rising[i], (i) => falling[i]], 4);
    expect(result.x).toEqual([0, 3, 4, 7]);
    expect(result.series).toEqual([
      [0, 3, 4, 7],
      [7, 4, 3, 0],
    ]);
  });
});

describe('MetricsHistory', () => {
  test('records a switch where the active loss changes, never for the starting loss', () => {
    const history = new MetricsHistory(2);
    history.append([metrics(0, 'mse'), metrics(1, 'mse')]);
    history.append([metrics(2, 'cross_entropy'), metrics(3, 'cross_entropy'), metrics(4, 'mse')]);
    expect(history.length).toBe(5);
    expect(history.switches).toEqual([
      { step: 2, loss: 'cross_entropy' },
      { step: 4, loss: 'mse' },
    ]);
    expect(Array.from(history.column('active'))).toEqual([0, 0, 1, 1, 0]);
    expect(Array.from(history.layerNorm(1))).toEqual([0, 2, 4, 6, 8]);
  });

  test('keeps the whole history past its initial capacity', () => {
    const history = new MetricsHistory(2);
    const steps = 5000;
    history.append(Array.from({ length: steps }, (_, s) => metrics(s, 'mse')));
    expect(history.length).toBe(steps);
    expect(history.column('step')[0]).toBe(0);
    expect(history.column('step')[steps - 1]).toBe(steps - 1);
    expect(history.latest('mse')).toBe(1 / steps);
  });

  test('trimFrom forgets the steps from a restored step on, with the switches and tests made after its weights', () => {
    const history = new MetricsHistory(2);
    history.append([metrics(0, 'mse'), metrics(1, 'mse'), metrics(2, 'cross_entropy'), metrics(3, 'cross_entropy'), metrics(4, 'mse')]);
    history.addTest({ step: 2, losses: { mse: 0.2, cross_entropy: 0.4 }, accuracy: 0.6 });
    history.addTest({ step: 3, losses: { mse: 0.3, cross_entropy: 0.5 }, accuracy: 0.7 });
    const revision = history.revision;

    history.trimFrom(2);
    expect(history.length).toBe(2);
    expect(Array.from(history.column('step'))).toEqual([0, 1]);
    expect(Array.from(history.layerNorm(1))).toEqual([0, 2]);
    // The switch at step 2 is undone: step 2 is trained again with whatever loss is chosen then.
    expect(history.switches).toEqual([]);
    // The test at step 2 scored exactly the weights the run went back to.
    expect(history.tests.map((t) => t.step)).toEqual([2]);
    expect(history.revision).toBeGreaterThan(revision);

    // The steps trained again append where the trimmed ones were, and a new switch is noted.
    history.append([metrics(2, 'mse'), metrics(3, 'cross_entropy')]);
    expect(Array.from(history.column('step'))).toEqual([0, 1, 2, 3]);
    expect(history.switches).toEqual([{ step: 3, loss: 'cross_entropy' }]);
  });

  test('CSV: one row per step, test columns filled at the steps they were taken', () => {
    const history = new MetricsHistory(2);
    history.append([metrics(0, 'mse'), metrics(1, 'cross_entropy')]);
    history.addTest({ step: 1, losses: { mse: 0.25, cross_entropy: 0.5 }, accuracy: 0.75 });
    const lines = history.toCsv().trim().split('\n');
    expect(lines[0]).toBe(
      'step,active_loss,mse,cross_entropy,grad_norm_w1,grad_norm_w2,global_grad_norm,output_delta_norm,saturated_fraction,test_mse,test_cross_entropy,test_accuracy',
    );
    expect(lines[1]).toBe('0,mse,1,2,0,0,0,0,0.5,,,');
    expect(lines[2]).toBe('1,cross_entropy,0.5,1,1,2,3,0.1,0.5,0.25,0.5,0.75');
  });
});
