/**
 * GPU replicas against the float64 CPU path in headless Chromium: every replica of a replica
 * session, whatever its seed, init scale, learning rate and loss, matches the single CPU run of its
 * replicaSpec step by step, in both forms (a workgroup or an invocation per replica) and with odd
 * replica counts; a loss switch of one replica changes that replica alone; a replica count or a
 * network over the limits is refused before anything is allocated, naming the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { CpuTrainer } from '../../src/cpu/trainer';
import type { ReplicaForm } from '../../src/gpu/kernels';
import { parameterLayout } from '../../src/model/layout';
import { LOSSES, LOSS_NAMES, lossAllows, type LossName } from '../../src/model/losses';
import { replicaSpec, type ReplicaSettings } from '../../src/model/replicas';
import type { StepMetrics } from '../../src/model/session';
import { startBrowserFixture, openPage, type BrowserFixture } from './browser';
import { prepareCase, type CaseRecipe, type PreparedCase } from './gpu-cases';
import { expectClose, formatErrorReport } from './gpu-compare';
import { decodeFloat64, encodeArray } from './gpu-wire';
import type { ReplicaCase, ReplicaResult } from './replica-harness';

let fixture: BrowserFixture;
let page: Page;

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPage(fixture, '/tests/browser/replica-harness.html');
  await page.waitForFunction(() => 'replicaHarness' in window);
  const adapter = await page.evaluate(() => window.replicaHarness.adapter());
  if (!adapter) throw new Error('headless Chromium offers no WebGPU adapter; check the --enable-unsafe-webgpu flag and the SwiftShader install');
});

afterAll(async () => {
  console.log(`replicas, largest relative error per tensor kind:\n${formatErrorReport()}`);
  await fixture?.close();
});

const STEPS = 20;

/** A network and its data (gpu-cases.ts builds the data), with R replicas whose settings all differ. */
interface ReplicaRecipe {
  name: string;
  network: CaseRecipe;
  replicas: number;
  /** Initial-weight scales and learning rates the replicas cycle through (co-prime lengths, so pairs vary). */
  scales: number[];
  learningRates: number[];
}

const RECIPES: ReplicaRecipe[] = [
  {
    name: 'R=7, softmax over 3, tanh, Adam, batch 7',
    network: { name: 'replicas softmax', widths: [3, 5, 4, 3], hidden: 'tanh', output: 'softmax', loss: 'mse', optimizer: 'adam', batchSize: 7, trainCount: 40, steps: STEPS, switchLossAt: null, initScale: 1, inputs: 'normal', seed: 5, stepKernel: null, matmul: null },
    replicas: 7,
    scales: [0.5, 1, 2, 4, 0.75],
    learningRates: [0.01, 0.003, 0.02],
  },
  {
    name: 'R=65, sigmoid [2, 8, 8, 1], SGD, batch 9, starts up to 8× the Glorot limit',
    network: { name: 'replicas sigmoid', widths: [2, 8, 8, 1], hidden: 'sigmoid', output: 'sigmoid', loss: 'mse', optimizer: 'sgd', batchSize: 9, trainCount: 50, steps: STEPS, switchLossAt: null, initScale: 1, inputs: 'normal', seed: 8, stepKernel: null, matmul: null },
    replicas: 65,
    scales: [0.5, 1, 2, 4, 8, 1.5, 3],
    learningRates: [0.05, 0.2, 0.5, 0.1, 0.3],
  },
  {
    name: 'R=65, leaky ReLU [4, 6, 2], momentum, batch 5',
    network: { name: 'replicas momentum', widths: [4, 6, 2], hidden: 'leaky_relu', output: 'sigmoid', loss: 'mse', optimizer: 'momentum', batchSize: 5, trainCount: 33, steps: STEPS, switchLossAt: null, initScale: 1, inputs: 'digits', seed: 2, stepKernel: null, matmul: null },
    replicas: 65,
    scales: [0.5, 1, 2],
    learningRates: [0.01, 0.03, 0.005, 0.02],
  },
];

function replicaSettings(recipe: ReplicaRecipe): ReplicaSettings[] {
  return Array.from({ length: recipe.replicas }, (_, r) => ({
    seed: 1000 + 37 * r,
    initScale: recipe.scales[r % recipe.scales.length],
    learningRate: recipe.learningRates[r % recipe.learningRates.length],
    loss: LOSS_NAMES[r % LOSS_NAMES.length],
  }));
}

