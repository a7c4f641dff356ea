/**
 * The work of a training step that threads share: the products, each followed on the same part by
 * the element-wise work that needs its result (a hidden activation, an activation's derivative),
 * and the optimizer's update. A task is split into parts (splitTask); a part is done by one thread
 * (runTaskPart); any split gives the result of doing the whole on one thread, bit for bit.
 */
import type { WasmKernels } from './kernels';
import { productGrain, runProductPart, splitProduct, type ProductCall, type ProductGrain, type ProductPart } from './products';
import type { TrainerViews } from './views';

/**
 * What follows a product on each part of it: TrainerViews.activate (the product was Z of weight
 * layer `layer`), TrainerViews.derive (it was dZ·Wᵀ of weight layer `layer`) or
 * TrainerViews.sumBiasGradient (it was Aᵀ·dZ of weight layer `layer`: the part that starts at row 0
 * also sums its columns of dZ into the bias gradient).
 */
export interface ElementwiseStep {
  /** Which one. */
  kind: 'activate' | 'derive' | 'sumBias';
  /** The weight layer it belongs to. */
  layer: number;
}

/** One piece of a step's work over whole buffers. */
export type Task =
  /** C = A·B (+ bias), then `then` on the same rows and columns of C. */
  | { kind: 'product'; call: ProductCall; then: ElementwiseStep | null }
  /** TrainerViews.update of the first `count` parameters, with this update's step size. */
  | { kind: 'update'; count: number; stepSize: number };

/** The elements from … to − 1 of an element-wise task. */
export interface ElementRange {
  /** First element. */
  from: number;
  /** One past the last element. */
  to: number;
}

/** What one thread does of a task: rows and columns of a product, or a range of elements. */
export type TaskPart = ProductPart | ElementRange;

/**
 * Parameters below which the update stays on one thread: waking the others costs microseconds,
 * what an update of about this many parameters takes.
 */
export const MIN_PARALLEL_ELEMENTS = 1 << 15;

/** What a thread needs to do its part of any task. */
export interface TaskContext {
  /** The kernels over the memory. */
  kernels: WasmKernels;
  /** The trainer's buffers in that memory. */
  views: TrainerViews;
  /** Byte offset of this thread's scratch for the product kernel. */
  scratch: number;
}

/** How `threads` threads share `task`: at most one part each, all of it covered once. */
export function splitTask(task: Task, threads: number, grain: ProductGrain): TaskPart[] {
  if (task.kind === 'product') return splitProduct(task.call, threads, grain);
  const parts = task.count < MIN_PARALLEL_ELEMENTS ? 1 : threads;
  return Array.from({ length: parts }, (_, p) => ({ from: Math.floor((p * task.count) / parts), to: Math.floor(((p + 1) * task.count) / parts) }));
}

/** Does `part` of `task` on this thread. */
export function runTaskPart(context: TaskContext, task: Task, part: TaskPart): void {
  if (task.kind === 'product') {
    const block = part as ProductPart;
    runProductPart(context.kernels, task.call, block, context.scratch);
    if (task.then?.kind === 'activate') context.views.activate(task.then.layer, block);
    else if (task.then?.kind === 'derive') context.views.derive(task.then.layer, block);
    else if (task.then?.kind === 'sumBias' && block.rowFrom === 0) context.views.sumBiasGradient(task.then.layer, block);
    return;
  }
  const { from, to } = part as ElementRange;
  context.views.update(from, to, task.stepSize);
}

/** Does a trainer's tasks: on its own thread alone, or shared with helper threads. */
export interface TaskRunner {
  /** Threads doing the work, the trainer's own included. */
  readonly threads: number;
  /** Does `task` completely before returning. */
  run(task: Task): void;
  /** Stops the helper threads, if any. */
  dispose(): void;
}

/** Every task on this thread, whole. */
export class SingleThreadTasks implements TaskRunner {
  readonly threads = 1;
  private readonly grain: ProductGrain;

  constructor(private readonly context: TaskContext) {
    this.grain = productGrain(context.kernels);
  }

  run(task: Task): void {
    runTaskPart(this.context, task, splitTask(task, 1, this.grain)[0]);
  }

  dispose(): void {
    // Nothing runs besides this thread.
  }
}
