import { describe, expect, it } from 'vitest';
import { applyOptimizer, createOptimizerState } from '../../src/cpu/optimizer';
import { OPTIMIZERS } from '../../src/model/optimizers';
import { DEFAULT_OPTIMIZER, type OptimizerSpec } from '../../src/model/spec';
import { expectClose } from './cpu-oracle';

function spec(overrides: Partial<OptimizerSpec>): OptimizerSpec {
  return { ...DEFAULT_OPTIMIZER, ...overrides };
}

/** Runs `steps` updates with the same gradient every time and returns the parameters. */
function runConstantGradient(optimizer: OptimizerSpec, start: number[], gradient: number[], steps: number): Float64Array {
  const parameters = Float64Array.from(start);
  const state = createOptimizerState(optimizer.kind, parameters.length);
  for (let s = 0; s < steps; s++) applyOptimizer(optimizer, parameters, gradient, state);
  expect(state.t).toBe(steps);
  return parameters;
}

describe('applyOptimizer', () => {
  it('sgd moves each parameter by −lr·g', () => {
    const parameters = Float64Array.from([1, -2, 0.5]);
    applyOptimizer(spec({ kind: 'sgd', learningRate: 0.1 }), parameters, [0.5, 0.25, -4], createOptimizerState('sgd', 3));
    // 1 − 0.05, −2 − 0.025, 0.5 + 0.4
    expectClose('parameters', parameters, [0.95, -2.025, 0.9], 1e-15, 0);
  });

  it('momentum under a constant gradient follows v_t = −lr·g·(1 − μᵗ)/(1 − μ)', () => {
    const lr = 0.05;
    const mu = 0.9;
    const steps = 25;
    const gradient = [2, -0.5];
    // Σ_{t=1..T} (1 − μᵗ)/(1 − μ) = (T − μ(1 − μᵀ)/(1 − μ)) / (1 − μ)
    const travel = (steps - (mu * (1 - mu ** steps)) / (1 - mu)) / (1 - mu);
    const result = runConstantGradient(spec({ kind: 'momentum', learningRate: lr, momentum: mu }), [1, 1], gradient, steps);
    expectClose('parameters', result, gradient.map((g) => 1 - lr * g * travel), 1e-13, 1e-13);
  });

  it('momentum keeps its velocity between steps: a second step with zero gradient still moves by μ·v', () => {
    const optimizer = spec({ kind: 'momentum', learningRate: 0.1, momentum: 0.5 });
    const parameters = Float64Array.from([0]);
    const state = createOptimizerState('momentum', 1);
    applyOptimizer(optimizer, parameters, [1], state); // v = −0.1, p = −0.1
    applyOptimizer(optimizer, parameters, [0], state); // v = −0.05, p = −0.15
    expect(parameters[0]).toBeCloseTo(-0.15, 15);
    expect(state.slots[0][0]).toBeCloseTo(-0.05, 15);
  });

  it('adam under a constant gradient moves by lr·g·√(1−β2ᵗ)/(|g|·√(1−β2ᵗ) + ε) at step t (Keras’ ε placement)', () => {
    // A large ε against a small gradient makes the ε term matter, so the placement is tested too:
    // the paper's form would move by lr·g/(|g| + ε) every step instead.
    const optimizer = spec({ kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-3 });
    const gradient = [1e-3, -4e-3];
    const steps = 40;
    const expected = gradient.map((g) => {
      let p = 0.25;
      for (let t = 1; t <= steps; t++) {
        const root = Math.sqrt(1 - optimizer.beta2 ** t);
        p -= (optimizer.learningRate * g * root) / (Math.abs(g) * root + optimizer.epsilon);
      }
      return p;
    });
    const result = runConstantGradient(optimizer, [0.25, 0.25], gradient, steps);
    expectClose('parameters', result, expected, 1e-14, 1e-12);
  });

  it('adam over two different gradients matches the moments worked out by hand', () => {
    const optimizer = spec({ kind: 'adam', learningRate: 0.1, beta1: 0.5, beta2: 0.75, epsilon: 0.01 });
    const parameters = Float64Array.from([1]);
    const state = createOptimizerState('adam', 1);
    applyOptimizer(optimizer, parameters, [2], state);
    // t = 1: m = 0.5·2 = 1, v = 0.25·4 = 1, step size 0.1·√0.25/0.5 = 0.1, p = 1 − 0.1·1/(1 + 0.01)
    const afterFirst = 1 - 0.1 / 1.01;
    expect(parameters[0]).toBeCloseTo(afterFirst, 15);
    applyOptimizer(optimizer, parameters, [-1], state);
    // t = 2: m = 0.5·1 + 0.5·(−1) = 0, so the parameter stays; v = 0.75·1 + 0.25·1 = 1
    expect(parameters[0]).toBeCloseTo(afterFirst, 15);
    expect(state.slots[0][0]).toBe(0);
    expect(state.slots[1][0]).toBe(1);
    applyOptimizer(optimizer, parameters, [-1], state);
    // t = 3: m = −0.5, v = 1; step size 0.1·√(1 − 0.75³)/(1 − 0.5³)
    const stepSize = (0.1 * Math.sqrt(1 - 0.421875)) / 0.875;
    expect(parameters[0]).toBeCloseTo(afterFirst + (stepSize * 0.5) / 1.01, 15);
  });

  it('keeps one slot for momentum, two for adam and none for sgd, and refuses state of another optimizer or size', () => {
    expect(Object.fromEntries(Object.entries(OPTIMIZERS).map(([kind, rule]) => [kind, rule.slots]))).toEqual({ sgd: 0, momentum: 1, adam: 2 });
    expect(createOptimizerState('adam', 4).slots.map((s) => s.length)).toEqual([4, 4]);
    const parameters = new Float64Array(4);
    expect(() => applyOptimizer(spec({ kind: 'adam' }), parameters, new Float64Array(4), createOptimizerState('momentum', 4))).toThrow(
      /adam keeps 2 slot\(s\) of 4 values, got \[4\]/,
    );
    expect(() => applyOptimizer(spec({ kind: 'momentum' }), parameters, new Float64Array(4), createOptimizerState('momentum', 3))).toThrow(
      /momentum keeps 1 slot\(s\) of 4 values, got \[3\]/,
    );
    expect(() => applyOptimizer(spec({ kind: 'sgd' }), parameters, new Float64Array(3), createOptimizerState('sgd', 4))).toThrow(
      /the gradient has 3 entries but there are 4 parameters/,
    );
  });
});
