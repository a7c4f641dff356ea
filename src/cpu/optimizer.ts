/**
 * The update rules of src/model/spec.ts (OptimizerSpec), in float64, as Keras writes them:
 * - sgd:      p ← p − lr·g
 * - momentum: v ← μ·v − lr·g;  p ← p + v
 * - adam:     m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε)
 * Optimizer state is a few "slots", each a vector in the flat parameter layout, so a snapshot is
 * just the parameters plus the slots.
 */
import type { OptimizerKind, OptimizerSpec } from '../model/spec';

/** How many slot vectors each optimizer keeps: momentum's velocity v; Adam's m and v. */
export const OPTIMIZER_SLOT_COUNT: Readonly<Record<OptimizerKind, number>> = { sgd: 0, momentum: 1, adam: 2 };

/** What an optimizer carries from one update to the next. */
export interface OptimizerState {
  /** [] for sgd, [velocity] for momentum, [m, v] for adam; each in the flat parameter layout. */
  slots: Float64Array[];
  /** Updates applied so far; the next update is Adam's step t + 1. */
  t: number;
}

/** The state before the first update: zeroed slots for `kind` over `parameterCount` parameters. */
export function createOptimizerState(kind: OptimizerKind, parameterCount: number): OptimizerState {
  return { slots: Array.from({ length: OPTIMIZER_SLOT_COUNT[kind] }, () => new Float64Array(parameterCount)), t: 0 };
}

/** Checks that `state` belongs to an optimizer of `kind` over `parameterCount` parameters; throws saying what differs. */
export function checkOptimizerState(kind: OptimizerKind, parameterCount: number, state: OptimizerState): void {
  const lengths = state.slots.map((slot) => slot.length);
  if (lengths.length !== OPTIMIZER_SLOT_COUNT[kind] || lengths.some((length) => length !== parameterCount)) {
    throw new Error(
      `${kind} keeps ${OPTIMIZER_SLOT_COUNT[kind]} slot(s) of ${parameterCount} values, got [${lengths.join(', ')}]; ` +
        'use state made by createOptimizerState (or a snapshot) for the same optimizer and network',
    );
  }
  if (!(Number.isInteger(state.t) && state.t >= 0)) throw new Error(`the optimizer's update count must be a whole number, got ${state.t}`);
}

/** Applies one update to `parameters` in place, advancing `state`. */
export function applyOptimizer(optimizer: OptimizerSpec, parameters: Float64Array, gradient: ArrayLike<number>, state: OptimizerState): void {
  const n = parameters.length;
  if (gradient.length !== n) throw new Error(`the gradient has ${gradient.length} entries but there are ${n} parameters`);
  checkOptimizerState(optimizer.kind, n, state);
  state.t++;
  const lr = optimizer.learningRate;
  switch (optimizer.kind) {
    case 'sgd':
      for (let i = 0; i < n; i++) parameters[i] -= lr * gradient[i];
      return;
    case 'momentum': {
      const [velocity] = state.slots;
      const mu = optimizer.momentum;
      for (let i = 0; i < n; i++) {
        velocity[i] = mu * velocity[i] - lr * gradient[i];
        parameters[i] += velocity[i];
      }
      return;
    }
    case 'adam': {
      const [m, v] = state.slots;
      const { beta1, beta2, epsilon } = optimizer;
      const stepSize = (lr * Math.sqrt(1 - beta2 ** state.t)) / (1 - beta1 ** state.t);
      for (let i = 0; i < n; i++) {
        const g = gradient[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        parameters[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + epsilon);
      }
      return;
    }
  }
}
