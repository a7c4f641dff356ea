/**
 * The self-check a user runs on their own adapter (`npm run check`, the page's "Check this GPU"):
 * the network trains a few steps on the GPU and on the float64 CPU path from identical weights and
 * batches, once in the plan it would run and once with every matrix-product variant the autotuner
 * might pick, and every tensor is compared under the bounds the test suite uses
 * (tensor-bounds.ts): outputs before training, the first step's gradient, every step's losses and
 * gradient norms, and the parameters' change. The CPU reference is computed once; it is the same
 * for every plan.
 */
import { computeGradients, forward } from '../cpu/network';
import { CpuTrainer } from '../cpu/trainer';
import { acquireGpu, type GpuAdapterReport, type GpuContext } from '../gpu/device';
import type { MatmulVariant } from '../gpu/kernels';
import { chooseStepPlan, type StepPlanOverrides } from '../gpu/step-plan';
import { candidateVariants } from '../gpu/tuner';
import { BatchSchedule, shuffleSeed } from '../model/batches';
import type { Dataset } from '../model/dataset';
import { initParameters } from '../model/init';
import { parameterLayout } from '../model/layout';
import { LOSSES, LOSS_NAMES, lossAllows } from '../model/losses';
import type { StepMetrics } from '../model/session';
import type { NetworkSpec } from '../model/spec';
import { GpuSession } from './gpu-session';
import { TOLERANCES, compareTensors, type ToleranceKind } from './tensor-bounds';

/** What to check. */
export interface SelfCheckOptions {
  /** The network. */
  spec: NetworkSpec;
  /** Its data: the batches come from its training rows. */
  dataset: Dataset;
  /** The weights to start from (the page passes the running network's); the seeded ones when omitted. */
  initialParameters?: Float64Array;
  /** Steps trained on both paths (3 when omitted). */
  steps?: number;
  /** The product variants checked; every one the autotuner might pick on this device when omitted. */
  variants?: MatmulVariant[];
  /** Override constants merged into every product pipeline: how a test plants a broken kernel. */
  productConstants?: Readonly<Record<string, number>>;
  /** The GPU context; the shared one when omitted. */
  context?: GpuContext;
  /** Called as each plan starts: its index, the number of plans and its name. */
  onProgress?: (index: number, total: number, plan: string) => void;
}

/** One tensor kind's outcome over every plan checked. */
export interface KindResult {
  /** The kind (tensor-bounds.ts). */
  kind: ToleranceKind;
  /** Tensors of this kind compared. */
  tensors: number;
  /** The largest |gpu − cpu| / max(|cpu|, 1e-3·max|cpu|) seen. */
  largestRelativeError: number;
  /** Where it was seen. */
  worst: string;
  /** The largest share of its bound any element used (above 1 fails). */
  boundFraction: number;
  /** The bound, as rtol and the scaled absolute part. */
  bound: { rtol: number; scaledAtol: number };
  /** Whether every tensor of the kind passed. */
  passed: boolean;
}

/** What the check found. */
export interface SelfCheckReport {
  /** The adapter it ran on. */
  adapter: GpuAdapterReport;
  /** The plans run, e.g. "layered, tiled-64-k16 products". */
  plans: string[];
  /** Per tensor kind, over every plan. */
  kinds: KindResult[];
  /** The failed comparisons' messages, each naming the plan, the tensor, the index and both values. */
  failures: string[];
  /** Whether everything passed. */
  passed: boolean;
  /** Wall-clock milliseconds the check took. */
  elapsedMs: number;
}

/** Everything the CPU path computes once, from the same weights and batches as every GPU plan. */
interface Reference {
  evaluationInputs: Float32Array;
  evaluationRows: number;
  outputs: Float64Array;
  gradient: Float64Array;
  metrics: StepMetrics[];
  parameters: Float64Array;
}

/** Rows evaluated before training. */
const EVALUATION_ROWS = 64;

function cpuReference(spec: NetworkSpec, dataset: Dataset, initial: Float64Array, steps: number): Reference {
  const evaluationRows = Math.min(EVALUATION_ROWS, dataset.trainCount);
  const evaluationInputs = dataset.trainX.slice(0, evaluationRows * dataset.inputSize);
  const pass = forward(spec, initial, evaluationInputs, evaluationRows);
  // The first step's batch, as BatchSchedule orders it on both paths.
  const indices = new Uint32Array(spec.batchSize);
  new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed)).indicesForStep(0, indices);
  const batchX = new Float64Array(spec.batchSize * dataset.inputSize);
  const batchY = new Float64Array(spec.batchSize * dataset.outputSize);
  indices.forEach((sample, r) => {
    batchX.set(dataset.trainX.subarray(sample * dataset.inputSize, (sample + 1) * dataset.inputSize), r * dataset.inputSize);
    batchY.set(dataset.trainY.subarray(sample * dataset.outputSize, (sample + 1) * dataset.outputSize), r * dataset.outputSize);
  });
  const { gradient } = computeGradients(spec, initial, batchX, batchY, spec.batchSize, spec.loss);
  const trainer = new CpuTrainer(spec, dataset, initial);
  const metrics = Array.from({ length: steps }, () => trainer.step());
  return { evaluationInputs, evaluationRows, outputs: pass.activations[pass.activations.length - 1], gradient, metrics, parameters: trainer.parameters.slice() };
}

