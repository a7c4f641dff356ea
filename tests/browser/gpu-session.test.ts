/**
 * The GPU Session's behaviour in headless Chromium: backend choice, refusal of networks that do
 * not fit, metrics streamed through the ring across submissions, snapshot/restore, device loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { parameterLayout } from '../../src/model/layout';
import { startBrowserFixture, openPage, type BrowserFixture } from './browser';
import { prepareCase, specOf, type CaseRecipe } from './gpu-cases';
import { decodeFloat64, encodeArray, type HarnessCase } from './gpu-wire';

let fixture: BrowserFixture;
let page: Page;

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPage(fixture, '/tests/browser/gpu-harness.html');
  await page.waitForFunction(() => 'gpuHarness' in window);
});

afterAll(async () => {
  await fixture?.close();
});

const small: CaseRecipe = {
  name: 'session 2-8-8-1 tanh/sigmoid/mse/adam',
  widths: [2, 8, 8, 1],
  hidden: 'tanh',
  output: 'sigmoid',
  loss: 'mse',
  optimizer: 'adam',
  batchSize: 64,
  trainCount: 200,
  steps: 20,
  switchLossAt: null,
  initScale: 1,
  inputs: 'normal',
  seed: 3,
  stepKernel: null,
  matmul: null,
};

describe('GPU session', () => {
  it("createSession with backend 'auto' picks WebGPU when the browser has an adapter", async () => {
    const wire = prepareCase(small).wire;
    expect(await page.evaluate((input) => window.gpuHarness.autoBackend(input), wire)).toBe('webgpu');
  });

  it('refuses a network that does not fit, naming the buffer, its size and the limit', async () => {
    // 65536 × 65536 weights are 16 GiB of float32, beyond any binding limit.
    const spec = specOf({ ...small, name: 'too large', widths: [65536, 65536, 1], hidden: 'relu', batchSize: 1, trainCount: 1, optimizer: 'sgd' });
    const wire: HarnessCase = {
      name: 'too large',
      spec,
      inputSize: 65536,
      outputSize: 1,
      trainCount: 1,
      trainX: encodeArray(new Float32Array(65536)),
      trainY: encodeArray(new Float32Array(1)),
      initialParameters: '',
      evaluationInputs: '',
      evaluationRows: 0,
      steps: 0,
      switchLossAt: null,
      stepKernel: null,
      matmul: null,
    };
    const message = await page.evaluate((input) => window.gpuHarness.creationError(input), wire);
    const parameters = parameterLayout(spec.widths).totalParameters;
    expect(message).toContain(`parameters [${parameters}] needs ${4 * parameters} bytes but maxStorageBufferBindingSize is`);
  });

  it('streams every step’s metrics in order across several submissions without waiting in train()', async () => {
    const wire = prepareCase(small).wire;
    const chunks = [3, 150, 1];
    const stream = await page.evaluate((input, c) => window.gpuHarness.metricsStream(input, c), wire, chunks);
    expect(stream.steps).toEqual(Array.from({ length: 154 }, (_, i) => i));
    expect(stream.allFinite).toBe(true);
    console.log(`metrics available right after train(), before flush: ${stream.beforeFlush} of 154`);
  });

  it('restoring a snapshot replays the same steps bit for bit', async () => {
    const wire = prepareCase(small).wire;
    const runs = await page.evaluate((input) => window.gpuHarness.restoreRuns(input, 5, 7), wire);
    expect(runs.replayedSteps).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(runs.replayedMse).toEqual(runs.firstMse);
    expect(Array.from(decodeFloat64(runs.replayed))).toEqual(Array.from(decodeFloat64(runs.first)));
  });

  it('reports training speed with dispatch and submission counts', async () => {
    const cases: CaseRecipe[] = [
      { ...small, name: 'tiny 2-8-8-1 B=64 fused', trainCount: 1000, stepKernel: 'fused' },
      { ...small, name: 'tiny 2-8-8-1 B=64 layered', trainCount: 1000, stepKernel: 'layered' },
      { ...small, name: '784-256-256-10 B=256', widths: [784, 256, 256, 10], hidden: 'relu' as const, output: 'softmax' as const, loss: 'cross_entropy' as const, batchSize: 256, trainCount: 512, inputs: 'digits' as const },
    ];
    for (const recipe of cases) {
      const wire = prepareCase(recipe).wire;
      const steps = recipe.widths[0] === 2 ? 640 : 4;
      const timing = await page.evaluate((input, n) => window.gpuHarness.timeSteps(input, n), wire, steps);
      console.log(
        `${recipe.name}: ${timing.millisecondsPerStep.toFixed(3)} ms/step, ${timing.dispatchesPerStep} dispatches/step, ` +
          `${timing.stepsPerSubmission} steps/submission; ${timing.plan}`,
      );
      expect(timing.dispatchesPerStep).toBe(timing.plan.startsWith('fused') ? 1 : 3 * (recipe.widths.length - 1) + 2);
    }
  });

  it('reports a lost device through onError and refuses to train afterwards', async () => {
    const wire = prepareCase(small).wire;
    const loss = await page.evaluate((input) => window.gpuHarness.deviceLoss(input), wire);
    expect(loss.kinds).toEqual(['device-lost']);
    expect(loss.message).toMatch(/device was lost/);
    expect(loss.trainError).toMatch(/device was lost.*create a new session/);
  });
});
