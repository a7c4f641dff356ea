/**
 * How a session's training step runs on the GPU, as the page's "Size and speed" panel shows it:
 * one fused kernel, or matrix products, each with the variant it runs, where that choice came from
 * (timed now, stored from an earlier visit, or the fixed rule) and the GFLOP/s the autotuner
 * measured for it on this adapter. Read through any Session, guarded or not, so the page never
 * reaches into a backend; null for a session that does not train on the GPU.
 */
import type { MatmulVariant } from '../gpu/kernels';
import { productShapes, variantFor, type ProductName } from '../gpu/step-plan';
import type { ProductClock, TuningReport } from '../gpu/tuner';
import type { Session } from '../model/session';
import { GpuSession } from './gpu-session';
import { GuardedSession } from './guarded-session';

/** One matrix product of the step and how it runs. */
export interface ProductChoice {
  /** Weight layer, counted from 1 on the input side. */
  layer: number;
  /** Which of the layer's products: forward, weight gradient or input gradient. */
  product: ProductName;
  /** Its shape, rows × cols × inner and operand alignment (the tuner's key). */
  shape: string;
  /** The variant that runs it. */
  variant: MatmulVariant;
  /** 'measured' on this adapter now, 'stored' from an earlier run on it, or 'rule': the fixed rule's variant. */
  source: 'measured' | 'stored' | 'rule';
  /** GFLOP/s of the chosen variant as timed on this adapter (now or when stored); null when it was not timed. */
  gflops: number | null;
  /** Why the rule's variant runs ('rule' only; empty otherwise). */
  ruleReason: string;
}

/** A GPU session's step. */
export interface StepPlanView {
  /** 'fused': one kernel does the whole step, so there are no products to tune; 'layered': separate products. */
  kernel: 'fused' | 'layered';
  /** The plan's own sentences: the figures that decided the layout and the variants. */
  reason: string;
  /** Every product of a layered step, layer by layer; empty for a fused one. */
  products: ProductChoice[];
  /** How long tuning took, what it was allowed and what it timed on, or null when it did not run (fused, forced or off without a budget). */
  tuning: { elapsedMs: number; budgetMs: number; clock: ProductClock } | null;
}

/** Why the rule's variant runs a shape the tuner left to it. */
function ruleReason(tuning: TuningReport | null, shape: TuningReport['shapes'][number] | undefined): string {
  if (!tuning) return 'tuning was not asked for';
  if (tuning.budgetMs <= 0) return 'tuning is turned off';
  if (!shape || shape.candidates.length === 0) return `the tuning budget of ${tuning.budgetMs} ms ran out before this shape`;
  const failure = shape.candidates.find((candidate) => candidate.error)?.error;
  return `no candidate could be timed${failure ? ` (${failure})` : ''}`;
}

/** How `session`'s step runs on the GPU, or null when it does not train on the GPU. */
export function stepPlanOf(session: Session): StepPlanView | null {
  const inner = session instanceof GuardedSession ? session.wrapped : session;
  if (!(inner instanceof GpuSession)) return null;
  const { plan, tuning, spec } = inner.trainer;
  if (plan.kernel === 'fused') return { kernel: 'fused', reason: plan.reason, products: [], tuning: null };
  const tuned = new Map((tuning?.shapes ?? []).map((shape) => [shape.key, shape]));
  const products = productShapes(spec.widths, spec.batchSize).map((shape): ProductChoice => {
    const variant = variantFor(plan, shape);
    const choice = tuned.get(shape.key);
    const source = choice && choice.source !== 'rule' && choice.chosen === variant ? choice.source : 'rule';
    const gflops = choice?.candidates.find((candidate) => candidate.variant === variant)?.gflops ?? null;
    return { layer: shape.layer + 1, product: shape.product, shape: shape.key, variant, source, gflops, ruleReason: source === 'rule' ? ruleReason(tuning, choice) : '' };
  });
  return { kernel: 'layered', reason: plan.reason, products, tuning: tuning && tuning.budgetMs > 0 ? { elapsedMs: tuning.elapsedMs, budgetMs: tuning.budgetMs, clock: tuning.clock } : null };
}
