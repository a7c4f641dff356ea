/**
 * The float32 CPU trainer: the matrix products and the bias gradients' column sums in WebAssembly
 * SIMD (asm/products.ts), and everything else in TypeScript over Float32Array views of the same memory, from the tables of
 * src/model: each hidden activation's forward and derivative, each output function's row, each
 * loss's row sum and row delta, each optimizer's update. A new table entry is therefore trained
 * here with no change to this folder. On several threads over shared memory, the products (each with
 * the hidden activation, the derivative or the bias sums that follow it) and the optimizer's update
 * are split between them (src/wasm/tasks.ts); the output layer and the batch gather stay on this
 * thread.
 *
 * It visits the same batches (BatchSchedule) from the same initial weights (initParameters) as the
 * float64 reference and the GPU trainer, so the three compare step by step.
 */
import { OUTPUTS } from '../model/activations';
import { BatchSchedule, shuffleSeed } from '../model/batches';
import type { Dataset } from '../model/dataset';
import { initParameters } from '../model/init';
import { parameterLayout, type LayerLayout } from '../model/layout';
import { LOSSES, LOSS_NAMES, assertLossAllowed, lossAllows, meanLosses, type LossName, type LossValues } from '../model/losses';
import { OPTIMIZERS } from '../model/optimizers';
import type { StepMetrics, TrainerSnapshot } from '../model/session';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import { formatProblems, validate, validateForDataset } from '../model/validate';
import { instantiateKernels, type KernelBinary, type WasmKernels } from './kernels';
import { WASM_MEMORY_LIMIT_BYTES, wasmMemoryLayout, type WasmMemoryLayout } from './memory-layout';
import { SingleThreadTasks, type TaskRunner } from './tasks';
import { ThreadedTasks, type HelperSetup, type HelperThreads } from './threads';
import { TrainerViews } from './views';

const PAGE_BYTES = 65536;

/** How to start a float32 trainer. */
export interface WasmTrainerOptions {
  /** The network. */
  spec: NetworkSpec;
  /** The data it trains on. */
  dataset: Dataset;
  /** Starting parameters in the flat layout (rounded to float32); the seeded ones when omitted. */
  initialParameters?: Float64Array;
  /** The compiled kernel binary of a kind: 'shared-memory' when threads > 1, else 'single-thread'. */
  module(binary: KernelBinary): Promise<WebAssembly.Module>;
  /** Threads that compute the products, this one included (1: this thread alone). */
  threads: number;
  /** Starts one helper thread per setup, each running serveTasks; needed when threads > 1. */
  startHelpers?: (setups: HelperSetup[]) => Promise<HelperThreads>;
}

export class WasmTrainer {
  private readonly currentSpec: NetworkSpec;
  private readonly schedule: BatchSchedule;
  private readonly layers: LayerLayout[];
  private readonly parameterCount: number;
  private readonly batchIndices: Uint32Array;
  /** Optimizer updates applied so far; the next step is step `updates`. */
  private updates = 0;

  private constructor(
    spec: NetworkSpec,
    /** The data it trains on. */
    readonly dataset: Dataset,
    private readonly kernels: WasmKernels,
    private readonly memoryLayout: WasmMemoryLayout,
    /** The trainer's buffers and their element-wise work (setLoss changes nothing that work reads). */
    private readonly views: TrainerViews,
    private readonly tasks: TaskRunner,
    initialParameters: Float64Array | undefined,
  ) {
    this.currentSpec = cloneSpec(spec);
    this.layers = parameterLayout(spec.widths).layers;
    this.parameterCount = parameterLayout(spec.widths).totalParameters;
    this.schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
    this.batchIndices = new Uint32Array(spec.batchSize);
    if (initialParameters) this.checkParameterCount(initialParameters.length);
    this.views.parameters.set(initialParameters ?? initParameters(spec));
  }

