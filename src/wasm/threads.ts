/**
 * A trainer's tasks (src/wasm/tasks.ts) shared between threads over one shared WebAssembly memory.
 * The trainer's thread (the leader) writes each helper's part of a task into a control block in
 * that memory, wakes the helpers with Atomics.notify, does its own part, and waits until the last
 * helper has finished. Nothing but the control block passes between threads: operands and results
 * are already in the shared memory. A step hands out a dozen tasks of a millisecond or less, so
 * each side first spins on the control block for up to SPIN_MS before it sleeps in Atomics.wait:
 * a woken thread takes tens to hundreds of microseconds to run again, a spinning one none. How a
 * helper thread is started (a Web Worker in a page) is the caller's business; this file only needs
 * one that runs `serveTasks`.
 */
import type { NetworkSpec } from '../model/spec';
import { instantiateKernels } from './kernels';
import type { WasmMemoryLayout } from './memory-layout';
import { productGrain, type ProductGrain, type ProductPart } from './products';
import { runTaskPart, splitTask, type ElementRange, type ElementwiseStep, type Task, type TaskContext, type TaskPart, type TaskRunner } from './tasks';
import { TrainerViews } from './views';

/** Int32 indices of the control block's header. */
const GENERATION = 0; // bumped by the leader once per task
const PENDING = 1; // helpers that have not finished the current task
const STOP = 2; // non-zero: helpers return
const FAILED = 3; // 1 + the index of a helper whose part threw, or 0
/** Float64 index of the step size of an 'update' task (bytes 16 to 23). */
const STEP_SIZE = 2;
const HEADER_INTS = 6;
/**
 * Int32s of one helper's slot: the task's kind, a product part's kernel arguments but the scratch
 * (which is the helper's own), and what follows the product with its layer.
 */
const SLOT_INTS = 17;

/** The numbers a slot gives each kind of task, and each element-wise step after a product (0: none). */
const KINDS: readonly Task['kind'][] = ['product', 'update'];
const THEN: readonly (ElementwiseStep['kind'] | null)[] = [null, 'activate', 'derive', 'sumBias'];

/**
 * Milliseconds a waiting thread keeps checking the control block before it sleeps: longer than the
 * gaps between the tasks of a step (the output layer, the batch gather), so that within a step no
 * thread sleeps and none has to be woken, and short, since on a machine busy with other work the
 * thread being waited for may not be running at all, and a spinning thread then only keeps a core
 * from it. Measured in time, not in checks: a check costs from one to tens of nanoseconds
 * depending on the engine.
 */
const SPIN_MS = 1;
/** Checks made between two looks at the clock. */
const CHECKS_PER_LOOK = 256;

/** Waits until control[index] is no longer `value`: spins a while, then sleeps. */
function waitWhile(control: Int32Array, index: number, value: number): void {
  const until = performance.now() + SPIN_MS;
  do {
    for (let check = 0; check < CHECKS_PER_LOOK; check++) if (Atomics.load(control, index) !== value) return;
  } while (performance.now() < until);
  while (Atomics.load(control, index) === value) Atomics.wait(control, index, value);
}

/** Bytes of the control block for `helpers` helper threads. */
export function controlBytes(helpers: number): number {
  return 4 * (HEADER_INTS + SLOT_INTS * helpers);
}

/** What one helper thread needs: posted to it, so every field is cloneable. */
export interface HelperSetup {
  /** The shared-memory kernel module. */
  module: WebAssembly.Module;
  /** The shared memory (its buffer is a SharedArrayBuffer). */
  memory: WebAssembly.Memory;
  /** The network, whose activations and optimizer the element-wise tasks apply. */
  spec: NetworkSpec;
  /** Where everything lies in the memory. */
  layout: WasmMemoryLayout;
  /** 0-based index of this helper among the helpers; its scratch is layout.scratch[helper + 1]. */
  helper: number;
}

/** Helper threads that were started and entered `serveTasks`. */
export interface HelperThreads {
  /** Ends the threads at once, sleeping or not. */
  terminate(): void;
}

/** A task and one part of it as the integers of a slot. */
function encode(task: Task, part: TaskPart): number[] {
  const kind = KINDS.indexOf(task.kind);
  if (task.kind === 'product') {
    const { call, then } = task;
    const { rowFrom, rowTo, colFrom, colTo } = part as ProductPart;
    const after = [THEN.indexOf(then?.kind ?? null), then?.layer ?? 0];
    return [kind, call.a, call.aRow, call.aCol, call.b, call.bRow, call.bCol, call.bias, call.c, call.ldc, call.depth, rowFrom, rowTo, colFrom, colTo, ...after];
  }
  const { from, to } = part as ElementRange;
  return [kind, from, to];
}

/**
 * The task and part a slot holds; the step size of an update comes from the header. A task's size
 * is given as far as the part reaches, all a part needs of it.
 */
