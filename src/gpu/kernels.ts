/**
 * The compute kernels as small objects, each declaring once what its WGSL binds: the buffers of
 * group 0 by name, access and type (a uniform struct of src/gpu/uniforms.ts or a storage array),
 * and whether group 1 holds the per-step StepParams. From that declaration come the WGSL binding
 * and struct declarations of the kernel's module, its bind-group layout, and the bind groups, which
 * are made by binding name (bindGroupFor). Also: the one ceiling-division helper every dispatch
 * count comes from, the dispatch grids, and the pipeline cache.
 */
import forwardInterface from '../../shaders/matmul_forward_io.wgsl?raw';
import forwardRegisters from '../../shaders/matmul_forward.wgsl?raw';
import forwardVec4 from '../../shaders/matmul_forward_vec4.wgsl?raw';
import forwardTiled from '../../shaders/matmul_forward_tiled.wgsl?raw';
import weightGradInterface from '../../shaders/matmul_weight_grad_io.wgsl?raw';
import weightGradRegisters from '../../shaders/matmul_weight_grad.wgsl?raw';
import weightGradVec4 from '../../shaders/matmul_weight_grad_vec4.wgsl?raw';
import weightGradTiled from '../../shaders/matmul_weight_grad_tiled.wgsl?raw';
import inputGradInterface from '../../shaders/matmul_input_grad_io.wgsl?raw';
import inputGradRegisters from '../../shaders/matmul_input_grad.wgsl?raw';
import inputGradVec4 from '../../shaders/matmul_input_grad_vec4.wgsl?raw';
import inputGradTiled from '../../shaders/matmul_input_grad_tiled.wgsl?raw';
import matmulGather from '../../shaders/matmul_gather.wgsl?raw';
import matmulRows8 from '../../shaders/matmul_rows8.wgsl?raw';
import matmulTiled from '../../shaders/matmul_tiled.wgsl?raw';
import lossSource from '../../shaders/loss.wgsl?raw';
import fusedStepSource from '../../shaders/fused_step.wgsl?raw';
import fusedStepMainSource from '../../shaders/fused_step_main.wgsl?raw';
import stepPhasesSource from '../../shaders/step_phases.wgsl?raw';
import replicaStepSource from '../../shaders/replica_step.wgsl?raw';
import replicaStepWorkgroupSource from '../../shaders/replica_step_workgroup.wgsl?raw';
import replicaStepInvocationSource from '../../shaders/replica_step_invocation.wgsl?raw';
import outputActivationSource from '../../shaders/output_activation.wgsl?raw';
import workgroupSumSource from '../../shaders/workgroup_sum.wgsl?raw';
import gradNormsSource from '../../shaders/grad_norms.wgsl?raw';
import optimizerSource from '../../shaders/optimizer.wgsl?raw';
import { OPTIMIZERS, type OptimizerKind } from '../model/optimizers';
import { REPLICA_SHAPE, REPLICA_STEP } from './replica-uniforms';
import { FORWARD_PARAMS, INPUT_GRAD_PARAMS, LOSS_PARAMS, NETWORK_SHAPE, OPTIMIZER_PARAMS, OUTPUT_PARAMS, STEP_PARAMS, WEIGHT_GRAD_PARAMS } from './uniforms';
import { activationsWgsl, lossesWgsl, optimizersWgsl, outputsWgsl, wgslConstants } from './wgsl-tables';
import type { WgslStruct } from './wgsl-struct';

/** How a kernel binds one buffer of group 0. */
export interface BindingDeclaration {
  /** The WGSL variable, and the key its buffer is given under in bindGroupFor. */
  readonly name: string;
  /** 'uniform' for a uniform struct; 'read' and 'read_write' for storage. */
  readonly access: 'uniform' | 'read' | 'read_write';
  /** The uniform struct, or the storage array's WGSL type, e.g. "array<vec4<f32>>". */
  readonly type: WgslStruct | string;
  /** For a storage array of structs, the element struct, declared in the module from its one declaration. */
  readonly element?: WgslStruct;
}