  /**
   * Starts a run of `options.spec` on `options.dataset`. Throws listing every problem with the
   * spec, or naming the memory a network needs beyond WASM_MEMORY_LIMIT_BYTES, before the memory
   * is grown.
   */
  static async create(options: WasmTrainerOptions): Promise<WasmTrainer> {
    const { spec, dataset, threads } = options;
    const problems = [...validate(spec), ...validateForDataset(spec, dataset)];
    if (problems.length > 0) throw new Error(`cannot train this network on "${dataset.name}":\n${formatProblems(problems)}`);
    if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`the WebAssembly trainer needs a whole number of threads of at least 1, got ${threads}`);
    if (threads > 1 && !options.startHelpers) throw new Error(`${threads} threads need a way to start helper threads (startHelpers); pass threads: 1 to train on this thread alone`);
    const shared = threads > 1;
    const module = await options.module(shared ? 'shared-memory' : 'single-thread');
    const maximum = WASM_MEMORY_LIMIT_BYTES / PAGE_BYTES;
    const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum, shared: true } : { initial: 1, maximum });
    const kernels = await instantiateKernels(module, memory);
    const memoryLayout = wasmMemoryLayout(spec, threads, kernels.exports.heapBase(), (depth) => kernels.exports.scratchBytes(depth));
    if (memoryLayout.bytes > WASM_MEMORY_LIMIT_BYTES) {
      throw new Error(
        `the network [${spec.widths.join(', ')}] with batch ${spec.batchSize} needs ${(memoryLayout.bytes / 1024 ** 3).toFixed(1)} GiB on the WebAssembly path, ` +
          `over its limit of ${WASM_MEMORY_LIMIT_BYTES / 1024 ** 3} GiB; use narrower layers or a smaller batch`,
      );
    }
    memory.grow(Math.ceil(memoryLayout.bytes / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES);
    const views = new TrainerViews(spec, memoryLayout, kernels);
    const context = { kernels, views, scratch: memoryLayout.scratch[0] };
    let tasks: TaskRunner;
    if (shared) {
      const setups: HelperSetup[] = memoryLayout.scratch.slice(1).map((_, helper) => ({ module, memory, spec, layout: memoryLayout, helper }));
      tasks = new ThreadedTasks(context, memoryLayout, await options.startHelpers!(setups));
    } else {
      tasks = new SingleThreadTasks(context);
    }
    try {
      return new WasmTrainer(spec, dataset, kernels, memoryLayout, views, tasks, options.initialParameters);
    } catch (error) {
      tasks.dispose();
      throw error;
    }
  }

  /** The network; its `loss` follows `setLoss`. Treat it as read-only. */
  get spec(): NetworkSpec {
    return this.currentSpec;
  }

  /** Steps taken so far; each step is one optimizer update. */
  get stepsTaken(): number {
    return this.updates;
  }

  /** Threads computing the products, this one included. */
  get threads(): number {
    return this.tasks.threads;
  }

  /** ∂L/∂θ of the last step, in the flat layout (a copy, in float64). */
  gradient(): Float64Array {
    return Float64Array.from(this.views.gradient);
  }

  /** Trains on the next batch and returns that batch's metrics, measured before the update. */
  step(): StepMetrics {
    const { batchSize, loss, optimizer, outputActivation } = this.currentSpec;
    const { inputSize, outputSize, trainX, trainY } = this.dataset;
    const step = this.updates;
    this.schedule.indicesForStep(step, this.batchIndices);
    const inputs = this.views.activations[0];
    for (let r = 0; r < batchSize; r++) {
      const sample = this.batchIndices[r];
      inputs.set(trainX.subarray(sample * inputSize, (sample + 1) * inputSize), r * inputSize);
      this.views.targets.set(trainY.subarray(sample * outputSize, (sample + 1) * outputSize), r * outputSize);
    }
    this.forward(batchSize);

    // The output layer: every loss of the batch, the saturated count and the active loss's delta, row by row.
    const last = this.layers.length - 1;
    const z = this.views.preActivations[last];
    const o = this.views.activations[last + 1];
    const t = this.views.targets;
    const outputDelta = this.views.deltas[last];
    const sums = Object.fromEntries(LOSS_NAMES.map((name) => [name, 0])) as LossValues;
    const allowed = LOSS_NAMES.filter((name) => lossAllows(name, outputActivation));
    const output = OUTPUTS[outputActivation];
    let saturated = 0;
    for (let r = 0; r < batchSize; r++) {
      const from = r * outputSize;
      const to = from + outputSize;
      const zRow = z.subarray(from, to);
      const oRow = o.subarray(from, to);
      const tRow = t.subarray(from, to);
      for (const name of allowed) sums[name] += LOSSES[name].rowSum(outputActivation, zRow, oRow, tRow);
      saturated += output.saturatedInRow(o, from, outputSize);
      LOSSES[loss].rowDelta(outputActivation, oRow, tRow, batchSize, outputDelta.subarray(from, to));
    }
    const losses = meanLosses(outputActivation, sums, batchSize, outputSize);

    this.backward();
    const norm = (offset: number, count: number) => Math.sqrt(this.kernels.exports.sumOfSquares(offset, count));
    const gradient = this.memoryLayout.gradient;
    const gradNormW = this.layers.map((layer) => norm(gradient + 4 * layer.weightOffset, layer.fanIn * layer.fanOut));
    const gradNormB = this.layers.map((layer) => norm(gradient + 4 * layer.biasOffset, layer.fanOut));
    let squares = 0;
    for (let l = 0; l < this.layers.length; l++) squares += gradNormW[l] ** 2 + gradNormB[l] ** 2;

    this.updates++;
    this.tasks.run({ kind: 'update', count: this.parameterCount, stepSize: OPTIMIZERS[optimizer.kind].stepSize(optimizer, this.updates) });
    return {
      step,
      activeLoss: loss,
      losses,
      gradNormW,
      gradNormB,
      globalGradNorm: Math.sqrt(squares),
      outputDeltaNorm: norm(this.memoryLayout.deltas[last], batchSize * outputSize),
      saturatedFraction: saturated / (output.saturationUnit === 'row' ? batchSize : batchSize * outputSize),
    };
  }

  /** Selects the loss for the next step on; weights, optimizer state and batch order are kept. */
  setLoss(loss: LossName): void {
    this.checkLoss(loss);
    this.currentSpec.loss = loss;
  }

  /** Copies of the parameters and optimizer state, in float64 (exactly the float32 values). */
  snapshot(): TrainerSnapshot {
    return {
      step: this.updates,
      loss: this.currentSpec.loss,
      parameters: Float64Array.from(this.views.parameters),
      optimizerSlots: this.views.slots.map((slot) => Float64Array.from(slot)),
    };
  }

  /** Continues from `snapshot`, rounded to float32: the next step is snapshot.step, with its batch. */
  restore(snapshot: TrainerSnapshot): void {
    this.checkParameterCount(snapshot.parameters.length);
    const kind = this.currentSpec.optimizer.kind;
    const lengths = snapshot.optimizerSlots.map((slot) => slot.length);
    if (lengths.length !== this.views.slots.length || lengths.some((length) => length !== this.parameterCount)) {
      throw new Error(
        `${kind} keeps ${this.views.slots.length} slot(s) of ${this.parameterCount} values, got [${lengths.join(', ')}]; ` +
          'restore a snapshot of a run with the same optimizer and network',
      );
    }
    if (!(Number.isInteger(snapshot.step) && snapshot.step >= 0)) throw new Error(`a snapshot's step must be a whole number, got ${snapshot.step}`);
    this.checkLoss(snapshot.loss);
    this.views.parameters.set(snapshot.parameters);
    snapshot.optimizerSlots.forEach((slot, i) => this.views.slots[i].set(slot));
    this.updates = snapshot.step;
    this.currentSpec.loss = snapshot.loss;
  }

  /** Network outputs (after the output activation) for `count` rows of `inputs`, row-major [count, K]. */
  evaluate(inputs: ArrayLike<number>, count: number): Float32Array {
    const { widths } = this.currentSpec;
    const inputSize = widths[0];
    const outputSize = widths[widths.length - 1];
    if (!(Number.isInteger(count) && count >= 0)) throw new Error(`evaluate() takes a whole number of rows, got ${count}`);
    if (inputs.length < count * inputSize) throw new Error(`${count} rows of ${inputSize} inputs need ${count * inputSize} values but only ${inputs.length} were given`);
    const outputs = new Float32Array(count * outputSize);
    const rowsPerPass = this.memoryLayout.rows;
    for (let from = 0; from < count; from += rowsPerPass) {
      const rows = Math.min(rowsPerPass, count - from);
      const first = this.views.activations[0];
      for (let i = 0; i < rows * inputSize; i++) first[i] = inputs[from * inputSize + i];
      this.forward(rows);
      outputs.set(this.views.activations[this.layers.length].subarray(0, rows * outputSize), from * outputSize);
    }
    return outputs;
  }

  /**
   * Milliseconds that `count` forward products of the first layer over a whole batch take, run as
   * training runs them (benchmarks: 2·batch·n_0·n_1 FLOPs each, on the trainer's threads).
   */
  timeForwardProducts(count: number): number {
    const start = performance.now();
    for (let i = 0; i < count; i++) this.forwardProduct(0, this.currentSpec.batchSize, false);
    return performance.now() - start;
  }

  /** Stops the helper threads; the trainer cannot be used afterwards. */
  dispose(): void {
    this.tasks.dispose();
  }

  /** Z_l = A_l·W_l + b_l and A_(l+1) = f(Z_l) for every weight layer, on the first `rows` rows of A_0. */
  private forward(rows: number): void {
    const last = this.layers.length - 1;
    this.layers.forEach(({ fanOut }, l) => {
      this.forwardProduct(l, rows, l < last);
      if (l < last) return;
      const z = this.views.preActivations[l];
      const a = this.views.activations[l + 1];
      const row = OUTPUTS[this.currentSpec.outputActivation].row;
      for (let r = 0; r < rows; r++) row(z.subarray(r * fanOut, (r + 1) * fanOut), a.subarray(r * fanOut, (r + 1) * fanOut));
    });
  }

  /** Z_l = A_l·W_l + b_l on the first `rows` rows, and A_(l+1) = f(Z_l) too when `activate` (hidden layers). */
  private forwardProduct(l: number, rows: number, activate: boolean): void {
    const { fanIn, fanOut, weightOffset, biasOffset } = this.layers[l];
    const { activations, parameters, preActivations } = this.memoryLayout;
    this.tasks.run({
      kind: 'product',
      call: {
        a: activations[l], aRow: fanIn, aCol: 1,
        b: parameters + 4 * weightOffset, bRow: fanOut, bCol: 1,
        bias: parameters + 4 * biasOffset,
        c: preActivations[l], ldc: fanOut,
        depth: fanIn, rows, columns: fanOut,
      },
      then: activate ? { kind: 'activate', layer: l } : null,
    });
  }

  /**
   * From the output delta of the batch: dW_l = A_lᵀ·dZ_l and db_l = Σ_rows dZ_l into the gradient,
   * and dZ_(l−1) = (dZ_l·W_lᵀ) ⊙ f′(Z_(l−1)) for every layer but the first.
   */
  private backward(): void {
    const { batchSize } = this.currentSpec;
    const { activations, deltas, gradient, parameters } = this.memoryLayout;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { fanIn, fanOut, weightOffset } = this.layers[l];
      // A_lᵀ: A(i, k) = A_l[k][i]; dZ_l as it lies.
      this.tasks.run({
        kind: 'product',
        call: {
          a: activations[l], aRow: 1, aCol: fanIn,
          b: deltas[l], bRow: fanOut, bCol: 1,
          bias: 0,
          c: gradient + 4 * weightOffset, ldc: fanOut,
          depth: batchSize, rows: fanIn, columns: fanOut,
        },
        then: { kind: 'sumBias', layer: l },
      });
      if (l === 0) break;
      // W_lᵀ: B(k, j) = W_l[j][k]; then the factor f′ of the layer below, on the same part.
      this.tasks.run({
        kind: 'product',
        call: {
          a: deltas[l], aRow: fanOut, aCol: 1,
          b: parameters + 4 * weightOffset, bRow: 1, bCol: fanOut,
          bias: 0,
          c: deltas[l - 1], ldc: fanIn,
          depth: fanOut, rows: batchSize, columns: fanIn,
        },
        then: { kind: 'derive', layer: l },
      });
    }
  }

  private checkParameterCount(count: number): void {
    if (count !== this.parameterCount) {
      throw new Error(`the network [${this.currentSpec.widths.join(', ')}] has ${this.parameterCount} parameters but ${count} were given`);
    }
  }

  private checkLoss(loss: LossName): void {
    if (!LOSS_NAMES.includes(loss)) throw new Error(`unknown loss ${JSON.stringify(loss)}; use one of ${LOSS_NAMES.join(', ')}`);
    assertLossAllowed(loss, this.currentSpec.outputActivation);
  }
}
