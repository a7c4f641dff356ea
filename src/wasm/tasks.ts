/**
 * The work of a training step that threads share: the products, and the element-wise work of
 * TrainerViews. A task is split into parts (splitTask); a part is done by one thread (runTaskPart);
 * any split gives the result of doing the whole on one thread, bit for bit.
 */
import type { WasmKernels } from './kernels';
import { productGrain, runProductPart, splitProduct, type ProductCall, type ProductGrain, type ProductPart } from './products';
import type { TrainerViews } from './views';

/** One piece of a step's work over whole buffers. */
export type Task =
  /** C = A·B (+ bias). */
  | { kind: 'product'; call: ProductCall }
  /** TrainerViews.activate of the first `count` elements of layer `layer`. */
  | { kind: 'activate'; layer: number; count: number }
  /** TrainerViews.derive of the first `count` elements of layer `layer`. */
  | { kind: 'derive'; layer: number; count: number }
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
 * Elements below which element-wise work stays on one thread: waking the others costs tens of
 * microseconds, what an activation takes on about this many elements.
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
    runProductPart(context.kernels, task.call, part as ProductPart, context.scratch);
    return;
  }
  const { from, to } = part as ElementRange;
  if (task.kind === 'activate') context.views.activate(task.layer, from, to);
  else if (task.kind === 'derive') context.views.derive(task.layer, from, to);
  else context.views.update(from, to, task.stepSize);
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