/** A shape of tiling of the workgroup-memory family of products (shaders/matmul_tiled.wgsl). */
export interface TileShape {
  /** Invocations of a workgroup along the output's columns and along its rows. */
  readonly workgroup: readonly [number, number];
  /** Output rows each invocation accumulates (1 to 8). */
  readonly threadRows: number;
  /** Output columns each invocation accumulates, in fours (1 or 2). */
  readonly threadQuads: number;
  /** Depth of the slice of the inner dimension staged in workgroup memory per pass. */
  readonly tileK: number;
  /** Whether the next slice is staged while the current one is multiplied (two halves of the tiles, one barrier a pass). */
  readonly doubleBuffer: boolean;
}

/** One variant of the product kernels: the register-tiled pair, or a shape of the workgroup-memory family. */
export type ProductFamily = { readonly family: 'registers' } | { readonly family: 'tiled'; readonly shape: TileShape };

/**
 * The product variants by name. 'registers': each invocation keeps an 8-row block in registers and
 * reads its operands straight from storage (vec4 loads where a layer is aligned); the fast form on
 * CPU adapters. The others stage operand slices in workgroup memory, for GPUs with fast on-chip
 * memory: 'workgroup-memory' is the original 32 × 32 tile with 4 × 4 outputs per invocation (the
 * fixed rule's choice on GPUs); the 64 × 64 and 128 × 128 tiles with 8 × 8 outputs per invocation
 * are the shapes published WebGPU matrix products use to reach a large share of a GPU's peak.
 */
export const MATMUL_VARIANTS = {
  registers: { family: 'registers' },
  'workgroup-memory': { family: 'tiled', shape: { workgroup: [8, 8], threadRows: 4, threadQuads: 1, tileK: 16, doubleBuffer: false } },
  'tiled-32-k16-double': { family: 'tiled', shape: { workgroup: [8, 8], threadRows: 4, threadQuads: 1, tileK: 16, doubleBuffer: true } },
  'tiled-64-k16': { family: 'tiled', shape: { workgroup: [8, 8], threadRows: 8, threadQuads: 2, tileK: 16, doubleBuffer: false } },
  'tiled-64-k8-double': { family: 'tiled', shape: { workgroup: [8, 8], threadRows: 8, threadQuads: 2, tileK: 8, doubleBuffer: true } },
  'tiled-64-k16-double': { family: 'tiled', shape: { workgroup: [8, 8], threadRows: 8, threadQuads: 2, tileK: 16, doubleBuffer: true } },
  'tiled-128-k8-double': { family: 'tiled', shape: { workgroup: [16, 16], threadRows: 8, threadQuads: 2, tileK: 8, doubleBuffer: true } },
} as const satisfies Record<string, ProductFamily>;

/** A product variant's name. */
export type MatmulVariant = keyof typeof MATMUL_VARIANTS;
export const MATMUL_VARIANT_NAMES = Object.keys(MATMUL_VARIANTS) as MatmulVariant[];

/**
 * Output block of one workgroup of the register-tiled products, rows × columns: vec4 kernels cover
 * it with 4×4 workgroups of 8×8 outputs each, scalar ones with 8×4 workgroups of 8×4 outputs each.
 */
const REGISTERS_BLOCK = 32;

/** Rows × columns of the output one workgroup of `variant` computes. */
export function productBlock(variant: MatmulVariant): [number, number] {
  const entry: ProductFamily = MATMUL_VARIANTS[variant];
  if (entry.family === 'registers') return [REGISTERS_BLOCK, REGISTERS_BLOCK];
  const { workgroup, threadRows, threadQuads } = entry.shape;
  return [workgroup[1] * threadRows, workgroup[0] * 4 * threadQuads];
}

/** What a variant needs of the device beyond the defaults every adapter offers: workgroup memory and invocations. */
export function variantNeeds(variant: MatmulVariant): { workgroupStorageBytes: number; invocations: number } {
  const entry: ProductFamily = MATMUL_VARIANTS[variant];
  if (entry.family === 'registers') return { workgroupStorageBytes: 0, invocations: 32 };
  const { workgroup, tileK, doubleBuffer } = entry.shape;
  const [rows, cols] = productBlock(variant);
  return { workgroupStorageBytes: 4 * (rows * tileK + tileK * cols) * (doubleBuffer ? 2 : 1), invocations: workgroup[0] * workgroup[1] };
}

