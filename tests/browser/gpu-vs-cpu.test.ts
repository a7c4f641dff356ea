/**
 * The GPU engine against the float64 CPU path in headless Chromium (WebGPU through SwiftShader on
 * machines without a GPU): same seed, same initial weights, same batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS } from '../../src/model/activations';
import { LOSS_NAMES, lossAllows } from '../../src/model/losses';
import { MATMUL_VARIANT_NAMES } from '../../src/gpu/kernels';
import { OPTIMIZER_KINDS } from '../../src/model/optimizers';
import { startBrowserFixture, openPage, type BrowserFixture } from './browser';
import { cpuReference, prepareCase, type CaseRecipe, type CpuReference, type PreparedCase } from './gpu-cases';
import { checkAgainstCpu } from './gpu-check';
import { formatErrorReport } from './gpu-compare';
import { decodeFloat32, decodeFloat64, encodeArray, type HarnessCase, type HarnessResult } from './gpu-wire';
import type { WireSnapshot } from './gpu-harness';
import { CpuTrainer } from '../../src/cpu/trainer';
import { expectClose } from './gpu-compare';
import { forward } from '../../src/cpu/network';

let fixture: BrowserFixture;
let page: Page;

async function runOnGpu(cases: PreparedCase[]): Promise<HarnessResult[]> {
  const wire: HarnessCase[] = cases.map((c) => c.wire);
  return page.evaluate((input) => window.gpuHarness.runCases(input), wire);
}

/**
 * The CPU references computed so far, by everything one depends on: the recipe but its name and the
 * GPU layout it forces. A network checked in several layouts is computed on the CPU once (an
 * MNIST-shaped one takes seconds).
 */
const references = new Map<string, CpuReference>();

function referenceFor(prepared: PreparedCase): CpuReference {
  const { name: _name, stepKernel: _stepKernel, matmul: _matmul, ...inputs } = prepared.recipe;
  const key = JSON.stringify(inputs);
  let reference = references.get(key);
  if (!reference) {
    reference = cpuReference(prepared);
    references.set(key, reference);
  }
  return reference;
}

async function checkCases(recipes: CaseRecipe[]): Promise<HarnessResult[]> {
  const prepared = recipes.map(prepareCase);
  const results = await runOnGpu(prepared);
  prepared.forEach((c, i) => checkAgainstCpu(c, results[i], referenceFor(c)));
  return results;
}

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPage(fixture, '/tests/browser/gpu-harness.html');
  await page.waitForFunction(() => 'gpuHarness' in window);
  const adapter = await page.evaluate(() => window.gpuHarness.adapter());
  if (!adapter) throw new Error('headless Chromium offers no WebGPU adapter; check the --enable-unsafe-webgpu flag and the SwiftShader install');
  console.log(`GPU tests run on: ${[adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' / ')}`);
});

afterAll(async () => {
  console.log(`largest relative error per tensor kind (|gpu − cpu| / max(|cpu|, 1e-3·max|cpu|)):\n${formatErrorReport()}`);
  await fixture?.close();
});

/**
 * Every step layout and product variant is checked: the fused one-workgroup step, and the layered
 * step with register-tiled and with workgroup-memory products (evaluation uses the products too).
 */
const LAYOUTS = [
  { stepKernel: 'fused', matmul: 'registers' },
  { stepKernel: 'layered', matmul: 'registers' },
  { stepKernel: 'layered', matmul: 'workgroup-memory' },
] as const;

function layoutName(layout: (typeof LAYOUTS)[number]): string {
  return layout.stepKernel === 'fused' ? 'fused' : `layered/${layout.matmul}`;
}

/** Sizes that do not divide the 4×4 register tile or the 8×8 workgroups: widths 1, 3, 17; batches 1, 7, 100. */
const SHAPES = [
  { hidden: [17], batchSize: 7, inputs: 3 },
  { hidden: [1, 3], batchSize: 1, inputs: 17 },
  { hidden: [3, 17], batchSize: 100, inputs: 1 },
] as const;