/** The plans checked: the one the network would run, then every variant forced in a layered step. */
function plansToCheck(spec: NetworkSpec, context: GpuContext, variants: MatmulVariant[] | undefined): { name: string; overrides: StepPlanOverrides }[] {
  const rule = chooseStepPlan(spec.widths, spec.batchSize, context.report.isCpuAdapter);
  const chosen = variants ?? candidateVariants(rule.matmul, context.device.limits);
  const own = rule.kernel === 'fused' ? [{ name: 'fused step', overrides: { kernel: 'fused' as const } }] : [];
  return [...own, ...chosen.map((matmul) => ({ name: `layered, ${matmul} products`, overrides: { kernel: 'layered' as const, matmul } }))];
}

/** Runs the check; it never throws for a mismatch (the report says), only when a session cannot be made at all. */
export async function selfCheck(options: SelfCheckOptions): Promise<SelfCheckReport> {
  const start = performance.now();
  const { spec, dataset } = options;
  const steps = options.steps ?? 3;
  const context = options.context ?? (await acquireGpu());
  const initial = options.initialParameters ?? initParameters(spec);
  const reference = cpuReference(spec, dataset, initial, steps);
  const results = new Map<ToleranceKind, KindResult>();
  const failures: string[] = [];
  const record = (kind: ToleranceKind, what: string, gpu: ArrayLike<number>, cpu: ArrayLike<number>) => {
    const comparison = compareTensors(kind, what, gpu, cpu);
    const result = results.get(kind) ?? { kind, tensors: 0, largestRelativeError: 0, worst: '', boundFraction: 0, bound: TOLERANCES[kind], passed: true };
    result.tensors++;
    if (!(comparison.largestRelativeError <= result.largestRelativeError)) {
      result.largestRelativeError = comparison.largestRelativeError;
      result.worst = what;
    }
    if (!(comparison.boundFraction <= result.boundFraction)) result.boundFraction = comparison.boundFraction;
    if (!comparison.passed) {
      result.passed = false;
      failures.push(comparison.message);
    }
    results.set(kind, result);
  };
  const plans = plansToCheck(spec, context, options.variants);
  const layers = parameterLayout(spec.widths).layers;
  for (const [index, plan] of plans.entries()) {
    options.onProgress?.(index, plans.length, plan.name);
    const overrides = { ...plan.overrides, ...(options.productConstants ? { productConstants: options.productConstants } : {}) };
    const session = await GpuSession.create({ spec, dataset, initialParameters: initial, context, overrides });
    const errors: string[] = [];
    session.onError = (error) => errors.push(`${error.kind}: ${error.message}`);
    try {
      const outputs = await session.evaluate(reference.evaluationInputs, reference.evaluationRows);
      record('forward', `${plan.name}: outputs of ${reference.evaluationRows} rows`, outputs, reference.outputs);
      await session.train(1);
      const gradient = await session.trainer.readGradient();
      layers.forEach((layer, l) => {
        const weights = [layer.weightOffset, layer.biasOffset] as const;
        const biases = [layer.biasOffset, layer.biasOffset + layer.fanOut] as const;
        record('weightGradient', `${plan.name}: step-0 ∂L/∂W${l + 1}`, gradient.subarray(...weights), reference.gradient.subarray(...weights));
        record('biasGradient', `${plan.name}: step-0 ∂L/∂b${l + 1}`, gradient.subarray(...biases), reference.gradient.subarray(...biases));
      });
      await session.train(steps - 1);
      await session.flush();
      const metrics = await session.takeMetrics();
      for (const loss of LOSS_NAMES) {
        if (!lossAllows(loss, spec.outputActivation)) continue;
        record('loss', `${plan.name}: ${LOSSES[loss].noun} per step`, metrics.map((m) => m.losses[loss]), reference.metrics.map((m) => m.losses[loss]));
      }
      record('gradientNorm', `${plan.name}: global gradient norm per step`, metrics.map((m) => m.globalGradNorm), reference.metrics.map((m) => m.globalGradNorm));
      record('gradientNorm', `${plan.name}: output-delta norm per step`, metrics.map((m) => m.outputDeltaNorm), reference.metrics.map((m) => m.outputDeltaNorm));
      layers.forEach((_, l) => {
        record('gradientNorm', `${plan.name}: ‖∂L/∂W${l + 1}‖ per step`, metrics.map((m) => m.gradNormW[l]), reference.metrics.map((m) => m.gradNormW[l]));
        record('gradientNorm', `${plan.name}: ‖∂L/∂b${l + 1}‖ per step`, metrics.map((m) => m.gradNormB[l]), reference.metrics.map((m) => m.gradNormB[l]));
      });
      // The saturated fraction is a count of elements past a threshold: an output within float32
      // rounding of it may fall either side, so it is not a tensor to bound.
      const { parameters } = await session.snapshot();
      record('parameterChange', `${plan.name}: parameter change after ${steps} steps`, parameters.map((p, i) => p - initial[i]), reference.parameters.map((p, i) => p - initial[i]));
      failures.push(...errors.map((error) => `${plan.name}: the GPU reported ${error}`));
    } finally {
      session.dispose();
    }
  }
  const kinds = [...results.values()];
  return {
    adapter: context.report,
    plans: plans.map((plan) => plan.name),
    kinds,
    failures,
    passed: failures.length === 0 && kinds.every((kind) => kind.passed),
    elapsedMs: performance.now() - start,
  };
}
