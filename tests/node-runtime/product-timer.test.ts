/**
 * The autotuner's product timer on a real WebGPU device (Node's Dawn): the device asks for
 * timestamp queries wherever the adapter offers them, and the timer then times each pass with them;
 * without them (or told not to use them) it times from submission to completion on the host.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { acquireGpu, type GpuContext } from '../../src/gpu/device';
import { createProductTimer, type PassTiming } from '../../src/gpu/product-timer';
import { productShapes } from '../../src/gpu/step-plan';
import { loadNodeWebGpu } from '../../scripts/lib/node-webgpu';

let context: GpuContext;

beforeAll(async () => {
  const node = await loadNodeWebGpu();
  // Never skipped: a machine where this fails lacks what the README's Node runtime section names.
  if (!node.available) throw new Error(`Node's WebGPU cannot be used, so the Node-runtime tests cannot run: ${node.reason}`);
  context = await acquireGpu();
});

/** Every product of a small network, each shape once: forward, weight gradient and input gradient. */
const SHAPES = productShapes([48, 40, 24], 32);

describe('the product timer', () => {
  it('has the device ask for timestamp queries exactly where the adapter offers them', () => {
    expect(context.device.features.has('timestamp-query')).toBe(context.adapter.features.has('timestamp-query'));
  });

  it("times each pass with the GPU's timestamps where the device has them, within the host's bracket of the submission", async () => {
    const timings: PassTiming[] = [];
    const timer = createProductTimer(context, { onTiming: (timing) => timings.push(timing) });
    try {
      const offered = context.device.features.has('timestamp-query');
      console.log(`${context.report.description || context.report.architecture}: timestamp queries ${offered ? 'offered' : 'not offered'}`);
      for (const shape of SHAPES) {
        const gflops = await timer.time(shape, 'registers');
        expect(gflops, shape.key).toBeGreaterThan(0);
        expect(Number.isFinite(gflops), shape.key).toBe(true);
      }
      expect(timer.clock).toBe(offered ? 'timestamp-query' : 'submission');
      // A warm-up and two timed submissions per shape.
      expect(timings).toHaveLength(3 * SHAPES.length);
      for (const { gpuMs, hostMs } of timings) {
        if (!offered) {
          expect(gpuMs).toBeNull();
          continue;
        }
        expect(gpuMs).not.toBeNull();
        expect(gpuMs!).toBeGreaterThan(0);
        // The pass runs between submit and the completion the host waits for.
        expect(gpuMs!).toBeLessThanOrEqual(hostMs);
      }
    } finally {
      timer.dispose();
    }
  });

  it("times on the host's clock when told not to use timestamps", async () => {
    const timings: PassTiming[] = [];
    const timer = createProductTimer(context, { timestamps: false, onTiming: (timing) => timings.push(timing) });
    try {
      expect(await timer.time(SHAPES[0], 'registers')).toBeGreaterThan(0);
      expect(timer.clock).toBe('submission');
      expect(timings.length).toBeGreaterThan(0);
      expect(timings.every((timing) => timing.gpuMs === null && timing.hostMs > 0)).toBe(true);
    } finally {
      timer.dispose();
    }
  });
});
