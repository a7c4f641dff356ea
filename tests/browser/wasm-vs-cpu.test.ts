/**
 * The float32 WebAssembly trainer in the page's workers against the float64 reference, under the
 * GPU's bounds: one worker, and three (the trainer's worker and two helpers splitting every product,
 * activation, derivative and update large enough) over shared memory in a cross-origin isolated
 * page. Several workers must also give the very bits of one: each element is computed by one
 * thread in one order.
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserFixture, openPage, type BrowserFixture } from './browser';
import { cpuReference, prepareCase, type CaseRecipe } from './gpu-cases';
import { checkAgainstCpu } from './gpu-check';
import { formatErrorReport } from './gpu-compare';
import type { WorkerCaseResult } from './wasm-harness';
import { combinationRecipes, extremeRecipes, lossSwitchRecipes, mnistShapedRecipes, wideRecipes } from './wasm-cases';

let fixture: BrowserFixture;
let page: Page;

/** Workers of the "several" runs: more than this machine's two cores, and an odd number, so splits come out uneven. */
const SEVERAL = 3;

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPage(fixture, '/tests/browser/wasm-harness.html');
  await page.waitForFunction(() => 'wasmHarness' in window);
  if (!(await page.evaluate(() => window.wasmHarness.isolated()))) {
    throw new Error('the test page is not cross-origin isolated: the dev server must send the COOP/COEP headers of vite.config.ts');
  }
});

afterAll(async () => {
  console.log(`float32 WebAssembly in workers vs float64, largest relative error per tensor kind:\n${formatErrorReport()}`);
  await fixture?.close();
});

function runInWorkers(recipes: CaseRecipe[], threads: number | null): Promise<WorkerCaseResult[]> {
  return page.evaluate((cases, t) => window.wasmHarness.runCases(cases, t), recipes.map((recipe) => prepareCase(recipe).wire), threads);
}

/** Runs every recipe on one worker and on SEVERAL, checks both against the reference, and that the two agree bit for bit. */
async function checkOnOneAndSeveral(recipes: CaseRecipe[]): Promise<{ one: WorkerCaseResult[]; several: WorkerCaseResult[] }> {
  const one = await runInWorkers(recipes, 1);
  const several = await runInWorkers(recipes, SEVERAL);
  recipes.forEach((recipe, i) => {
    const prepared = prepareCase(recipe);
    const cpu = cpuReference(prepared);
    expect(one[i].threads, `${recipe.name}: threads of the one-worker run`).toBe(1);
    expect(several[i].threads, `${recipe.name}: threads of the several-worker run`).toBe(SEVERAL);
    expect(several[i].singleThreadReason).toBeNull();
    checkAgainstCpu({ ...prepared, recipe: { ...recipe, name: `one worker: ${recipe.name}` } }, one[i].result, cpu);
    checkAgainstCpu({ ...prepared, recipe: { ...recipe, name: `${SEVERAL} workers: ${recipe.name}` } }, several[i].result, cpu);
    expect(several[i].result.parameters, `${recipe.name}: parameters after ${recipe.steps} steps, ${SEVERAL} workers against one`).toBe(one[i].result.parameters);
    expect(several[i].result.gradient, `${recipe.name}: step-0 gradient, ${SEVERAL} workers against one`).toBe(one[i].result.gradient);
  });
  return { one, several };
}

describe('float32 WebAssembly in workers vs the float64 reference', () => {
  it('matches on every activation × output × loss × optimizer combination, on one worker and on several', async () => {
    const recipes = combinationRecipes();
    expect(recipes.length).toBe(75);
    await checkOnOneAndSeveral(recipes);
  });

  it('matches with 784 inputs of digit-like pixels, on a layer of 2049 at batch 1, and across a loss switch at step 10 of 20', async () => {
    const switches = lossSwitchRecipes();
    const { several } = await checkOnOneAndSeveral([...mnistShapedRecipes(), ...wideRecipes(), ...switches]);
    several.slice(-switches.length).forEach(({ result }, i) => {
      const [first, second] = switches[i].loss === 'mse' ? ['mse', 'cross_entropy'] : ['cross_entropy', 'mse'];
      expect(result.metrics.map((m) => m.activeLoss), switches[i].name).toEqual([...Array(10).fill(first), ...Array(10).fill(second)]);
    });
  });

  it('gives finite losses and gradients with |z| up to about 100', async () => {
    const recipes = extremeRecipes();
    const { one, several } = await checkOnOneAndSeveral(recipes);
    recipes.forEach((recipe, i) => {
      expect(cpuReference(prepareCase(recipe)).firstBatchLogits.reduce((max, z) => Math.max(max, Math.abs(z)), 0), `${recipe.name}: extreme logits`).toBeGreaterThan(50);
      for (const m of [...one[i].result.metrics, ...several[i].result.metrics]) {
        expect(Number.isFinite(m.losses.mse) && Number.isFinite(m.losses.cross_entropy ?? NaN) && Number.isFinite(m.globalGradNorm), `${recipe.name} step ${m.step}`).toBe(true);
      }
    });
  });

  it('asks for navigator.hardwareConcurrency workers when told no number', async () => {
    const [run] = await runInWorkers([combinationRecipes()[3]], null);
    expect(run.threads).toBe(await page.evaluate(() => navigator.hardwareConcurrency));
  });
});
