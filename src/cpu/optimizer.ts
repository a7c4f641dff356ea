/**
 * Optimizer state on the CPU path, in float64: the update rules themselves are the entries of
 * src/model/optimizers.ts. Optimizer state is a few "slots", each a vector in the flat parameter
 * layout, so a snapshot is just the parameters plus the slots.
 */
import { OPTIMIZERS, type OptimizerKind } from '../model/optimizers';
import type { OptimizerSpec } from '../model/spec';

/** What an optimizer carries from one update to the next. */
export interface OptimizerState {
  /** [] for sgd, [velocity] for momentum, [m, v] for adam; each in the flat parameter layout. */
  slots: Float64Array[];
  /** Updates applied so far; the next update is Adam's step t + 1. */
  t: number;
}

/** The state before the first update: zeroed slots for `kind` over `parameterCount` parameters. */
export function createOptimizerState(kind: OptimizerKind, parameterCount: number): OptimizerState {
  return { slots: Array.from({ length: OPTIMIZERS[kind].slots }, () => new Float64Array(parameterCount)), t: 0 };
}

/** Checks that `state` belongs to an optimizer of `kind` over `parameterCount` parameters; throws saying what differs. */
export function checkOptimizerState(kind: OptimizerKind, parameterCount: number, state: OptimizerState): void {
  const lengths = state.slots.map((slot) => slot.length);
  if (lengths.length !== OPTIMIZERS[kind].slots || lengths.some((length) => length !== parameterCount)) {
    throw new Error(
      `${kind} keeps ${OPTIMIZERS[kind].slots} slot(s) of ${parameterCount} values, got [${lengths.join(', ')}]; ` +
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
  const rule = OPTIMIZERS[optimizer.kind];
  rule.update(optimizer, parameters, gradient, state.slots, rule.stepSize(optimizer, state.t));
}
