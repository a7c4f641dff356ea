/**
 * How a training step is laid out on the device, chosen once per network from its size and the
 * adapter: one fused workgroup or tiled products, and which matrix-product variant runs each
 * product (the fixed rule below, or what the autotuner measured on this adapter, src/gpu/tuner.ts).
 */
import { parameterLayout } from '../model/layout';
import { layerAlignment, type LayerAlignment, type MatmulVariant } from './kernels';

/** How a training step is laid out on the device, and why. */
export interface StepPlan {
  /** 'fused': one dispatch of one workgroup per step; 'layered': 3L + 2 dispatches of tiled kernels. */
  kernel: 'fused' | 'layered';
  /** The variant of every matrix product the tuner did not choose for (the fixed rule's, or the caller's). */
  matmul: MatmulVariant;
  /** The variant chosen for each product shape by measuring (productShapes' keys); shapes not here run `matmul`. */
  tuned: Readonly<Record<string, MatmulVariant>>;
  /** Override constants merged into every product pipeline (StepPlanOverrides.productConstants); empty but in a planted test. */
  productConstants: Readonly<Record<string, number>>;
  /** Invocations of the single-workgroup kernels (loss, norms, fused step). */
  reductionWorkgroupSize: number;
  /** Sentences naming the deciding figures. */
  reason: string;
}

/** Choices a caller may force (tests and benchmarks compare them); unset ones are chosen by chooseStepPlan. */
export interface StepPlanOverrides {
  /** Step layout. */
  kernel?: 'fused' | 'layered';
  /** Matrix-product variant. */
  matmul?: MatmulVariant;
  /** Override constants merged into every matrix product's pipeline: how a test plants a broken kernel for the self-check to catch. */
  productConstants?: Readonly<Record<string, number>>;
}

/**
 * Multiply-adds per step up to which one fused workgroup beats 3L + 2 dispatches. On SwiftShader
 * (measured, best of 4-6 alternating runs): 2-8-8-1 B=64 (17k) fused 0.22 ms vs layered 0.44 ms;
 * 2-16-16-1 B=64 (58k) fused 0.61 ms vs 0.52 ms; the fused step costs ~10 ns per multiply-add on
 * one core, the layered one ~0.45 ms of dispatches. On GPUs a workgroup does 2^17 multiply-adds in
 * a few µs, less than the eleven or more dispatches it replaces.
 */
const FUSED_STEP_MAX_MULTIPLY_ADDS = { cpuAdapter: 1 << 15, gpu: 1 << 17 } as const;

/** Multiply-adds of one training step: forward, weight gradients and input gradients, each B·n_in·n_out per layer. */
export function stepMultiplyAdds(widths: readonly number[], batchSize: number): number {
  let total = 0;
  for (let l = 1; l < widths.length; l++) total += 3 * batchSize * widths[l - 1] * widths[l];
  return total;
}

/**
 * The one place the step layout and the kernel variants are chosen, from the network's size and
 * the adapter:
 * - small networks run as one fused dispatch per step, larger ones as tiled products over the
 *   whole device;
 * - CPU adapters (SwiftShader) get register-tiled products without workgroup memory, as vec4
 *   rows in 8×8 blocks on layers that layerAlignment allows: at 1024³ they measured 4.3 GFLOP/s
 *   there against 1.7 for workgroup-memory tiles (one bench run, load average 1.6-2); GPUs get
 *   the workgroup-memory tiles, which reuse operands from on-chip memory;
 * - single-workgroup kernels (loss, norms, fused step) use 4 invocations on CPU adapters:
 *   SwiftShader runs a workgroup on one thread, 4 invocations per SIMD group, so more invocations
 *   only add switching at every barrier (a 2-8-8-1 B=64 step, layered with 256-invocation
 *   reductions: 2.7 ms, with 16: 0.5 ms; fused with 16 invocations: 0.28 ms, with 4: 0.22 ms);
 *   256 on GPUs.
 */
