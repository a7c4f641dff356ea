/**
 * The GPU engine on Node's WebGPU (Dawn, in this process, no browser) against the float64 CPU
 * path: the same cases, CPU references and checks as the Chromium suite (tests/browser/gpu-cases.ts,
 * gpu-check.ts), run directly instead of through the harness page. A subset of that suite: every
 * output activation with every loss it allows, a loss switch both ways, sizes off the tile, and
 * the fused and the layered step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_ACTIVATIONS, HIDDEN_ACTIVATIONS } from '../../src/model/activations';
import { LOSS_NAMES, lossAllows } from '../../src/model/losses';
import { OPTIMIZER_KINDS } from '../../src/model/optimizers';
import { describeGpuAdapter } from '../../src/gpu/device';
import { loadNodeWebGpu } from '../../scripts/lib/node-webgpu';
import { cpuReference, prepareCase, type CaseRecipe } from '../browser/gpu-cases';
import { checkAgainstCpu } from '../browser/gpu-check';
import { formatErrorReport } from '../browser/gpu-compare';
import { runCase } from '../browser/gpu-run-case';
import type { HarnessResult } from '../browser/gpu-wire';

beforeAll(async () => {
  const node = await loadNodeWebGpu();
  // Never skipped: a machine where this fails lacks what the README's Node runtime section names.
  if (!node.available) throw new Error(`Node's WebGPU cannot be used, so the Node-runtime tests cannot run: ${node.reason}`);
  const adapter = await describeGpuAdapter();
  console.log(`Node-runtime GPU tests run on ${node.description}: ${[adapter?.vendor, adapter?.architecture, adapter?.description].filter(Boolean).join(' / ')}`);
});

afterAll(() => {
  console.log(`largest relative error per tensor kind on Node's WebGPU:\n${formatErrorReport()}`);
});

/** The fused one-workgroup step, and the layered step with each product variant. */
const LAYOUTS = [
  { stepKernel: 'fused', matmul: 'registers' },
  { stepKernel: 'layered', matmul: 'registers' },
  { stepKernel: 'layered', matmul: 'workgroup-memory' },
] as const;

function recipe(partial: Partial<CaseRecipe> & Pick<CaseRecipe, 'name' | 'widths' | 'hidden' | 'output' | 'loss' | 'optimizer' | 'batchSize'>): CaseRecipe {
  return { trainCount: 3 * partial.batchSize + 5, steps: 20, switchLossAt: null, initScale: 1, inputs: 'normal', seed: 7, stepKernel: null, matmul: null, ...partial };
}

/** The recipe once per layout, each named by it. */
function inEveryLayout(base: CaseRecipe): CaseRecipe[] {
  return LAYOUTS.map((layout) => ({ ...base, name: `${layout.stepKernel}/${layout.matmul} ${base.name}`, ...layout }));
}

/** Runs the cases on Node's WebGPU and checks each against the CPU path. */
async function checkCases(recipes: CaseRecipe[]): Promise<HarnessResult[]> {
  const results: HarnessResult[] = [];
  for (const prepared of recipes.map(prepareCase)) {
    const result = await runCase(prepared.wire);
    checkAgainstCpu(prepared, result, cpuReference(prepared));
    results.push(result);
  }
  return results;
}

describe("GPU vs CPU on Node's WebGPU", () => {
  it('matches for every output activation with every loss it allows, fused and layered, widths 3 and 17 with batch 7', async () => {
    const recipes: CaseRecipe[] = [];
    let index = 0;
    for (const output of OUTPUT_ACTIVATIONS) {
      for (const loss of LOSS_NAMES.filter((name) => lossAllows(name, output))) {
        const hidden = HIDDEN_ACTIVATIONS[index % HIDDEN_ACTIVATIONS.length];
        const optimizer = OPTIMIZER_KINDS[index % OPTIMIZER_KINDS.length];
        const outputs = output === 'softmax' ? 3 : [1, 3][index % 2];
        recipes.push(...inEveryLayout(recipe({ name: `${hidden}/${output}/${loss}/${optimizer} [3-17-${outputs}] B=7`, widths: [3, 17, outputs], hidden, output, loss, optimizer, batchSize: 7, seed: 300 + index })));
        index++;
      }
    }
    // Every output activation took part, and every loss.
    expect(new Set(recipes.map((r) => r.output))).toEqual(new Set(OUTPUT_ACTIVATIONS));
    expect(new Set(recipes.map((r) => r.loss))).toEqual(new Set(LOSS_NAMES));
    const results = await checkCases(recipes);
    expect(new Set(results.map((r) => r.stepKernel))).toEqual(new Set(['fused', 'layered']));
  });

  it('matches across a loss switch at step 10 of 20, in both directions', async () => {
    const results = await checkCases([
      ...inEveryLayout(recipe({ name: 'switch mse→ce tanh/sigmoid/sgd', widths: [3, 17, 3], hidden: 'tanh', output: 'sigmoid', loss: 'mse', optimizer: 'sgd', batchSize: 7, switchLossAt: 10, seed: 21 })),
      ...inEveryLayout(recipe({ name: 'switch ce→mse relu/softmax/adam', widths: [17, 17, 3], hidden: 'relu', output: 'softmax', loss: 'cross_entropy', optimizer: 'adam', batchSize: 100, switchLossAt: 10, seed: 22 })),
    ]);
    for (const result of results.slice(0, LAYOUTS.length)) expect(result.metrics.map((m) => m.activeLoss)).toEqual([...Array(10).fill('mse'), ...Array(10).fill('cross_entropy')]);
    for (const result of results.slice(LAYOUTS.length)) expect(result.metrics.map((m) => m.activeLoss)).toEqual([...Array(10).fill('cross_entropy'), ...Array(10).fill('mse')]);
  });

  it('matches on sizes that do not divide the tiles: widths 1, 3, 17 and 785, batches 1 and 100', async () => {
    await checkCases([
      ...inEveryLayout(recipe({ name: 'odd [17-1-3-1] B=1 sigmoid/sigmoid/cross_entropy/momentum', widths: [17, 1, 3, 1], hidden: 'sigmoid', output: 'sigmoid', loss: 'cross_entropy', optimizer: 'momentum', batchSize: 1, seed: 41 })),
      // MNIST-shaped and slow on a CPU adapter: one layered layout (the Chromium suite runs both), 10 steps.
      recipe({ name: 'layered/registers odd [784-785-10] B=100 relu/softmax/cross_entropy/adam', widths: [784, 785, 10], hidden: 'relu', output: 'softmax', loss: 'cross_entropy', optimizer: 'adam', batchSize: 100, inputs: 'digits', steps: 10, seed: 42, stepKernel: 'layered', matmul: 'registers' }),
    ]);
  });
});
