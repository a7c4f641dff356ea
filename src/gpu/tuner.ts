/**
 * The autotuner: for each distinct matrix-product shape of a network's layered step, times the
 * product variants that fit the device on the running adapter and keeps the fastest, so the engine
 * is fast on hardware nobody measured by hand. The fixed rule's variant is timed first for every
 * shape, so a measured choice is never one that measured slower than the rule. Tuning stops when
 * its budget of milliseconds is spent: shapes not reached keep the rule's variant. Results are kept
 * per adapter and shape in a store the runtime provides (localStorage on the page, a file for the
 * scripts), a shape cut short by the budget included: the next run times only the candidates still
 * missing, so a budget too small for one run's tuning (pipelines build slowly on a CPU adapter)
 * completes it over several. A complete stored choice is used without timing anything.
 */
import type { GpuAdapterReport } from './device';
import { MATMUL_VARIANT_NAMES, variantFits, type MatmulVariant } from './kernels';
import { productShapes, type ProductShape, type StepPlan } from './step-plan';

/** Bump when the variants or their timing change meaning, so stored choices are measured again. */
const STORE_VERSION = 2;

/**
 * How a product was timed: by the GPU's timestamp queries around its pass, or on the host's clock
 * from submit to onSubmittedWorkDone (src/gpu/product-timer.ts). Timings on different clocks are
 * never compared: the host's also counts the submission.
 */
export type ProductClock = 'timestamp-query' | 'submission';

/** One candidate as timed on this adapter. */
export interface CandidateTiming {
  /** The variant. */
  variant: MatmulVariant;
  /** Measured GFLOP/s (2·rows·cols·inner per product), or null when it could not run. */
  gflops: number | null;
  /** The clock it was timed on; absent in choices stored before timestamps were used, which were timed on the host's. */
  clock?: ProductClock;
  /** Why it could not run (its pipeline failed to build, or the GPU reported an error); absent when it ran. */
  error?: string;
}

/** What was decided for one product shape, and from what. */
export interface ShapeTuning {
  /** The shape (ProductShape.key). */
  key: string;
  /** The variant the step runs for it. */
  chosen: MatmulVariant;
  /** 'measured' when this run timed any candidate of it, 'stored' when every timing came from earlier runs on this adapter, 'rule' when none was timed. */
  source: 'measured' | 'stored' | 'rule';
  /** Every candidate timed for it (now or when it was stored), fastest first; empty for 'rule'. */
  candidates: CandidateTiming[];
}

/** The outcome of tuning a network. */
export interface TuningReport {
  /** The adapter it was tuned on, as the store keys it. */
  adapter: string;
  /** One entry per distinct product shape, in the order they were considered (most work first). */
  shapes: ShapeTuning[];
  /** Wall-clock milliseconds spent timing. */
  elapsedMs: number;
  /** The clock this run times products on (each stored candidate keeps its own). */
  clock: ProductClock;
  /** The budget it had. */
  budgetMs: number;
}

/** A stored choice for one shape on one adapter. */
export interface StoredTuning {
  /** The variant chosen among the candidates timed so far. */
  chosen: MatmulVariant;
  /** The candidates as they were timed. */
  candidates: CandidateTiming[];
  /** Whether every candidate was timed; a later run times the missing ones before the choice is final. */
  complete: boolean;
}

/** A stored value as it must look to be used: anything else (another version, a hand-edited store) is ignored. */
export function isStoredTuning(value: unknown): value is StoredTuning {
  if (typeof value !== 'object' || value === null) return false;
  const { chosen, candidates, complete } = value as Record<string, unknown>;
  return (
    typeof chosen === 'string' &&
    typeof complete === 'boolean' &&
    Array.isArray(candidates) &&
    candidates.every((candidate: unknown) => {
      if (typeof candidate !== 'object' || candidate === null) return false;
      const { variant, gflops, clock } = candidate as Record<string, unknown>;
      return (
        typeof variant === 'string' &&
        (gflops === null || (typeof gflops === 'number' && Number.isFinite(gflops))) &&
        (clock === undefined || clock === 'timestamp-query' || clock === 'submission')
      );
    })
  );
}

/** Where choices are kept between runs. */
export interface TuningStore {
  /** The choice stored under `key`, or null. */
  load(key: string): Promise<StoredTuning | null>;
  /** Stores a choice under `key`. */
  save(key: string, value: StoredTuning): Promise<void>;
}

/** Times one product of `shape` in `variant`: resolves to its GFLOP/s; rejects when it cannot run (the message says why). */
export type ProductTimer = (shape: ProductShape, variant: MatmulVariant) => Promise<number>;