function combinationRecipes(): CaseRecipe[] {
  const recipes: CaseRecipe[] = [];
  let index = 0;
  for (const hidden of HIDDEN_ACTIVATIONS) {
    for (const output of OUTPUT_ACTIVATIONS) {
      for (const loss of LOSS_NAMES) {
        if (!lossAllows(loss, output)) continue;
        for (const optimizer of OPTIMIZER_KINDS) {
          const shape = SHAPES[index % SHAPES.length];
          const outputs = output === 'softmax' ? (index % 2 === 0 ? 3 : 17) : [1, 3, 17][index % 3];
          for (const layout of LAYOUTS) recipes.push({
            name: `${layoutName(layout)} ${hidden}/${output}/${loss}/${optimizer} [${[shape.inputs, ...shape.hidden, outputs].join('-')}] B=${shape.batchSize}`,
            widths: [shape.inputs, ...shape.hidden, outputs],
            hidden,
            output,
            loss,
            optimizer,
            batchSize: shape.batchSize,
            trainCount: 3 * shape.batchSize + 5,
            steps: 20,
            switchLossAt: null,
            initScale: 1,
            inputs: 'normal',
            seed: 100 + index,
            ...layout,
          });
          index++;
        }
      }
    }
  }
  return recipes;
}

describe('GPU vs CPU', () => {
  it('matches on every activation × output × loss × optimizer combination, sizes off the tile', async () => {
    const recipes = combinationRecipes();
    // 5 hidden activations × (3 outputs × 2 losses − linear/cross-entropy) × 3 optimizers × 3 layouts.
    expect(recipes.length).toBe(225);
    await checkCases(recipes);
  });
});

function recipe(partial: Partial<CaseRecipe> & Pick<CaseRecipe, 'name' | 'widths' | 'hidden' | 'output' | 'loss' | 'optimizer' | 'batchSize'>): CaseRecipe {
  return { trainCount: 3 * partial.batchSize + 5, steps: 20, switchLossAt: null, initScale: 1, inputs: 'normal', seed: 7, stepKernel: null, matmul: null, ...partial };
}

/** The recipe once per layout. */
function allLayouts(base: CaseRecipe): CaseRecipe[] {
  return LAYOUTS.map((layout) => ({ ...base, name: `${layoutName(layout)} ${base.name}`, ...layout }));
}

describe('GPU vs CPU on MNIST-shaped layers', () => {
  it('matches with 784 inputs and a hidden width of 785', async () => {
    await checkCases([
      ...LAYOUTS.slice(1).map((layout) =>
        recipe({ name: `${layoutName(layout)} mnist-shaped relu/softmax/cross_entropy/adam`, widths: [784, 785, 10], hidden: 'relu', output: 'softmax', loss: 'cross_entropy', optimizer: 'adam', batchSize: 100, inputs: 'digits', seed: 11, ...layout }),
      ),
      ...allLayouts(recipe({ name: 'mnist-shaped sigmoid/sigmoid/mse/momentum', widths: [784, 17, 3], hidden: 'sigmoid', output: 'sigmoid', loss: 'mse', optimizer: 'momentum', batchSize: 7, inputs: 'digits', seed: 12 })),
    ]);
  });

  it('matches where the vec4 products serve layers whose widths end a block part-way', async () => {
    // 784→12 (gathered rows, last quad of columns alone in its 8-column block) and 12→20 (bias row
    // and the last 4 inputs in one 8-row block) use the vec4 register kernels; 20→3 the scalar ones.
    await checkCases(
      LAYOUTS.slice(1).map((layout) =>
        recipe({ name: `${layoutName(layout)} vec4 layers tanh/softmax/cross_entropy/sgd`, widths: [784, 12, 20, 3], hidden: 'tanh', output: 'softmax', loss: 'cross_entropy', optimizer: 'sgd', batchSize: 13, inputs: 'digits', seed: 13, ...layout }),
      ),
    );
  });
});

