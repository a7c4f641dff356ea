/**
 * The divergence check of a guarded run (GuardedSession, src/train/guarded-session.ts): finds the
 * first figure of a step's metrics that is not finite, says in a sentence which one it is, and,
 * from what the global gradient norm did before it, whether the run diverged or the data is to blame.
 * It reads metrics only; what to do about a fault is the guard's business.
 */
import { LOSSES, LOSS_NAMES, lossAllows, type LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { StepMetrics } from '../model/session';

/** A figure of StepMetrics that the check looks at: a loss (by name, StepMetrics.losses) or one of the norms. */
export type GuardedMetric = LossName | 'outputDeltaNorm' | 'gradNormW' | 'gradNormB' | 'globalGradNorm';

/** The first non-finite figure of a run. */
export interface NonFiniteFault {
  /** The step whose metrics held it. */
  step: number;
  /** Which figure of StepMetrics. */
  metric: GuardedMetric;
  /** 1-based weight layer (1 = inputs to the first hidden layer) for gradNormW and gradNormB; null for the others. */
  layer: number | null;
  /** Number of weight layers of the network, to read `layer` against. */
  layerCount: number;
  /** The value: NaN, Infinity or -Infinity. */
  value: number;
}

/** A gradient norm that grew by more than this factor before the fault points at divergence, not at the data. */
const DIVERGENCE_GROWTH = 100;

/** The first non-finite figure of one step's metrics, looked for in the order the step computes them; null when all are finite. */
export function findNonFinite(metrics: StepMetrics, spec: NetworkSpec): NonFiniteFault | null {
  const layerCount = metrics.gradNormW.length;
  const fault = (metric: GuardedMetric, value: number, layer: number | null): NonFiniteFault => ({ step: metrics.step, metric, layer, layerCount, value });
  for (const loss of LOSS_NAMES) {
    // A loss the output does not allow (cross-entropy of a linear output) is NaN by definition (StepMetrics.losses).
    if (lossAllows(loss, spec.outputActivation) && !Number.isFinite(metrics.losses[loss])) return fault(loss, metrics.losses[loss], null);
  }
  if (!Number.isFinite(metrics.outputDeltaNorm)) return fault('outputDeltaNorm', metrics.outputDeltaNorm, null);
  // Backpropagation runs from the output layer to the input, so the output side is where it starts.
  for (let l = layerCount - 1; l >= 0; l--) {
    if (!Number.isFinite(metrics.gradNormW[l])) return fault('gradNormW', metrics.gradNormW[l], l + 1);
    if (!Number.isFinite(metrics.gradNormB[l])) return fault('gradNormB', metrics.gradNormB[l], l + 1);
  }
  if (!Number.isFinite(metrics.globalGradNorm)) return fault('globalGradNorm', metrics.globalGradNorm, null);
  return null;
}

/** The figure and its value in words, e.g. "the gradient of layer 2's weights (of 3 weight layers) is NaN". */
export function describeFault(fault: NonFiniteFault): string {
  const value = String(fault.value);
  switch (fault.metric) {
    case 'outputDeltaNorm':
      return `the output delta ∂L/∂z is ${value}`;
    case 'gradNormW':
      return `the gradient of layer ${fault.layer}'s weights (of ${fault.layerCount} weight layers) is ${value}`;
    case 'gradNormB':
      return `the gradient of layer ${fault.layer}'s biases (of ${fault.layerCount} weight layers) is ${value}`;
    case 'globalGradNorm':
      return `the global gradient norm is ${value}`;
    default:
      return `the ${LOSSES[fault.metric].noun} is ${value}`;
  }
}

/**
 * The first and latest finite global gradient norm of a run since it last started or was restored:
 * once a fault is found, a norm that grew a hundredfold says the updates overshot, a steady one
 * points at the data.
 */
export class GradientNormTrend {
  private first: { step: number; norm: number } | null = null;
  private latest: { step: number; norm: number } | null = null;

  /** Records the global gradient norm of a step whose metrics were all finite. */
  record(step: number, norm: number): void {
    const point = { step, norm };
    this.first ??= point;
    this.latest = point;
  }

  /** Forgets the norms: the run continues from a restored snapshot. */
  clear(): void {
    this.first = null;
    this.latest = null;
  }

  /** The advice after a fault, for a run trained at `learningRate`. */
  likelyCause(learningRate: number): string {
    const { first, latest } = this;
    if (first && latest && first.norm > 0 && latest.norm > DIVERGENCE_GROWTH * first.norm) {
      return (
        `The gradient norm grew from ${formatNumber(first.norm)} at step ${first.step} to ${formatNumber(latest.norm)} at step ${latest.step}: ` +
        `the updates overshot and the weights diverged; lower the learning rate (now ${learningRate}).`
      );
    }
    return `The gradient norm did not grow beforehand, so look for extreme values in the data, or lower the learning rate (now ${learningRate}).`;
  }
}

function formatNumber(value: number): string {
  return value >= 1e4 || value < 1e-3 ? value.toExponential(2) : value.toPrecision(3);
}
