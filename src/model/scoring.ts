/**
 * Losses and accuracy of network outputs on held-out rows, from `session.evaluate` (which returns
 * outputs o after the output activation, not logits). Every loss comes from the table in
 * src/model/losses.ts, fed with the logits recovered from o. The page's test curves and the
 * headless runs' test results both score through here.
 */
import type { OutputActivation } from './activations';
import { LOSSES, LOSS_NAMES, lossAllows, meanLosses, type LossValues } from './losses';

/** How well outputs match their targets over some rows. */
export interface OutputScore {
  /** Every loss, mean over the rows as the table defines it (NaN for one the output does not allow). */
  losses: LossValues;
  /** Fraction classified correctly (NaN when the targets are not classes). */
  accuracy: number;
}

/**
 * Outputs are float32, so a saturated o can be exactly 0 or 1, whose logit is infinite. Clamping to
 * [ε, 1 − ε] (Keras clips probabilities the same way, with ε = 1e-7) keeps the test cross-entropy
 * finite: the largest per-element value is then −log(1e-7) ≈ 16.
 */
const PROBABILITY_EPSILON = 1e-7;

function logitOf(output: OutputActivation, o: number): number {
  if (output === 'linear') return o;
  const p = Math.min(1 - PROBABILITY_EPSILON, Math.max(PROBABILITY_EPSILON, o));
  // softmax: log p differs from the true logits by a per-row constant, which logsumexp(z) − Σ t·z ignores.
  return output === 'sigmoid' ? Math.log(p / (1 - p)) : Math.log(p);
}

/** Index of the largest value in row r of a row-major [rows, k] array. */
export function argmaxRow(values: ArrayLike<number>, r: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (values[r * k + j] > values[r * k + best]) best = j;
  return best;
}

/**
 * The mean of every loss (NaN for one the output does not allow) and accuracy (NaN unless the targets are
 * classes) of `count` rows of outputs against their targets, both row-major [count, k].
 */
export function scoreOutputs(
  output: OutputActivation,
  outputs: ArrayLike<number>,
  targets: ArrayLike<number>,
  count: number,
  k: number,
  targetsAreClasses: boolean,
): OutputScore {
  const sums = Object.fromEntries(LOSS_NAMES.map((loss) => [loss, 0])) as LossValues;
  const allowed = LOSS_NAMES.filter((loss) => lossAllows(loss, output));
  let correct = 0;
  const z = new Float64Array(k);
  const o = new Float64Array(k);
  const t = new Float64Array(k);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < k; j++) {
      o[j] = outputs[r * k + j];
      t[j] = targets[r * k + j];
      z[j] = logitOf(output, o[j]);
    }
    for (const loss of allowed) sums[loss] += LOSSES[loss].rowSum(output, z, o, t);
    if (k === 1) correct += o[0] > 0.5 === t[0] > 0.5 ? 1 : 0;
    else correct += argmaxRow(o, 0, k) === argmaxRow(t, 0, k) ? 1 : 0;
  }
  return {
    losses: meanLosses(output, sums, count, k),
    accuracy: targetsAreClasses ? correct / count : Number.NaN,
  };
}