describe('every variant of the product family', () => {
  // 130 and 785 end every tile part-way (32, 64 and 128 rows or columns; K slices of 8 and 16),
  // 17 and 3 leave most of a tile empty, batch 7 and 100 end the batch's tiles part-way.
  it.each(MATMUL_VARIANT_NAMES)('matches with %s forced, on sizes that divide no tile and on MNIST-shaped layers', async (matmul) => {
    const recipes = [
      recipe({ name: `${matmul} odd tanh/softmax/cross_entropy/adam`, widths: [17, 130, 3], hidden: 'tanh', output: 'softmax', loss: 'cross_entropy', optimizer: 'adam', batchSize: 100, steps: 5, seed: 61, stepKernel: 'layered', matmul }),
      recipe({ name: `${matmul} odd sigmoid/sigmoid/mse/momentum`, widths: [3, 17, 5, 1], hidden: 'sigmoid', output: 'sigmoid', loss: 'mse', optimizer: 'momentum', batchSize: 7, steps: 5, seed: 62, stepKernel: 'layered', matmul }),
      recipe({ name: `${matmul} mnist-shaped relu/softmax/mse/sgd`, widths: [784, 785, 10], hidden: 'relu', output: 'softmax', loss: 'mse', optimizer: 'sgd', batchSize: 64, steps: 2, inputs: 'digits', seed: 63, stepKernel: 'layered', matmul }),
    ];
    const results = await checkCases(recipes);
    // Each case really ran the variant it forced.
    expect(results.map((r) => r.matmul)).toEqual(recipes.map(() => matmul));
  });
});

describe('evaluate', () => {
  it('matches the CPU forward pass on a 100 × 100 decision-boundary grid, more rows than one evaluation submission', async () => {
    const prepared = allLayouts(recipe({ name: 'grid 2-8-8-1 tanh/sigmoid', widths: [2, 8, 8, 1], hidden: 'tanh', output: 'sigmoid', loss: 'mse', optimizer: 'sgd', batchSize: 7, seed: 41 })).map(prepareCase);
    const side = 100;
    const grid = new Float32Array(2 * side * side);
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) grid.set([-3 + (6 * j) / (side - 1), -3 + (6 * i) / (side - 1)], 2 * (i * side + j));
    }
    for (const c of prepared) {
      const outputs = await page.evaluate((input, rows, count) => window.gpuHarness.evaluateRows(input, rows, count), c.wire, encodeArray(grid), side * side);
      const cpu = forward(c.spec, c.initial, grid, side * side);
      expectClose('forward', `${c.recipe.name} grid outputs`, decodeFloat32(outputs), cpu.activations[cpu.activations.length - 1]);
    }
  });
});

describe('loss switch', () => {
  it('switching the loss at step 10 of 20 on the GPU matches the CPU run with the same switch', async () => {
    const results = await checkCases([
      ...allLayouts(recipe({ name: 'switch mse→ce tanh/sigmoid/sgd', widths: [3, 17, 3], hidden: 'tanh', output: 'sigmoid', loss: 'mse', optimizer: 'sgd', batchSize: 7, switchLossAt: 10, seed: 21 })),
      ...allLayouts(recipe({ name: 'switch ce→mse relu/softmax/adam', widths: [17, 17, 3], hidden: 'relu', output: 'softmax', loss: 'cross_entropy', optimizer: 'adam', batchSize: 100, switchLossAt: 10, seed: 22 })),
    ]);
    for (const result of results.slice(0, LAYOUTS.length)) expect(result.metrics.map((m) => m.activeLoss)).toEqual([...Array(10).fill('mse'), ...Array(10).fill('cross_entropy')]);
    for (const result of results.slice(LAYOUTS.length)) expect(result.metrics.map((m) => m.activeLoss)).toEqual([...Array(10).fill('cross_entropy'), ...Array(10).fill('mse')]);
  });
});

describe('snapshots across backends', () => {
  it('a CPU snapshot restored on the GPU continues like the CPU run (parameters, Adam state and t, batch position, loss)', async () => {
    const base = recipe({ name: 'continue tanh/softmax/adam', widths: [3, 17, 3], hidden: 'tanh', output: 'softmax', loss: 'mse', optimizer: 'adam', batchSize: 7, seed: 51 });
    for (const layout of LAYOUTS) {
      const prepared = prepareCase({ ...base, name: `${layoutName(layout)} ${base.name}`, ...layout });
      const cpu = new CpuTrainer(prepared.spec, prepared.dataset, prepared.initial);
      for (let s = 0; s < 5; s++) cpu.step();
      cpu.setLoss('cross_entropy');
      const saved = cpu.snapshot();
      const wire: WireSnapshot = { step: saved.step, loss: saved.loss, parameters: encodeArray(saved.parameters), optimizerSlots: saved.optimizerSlots.map(encodeArray) };
      const gpu = await page.evaluate((input, snapshot) => window.gpuHarness.continueFrom(input, snapshot, 5), prepared.wire, wire);
      for (let s = 0; s < 5; s++) cpu.step();
      expect(gpu.steps).toEqual([5, 6, 7, 8, 9]);
      expect(gpu.losses).toEqual(Array(5).fill('cross_entropy'));
      expectClose(
        'parameterChange',
        `${prepared.recipe.name} parameter change in 5 steps after the restore`,
        decodeFloat64(gpu.parameters).map((p, i) => p - saved.parameters[i]),
        cpu.parameters.map((p, i) => p - saved.parameters[i]),
      );
    }
  });
});