function replicaCase(recipe: ReplicaRecipe, prepared: PreparedCase, form: ReplicaForm, switchLoss: ReplicaCase['switchLoss']): ReplicaCase {
  const { dataset } = prepared;
  return {
    name: `${recipe.name} (${form})`,
    shape: prepared.spec,
    replicas: replicaSettings(recipe),
    inputSize: dataset.inputSize,
    outputSize: dataset.outputSize,
    trainCount: dataset.trainCount,
    trainX: encodeArray(dataset.trainX),
    trainY: encodeArray(dataset.trainY),
    steps: STEPS,
    form,
    switchLoss,
  };
}

/** The single CPU run of replica `r`: its spec, the same data, the same switch. */
function cpuRun(input: ReplicaCase, prepared: PreparedCase, r: number): { metrics: StepMetrics[]; initial: Float64Array; final: Float64Array } {
  const trainer = new CpuTrainer(replicaSpec(input.shape, input.replicas[r]), prepared.dataset);
  const initial = trainer.parameters.slice();
  const metrics: StepMetrics[] = [];
  for (let s = 0; s < input.steps; s++) {
    if (input.switchLoss && input.switchLoss.replica === r && s === input.switchLoss.at) trainer.setLoss(input.switchLoss.loss);
    metrics.push(trainer.step());
  }
  return { metrics, initial, final: trainer.parameters.slice() };
}

function replicaSlice(all: Float64Array, r: number, count: number): Float64Array {
  return all.subarray(r * count, (r + 1) * count);
}

/** Every replica of `result` against its single CPU run: initial weights exactly, then every step's figures and the final parameters within the suite's bounds. */
function checkEveryReplica(input: ReplicaCase, prepared: PreparedCase, result: ReplicaResult): void {
  const P = parameterLayout(input.shape.widths).totalParameters;
  const gpuInitial = decodeFloat64(result.initialParameters);
  const gpuFinal = decodeFloat64(result.finalParameters);
  expect(gpuInitial).toHaveLength(input.replicas.length * P);
  input.replicas.forEach((settings, r) => {
    const name = `${input.name} replica ${r} (seed ${settings.seed}, scale ${settings.initScale}, lr ${settings.learningRate}, ${settings.loss})`;
    const cpu = cpuRun(input, prepared, r);
    const gpu = result.metrics[r];
    // initParameters rounds to float32, so the upload is exact.
    expect(Array.from(replicaSlice(gpuInitial, r, P)), `${name}: initial weights`).toEqual(Array.from(cpu.initial));
    expect(gpu.map((m) => m.step), `${name}: steps`).toEqual(cpu.metrics.map((m) => m.step));
    expect(gpu.map((m) => m.activeLoss), `${name}: active loss per step`).toEqual(cpu.metrics.map((m) => m.activeLoss));
    for (const loss of LOSS_NAMES) {
      if (!lossAllows(loss, input.shape.outputActivation)) continue;
      expectClose('loss', `${name} ${LOSSES[loss].noun} per step`, gpu.map((m) => m.losses[loss] ?? NaN), cpu.metrics.map((m) => m.losses[loss]));
    }
    expectClose('gradientNorm', `${name} global gradient norm per step`, gpu.map((m) => m.globalGradNorm), cpu.metrics.map((m) => m.globalGradNorm));
    expectClose('gradientNorm', `${name} output-delta norm per step`, gpu.map((m) => m.outputDeltaNorm), cpu.metrics.map((m) => m.outputDeltaNorm));
    for (let l = 0; l < input.shape.widths.length - 1; l++) {
      expectClose('gradientNorm', `${name} ‖dL/dW${l + 1}‖ per step`, gpu.map((m) => m.gradNormW[l]), cpu.metrics.map((m) => m.gradNormW[l]));
      expectClose('gradientNorm', `${name} ‖dL/db${l + 1}‖ per step`, gpu.map((m) => m.gradNormB[l]), cpu.metrics.map((m) => m.gradNormB[l]));
    }
    // A count of thresholded elements: exact unless an output lies within float32 rounding of the threshold.
    expect(gpu.map((m) => m.saturatedFraction), `${name}: saturated fraction per step`).toEqual(cpu.metrics.map((m) => m.saturatedFraction));
    expectClose(
      'parameterChange',
      `${name} parameter change after ${input.steps} steps`,
      Array.from(replicaSlice(gpuFinal, r, P), (p, i) => p - cpu.initial[i]),
      Array.from(cpu.final, (p, i) => p - cpu.initial[i]),
    );
  });
}

function run(input: ReplicaCase): Promise<ReplicaResult> {
  return page.evaluate((c) => window.replicaHarness.run(c), input);
}

const FORMS: ReplicaForm[] = ['workgroup', 'invocation'];

