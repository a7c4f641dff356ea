/**
 * The float32 WebAssembly trainer in the page's workers against the float64 reference, under the
 * GPU's bounds: one worker, and two (the trainer's worker and a helper splitting every product,
 * activation, derivative and update large enough) over shared memory in a cross-origin isolated
 * page. Several workers must also give the very bits of one thread: each element is computed by
 * one thread in one order. Every combination runs on several workers in the page and on one thread
 * here in Node (the same trainer as the one-worker page, without the worker: tests/unit has it
 * against the reference too), which keeps the page's session count, the cost of this file, low;
 * the other cases run on one worker and on several in the page.
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserFixture, openPage, type BrowserFixture } from './browser';
import { cpuReference, prepareCase, type CaseRecipe } from './gpu-cases';
import { checkAgainstCpu } from './gpu-check';
import { formatErrorReport } from './gpu-compare';
import type { WorkerCaseResult } from './wasm-harness';
import { runInThisThread } from './wasm-this-thread';
import { combinationRecipes, extremeRecipes, lossSwitchRecipes, mnistShapedRecipes, wideRecipes } from './wasm-cases';

let fixture: BrowserFixture;
let page: Page;

/** Workers of the "several" runs: a machine of two cores gets as many (odd sizes make the splits uneven). */
const SEVERAL = 2;

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
  it('matches on every activation × output × loss × optimizer combination on several workers, bit for bit with one thread', async () => {
    const recipes = combinationRecipes();
    expect(recipes.length).toBe(75);
    const several = await runInWorkers(recipes, SEVERAL);
    for (const [i, recipe] of recipes.entries()) {
      const prepared = prepareCase(recipe);
      const one = await runInThisThread(prepared);
      expect(several[i].threads, `${recipe.name}: threads of the several-worker run`).toBe(SEVERAL);
      checkAgainstCpu({ ...prepared, recipe: { ...recipe, name: `${SEVERAL} workers: ${recipe.name}` } }, several[i].result, cpuReference(prepared));
      expect(several[i].result.parameters, `${recipe.name}: parameters after ${recipe.steps} steps, ${SEVERAL} workers against one thread`).toBe(one.parameters);
      expect(several[i].result.gradient, `${recipe.name}: step-0 gradient, ${SEVERAL} workers against one thread`).toBe(one.gradient);
    }
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

describe('a WebAssembly worker that fails', () => {
  it('after create(), on one worker or several: onError hears it once, as an internal error, and every call rejects with the reason', async () => {
    const input = prepareCase(combinationRecipes()[0]).wire;
    for (const threads of [1, SEVERAL]) {
      const outcome = await page.evaluate((i, t) => window.wasmHarness.crashAfterCreate(i, t), input, threads);
      expect(outcome.before, `${threads} thread(s): steps before the crash`).toBe(3);
      expect(outcome.pending).toMatch(/^the WebAssembly worker failed: .*worker crashed on purpose/);
      expect(outcome.later).toEqual(Array(4).fill(outcome.pending));
      expect(outcome.reported).toHaveLength(1);
      expect(outcome.reported[0].kind).toBe('internal');
      expect(outcome.reported[0].message).toContain('worker crashed on purpose');
    }
  });

  it('while loading: create() rejects saying its script did not load', async () => {
    const message = await page.evaluate((i) => window.wasmHarness.createWithoutScript(i), prepareCase(combinationRecipes()[0]).wire);
    expect(message).toBe('the WebAssembly worker failed: its script did not load');
  });
});
