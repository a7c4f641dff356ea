/**
 * Times one matrix product of a given shape and variant on the device, for the autotuner: the
 * product's own kernel, bound by name to buffers of the shape's sizes, dispatched once to warm up,
 * then as many times in one submission as fill about TIMED_MS (best of two). Each timed pass is
 * timed by the GPU itself, with timestamp queries at its start and end, where the device has the
 * feature (src/gpu/device.ts asks for it wherever the adapter offers it); otherwise, or once the
 * timestamps come back unusable (never written, or going back), or for a pass shorter than they
 * resolve, from submit to onSubmittedWorkDone on the host's clock, which also counts the
 * submission and the wait for it.
 */
import { ACTIVATIONS } from '../model/activations';
import type { GpuContext } from './device';
import { bindGroupFor, matmulGrid, matmulKernels, type MatmulVariant } from './kernels';
import type { ProductShape } from './step-plan';
import type { ProductClock, ProductTimer } from './tuner';
import { FORWARD_PARAMS, INPUT_GRAD_PARAMS, STEP_PARAMS, WEIGHT_GRAD_PARAMS } from './uniforms';
import { packStruct, type WgslStruct } from './wgsl-struct';

/** Milliseconds a timed submission aims at, so a small product is not all submission overhead and a slow one is timed once. */
const TIMED_MS = 10;
/** Most dispatches in one timed submission. */
const MAX_REPEATS = 32;

/** The buffers of one shape, made once and shared by every candidate timed on it. */
interface ShapeBuffers {
  /** Every buffer by binding name. */
  named: Record<string, GPUBuffer>;
  /** The per-step uniform (group 1). */
  stepParams: GPUBuffer;
}

/** What one timed submission took, by each clock the timer read. */
export interface PassTiming {
  /** Between the pass's start and end timestamps; null when the timer does not use them. */
  gpuMs: number | null;
  /** From submit to onSubmittedWorkDone, on the host's clock. */
  hostMs: number;
}

/** A product timer over one device. */
export interface ProductTimerHandle {
  time: ProductTimer;
  /** How it measures: timestamp queries, or the host's clock when the device lacks them or they proved unusable. */
  readonly clock: ProductClock;
  /** Frees what it made. */
  dispose(): void;
}

/** The query set of a pass's two timestamps and the buffers that bring them to the host. */
interface PassStamps {
  querySet: GPUQuerySet;
  resolved: GPUBuffer;
  readable: GPUBuffer;
}

/**
 * A product timer over `context`'s device. `options.timestamps: false` times on the host's clock
 * even where the device has timestamp queries; `options.onTiming` hears every timed submission.
 */
