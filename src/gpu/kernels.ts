/**
 * The compute kernels as small objects (shader, bindings, workgroup size, dispatch layout), the one
 * ceiling-division helper every dispatch count comes from, the uniform packer, and the pipeline
 * cache. WGSL lives in shaders/*.wgsl; common.wgsl is prepended to each kernel's module.
 */
import commonSource from '../../shaders/common.wgsl?raw';
import matmulParams from '../../shaders/matmul_params.wgsl?raw';
import forwardInterface from '../../shaders/matmul_forward_io.wgsl?raw';
import forwardRegisters from '../../shaders/matmul_forward.wgsl?raw';
import forwardVec4 from '../../shaders/matmul_forward_vec4.wgsl?raw';
import forwardShared from '../../shaders/matmul_forward_shared.wgsl?raw';
import weightGradInterface from '../../shaders/matmul_weight_grad_io.wgsl?raw';
import weightGradRegisters from '../../shaders/matmul_weight_grad.wgsl?raw';
import weightGradVec4 from '../../shaders/matmul_weight_grad_vec4.wgsl?raw';
import weightGradShared from '../../shaders/matmul_weight_grad_shared.wgsl?raw';
import inputGradInterface from '../../shaders/matmul_input_grad_io.wgsl?raw';
import inputGradRegisters from '../../shaders/matmul_input_grad.wgsl?raw';
import inputGradVec4 from '../../shaders/matmul_input_grad_vec4.wgsl?raw';
import inputGradShared from '../../shaders/matmul_input_grad_shared.wgsl?raw';
import matmulGather from '../../shaders/matmul_gather.wgsl?raw';
import matmulRows8 from '../../shaders/matmul_rows8.wgsl?raw';
import matmulTiles from '../../shaders/matmul_tiles.wgsl?raw';
import lossRowSource from '../../shaders/loss_row.wgsl?raw';
import lossSource from '../../shaders/loss.wgsl?raw';
import optimizerUpdateSource from '../../shaders/optimizer_update.wgsl?raw';
import fusedStepSource from '../../shaders/fused_step.wgsl?raw';
import outputActivationSource from '../../shaders/output_activation.wgsl?raw';
import workgroupSumSource from '../../shaders/workgroup_sum.wgsl?raw';
import gradNormsSource from '../../shaders/grad_norms.wgsl?raw';
import optimizerSource from '../../shaders/optimizer.wgsl?raw';
import { OPTIMIZERS, type OptimizerKind } from '../model/optimizers';
import { wgslTables } from './wgsl-tables';

/** How a kernel binds one buffer of group 0. */
export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

/**
 * Output block of one workgroup of every matrix product, rows × columns: vec4 register kernels
 * cover it with 4×4 workgroups of 8×8 outputs each, scalar register kernels with 8×4 workgroups of
 * 8×4 outputs each, workgroup-memory kernels with 8×8 workgroups of 4×4 outputs each, so one grid
 * helper serves all three.
 */
const MATMUL_WORKGROUP_BLOCK = 32;

/** One compute kernel: what its pipeline depends on and how its bindings are laid out. */
export interface Kernel {
  /** Shader name, the first part of the pipeline-cache key. */
  readonly name: string;
  /** WGSL files the module is made of after common.wgsl: shared parts first, the kernel's file last. */
  readonly sources: readonly string[];
  /** Buffer types of group 0, in binding order. */
  readonly bindings: readonly BindingKind[];
  /** Whether group 1 holds the per-step uniform (StepParams), bound with a dynamic offset. */
  readonly usesStepParams: boolean;
  /** Override constants: workgroup sizes (e.g. { WORKGROUP_X: 8, WORKGROUP_Y: 4 }) and, for kernels that update parameters, OPTIMIZER_KIND. */
  readonly constants: Readonly<Record<string, number>>;
}

/** Number of groups of `size` needed to cover `count` items: the only place dispatch counts are rounded. */
export function ceilDiv(count: number, size: number): number {
  return Math.ceil(count / size);
}

/**
 * How the matrix products use the device: 'registers' keeps an output block per invocation in
 * registers and reads operands straight from storage; 'workgroup-memory' stages operand tiles in
 * workgroup memory first. Both cover MATMUL_WORKGROUP_BLOCK² outputs per workgroup.
 */
export type MatmulVariant = 'registers' | 'workgroup-memory';

/**
 * How a layer's operands may be read: 'vec4' when both its widths and its parameter offset are
 * multiples of 4, so every row of A, W, b, dZ, the output and the gradient starts on a 16-byte
 * boundary and can be bound as array<vec4<f32>>; 'scalar' otherwise.
 */
export type LayerAlignment = 'vec4' | 'scalar';

/** The alignment of a layer of `fanIn` → `fanOut` whose weights start at `weightOffset` in the flat parameters. */
export function layerAlignment(fanIn: number, fanOut: number, weightOffset: number): LayerAlignment {
  return fanIn % 4 === 0 && fanOut % 4 === 0 && weightOffset % 4 === 0 ? 'vec4' : 'scalar';
}

