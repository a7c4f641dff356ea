/**
 * Products shared between threads over one shared WebAssembly memory. The trainer's thread (the
 * leader) writes each helper's part of a product into a control block in that memory, wakes the
 * helpers with Atomics.notify, computes its own part, and sleeps in Atomics.wait until the last
 * helper has finished. Helpers sleep between products. Nothing but the control block passes
 * between threads: operands and results are already in the shared memory. How a helper thread is
 * started (a Web Worker in a page) is the caller's business; this file only needs one that runs
 * `serveProducts`.
 */
import { instantiateKernels, type WasmKernels } from './kernels';
import { productGrain, runPart, splitProduct, type ProductCall, type ProductGrain, type ProductPart, type ProductRunner } from './products';

/** Int32 indices of the control block's header. */
const GENERATION = 0; // bumped by the leader once per round of work
const PENDING = 1; // helpers that have not finished the current round
const STOP = 2; // non-zero: helpers return
const FAILED = 3; // 1 + the index of a helper whose product threw, or 0
const HEADER_INTS = 4;
/** Int32s of one helper's slot: its part of the product, as the 15 arguments of the kernel. */
const SLOT_INTS = 15;

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
  /** Byte offset of the control block. */
  control: number;
  /** Byte offset of this helper's scratch. */
  scratch: number;
  /** 0-based index of this helper among the helpers. */
  helper: number;
}

/** Helper threads that were started and entered `serveProducts`. */
export interface HelperThreads {
  /** Ends the threads at once, sleeping or not. */
  terminate(): void;
}

/**
 * Runs in a helper thread: instantiates the kernels over the shared memory, calls `ready` once it
 * listens, then computes every part the leader hands it until the leader stops it. Blocks the
 * thread throughout (Atomics.wait), so the thread handles no messages afterwards.
 */
export async function serveProducts(setup: HelperSetup, ready: () => void): Promise<void> {
  const kernels = await instantiateKernels(setup.module, setup.memory);
  const control = new Int32Array(setup.memory.buffer, setup.control, HEADER_INTS + SLOT_INTS * (setup.helper + 1));
  const slot = HEADER_INTS + SLOT_INTS * setup.helper;
  // Read before saying ready: the leader starts no round until every helper has said so.
  let seen = Atomics.load(control, GENERATION);
  ready();
  for (;;) {
    Atomics.wait(control, GENERATION, seen);
    const generation = Atomics.load(control, GENERATION);
    if (generation === seen) continue;
    seen = generation;
    if (Atomics.load(control, STOP) !== 0) return;
    try {
      const [a, aRow, aCol, b, bRow, bCol, bias, c, ldc, depth, rowFrom, rowTo, colFrom, colTo, scratch] = control.subarray(slot, slot + SLOT_INTS);
      kernels.exports.product(a, aRow, aCol, b, bRow, bCol, bias, c, ldc, depth, rowFrom, rowTo, colFrom, colTo, scratch);
    } catch (error) {
      Atomics.store(control, FAILED, setup.helper + 1);
      console.error(`helper thread ${setup.helper} of the WebAssembly trainer failed:`, error);
    }
    if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
  }
}

/** A part no helper computes anything for. */
const NOTHING: ProductPart = { rowFrom: 0, rowTo: 0, colFrom: 0, colTo: 0 };

/** The leader's side: splits each product between itself and the helpers and waits for them. */
export class ThreadedProducts implements ProductRunner {
  readonly threads: number;
  private readonly control: Int32Array;
  private readonly grain: ProductGrain;
  private disposed = false;

  constructor(
    private readonly kernels: WasmKernels,
    /** Byte offset of the control block. */
    control: number,
    /** Byte offsets of the scratch of each thread: the leader's first, then each helper's. */
    private readonly scratch: readonly number[],
    /** The helpers, started on `scratch[1…]` and listening. */
    private readonly helpers: HelperThreads,
  ) {
    this.threads = scratch.length;
    this.control = new Int32Array(kernels.memory.buffer, control, HEADER_INTS + SLOT_INTS * (this.threads - 1));
    this.grain = productGrain(kernels);
  }

  run(call: ProductCall): void {
    if (this.disposed) throw new Error('the helper threads of this WebAssembly trainer were stopped; create a new session to keep training');
    const parts = splitProduct(call, this.threads, this.grain);
    if (parts.length === 1) {
      runPart(this.kernels, call, parts[0], this.scratch[0]);
      return;
    }
    const helpers = this.threads - 1;
    for (let helper = 0; helper < helpers; helper++) {
      const part = parts[helper + 1] ?? NOTHING;
      this.control.set(
        [call.a, call.aRow, call.aCol, call.b, call.bRow, call.bCol, call.bias, call.c, call.ldc, call.depth, part.rowFrom, part.rowTo, part.colFrom, part.colTo, this.scratch[helper + 1]],
        HEADER_INTS + SLOT_INTS * helper,
      );
    }
    Atomics.store(this.control, PENDING, helpers);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    runPart(this.kernels, call, parts[0], this.scratch[0]);
    for (let pending = Atomics.load(this.control, PENDING); pending !== 0; pending = Atomics.load(this.control, PENDING)) {
      Atomics.wait(this.control, PENDING, pending);
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
