/**
 * The autotuner on the running adapter (SwiftShader here): it times every candidate variant of
 * every product shape of a small network, runs the fastest, trains exactly as the CPU path does
 * with the plan it chose, and a second run finds the choices in its store and times nothing. Then
 * the self-check a user runs: it passes with every variant on this adapter, and fails, naming the
 * tensor, when a broken kernel is planted through an override constant. One file, one page: the
 * pipelines the tuner compiled serve the self-check.
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

describe('the self-check on this adapter', () => {
  it('passes with every product variant the tuner might pick, per tensor kind within its bound', async () => {
    const prepared = prepareCase({ ...recipe, name: 'self-check' });
    const report = await page.evaluate((wire) => window.gpuHarness.selfCheck(wire, null, null), prepared.wire);
    console.log(`self-check on ${report.adapter.architecture}: ${report.passed ? 'passed' : 'FAILED'} in ${Math.round(report.elapsedMs)} ms over ${report.plans.length} plans\n${report.kinds.map((k) => `  ${k.kind.padEnd(16)} ${k.largestRelativeError.toExponential(2)} (bound used ${k.boundFraction.toFixed(3)})`).join('\n')}`);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.plans).toEqual(MATMUL_VARIANT_NAMES.map((variant) => `layered, ${variant} products`));
    expect(report.kinds.map((k) => k.kind).sort()).toEqual(['biasGradient', 'forward', 'gradientNorm', 'loss', 'parameterChange', 'weightGradient']);
    expect(report.kinds.every((k) => k.passed && k.boundFraction <= 1 && k.tensors > 0)).toBe(true);
  });

  it('fails, naming the plan and the tensor, when a kernel is planted wrong through an override', async () => {
    const prepared = prepareCase({ ...recipe, name: 'self-check planted' });
    // The 32-row tile's invocations told to cover 2 rows instead of 4: the dispatch still counts 32
    // rows a workgroup, so batch rows 16…31 (and the bias row of G) are never written.
    const report = await page.evaluate((wire) => window.gpuHarness.selfCheck(wire, ['workgroup-memory'], { THREAD_ROWS: 2 }), prepared.wire);
    expect(report.passed).toBe(false);
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures[0]).toMatch(/^layered, workgroup-memory products: outputs of 64 rows\[\d+\]: GPU .* vs CPU .* exceeds forward bound/);
    expect(report.kinds.find((k) => k.kind === 'forward')?.passed).toBe(false);
  });
});
