/**
 * The float32 WebAssembly trainer on one thread, here in Node, against the float64 reference:
 * same seed, initial weights and batches, under the GPU's bounds (src/train/tensor-bounds.ts).
 * The same cases run in the page's workers, one and several, in tests/browser/wasm-vs-cpu.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { forward } from '../../src/cpu/network';
import { CpuTrainer } from '../../src/cpu/trainer';
import { createSession } from '../../src/train/create-session';
import { cpuReference, prepareCase, type CaseRecipe } from '../browser/gpu-cases';
import { checkAgainstCpu } from '../browser/gpu-check';
import { expectClose, formatErrorReport } from '../browser/gpu-compare';
import type { SessionCaseResult } from '../browser/gpu-wire';
import { kernels, openSession, runInThisThread } from '../browser/wasm-this-thread';
import { combinationRecipes, extremeRecipes, lossSwitchRecipes, mnistShapedRecipes, wasmRecipe, wideRecipes } from '../browser/wasm-cases';

async function checkCases(recipes: CaseRecipe[]): Promise<SessionCaseResult[]> {
  const results: SessionCaseResult[] = [];
  for (const recipe of recipes) {
    const prepared = prepareCase(recipe);
    const result = await runInThisThread(prepared);
    checkAgainstCpu(prepared, result, cpuReference(prepared));
    results.push(result);
  }
  return results;
}

afterAll(() => {
  console.log(`float32 WebAssembly vs float64, largest relative error per tensor kind:\n${formatErrorReport()}`);
});

describe('float32 WebAssembly vs the float64 reference, one thread', () => {
  it('matches on every activation × output × loss × optimizer combination, sizes off every grain of the kernel', async () => {
    const recipes = combinationRecipes();
    // 5 hidden activations × (3 outputs × 2 losses − linear/cross-entropy) × 3 optimizers.
    expect(recipes.length).toBe(75);
    await checkCases(recipes);
  }, 600_000);

  it('matches with 784 inputs of digit-like pixels', async () => {
    await checkCases(mnistShapedRecipes());
  }, 300_000);

  it('matches on a layer of 2049 at batch 1, with every optimizer', async () => {
    await checkCases(wideRecipes());
  });

  it('switching the loss at step 10 of 20 matches the reference run with the same switch', async () => {
    const recipes = lossSwitchRecipes();
    const results = await checkCases(recipes);
    results.forEach((result, i) => {
      const [first, second] = recipes[i].loss === 'mse' ? ['mse', 'cross_entropy'] : ['cross_entropy', 'mse'];
      expect(result.metrics.map((m) => m.activeLoss), recipes[i].name).toEqual([...Array(10).fill(first), ...Array(10).fill(second)]);
    });
  });

  it('gives finite losses and gradients that match the reference with |z| up to about 100', async () => {
    for (const recipe of extremeRecipes()) {
      const prepared = prepareCase(recipe);
      const cpu = cpuReference(prepared);
      const largestLogit = cpu.firstBatchLogits.reduce((max, z) => Math.max(max, Math.abs(z)), 0);
      expect(largestLogit, `${recipe.name}: the case must reach extreme logits`).toBeGreaterThan(50);
      const result = await runInThisThread(prepared);
      for (const m of result.metrics) {
        expect(Number.isFinite(m.losses.mse) && Number.isFinite(m.losses.cross_entropy ?? NaN), `${recipe.name} step ${m.step}: losses ${m.losses.mse}, ${m.losses.cross_entropy}`).toBe(true);
        expect(Number.isFinite(m.globalGradNorm), `${recipe.name} step ${m.step}: gradient norm ${m.globalGradNorm}`).toBe(true);
      }
      checkAgainstCpu(prepared, result, cpu);
    }
  });

  it('evaluates more rows than one forward pass holds, and rows of a network narrower than that', async () => {
    const prepared = prepareCase(wasmRecipe({ name: 'grid 2-8-8-1 tanh/sigmoid', widths: [2, 8, 8, 1], hidden: 'tanh', output: 'sigmoid', loss: 'mse', optimizer: 'sgd', batchSize: 7, seed: 41 }));
    const side = 100;
    const grid = new Float32Array(2 * side * side);
    for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) grid.set([-3 + (6 * j) / (side - 1), -3 + (6 * i) / (side - 1)], 2 * (i * side + j));
    const session = await openSession(prepared);
    try {
      for (const rows of [side * side, 1, 257]) {
        const cpu = forward(prepared.spec, prepared.initial, grid, rows);
        expectClose('forward', `${rows} grid rows`, await session.evaluate(grid, rows), cpu.activations[cpu.activations.length - 1]);
      }
      expect(await session.evaluate(grid, 0)).toHaveLength(0);
    } finally {
      session.dispose();
    }
  });

  it('a float64 snapshot restored continues like the reference run (parameters, Adam state and t, batch position, loss)', async () => {
    const prepared = prepareCase(wasmRecipe({ name: 'continue tanh/softmax/adam', widths: [3, 17, 3], hidden: 'tanh', output: 'softmax', loss: 'mse', optimizer: 'adam', batchSize: 7, seed: 51 }));
    const cpu = new CpuTrainer(prepared.spec, prepared.dataset, prepared.initial);
    for (let s = 0; s < 5; s++) cpu.step();
    cpu.setLoss('cross_entropy');
    const saved = cpu.snapshot();
    const session = await openSession(prepared);
    try {
      await session.restore(saved);
      await session.train(5);
      const metrics = await session.takeMetrics();
      for (let s = 0; s < 5; s++) cpu.step();
      expect(metrics.map((m) => m.step)).toEqual([5, 6, 7, 8, 9]);
      expect(metrics.map((m) => m.activeLoss)).toEqual(Array(5).fill('cross_entropy'));
      const parameters = (await session.snapshot()).parameters;
      expectClose(
        'parameterChange',
        'parameter change in 5 steps after the restore',
        parameters.map((p, i) => p - saved.parameters[i]),
        cpu.parameters.map((p, i) => p - saved.parameters[i]),
      );
    } finally {
      session.dispose();
    }
  });
});

describe("createSession with backend 'wasm'", () => {
  it('trains on this thread when handed the kernel module, and refuses a spec the way the reference does', async () => {
    const prepared = prepareCase(combinationRecipes()[0]);
    const session = await createSession({ spec: prepared.spec, dataset: prepared.dataset, backend: 'wasm', wasmModule: kernels });
    expect(session.backend).toBe('wasm');
    await session.train(3);
    expect((await session.takeMetrics()).map((m) => m.step)).toEqual([0, 1, 2]);
    session.dispose();
    await expect(session.train(1)).rejects.toThrow('disposed');

    const bad = { ...prepared.spec, batchSize: 0 };
    const refusal = (() => {
      try {
        new CpuTrainer(bad, prepared.dataset);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(refusal).not.toBe('');
    await expect(createSession({ spec: bad, dataset: prepared.dataset, backend: 'wasm', wasmModule: kernels })).rejects.toThrow(refusal);
  });

  it('without the module and without Web Workers says what to pass', async () => {
    const prepared = prepareCase(combinationRecipes()[0]);
    await expect(createSession({ spec: prepared.spec, dataset: prepared.dataset, backend: 'wasm' })).rejects.toThrow('pass wasmModule');
  });
});