/** Whether `variant` can run within `limits`. */
export function variantFits(variant: MatmulVariant, limits: Pick<GPUSupportedLimits, 'maxComputeWorkgroupStorageSize' | 'maxComputeInvocationsPerWorkgroup'>): boolean {
  const needs = variantNeeds(variant);
  return needs.workgroupStorageBytes <= limits.maxComputeWorkgroupStorageSize && needs.invocations <= limits.maxComputeInvocationsPerWorkgroup;
}

/** One compute kernel: what its pipeline depends on and what it binds. */
export interface Kernel {
  /** Shader name, the first part of the pipeline-cache key. */
  readonly name: string;
  /** WGSL the module is made of after its generated declarations: shared parts first, the kernel's file last. */
  readonly sources: readonly string[];
  /** The buffers of group 0, in binding order. */
  readonly bindings: readonly BindingDeclaration[];
  /** Whether group 1 holds the per-step uniform (StepParams), bound with a dynamic offset. */
  readonly usesStepParams: boolean;
  /** The WGSL name of that uniform: `step` unless given (the replica step derives its own `step` from it per replica). */
  readonly stepParamsName?: string;
  /** Override constants: workgroup sizes (e.g. { WORKGROUP_X: 8, WORKGROUP_Y: 4 }) and, for kernels that update parameters, OPTIMIZER_KIND. */
  readonly constants: Readonly<Record<string, number>>;
}

/** Number of groups of `size` needed to cover `count` items: the only place dispatch counts are rounded. */
export function ceilDiv(count: number, size: number): number {
  return Math.ceil(count / size);
}

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

const uniform = (name: string, type: WgslStruct): BindingDeclaration => ({ name, access: 'uniform', type });
const read = (name: string, type: string): BindingDeclaration => ({ name, access: 'read', type });
const readWrite = (name: string, type: string): BindingDeclaration => ({ name, access: 'read_write', type });

/** The forward product's buffers; `element` is f32 or vec4<f32> for the float operands. */
function forwardBindings(element: string): BindingDeclaration[] {
  const floats = `array<${element}>`;
  return [uniform('params', FORWARD_PARAMS), read('input', floats), read('parameters', floats), read('rowIndex', 'array<u32>'), readWrite('output', floats)];
}

/** The weight-gradient product's buffers. */
function weightGradBindings(element: string): BindingDeclaration[] {
  const floats = `array<${element}>`;
  return [uniform('params', WEIGHT_GRAD_PARAMS), read('input', floats), read('delta', floats), read('rowIndex', 'array<u32>'), readWrite('gradient', floats)];
}

/** The input-gradient product's buffers. */
function inputGradBindings(element: string): BindingDeclaration[] {
  const floats = `array<${element}>`;
  return [uniform('params', INPUT_GRAD_PARAMS), read('delta', floats), read('parameters', floats), read('previousActivation', floats), readWrite('previousDelta', floats)];
}

/**
 * The products of `variant` for a layer of `alignment` (layerAlignment). The registers variant has
 * vec4 kernels (8×8 blocks, 4×4 workgroups) for aligned layers and scalar ones (8×4 blocks, 8×4
 * workgroups) for the rest; the workgroup-memory family reads scalars and serves both, one source
 * per product whose tiling is set by override constants. The default fits square products whose
 * size is a multiple of 4.
 */
