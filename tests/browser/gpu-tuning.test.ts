/**
 * The autotuner on the running adapter (SwiftShader here): it times every candidate variant of
 * every product shape of a small network, runs the fastest, trains exactly as the CPU path does
 * with the plan it chose, and a second run finds the choices in its store and times nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { MATMUL_VARIANT_NAMES } from '../../src/gpu/kernels';
import { productShapes } from '../../src/gpu/step-plan';
import { openPage, startBrowserFixture, type BrowserFixture } from './browser';
import { cpuReference, prepareCase, type CaseRecipe } from './gpu-cases';
import { checkAgainstCpu } from './gpu-check';
import type { HarnessCase, HarnessResult } from './gpu-wire';

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

const recipe: CaseRecipe = {
  name: 'tuned softmax/cross_entropy/adam [16-24] B=32',
  widths: [16, 24],
  hidden: 'tanh',
  output: 'softmax',
  loss: 'cross_entropy',
  optimizer: 'adam',
  batchSize: 32,
  trainCount: 101,
  steps: 10,
  switchLossAt: null,
  initScale: 1,
  inputs: 'normal',
  seed: 71,
  stepKernel: 'layered',
  matmul: null,
};

function runTuned(input: HarnessCase, budgetMs: number, store: string): Promise<HarnessResult> {
  return page.evaluate((wire, budget, name) => window.gpuHarness.runTuned(wire, budget, name), input, budgetMs, store);
}

describe('the autotuner on this adapter', () => {
  it('times every candidate of every shape, runs the fastest, trains as the CPU path does; a second run uses the store', async () => {
    const prepared = prepareCase(recipe);
    const shapes = new Set(productShapes(recipe.widths, recipe.batchSize).map((shape) => shape.key));
    const first = await runTuned(prepared.wire, 600_000, 'first');
    checkAgainstCpu(prepared, first, cpuReference(prepared));
    const report = first.tuning!;
    console.log(`tuned ${report.shapes.length} shapes in ${Math.round(report.elapsedMs)} ms on ${report.adapter}:\n${report.shapes.map((s) => `  ${s.key}: ${s.chosen} (${s.candidates.map((c) => `${c.variant} ${c.gflops?.toFixed(2) ?? c.error}`).join(', ')})`).join('\n')}`);
    expect(new Set(report.shapes.map((s) => s.key))).toEqual(shapes);
    for (const shape of report.shapes) {
      expect(shape.source).toBe('measured');
      // Every variant fits SwiftShader's limits, so every one was timed, and ran.
      expect(shape.candidates.map((c) => c.variant).sort()).toEqual([...MATMUL_VARIANT_NAMES].sort());
      expect(shape.candidates.every((c) => c.gflops !== null && c.gflops > 0)).toBe(true);
      const fastest = shape.candidates.reduce((best, c) => (c.gflops! > best.gflops! ? c : best));
      expect(shape.chosen).toBe(fastest.variant);
      expect(first.tuned[shape.key]).toBe(shape.chosen);
    }

    const second = await runTuned(prepared.wire, 600_000, 'first');
    expect(second.tuning!.shapes.every((s) => s.source === 'stored')).toBe(true);
    expect(second.tuned).toEqual(first.tuned);
    checkAgainstCpu(prepared, second, cpuReference(prepared));
  });

  it('runs the fixed rule\'s variant everywhere with a budget of 0', async () => {
    const prepared = prepareCase({ ...recipe, name: `${recipe.name} untuned` });
    const result = await runTuned(prepared.wire, 0, 'zero');
    expect(result.tuned).toEqual({});
    expect(result.tuning!.shapes.every((s) => s.source === 'rule' && s.chosen === result.matmul)).toBe(true);
    checkAgainstCpu(prepared, result, cpuReference(prepared));
  });
});