export function createProductTimer(context: GpuContext, options: { timestamps?: boolean; onTiming?: (timing: PassTiming) => void } = {}): ProductTimerHandle {
  const { device, pipelines } = context;
  let stamps: PassStamps | null = null;
  if (options.timestamps !== false && device.features.has('timestamp-query')) {
    stamps = {
      querySet: device.createQuerySet({ label: 'tuning timestamps', type: 'timestamp', count: 2 }),
      resolved: device.createBuffer({ label: 'tuning timestamps resolved', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      readable: device.createBuffer({ label: 'tuning timestamps read', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    };
  }
  /**
   * Nanoseconds between the pass's two timestamps; 'unusable' when they cannot be a pass's (never
   * written, or going back), 'unresolved' when the pass was shorter than their resolution (a browser
   * may round them to 100 µs).
   */
  const readStamps = async (pass: PassStamps): Promise<number | 'unusable' | 'unresolved'> => {
    await pass.readable.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(pass.readable.getMappedRange().slice(0));
    pass.readable.unmap();
    if (begin === 0n || end < begin) return 'unusable';
    return end === begin ? 'unresolved' : Number(end - begin);
  };
  const made = new Map<string, ShapeBuffers>();
  const all: GPUBuffer[] = [];
  const storage = (floats: number): GPUBuffer => {
    const buffer = device.createBuffer({ label: 'tuning operand', size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    // Small values with no pattern the products could exploit; zeros would time the same but prove less.
    device.queue.writeBuffer(buffer, 0, Float32Array.from({ length: floats }, (_, i) => (((i * 2654435761) % 1000) / 1000 - 0.5) * 0.1));
    all.push(buffer);
    return buffer;
  };
  const uniform = (struct: WgslStruct, values: Record<string, number>): GPUBuffer => {
    const buffer = device.createBuffer({ label: 'tuning params', size: struct.size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, packStruct(struct, values));
    all.push(buffer);
    return buffer;
  };
  const buffersFor = (shape: ProductShape): ShapeBuffers => {
    const existing = made.get(shape.key);
    if (existing) return existing;
    const { rows, cols, inner } = shape;
    const linear = ACTIVATIONS.linear.id;
    const rowIndex = storage(1);
    let named: Record<string, GPUBuffer>;
    if (shape.product === 'forward') {
      named = {
        params: uniform(FORWARD_PARAMS, { rows, cols, inner, weightOffset: 0, biasOffset: inner * cols, activation: linear, gatherRows: 0 }),
        input: storage(rows * inner),
        parameters: storage(inner * cols + cols),
        rowIndex,
        output: storage(rows * cols),
      };
    } else if (shape.product === 'weightGrad') {
      // rows = fan-in + 1 (the bias row), inner = the batch.
      named = {
        params: uniform(WEIGHT_GRAD_PARAMS, { batch: inner, inner: rows - 1, cols, weightOffset: 0, gatherRows: 0 }),
        input: storage(inner * (rows - 1)),
        delta: storage(inner * cols),
        rowIndex,
        gradient: storage(rows * cols),
      };
    } else {
      // rows = the batch, cols = fan-in, inner = fan-out.
      named = {
        params: uniform(INPUT_GRAD_PARAMS, { rows, cols: inner, inner: cols, weightOffset: 0, activation: linear }),
        delta: storage(rows * inner),
        parameters: storage(cols * inner),
        previousActivation: storage(rows * cols),
        previousDelta: storage(rows * cols),
      };
    }
    const buffers = { named, stepParams: uniform(STEP_PARAMS, { indexOffset: 0, lossId: 0, metricsOffset: 0, optimizerStepSize: 0 }) };
    made.set(shape.key, buffers);
    return buffers;
  };

  const time: ProductTimer = async (shape: ProductShape, variant: MatmulVariant) => {
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let failure: unknown = null;
    let best = Infinity;
    let repeats = 1;
    try {
      const compiled = await pipelines.get(matmulKernels(variant, shape.alignment)[shape.product]);
      const buffers = buffersFor(shape);
      const group0 = bindGroupFor(device, compiled, `tuning ${shape.key}`, buffers.named);
      const group1 = compiled.kernel.usesStepParams
        ? device.createBindGroup({ label: 'tuning step', layout: pipelines.stepLayout, entries: [{ binding: 0, resource: { buffer: buffers.stepParams, size: STEP_PARAMS.size } }] })
        : null;
      const [x, y] = matmulGrid(shape.rows, shape.cols, variant);
      const run = async (dispatches: number): Promise<number> => {
        const timed = stamps;
        const encoder = device.createCommandEncoder({ label: `tuning ${variant}` });
        const pass = encoder.beginComputePass(timed ? { timestampWrites: { querySet: timed.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
        pass.setPipeline(compiled.pipeline);
        pass.setBindGroup(0, group0);
        if (group1) pass.setBindGroup(1, group1, [0]);
        for (let i = 0; i < dispatches; i++) pass.dispatchWorkgroups(x, y);
        pass.end();
        if (timed) {
          encoder.resolveQuerySet(timed.querySet, 0, 2, timed.resolved, 0);
          encoder.copyBufferToBuffer(timed.resolved, 0, timed.readable, 0, 16);
        }
        const start = performance.now();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        const hostMs = performance.now() - start;
        const read = timed ? await readStamps(timed) : null;
        // Timestamps that come back unusable once are not trusted again: the rest is timed on the host.
        // A pass too short for them to resolve is timed on the host alone.
        if (read === 'unusable') stamps = null;
        const gpuMs = typeof read === 'number' ? read / 1e6 : null;
        options.onTiming?.({ gpuMs, hostMs });
        return gpuMs ?? hostMs;
      };
      const warmUp = await run(1);
      repeats = Math.max(1, Math.min(MAX_REPEATS, Math.round(TIMED_MS / Math.max(warmUp, 0.01))));
      for (let attempt = 0; attempt < 2; attempt++) best = Math.min(best, await run(repeats));
    } catch (error) {
      failure = error;
    }
    const validation = await device.popErrorScope();
    const memory = await device.popErrorScope();
    const gpuError = memory ?? validation;
    if (failure !== null) throw new Error(`${variant} could not run ${shape.key}: ${failure instanceof Error ? failure.message : String(failure)}`);
    if (gpuError) throw new Error(`${variant} could not run ${shape.key}: ${gpuError.message}`);
    return (2 * shape.rows * shape.cols * shape.inner * repeats) / (best * 1e6);
  };

  const created = stamps;
  return {
    time,
    get clock(): ProductClock {
      return stamps ? 'timestamp-query' : 'submission';
    },
    dispose() {
      for (const buffer of all) buffer.destroy();
      made.clear();
      if (created) {
        created.querySet.destroy();
        created.resolved.destroy();
        created.readable.destroy();
      }
    },
  };
}