describe('every replica matches its single CPU run, step by step', () => {
  it.each(FORMS.flatMap((form) => RECIPES.map((recipe) => [form, recipe.name, recipe] as const)))('%s per replica: %s', async (form, _name, recipe) => {
    const prepared = prepareCase(recipe.network);
    const input = replicaCase(recipe, prepared, form, null);
    const result = await run(input);
    expect(result.form).toBe(form);
    checkEveryReplica(input, prepared, result);
  });
});

describe("a replica's loss switch", () => {
  it.each(FORMS.flatMap((form) => [[form, RECIPES[0].name, 3, RECIPES[0]], [form, RECIPES[1].name, 64, RECIPES[1]]] as const))(
    '%s per replica, %s: switching replica %i mid-run changes that replica alone',
    async (form, _name, switched, recipe) => {
      const prepared = prepareCase(recipe.network);
      const plain = await run(replicaCase(recipe, prepared, form, null));
      const from = replicaSettings(recipe)[switched].loss;
      const to: LossName = LOSS_NAMES.find((loss) => loss !== from)!;
      const input = replicaCase(recipe, prepared, form, { replica: switched, at: STEPS / 2, loss: to });
      const result = await run(input);
      // The switched replica follows its own CPU run with the switch...
      checkEveryReplica(input, prepared, result);
      expect(result.metrics[switched].map((m) => m.activeLoss).slice(STEPS / 2 - 1, STEPS / 2 + 1)).toEqual([from, to]);
      // ...and every other replica computed exactly what it computed without it.
      const P = parameterLayout(input.shape.widths).totalParameters;
      const plainFinal = decodeFloat64(plain.finalParameters);
      const switchedFinal = decodeFloat64(result.finalParameters);
      for (let r = 0; r < input.replicas.length; r++) {
        const same = replicaSlice(switchedFinal, r, P).every((value, i) => value === replicaSlice(plainFinal, r, P)[i]);
        expect(same, `replica ${r} ${r === switched ? 'changed' : 'unchanged'} by the switch of replica ${switched}`).toBe(r !== switched);
        if (r !== switched) expect(result.metrics[r]).toEqual(plain.metrics[r]);
      }
    },
  );
});

describe('limits', () => {
  const recipe = RECIPES[1];
  const prepared = prepareCase(recipe.network);
  const base = replicaCase(recipe, prepared, 'workgroup', null);
  const many = (count: number): ReplicaSettings[] => Array.from({ length: count }, (_, r) => ({ seed: r, initScale: 1, learningRate: 0.1, loss: 'mse' as LossName }));

  it('refuses more workgroups than a dispatch dimension holds, naming the limit and the count', async () => {
    const error = await page.evaluate((c) => window.replicaHarness.creationError(c), { ...base, replicas: many(65536) });
    expect(error).toContain('65536 workgroups');
    expect(error).toContain('maxComputeWorkgroupsPerDimension is 65535');
    expect(error).toContain('train fewer replicas at once');
  });

  it('refuses a buffer over the binding limit, naming the buffer, its bytes and the limit', async () => {
    // [1, 1, 1] at batch 16384 keeps each step small, but its scratch is 16384·5 floats a replica.
    const wide = prepareCase({ ...recipe.network, name: 'replicas wide batch', widths: [1, 1, 1], batchSize: 16384, trainCount: 16384 });
    const input = { ...replicaCase(recipe, wide, 'invocation', null), replicas: many(30000) };
    const error = await page.evaluate((c) => window.replicaHarness.creationError(c), input);
    expect(error).toMatch(/step scratch \[30000 replicas × 81920\] needs 9830400000 bytes but max(StorageBufferBinding|Buffer)Size is \d+ bytes/);
  });

  it('refuses a network too large for one workgroup, naming its multiply-adds and the limit', async () => {
    const large = prepareCase({ ...recipe.network, name: 'replicas large', widths: [2, 300, 300, 1] });
    const error = await page.evaluate((c) => window.replicaHarness.creationError(c), replicaCase(recipe, large, 'workgroup', null));
    expect(error).toContain(`needs ${3 * 9 * (2 * 300 + 300 * 300 + 300)} multiply-adds per replica`);
    expect(error).toContain('up to 131072');
  });

  it('refuses a replica whose settings are out of range, naming the replica and the setting', async () => {
    const replicas = replicaSettings(recipe);
    replicas[4] = { ...replicas[4], learningRate: -1 };
    replicas[9] = { ...replicas[9], initScale: 0 };
    const error = await page.evaluate((c) => window.replicaHarness.creationError(c), { ...base, replicas });
    expect(error).toContain('replicas[4].learningRate: The learning rate must be a finite number above 0, got -1.');
    expect(error).toContain('replicas[9].initScale: The init scale must be a finite number above 0, got 0.');
  });
});