/** The three products of a layer in one variant. */
export interface MatmulKernels {
  /** Z = f(A·W + b) for one layer, A optionally gathered through the row indices. */
  forward: Kernel;
  /** [∂L/∂W; ∂L/∂b] = [A | 1]ᵀ·dZ for one layer, written at the layer's offset in the gradient. */
  weightGrad: Kernel;
  /** dZ_prev = (dZ·Wᵀ) ⊙ f'(A_prev). */
  inputGrad: Kernel;
}

/**
 * The products of `variant` for a layer of `alignment` (layerAlignment). The registers variant has
 * vec4 kernels (8×8 blocks, 4×4 workgroups) for aligned layers and scalar ones (8×4 blocks, 8×4
 * workgroups) for the rest; the workgroup-memory kernels read scalars and serve both. The default
 * fits square products whose size is a multiple of 4.
 */
export function matmulKernels(variant: MatmulVariant, alignment: LayerAlignment = 'vec4'): MatmulKernels {
  const storage5: readonly BindingKind[] = ['uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage'];
  const kernel = (name: string, sources: readonly string[], usesStepParams: boolean, constants: Readonly<Record<string, number>>): Kernel => ({
    name,
    sources: [matmulParams, ...sources],
    bindings: storage5,
    usesStepParams,
    constants,
  });
  if (variant === 'workgroup-memory') {
    const constants = { WORKGROUP_X: 8, WORKGROUP_Y: 8 };
    return {
      forward: kernel('matmul_forward_shared', [forwardInterface, matmulGather, matmulTiles, forwardShared], true, constants),
      weightGrad: kernel('matmul_weight_grad_shared', [weightGradInterface, matmulGather, matmulTiles, weightGradShared], true, constants),
      inputGrad: kernel('matmul_input_grad_shared', [inputGradInterface, matmulTiles, inputGradShared], false, constants),
    };
  }
  if (alignment === 'vec4') {
    const constants = { WORKGROUP_X: 4, WORKGROUP_Y: 4 };
    return {
      forward: kernel('matmul_forward_vec4', [matmulGather, matmulRows8, forwardVec4], true, constants),
      weightGrad: kernel('matmul_weight_grad_vec4', [matmulGather, matmulRows8, weightGradVec4], true, constants),
      inputGrad: kernel('matmul_input_grad_vec4', [matmulRows8, inputGradVec4], false, constants),
    };
  }
  const constants = { WORKGROUP_X: 8, WORKGROUP_Y: 4 };
  return {
    forward: kernel('matmul_forward', [forwardInterface, matmulGather, matmulRows8, forwardRegisters], true, constants),
    weightGrad: kernel('matmul_weight_grad', [weightGradInterface, matmulGather, matmulRows8, weightGradRegisters], true, constants),
    inputGrad: kernel('matmul_input_grad', [inputGradInterface, matmulRows8, inputGradRegisters], false, constants),
  };
}

/** Both losses, the selected loss's output delta and the loss metrics; one workgroup of `workgroupSize`. */
export function lossKernel(workgroupSize: number): Kernel {
  return {
    name: 'loss',
    sources: [workgroupSumSource, lossRowSource, lossSource],
    bindings: ['uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage'],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: workgroupSize },
  };
}

/** Output activation of evaluated rows. */
export const OUTPUT_ACTIVATION_KERNEL: Kernel = {
  name: 'output_activation',
  sources: [outputActivationSource],
  bindings: ['uniform', 'read-only-storage', 'storage'],
  usesStepParams: false,
  constants: { WORKGROUP_SIZE: 64 },
};

/** Squared norms of ∂L/∂W_l and ∂L/∂b_l; one workgroup of `workgroupSize` per segment. */
export function gradNormsKernel(workgroupSize: number): Kernel {
  return {
    name: 'grad_norms',
    sources: [gradNormsSource],
    bindings: ['read-only-storage', 'read-only-storage', 'storage'],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: workgroupSize },
  };
}

/** Invocations per workgroup of the optimizer dispatch. */
export const OPTIMIZER_WORKGROUP_SIZE = 256;

/**
 * One optimizer update over the whole flat parameter buffer. The rule is an override constant, not
 * a uniform: SwiftShader runs every case of a switch it cannot resolve, masked, for every element.
 */
export function optimizerKernel(kind: OptimizerKind): Kernel {
  return {
    name: 'optimizer',
    sources: [optimizerUpdateSource, optimizerSource],
    bindings: ['uniform', 'storage', 'read-only-storage', 'storage'],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: OPTIMIZER_WORKGROUP_SIZE, OPTIMIZER_KIND: OPTIMIZERS[kind].id },
  };
}