export function matmulKernels(variant: MatmulVariant, alignment: LayerAlignment = 'vec4'): MatmulKernels {
  const element = variant === 'registers' && alignment === 'vec4' ? 'vec4<f32>' : 'f32';
  const products = (names: [string, string, string], sources: [string[], string[], string[]], constants: Readonly<Record<string, number>>): MatmulKernels => ({
    forward: { name: names[0], sources: sources[0], bindings: forwardBindings(element), usesStepParams: true, constants },
    weightGrad: { name: names[1], sources: sources[1], bindings: weightGradBindings(element), usesStepParams: true, constants },
    inputGrad: { name: names[2], sources: sources[2], bindings: inputGradBindings(element), usesStepParams: false, constants },
  });
  const entry: ProductFamily = MATMUL_VARIANTS[variant];
  if (entry.family === 'tiled') {
    const { workgroup, threadRows, threadQuads, tileK, doubleBuffer } = entry.shape;
    return products(
      ['matmul_forward_tiled', 'matmul_weight_grad_tiled', 'matmul_input_grad_tiled'],
      [
        [forwardInterface, matmulGather, matmulTiled, forwardTiled],
        [weightGradInterface, matmulGather, matmulTiled, weightGradTiled],
        [inputGradInterface, matmulTiled, inputGradTiled],
      ],
      { WORKGROUP_X: workgroup[0], WORKGROUP_Y: workgroup[1], THREAD_ROWS: threadRows, THREAD_QUADS: threadQuads, TILE_K: tileK, DOUBLE_BUFFER: doubleBuffer ? 1 : 0 },
    );
  }
  if (alignment === 'vec4') {
    return products(
      ['matmul_forward_vec4', 'matmul_weight_grad_vec4', 'matmul_input_grad_vec4'],
      [
        [matmulGather, matmulRows8, forwardVec4],
        [matmulGather, matmulRows8, weightGradVec4],
        [matmulRows8, inputGradVec4],
      ],
      { WORKGROUP_X: 4, WORKGROUP_Y: 4 },
    );
  }
  return products(
    ['matmul_forward', 'matmul_weight_grad', 'matmul_input_grad'],
    [
      [forwardInterface, matmulGather, matmulRows8, forwardRegisters],
      [weightGradInterface, matmulGather, matmulRows8, weightGradRegisters],
      [inputGradInterface, matmulRows8, inputGradRegisters],
    ],
    { WORKGROUP_X: 8, WORKGROUP_Y: 4 },
  );
}

/** Every loss, the selected loss's output delta and the loss metrics; one workgroup of `workgroupSize`. */
export function lossKernel(workgroupSize: number): Kernel {
  return {
    name: 'loss',
    sources: [workgroupSumSource, lossesWgsl(), lossSource],
    bindings: [
      uniform('lossShape', LOSS_PARAMS),
      read('logits', 'array<f32>'),
      read('targets', 'array<f32>'),
      read('rowIndex', 'array<u32>'),
      readWrite('outputDelta', 'array<f32>'),
      readWrite('metrics', 'array<f32>'),
    ],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: workgroupSize },
  };
}

/** Output activation of evaluated rows. */
export const OUTPUT_ACTIVATION_KERNEL: Kernel = {
  name: 'output_activation',
  sources: [outputsWgsl(), outputActivationSource],
  bindings: [uniform('params', OUTPUT_PARAMS), read('logits', 'array<f32>'), readWrite('outputs', 'array<f32>')],
  usesStepParams: false,
  constants: { WORKGROUP_SIZE: 64 },
};

/** Squared norms of ∂L/∂W_l and ∂L/∂b_l; one workgroup of `workgroupSize` per segment. */
export function gradNormsKernel(workgroupSize: number): Kernel {
  return {
    name: 'grad_norms',
    sources: [gradNormsSource],
    bindings: [read('segments', 'array<Segment>'), read('gradient', 'array<f32>'), readWrite('metrics', 'array<f32>')],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: workgroupSize },
  };
}

/** Invocations per workgroup of the optimizer dispatch. */
export const OPTIMIZER_WORKGROUP_SIZE = 256;

/** One optimizer update over the whole flat parameter buffer, with the rule of `kind` (an override constant). */
export function optimizerKernel(kind: OptimizerKind): Kernel {
  return {
    name: 'optimizer',
    sources: [optimizersWgsl(), optimizerSource],
    bindings: [uniform('optimizer', OPTIMIZER_PARAMS), readWrite('parameters', 'array<f32>'), read('gradient', 'array<f32>'), readWrite('slots', 'array<f32>')],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: OPTIMIZER_WORKGROUP_SIZE, OPTIMIZER_KIND: OPTIMIZERS[kind].id },
  };
}

