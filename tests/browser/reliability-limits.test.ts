/**
 * The device-limit boundary, on a real device: the widest network whose largest buffer exactly
 * fits the storage-binding limit must allocate and train without any WebGPU error, and one unit
 * wider must be refused before a single buffer is created, naming the limit and the bytes.
 *
 * The adapter's own limit here is 1 GiB, too much to train through SwiftShader in a test, so the
 * test asks for a device with the WebGPU default limits (128 MiB per storage binding) and hands it
 * to the trainer as its context. The network is [2048, W, 1] with batch 1 and SGD: its parameter
 * and gradient vectors, (2048·W + W + W + 1) floats each, are its largest buffers by far, so W
 * is computed here from the device's limit alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { startBrowserFixture, openPage, type BrowserFixture } from './browser';

let fixture: BrowserFixture;
let page: Page;

declare global {
  interface Window {
    /** The page's own dynamic import, for modules served by the Vite dev server. */
    limitsImport?: (path: string) => Promise<unknown>;
  }
}

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPage(fixture, '/tests/browser/gpu-harness.html');
  // Given as text so Vitest's transform of this file cannot rewrite the import() the page runs.
  await page.evaluate('window.limitsImport = (path) => import(path)');
});

afterAll(async () => {
  await fixture?.close();
});

describe('device limits', () => {
  it('trains the widest network the storage-binding limit allows and refuses one unit more before allocating', async () => {
    const result = await page.evaluate(async () => {
      const load = window.limitsImport!;
      const { GpuTrainer } = (await load('/src/gpu/trainer.ts')) as typeof import('../../src/gpu/trainer');
      const { PipelineCache } = (await load('/src/gpu/kernels.ts')) as typeof import('../../src/gpu/kernels');
      const { DEFAULT_SPEC, cloneSpec } = (await load('/src/model/spec.ts')) as typeof import('../../src/model/spec');
      type Context = import('../../src/gpu/device').GpuContext;
      type Failure = import('../../src/gpu/device').GpuFailure;

      const adapter = (await navigator.gpu.requestAdapter())!;
      // No requiredLimits: the device gets WebGPU's default limits.
      const device = await adapter.requestDevice({ label: 'default limits' });
      const failures: Failure[] = [];
      device.onuncapturederror = (event) => failures.push({ kind: 'validation', message: event.error.message });
      const context: Context = {
        adapter,
        device,
        report: { vendor: adapter.info.vendor, architecture: adapter.info.architecture, device: '', description: '', isCpuAdapter: true },
        pipelines: new PipelineCache(device),
        failureListeners: new Set([(failure: Failure) => failures.push(failure)]),
        lost: false,
      };

      let created = 0;
      const createBuffer = device.createBuffer.bind(device);
      device.createBuffer = (descriptor: GPUBufferDescriptor) => {
        created++;
        return createBuffer(descriptor);
      };

      const inputs = 2048;
      const limitBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
      const floatsAllowed = Math.floor(limitBytes / 4);
      const widest = Math.floor((floatsAllowed - 1) / (inputs + 2));
      const specOf = (width: number) => ({
        ...cloneSpec(DEFAULT_SPEC),
        widths: [inputs, width, 1],
        hiddenActivations: ['relu' as const],
        batchSize: 1,
        optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'sgd' as const, learningRate: 0.01 },
      });
      const trainX = new Float32Array(2 * inputs).map((_, i) => ((i * 7919) % 1000) / 1000);
      const dataset = {
        name: 'limits', inputSize: inputs, outputSize: 1,
        trainX, trainY: new Float32Array([0, 1]), trainCount: 2,
        testX: trainX, testY: new Float32Array([0, 1]), testCount: 2,
      };

      const trainer = await GpuTrainer.create({ spec: specOf(widest), dataset, context });
      await trainer.train(2);
      await trainer.flush();
      const metrics = trainer.takeMetrics();
      trainer.dispose();

      const createdBeforeRefusal = created;
      let refusal = '';
      try {
        const tooWide = await GpuTrainer.create({ spec: specOf(widest + 1), dataset, context });
        tooWide.dispose();
      } catch (error) {
        refusal = String(error);
      }
      device.destroy();
      return {
        limitBytes,
        maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
        widest,
        metrics: metrics.map((m) => ({ step: m.step, losses: { mse: m.losses.mse }, globalGradNorm: m.globalGradNorm })),
        failures: failures.filter((f) => f.kind !== 'device-lost'),
        refusal,
        buffersCreatedByRefusal: created - createdBeforeRefusal,
      };
    });

    console.log(`storage-binding limit ${result.limitBytes} bytes: widest hidden layer that fits [2048, W, 1] is W = ${result.widest}`);
    const parameterBytes = (width: number) => 4 * (2048 * width + width + width + 1);
    expect(parameterBytes(result.widest)).toBeLessThanOrEqual(result.limitBytes);
    expect(parameterBytes(result.widest + 1)).toBeGreaterThan(result.limitBytes);

    expect(result.failures).toEqual([]);
    expect(result.metrics.map((m) => m.step)).toEqual([0, 1]);
    for (const m of result.metrics) {
      expect(Number.isFinite(m.losses.mse)).toBe(true);
      expect(Number.isFinite(m.globalGradNorm)).toBe(true);
    }

    expect(result.refusal).toContain(`needs ${parameterBytes(result.widest + 1)} bytes`);
    expect(result.refusal).toContain(`maxStorageBufferBindingSize is ${result.maxStorageBufferBindingSize} bytes`);
    expect(result.buffersCreatedByRefusal).toBe(0);
  });
});