export function chooseStepPlan(widths: readonly number[], batchSize: number, isCpuAdapter: boolean, overrides: StepPlanOverrides = {}): StepPlan {
  const reductionWorkgroupSize = isCpuAdapter ? 4 : 256;
  const multiplyAdds = stepMultiplyAdds(widths, batchSize);
  const fusedLimit = isCpuAdapter ? FUSED_STEP_MAX_MULTIPLY_ADDS.cpuAdapter : FUSED_STEP_MAX_MULTIPLY_ADDS.gpu;
  const reasons: string[] = [];
  let kernel: StepPlan['kernel'];
  if (overrides.kernel) {
    kernel = overrides.kernel;
    reasons.push(`${kernel} step requested by the caller`);
  } else if (multiplyAdds <= fusedLimit) {
    kernel = 'fused';
    reasons.push(`${multiplyAdds} multiply-adds per step ≤ ${fusedLimit}: dispatches would cost more than the arithmetic, so the step runs in one workgroup`);
  } else {
    kernel = 'layered';
    reasons.push(`${multiplyAdds} multiply-adds per step > ${fusedLimit}: tiled products spread over the whole device`);
  }
  let matmul: MatmulVariant;
  if (overrides.matmul) {
    matmul = overrides.matmul;
    reasons.push(`${matmul} products requested by the caller`);
  } else if (isCpuAdapter) {
    matmul = 'registers';
    reasons.push('CPU adapter: register tiles without workgroup memory, vec4 loads where a layer\'s widths are multiples of 4 (faster on SwiftShader)');
  } else {
    matmul = 'workgroup-memory';
    reasons.push('GPU adapter: operand tiles staged in workgroup memory');
  }
  if (overrides.productConstants) reasons.push(`product override constants ${JSON.stringify(overrides.productConstants)} planted by the caller`);
  return { kernel, matmul, tuned: {}, productConstants: overrides.productConstants ?? {}, reductionWorkgroupSize, reason: reasons.join('; ') };
}

/** The three products of a layer. */
export type ProductName = 'forward' | 'weightGrad' | 'inputGrad';

/** One matrix product of a training step: C [rows × cols] = A [rows × inner] · B [inner × cols]. */
export interface ProductShape {
  /** Which product. */
  product: ProductName;
  /** Weight layer (0-based). */
  layer: number;
  /** Rows of the output. */
  rows: number;
  /** Columns of the output. */
  cols: number;
  /** Length of each sum. */
  inner: number;
  /** Whether the layer's operands can be read as vec4. */
  alignment: LayerAlignment;
  /** Identifies the shape: products of equal shape (in any layer) share their tuning. */
  key: string;
}

/**
 * Every product of a layered training step of a network of `widths` at `batchSize`: per layer the
 * forward product (B × n_l over n_(l−1)), the weight-and-bias gradient ((n_(l−1) + 1) × n_l over B)
 * and, but for the first layer, the input gradient (B × n_(l−1) over n_l).
 */
export function productShapes(widths: readonly number[], batchSize: number): ProductShape[] {
  return parameterLayout(widths).layers.flatMap(({ fanIn, fanOut, weightOffset }, l) => {
    const alignment = layerAlignment(fanIn, fanOut, weightOffset);
    const shape = (product: ProductName, rows: number, cols: number, inner: number): ProductShape => ({
      product,
      layer: l,
      rows,
      cols,
      inner,
      alignment,
      key: `${product} ${rows}×${cols}×${inner} ${alignment}`,
    });
    const shapes = [shape('forward', batchSize, fanOut, fanIn), shape('weightGrad', fanIn + 1, fanOut, batchSize)];
    if (l > 0) shapes.push(shape('inputGrad', batchSize, fanIn, fanOut));
    return shapes;
  });
}

/** The variant that runs `shape` under `plan`: the tuned one, else the plan's rule. */
export function variantFor(plan: StepPlan, shape: ProductShape): MatmulVariant {
  return plan.tuned[shape.key] ?? plan.matmul;
}
