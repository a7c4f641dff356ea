/**
 * The update rules of src/model/spec.ts (OptimizerSpec), in float64, as Keras writes them:
 * - sgd:      p ← p − lr·g
 * - momentum: v ← μ·v − lr·g;  p ← p + v
 * - adam:     m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε)
 * Optimizer state lives in "slots", each a vector in the flat parameter layout, so a snapshot is
 * just the parameters plus the slots.
 */
import type { OptimizerKind, OptimizerSpec } from '../model/spec';

/** How many slot vectors each optimizer keeps: momentum's velocity v; Adam's m and v. */
export const OPTIMIZER_SLOT_COUNT: Readonly<Record<OptimizerKind, number>> = { sgd: 0, momentum: 1, adam: 2 };

/** Zeroed slots for `kind` over `parameterCount` parameters (the state before the first step). */
export function createOptimizerSlots(kind: OptimizerKind, parameterCount: number): Float64Array[] {
  return Array.from({ length: OPTIMIZER_SLOT_COUNT[kind] }, () => new Float64Array(parameterCount));
}

/**
 * Applies one update in place. `stepNumber` is t in Adam's bias correction: 1 for the first update.
 * `slots` must come from `createOptimizerSlots` (or a snapshot) for the same optimizer kind.
 */
export function applyOptimizerStep(
  optimizer: OptimizerSpec,
  parameters: Float64Array,
  gradient: ArrayLike<number>,
  slots: Float64Array[],
  stepNumber: number,
): void {
  const n = parameters.length;
  if (gradient.length !== n) throw new Error(`the gradient has ${gradient.length} entries but there are ${n} parameters`);
  const expectedSlots = OPTIMIZER_SLOT_COUNT[optimizer.kind];
  if (slots.length !== expectedSlots || slots.some((slot) => slot.length !== n)) {
    throw new Error(
      `${optimizer.kind} keeps ${expectedSlots} slot(s) of ${n} values, got ${slots.length} of lengths [${slots.map((s) => s.length).join(', ')}]; ` +
        'create them with createOptimizerSlots for this optimizer',
    );
  }
  const lr = optimizer.learningRate;
  switch (optimizer.kind) {
    case 'sgd':
      for (let i = 0; i < n; i++) parameters[i] -= lr * gradient[i];
      return;
    case 'momentum': {
      const [velocity] = slots;
      const mu = optimizer.momentum;
      for (let i = 0; i < n; i++) {
        velocity[i] = mu * velocity[i] - lr * gradient[i];
        parameters[i] += velocity[i];
      }
      return;
    }
    case 'adam': {
      if (!(Number.isInteger(stepNumber) && stepNumber >= 1)) {
        throw new Error(`Adam's step number t counts updates from 1, got ${stepNumber}`);
      }
      const [m, v] = slots;
      const { beta1, beta2, epsilon } = optimizer;
      const stepSize = (lr * Math.sqrt(1 - beta2 ** stepNumber)) / (1 - beta1 ** stepNumber);
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