/** A whole training step in one workgroup of `workgroupSize` (fused_step.wgsl), updating with `kind`. */
export function fusedStepKernel(workgroupSize: number, kind: OptimizerKind): Kernel {
  return {
    name: 'fused_step',
    sources: [workgroupSumSource, lossesWgsl(), optimizersWgsl(), stepPhasesSource, fusedStepSource, fusedStepMainSource],
    bindings: [
      uniform('network', NETWORK_SHAPE),
      uniform('lossShape', LOSS_PARAMS),
      uniform('optimizer', OPTIMIZER_PARAMS),
      read('inputs', 'array<f32>'),
      read('targets', 'array<f32>'),
      read('rowIndex', 'array<u32>'),
      readWrite('parameters', 'array<f32>'),
      readWrite('gradient', 'array<f32>'),
      readWrite('slots', 'array<f32>'),
      readWrite('scratch', 'array<f32>'),
      readWrite('metrics', 'array<f32>'),
    ],
    usesStepParams: true,
    constants: { WORKGROUP_SIZE: workgroupSize, OPTIMIZER_KIND: OPTIMIZERS[kind].id },
  };
}

/**
 * How the replica step spreads R replicas over the device: 'workgroup', a workgroup per replica
 * sharing the fused step's phases among its invocations (dispatched R × 1); 'invocation', an
 * invocation per replica running its whole step alone (dispatched ⌈R / workgroup size⌉ × 1).
 */
export type ReplicaForm = 'workgroup' | 'invocation';

/**
 * One step of every replica (shaders/replica_step*.wgsl), in `form`, with workgroups of
 * `workgroupSize` invocations, updating with `kind`. Eight storage buffers, WebGPU's default limit
 * per stage: the training inputs and targets share `samples` to keep it so.
 */
export function replicaStepKernel(form: ReplicaForm, workgroupSize: number, kind: OptimizerKind): Kernel {
  const sources =
    form === 'workgroup'
      ? [workgroupSumSource, lossesWgsl(), optimizersWgsl(), stepPhasesSource, fusedStepSource, replicaStepSource, replicaStepWorkgroupSource]
      : [lossesWgsl(), optimizersWgsl(), stepPhasesSource, replicaStepSource, replicaStepInvocationSource];
  return {
    name: `replica_step_${form}`,
    sources,
    bindings: [
      uniform('network', NETWORK_SHAPE),
      uniform('lossShape', LOSS_PARAMS),
      uniform('sharedOptimizer', OPTIMIZER_PARAMS),
      uniform('replicaShape', REPLICA_SHAPE),
      read('samples', 'array<f32>'),
      read('rowIndex', 'array<u32>'),
      readWrite('parameters', 'array<f32>'),
      readWrite('gradient', 'array<f32>'),
      readWrite('slots', 'array<f32>'),
      readWrite('scratch', 'array<f32>'),
      readWrite('metrics', 'array<f32>'),
      { name: 'replicaSteps', access: 'read', type: `array<${REPLICA_STEP.name}>`, element: REPLICA_STEP },
    ],
    usesStepParams: true,
    stepParamsName: 'submission',
    constants: { WORKGROUP_SIZE: workgroupSize, OPTIMIZER_KIND: OPTIMIZERS[kind].id },
  };
}