describe('fork', () => {
  it('splits a GPU run into MSE and cross-entropy branches from bit-identical state; each matches the CPU path with its loss', async () => {
    for (const layout of LAYOUTS) {
      const prepared = prepareCase(recipe({ name: `${layoutName(layout)} fork tanh/sigmoid/adam`, widths: [3, 17, 3], hidden: 'tanh', output: 'sigmoid', loss: 'mse', optimizer: 'adam', batchSize: 7, seed: 81, ...layout }));
      const outcome = await page.evaluate((input) => window.gpuHarness.forkRun(input, 6, 20), prepared.wire);
      const [a, b] = outcome.atFork;
      expect(b.step).toBe(6);
      expect(b.parameters).toBe(a.parameters);
      expect(b.optimizerSlots).toEqual(a.optimizerSlots);
      const state = decodeFloat64(a.parameters);
      for (const [index, loss] of (['mse', 'cross_entropy'] as const).entries()) {
        const cpu = new CpuTrainer(prepared.spec, prepared.dataset, prepared.initial);
        cpu.restore({ step: 6, loss, parameters: state, optimizerSlots: a.optimizerSlots.map(decodeFloat64) });
        const metrics = Array.from({ length: 20 }, () => cpu.step());
        expect(outcome.metrics[index].map((m) => m.activeLoss)).toEqual(Array(20).fill(loss));
        expectClose('loss', `${prepared.recipe.name} ${loss} branch: ${loss} per step`, outcome.metrics[index].map((m) => m.losses[loss] ?? NaN), metrics.map((m) => m.losses[loss]));
        expectClose(
          'parameterChange',
          `${prepared.recipe.name} ${loss} branch: parameter change in 20 steps after the fork`,
          decodeFloat64(outcome.after[index]).map((p, i) => p - state[i]),
          cpu.parameters.map((p, i) => p - state[i]),
        );
      }
    }
  });
});

describe('extreme logits', () => {
  it('gives finite losses and gradients that match the CPU path with |z| up to about 100', async () => {
    const recipes = (['sigmoid', 'softmax'] as const).flatMap((output) =>
      (['mse', 'cross_entropy'] as const).flatMap((loss) =>
        allLayouts(recipe({ name: `extreme tanh/${output}/${loss}/sgd`, widths: [3, 17, 3], hidden: 'tanh', output, loss, optimizer: 'sgd', batchSize: 7, initScale: 30, seed: 31 })),
      ),
    );
    const prepared = recipes.map(prepareCase);
    const results = await runOnGpu(prepared);
    prepared.forEach((c, i) => {
      const cpu = cpuReference(c);
      const largestLogit = cpu.firstBatchLogits.reduce((max, z) => Math.max(max, Math.abs(z)), 0);
      expect(largestLogit, `${c.recipe.name}: the case must reach extreme logits`).toBeGreaterThan(50);
      for (const m of results[i].metrics) {
        expect(Number.isFinite(m.losses.mse) && Number.isFinite(m.losses.cross_entropy ?? NaN), `${c.recipe.name} step ${m.step}: losses ${m.losses.mse}, ${m.losses.cross_entropy}`).toBe(true);
        expect(Number.isFinite(m.globalGradNorm), `${c.recipe.name} step ${m.step}: gradient norm ${m.globalGradNorm}`).toBe(true);
      }
      checkAgainstCpu(c, results[i], cpu);
    });
  });
});