/** How to tune. */
export interface TuneOptions {
  /** Milliseconds tuning may take; 0 gives the fixed rule's plan without timing anything. */
  budgetMs: number;
  /** Where choices are kept, or null to keep none. */
  store: TuningStore | null;
  /** Times a product on the device. */
  timer: ProductTimer;
  /** The clock `timer` times on now ('submission' when omitted); stored timings on another clock are timed again. */
  timerClock?: () => ProductClock;
  /** The clock the budget is counted on (performance.now). */
  clock?: () => number;
}

/** The adapter as the store keys it: every field the browser or Dawn reveals. */
export function adapterKey(report: GpuAdapterReport): string {
  return [report.vendor, report.architecture, report.device, report.description].join(' | ');
}

/** The store key of `shape` on `adapter`. */
function storeKey(adapter: string, shape: ProductShape): string {
  return `tuning v${STORE_VERSION} | ${adapter} | ${shape.key}`;
}

/** The distinct product shapes of a network, the ones with the most multiply-adds first. */
function distinctShapes(widths: readonly number[], batchSize: number): ProductShape[] {
  const byKey = new Map<string, ProductShape>();
  for (const shape of productShapes(widths, batchSize)) if (!byKey.has(shape.key)) byKey.set(shape.key, shape);
  return [...byKey.values()].sort((a, b) => b.rows * b.cols * b.inner - a.rows * a.cols * a.inner);
}

/** The variants worth timing for a plan on a device: every one that fits, the rule's first. */
export function candidateVariants(rule: MatmulVariant, limits: Parameters<typeof variantFits>[1]): MatmulVariant[] {
  return [rule, ...MATMUL_VARIANT_NAMES.filter((variant) => variant !== rule && variantFits(variant, limits))];
}

/**
 * `plan` with the variant of each product shape of a network of `widths` at `batchSize` chosen by
 * timing (or from the store), within the budget. A fused plan has no products to tune and comes
 * back as it is.
 */
export async function tunePlan(
  plan: StepPlan,
  network: { widths: readonly number[]; batchSize: number },
  device: { adapter: GpuAdapterReport; limits: Parameters<typeof variantFits>[1] },
  options: TuneOptions,
): Promise<{ plan: StepPlan; report: TuningReport }> {
  const clock = options.clock ?? (() => performance.now());
  const adapter = adapterKey(device.adapter);
  const timerClock = options.timerClock ?? (() => 'submission' as const);
  const report: TuningReport = { adapter, shapes: [], elapsedMs: 0, budgetMs: options.budgetMs, clock: timerClock() };
  if (plan.kernel === 'fused') return { plan, report };
  if (options.budgetMs <= 0) {
    // Tuning is off: the rule's plan, without looking at the store.
    report.shapes = distinctShapes(network.widths, network.batchSize).map((shape) => ({ key: shape.key, chosen: plan.matmul, source: 'rule', candidates: [] }));
    return { plan, report };
  }
  const start = clock();
  const spent = () => clock() - start;
  const candidates = candidateVariants(plan.matmul, device.limits);
  const tuned: Record<string, MatmulVariant> = {};
  for (const shape of distinctShapes(network.widths, network.batchSize)) {
    const key = storeKey(adapter, shape);
    const stored = options.store ? await options.store.load(key) : null;
    // Timings of variants that no longer exist, or taken on another clock, are dropped; the rest need not be taken again.
    const timings: CandidateTiming[] = (stored?.candidates ?? []).filter((timing) => candidates.includes(timing.variant) && (timing.clock ?? 'submission') === timerClock());
    const missing = candidates.filter((variant) => !timings.some((timing) => timing.variant === variant));
    let timedNow = 0;
    for (const variant of missing) {
      if (spent() >= options.budgetMs) break;
      timedNow++;
      try {
        const gflops = await options.timer(shape, variant);
        timings.push({ variant, gflops, clock: timerClock() });
      } catch (error) {
        timings.push({ variant, gflops: null, error: error instanceof Error ? error.message : String(error) });
      }
    }
    const ran = timings.filter((timing) => timing.gflops !== null).sort((a, b) => b.gflops! - a.gflops!);
    const sorted = [...ran, ...timings.filter((timing) => timing.gflops === null)];
    if (ran.length === 0) {
      report.shapes.push({ key: shape.key, chosen: plan.matmul, source: 'rule', candidates: sorted });
      continue;
    }
    const chosen = ran[0].variant;
    tuned[shape.key] = chosen;
    report.shapes.push({ key: shape.key, chosen, source: timedNow > 0 ? 'measured' : 'stored', candidates: sorted });
    if (options.store && timedNow > 0) await options.store.save(key, { chosen, candidates: sorted, complete: timings.length === candidates.length });
  }
  report.elapsedMs = spent();
  report.clock = timerClock();
  const measured = report.shapes.filter((shape) => shape.source !== 'rule').length;
  const reason = `${plan.reason}; ${measured} of ${report.shapes.length} product shapes tuned on this adapter in ${Math.round(report.elapsedMs)} ms (budget ${options.budgetMs} ms)`;
  return { plan: { ...plan, tuned, reason }, report };
}