/** Workgroups of a product of `variant` covering an output of `rows` × `cols`: [x over cols, y over rows]. */
export function matmulGrid(rows: number, cols: number, variant: MatmulVariant = 'registers'): [number, number] {
  const [blockRows, blockCols] = productBlock(variant);
  return [ceilDiv(cols, blockCols), ceilDiv(rows, blockRows)];
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

/**
 * The WGSL module of `kernel`: the generated table constants and hidden activations every kernel
 * shares, the structs its uniforms use, its binding declarations, then its sources.
 */
export function kernelModule(kernel: Kernel): string {
  const structs = new Map<string, string>();
  for (const binding of kernel.bindings) {
    if (binding.element) structs.set(binding.element.name, binding.element.wgsl);
    if (typeof binding.type === 'string') continue;
    // A struct of structs declares its element struct first.
    for (const field of Object.values(binding.type.fields)) if (typeof field.type !== 'string') structs.set(field.type.name, field.type.wgsl);
    structs.set(binding.type.name, binding.type.wgsl);
  }
  if (kernel.usesStepParams) structs.set(STEP_PARAMS.name, STEP_PARAMS.wgsl);
  const declarations = kernel.bindings.map((binding, index) => {
    const space = binding.access === 'uniform' ? 'uniform' : `storage, ${binding.access}`;
    return `@group(0) @binding(${index}) var<${space}> ${binding.name}: ${typeof binding.type === 'string' ? binding.type : binding.type.name};`;
  });
  if (kernel.usesStepParams) declarations.push(`@group(1) @binding(0) var<uniform> ${kernel.stepParamsName ?? 'step'}: ${STEP_PARAMS.name};`);
  return [wgslConstants(), ...structs.values(), activationsWgsl(), ...declarations, '', ...kernel.sources].join('\n');
}

/** A compiled kernel with the layout its bind groups are made from. */
export interface CompiledKernel {
  /** The kernel it was compiled from. */
  kernel: Kernel;
  /** The pipeline. */
  pipeline: GPUComputePipeline;
  /** Layout of group 0. */
  bindGroupLayout: GPUBindGroupLayout;
}

/**
 * The group-0 bind group of `compiled` with `buffers` given by binding name: every declared binding
 * must be given and nothing else, so a renamed or reordered binding cannot be fed the wrong buffer.
 */
export function bindGroupFor(device: GPUDevice, compiled: CompiledKernel, label: string, buffers: Readonly<Record<string, GPUBuffer>>): GPUBindGroup {
  const declared = compiled.kernel.bindings.map((binding) => binding.name);
  const extra = Object.keys(buffers).filter((name) => !declared.includes(name));
  const missing = declared.filter((name) => !(name in buffers));
  if (extra.length > 0 || missing.length > 0) {
    throw new Error(`${label}: ${compiled.kernel.name} binds ${declared.join(', ')}; ${missing.length > 0 ? `missing ${missing.join(', ')}` : ''}${extra.length > 0 ? ` unknown ${extra.join(', ')}` : ''}`);
  }
  return device.createBindGroup({
    label,
    layout: compiled.bindGroupLayout,
    entries: declared.map((name, binding) => ({ binding, resource: { buffer: buffers[name] } })),
  });
}

/** The group-1 bind group of the per-step uniform (StepParams in `buffer`, one block per step, read at a dynamic offset). */
export function stepParamsBindGroup(device: GPUDevice, pipelines: PipelineCache, buffer: GPUBuffer, label: string): GPUBindGroup {
  return device.createBindGroup({ label, layout: pipelines.stepLayout, entries: [{ binding: 0, resource: { buffer, size: STEP_PARAMS.size } }] });
}

/** The bind-group layout type of a declared access. */
const LAYOUT_TYPE: Record<BindingDeclaration['access'], GPUBufferBindingType> = { uniform: 'uniform', read: 'read-only-storage', read_write: 'storage' };

/**
 * Compiles kernels once per device. The key holds everything the module depends on: the kernel's
 * name (its sources and bindings) and its override constants; sizes live in uniforms, so one
 * pipeline serves every network shape.
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
      entries: [{ binding: 0, visibility: this.visibility, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: STEP_PARAMS.size } }],
    });
  }

  /** The compiled kernel, compiling it on first use. */
  get(kernel: Kernel): Promise<CompiledKernel> {
    // The name determines the sources and bindings; the override constants are the rest of what the module depends on.
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
      entries: kernel.bindings.map((binding, index) => ({ binding: index, visibility: this.visibility, buffer: { type: LAYOUT_TYPE[binding.access] } })),
    });
    const module = this.device.createShaderModule({ label: kernel.name, code: kernelModule(kernel) });
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