/** A whole training step in one workgroup of `workgroupSize` (fused_step.wgsl), updating with `kind`. */
export function fusedStepKernel(workgroupSize: number, kind: OptimizerKind): Kernel {
  return {
    name: 'fused_step',
    sources: [workgroupSumSource, lossRowSource, optimizerUpdateSource, fusedStepSource],
    bindings: ['uniform', 'uniform', 'uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'storage', 'storage', 'storage'],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: workgroupSize, OPTIMIZER_KIND: OPTIMIZERS[kind].id },
  };
}

/** How a training step is laid out on the device, and why. */
export interface StepPlan {
  /** 'fused': one dispatch of one workgroup per step; 'layered': 3L + 2 dispatches of tiled kernels. */
  kernel: 'fused' | 'layered';
  /** How the matrix products of the layered step and of evaluation use the device. */
  matmul: MatmulVariant;
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
  return { kernel, matmul, reductionWorkgroupSize, reason: reasons.join('; ') };
}

/** Workgroups of a product (either variant) covering an output of `rows` × `cols`: [x over cols, y over rows]. */
export function matmulGrid(rows: number, cols: number): [number, number] {
  return [ceilDiv(cols, MATMUL_WORKGROUP_BLOCK), ceilDiv(rows, MATMUL_WORKGROUP_BLOCK)];
}

/**
 * Workgroups of a one-invocation-per-element kernel over `count` elements, folded into two
 * dimensions when one would exceed `maxPerDimension`. `rowPitch` is the number of invocations per
 * grid row, which the kernel uses to recover its element index.
 */
export function elementGrid(count: number, workgroupSize: number, maxPerDimension: number): { x: number; y: number; rowPitch: number } {
  const groups = Math.max(1, ceilDiv(count, workgroupSize));
  const x = Math.min(groups, maxPerDimension);
  return { x, y: ceilDiv(groups, x), rowPitch: x * workgroupSize };
}

/** One field of a uniform struct: every field here is a 4-byte scalar. */
export type UniformField = { u32: number } | { f32: number };

/**
 * Packs scalar fields in declaration order following WGSL's uniform layout: 4-byte scalars are
 * 4-aligned, and the struct size is rounded up to 16 bytes.
 */
export function packUniform(fields: readonly UniformField[]): ArrayBuffer {
  const buffer = new ArrayBuffer(ceilDiv(fields.length * 4, 16) * 16);
  const view = new DataView(buffer);
  fields.forEach((field, i) => {
    if ('u32' in field) view.setUint32(i * 4, field.u32, true);
    else view.setFloat32(i * 4, field.f32, true);
  });
  return buffer;
}

/** Size of StepParams in common.wgsl: four 4-byte fields. */
export const STEP_PARAMS_BYTES = 16;

/** A compiled kernel with the layouts its bind groups are made from. */
export interface CompiledKernel {
  /** The kernel it was compiled from. */
  kernel: Kernel;
  /** The pipeline. */
  pipeline: GPUComputePipeline;
  /** Layout of group 0. */
  bindGroupLayout: GPUBindGroupLayout;
}

/**
 * Compiles kernels once per device. The key holds everything the module depends on: the kernel's
 * name (its source) and its override constants; sizes live in uniforms, so one pipeline serves
 * every network shape.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<CompiledKernel>>();
  /** Layout of group 1: the per-step uniform at a dynamic offset. */
  readonly stepLayout: GPUBindGroupLayout;
  // Read from the global in the constructor, so importing this module needs no WebGPU.
  private readonly visibility: GPUShaderStageFlags;

  constructor(private readonly device: GPUDevice) {
    this.visibility = GPUShaderStage.COMPUTE;
    this.stepLayout = device.createBindGroupLayout({
      label: 'step params',
      entries: [{ binding: 0, visibility: this.visibility, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: STEP_PARAMS_BYTES } }],
    });
  }

  /** The compiled kernel, compiling it on first use. */
  get(kernel: Kernel): Promise<CompiledKernel> {
    // The name determines the sources; the override constants are the rest of what the module depends on.
    const key = `${kernel.name}|${JSON.stringify(kernel.constants)}`;
    let compiled = this.pipelines.get(key);
    if (!compiled) {
      compiled = this.compile(kernel);
      this.pipelines.set(key, compiled);
      // A failed compilation is not cached, so a later attempt reports the error again.
      compiled.catch(() => this.pipelines.delete(key));
    }
    return compiled;
  }

  private async compile(kernel: Kernel): Promise<CompiledKernel> {
    const bindGroupLayout = this.device.createBindGroupLayout({
      label: kernel.name,
      entries: kernel.bindings.map((type, binding) => ({ binding, visibility: this.visibility, buffer: { type } })),
    });
    const module = this.device.createShaderModule({ label: kernel.name, code: [wgslTables(), commonSource, ...kernel.sources].join('\n') });
    const layout = this.device.createPipelineLayout({
      label: kernel.name,
      bindGroupLayouts: kernel.usesStepParams ? [bindGroupLayout, this.stepLayout] : [bindGroupLayout],
    });
    const pipeline = await this.device.createComputePipelineAsync({
      label: kernel.name,
      layout,
      compute: { module, entryPoint: 'main', constants: { ...kernel.constants } },
    });
    return { kernel, pipeline, bindGroupLayout };
  }
}