function decode(slot: Int32Array, stepSize: number): { task: Task; part: TaskPart } {
  const kind = KINDS[slot[0]];
  if (kind === 'product') {
    const [, a, aRow, aCol, b, bRow, bCol, bias, c, ldc, depth, rowFrom, rowTo, colFrom, colTo, then, layer] = slot;
    const after = THEN[then];
    return {
      task: { kind, call: { a, aRow, aCol, b, bRow, bCol, bias, c, ldc, depth, rows: rowTo, columns: colTo }, then: after ? { kind: after, layer } : null },
      part: { rowFrom, rowTo, colFrom, colTo },
    };
  }
  const [, from, to] = slot;
  return { task: { kind, count: to, stepSize }, part: { from, to } };
}

/**
 * Runs in a helper thread: instantiates the kernels over the shared memory, calls `ready` once it
 * listens, then does every part the leader hands it until the leader stops it. Blocks the thread
 * throughout (Atomics.wait), so the thread handles no messages afterwards.
 */
export async function serveTasks(setup: HelperSetup, ready: () => void): Promise<void> {
  const kernels = await instantiateKernels(setup.module, setup.memory);
  const buffer = setup.memory.buffer;
  const context: TaskContext = { kernels, views: new TrainerViews(setup.spec, setup.layout, kernels), scratch: setup.layout.scratch[setup.helper + 1] };
  const control = new Int32Array(buffer, setup.layout.control, HEADER_INTS + SLOT_INTS * (setup.helper + 1));
  const header = new Float64Array(buffer, setup.layout.control, HEADER_INTS / 2);
  const slot = control.subarray(HEADER_INTS + SLOT_INTS * setup.helper, HEADER_INTS + SLOT_INTS * (setup.helper + 1));
  // Read before saying ready: the leader starts no task until every helper has said so.
  let seen = Atomics.load(control, GENERATION);
  ready();
  for (;;) {
    waitWhile(control, GENERATION, seen);
    seen = Atomics.load(control, GENERATION);
    if (Atomics.load(control, STOP) !== 0) return;
    try {
      const { task, part } = decode(slot, header[STEP_SIZE]);
      runTaskPart(context, task, part);
    } catch (error) {
      Atomics.store(control, FAILED, setup.helper + 1);
      console.error(`helper thread ${setup.helper} of the WebAssembly trainer failed:`, error);
    }
    if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
  }
}

/** A part with nothing to do, for a helper a task has no part for. */
const NOTHING: Record<Task['kind'], TaskPart> = {
  product: { rowFrom: 0, rowTo: 0, colFrom: 0, colTo: 0 },
  update: { from: 0, to: 0 },
};

/** The leader's side: splits each task between itself and the helpers and waits for them. */
export class ThreadedTasks implements TaskRunner {
  readonly threads: number;
  private readonly control: Int32Array;
  private readonly header: Float64Array;
  private readonly grain: ProductGrain;
  private disposed = false;

  constructor(
    /** The leader's kernels, views and scratch (layout.scratch[0]). */
    private readonly context: TaskContext,
    layout: WasmMemoryLayout,
    /** The helpers, started on layout.scratch[1…] and listening. */
    private readonly helpers: HelperThreads,
  ) {
    this.threads = layout.scratch.length;
    const buffer = context.kernels.memory.buffer;
    this.control = new Int32Array(buffer, layout.control, HEADER_INTS + SLOT_INTS * (this.threads - 1));
    this.header = new Float64Array(buffer, layout.control, HEADER_INTS / 2);
    this.grain = productGrain(context.kernels);
  }

  run(task: Task): void {
    if (this.disposed) throw new Error('the helper threads of this WebAssembly trainer were stopped; create a new session to keep training');
    const parts = splitTask(task, this.threads, this.grain);
    if (parts.length === 1) {
      runTaskPart(this.context, task, parts[0]);
      return;
    }
    const helpers = this.threads - 1;
    if (task.kind === 'update') this.header[STEP_SIZE] = task.stepSize;
    for (let helper = 0; helper < helpers; helper++) {
      this.control.set(encode(task, parts[helper + 1] ?? NOTHING[task.kind]), HEADER_INTS + SLOT_INTS * helper);
    }
    Atomics.store(this.control, PENDING, helpers);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    runTaskPart(this.context, task, parts[0]);
    for (let pending = Atomics.load(this.control, PENDING); pending !== 0; pending = Atomics.load(this.control, PENDING)) {
      waitWhile(this.control, PENDING, pending);
    }
    const failed = Atomics.load(this.control, FAILED);
    if (failed !== 0) {
      throw new Error(`helper thread ${failed - 1} of the WebAssembly trainer failed (its console says why); create a new session, or use one worker`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    this.helpers.terminate();
  }
}
