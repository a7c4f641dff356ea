/**
 * "Fork: MSE and cross-entropy from here" on the page: from the keyboard (F) and from the button,
 * both branches read back bit-identical parameters at the fork; trained on in lockstep, both are
 * drawn on the same charts, each named in the legend, with the fork step marked; "Keep" each branch
 * in turn goes on with exactly that branch's parameters, as an ordinary run (its loss switch works
 * again), on the GPU, on the WebAssembly workers and on the float64 CPU worker. A branch that diverges stops the fork and goes on
 * alone, named in the fault panel. A linear output, which allows no cross-entropy, is refused with
 * the table's reason.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { LOSSES } from '../../src/model/losses';
import { branchLabel, FORK_ACTION, FORK_LOSSES } from '../../src/ui/fork-branches';
import { configToHash, defaultConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, snapshot, statusText, waitForFault, waitForRecordedSteps, waitForStatus, type PlaygroundSnapshot } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/** What the page's test hook says of a fork. */
type ForkSnapshot = NonNullable<PlaygroundSnapshot['fork']>;

async function forkOf(page: Page): Promise<ForkSnapshot | null> {
  return (await snapshot(page)).fork;
}

/** Waits until every branch of the fork has recorded at least `steps` steps. */
async function waitForBranchSteps(page: Page, steps: number): Promise<void> {
  await page.waitForFunction(
    async (wanted: number) => {
      const element = document.querySelector('mlp-playground') as unknown as { debugSnapshot(): Promise<{ fork: { branches: { recordedSteps: number }[] } | null }> };
      const fork = (await element.debugSnapshot()).fork;
      return fork !== null && fork.branches.every((branch) => branch.recordedSteps >= wanted);
    },
    { polling: 100, timeout: 60_000 },
    steps,
  );
}

/** The curves panel's series per chart (CurvesPanel.drawnSeries) once the next frame is drawn. */
async function drawnSeries(page: Page): Promise<Record<'loss' | 'gradients' | 'accuracy', { label: string; points: number; lastStep: number }[]>> {
  return page.evaluate(async () => {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const curves = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('curves-panel') as unknown as { drawnSeries(): never };
    return curves.drawnSeries();
  });
}

/** The labels of the loss chart's legend, as uPlot drew them. */
function lossLegend(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const curves = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('curves-panel')!.shadowRoot!;
    return [...curves.querySelectorAll('#loss .u-legend .u-series .u-label')].map((label) => label.textContent ?? '');
  });
}

async function play(page: Page, untilSteps: number): Promise<void> {
  await clickByName(page, 'Play');
  await waitForBranchSteps(page, untilSteps);
  await clickByName(page, 'Pause');
  await waitForStatus(page, 'Paused after');
}

/** Forks (by `how`), checks both branches start from the same bits, trains both, and returns the fork as it stands. */
async function forkAndTrain(page: Page, how: 'key' | 'button'): Promise<ForkSnapshot> {
  const before = await snapshot(page);
  if (how === 'key') await page.keyboard.press('f');
  else await clickByName(page, FORK_ACTION);
  await waitForStatus(page, 'Forked at step');
  const fork = (await forkOf(page))!;
  expect(fork.step).toBe(before.step);
  expect(fork.branches.map((branch) => branch.loss)).toEqual([...FORK_LOSSES]);
  expect(fork.branches.map((branch) => branch.step)).toEqual([fork.step, fork.step]);
  // Bit-identical: the same float64 values read back from both sessions.
  expect(fork.branches[1].parameters).toEqual(fork.branches[0].parameters);
  expect(fork.branches[0].parameters).toEqual(before.parameters);

  await play(page, fork.step + 30);
  const trained = (await forkOf(page))!;
  expect(trained.branches[0].step).toBe(trained.branches[1].step);
  expect(trained.branches[0].step).toBeGreaterThanOrEqual(fork.step + 30);
  // Different losses, different gradients: the branches have moved apart.
  expect(trained.branches[1].parameters).not.toEqual(trained.branches[0].parameters);

  // Both branches on the same charts, named in the legend, each drawn past the fork; the fork is marked.
  const legend = await lossLegend(page);
  for (const loss of FORK_LOSSES) expect(legend.filter((label) => label.startsWith(`${branchLabel(loss)}: `)).length, legend.join(' | ')).toBe(2 * FORK_LOSSES.length);
  const series = await drawnSeries(page);
  for (const loss of FORK_LOSSES) {
    const own = series.loss.find((s) => s.label === `${branchLabel(loss)}: ${LOSSES[loss].shortLabel}`)!;
    expect(own.lastStep, own.label).toBeGreaterThan(fork.step);
    const saturated = series.accuracy.find((s) => s.label === `${branchLabel(loss)}: saturated outputs`)!;
    expect(saturated.lastStep, saturated.label).toBeGreaterThan(fork.step);
  }
  const shown = await page.evaluate(() =>
    (document.querySelector('mlp-playground')!.shadowRoot!.querySelector('curves-panel') as unknown as { shownSteps(): { switchLabels: { loss: string[] } } }).shownSteps(),
  );
  expect(shown.switchLabels.loss).toContain(`Fork → ${FORK_LOSSES.map((loss) => LOSSES[loss].shortLabel).join(' | ')} at step ${fork.step}`);
  // Each branch's views, side by side, named.
  const views = await page.evaluate(() => [...document.querySelector('mlp-playground')!.shadowRoot!.querySelector('fork-panel')!.shadowRoot!.querySelectorAll('[data-testid=fork-branch]')].map((section) => section.getAttribute('aria-label')));
  expect(views).toEqual(FORK_LOSSES.map(branchLabel));
  return trained;
}

/** Keeps branch `index` of `fork` and checks the run goes on with exactly its parameters, as an ordinary run. */
async function keep(page: Page, fork: ForkSnapshot, index: 0 | 1): Promise<void> {
  const branch = fork.branches[index];
  await clickByName(page, `Keep the ${branch.label}`);
  await waitForStatus(page, `Kept the ${branch.label}`);
  const kept = await snapshot(page);
  expect(kept.fork).toBeNull();
  expect(kept.loss).toBe(branch.loss);
  expect(kept.step).toBe(branch.step);
  expect(kept.parameters).toEqual(branch.parameters);
  expect(kept.recordedSteps).toBe(branch.recordedSteps);
  // It trains on alone, its history going on.
  await clickByName(page, 'Play');
  await waitForRecordedSteps(page, branch.recordedSteps + 20);
  await clickByName(page, 'Pause');
  await waitForStatus(page, 'Paused after');
  const after = await snapshot(page);
  expect(after.step).toBeGreaterThanOrEqual(branch.step + 20);
  expect(after.parameters).not.toEqual(branch.parameters);
}

describe('fork', () => {
  test('from the key and from the button; keep each branch in turn', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 40);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused after');

    await keep(page, await forkAndTrain(page, 'key'), 0);
    await keep(page, await forkAndTrain(page, 'button'), 1);
    // An ordinary run again: L switches the kept branch's loss.
    await page.keyboard.press('l');
    await waitForStatus(page, `Loss switched to ${LOSSES[FORK_LOSSES[0]].label}`);
    await page.close();
  }, 120_000);

  // Without WebGPU the page trains on the WebAssembly workers, and on the float64 worker where those are refused.
  test.each([
    { backend: 'wasm', refuseWasm: false },
    { backend: 'cpu', refuseWasm: true },
  ])('without WebGPU, on the $backend worker: the same fork, keeping the cross-entropy branch', async ({ backend, refuseWasm }) => {
    const page = await fixture.browser.newPage();
    page.on('pageerror', (error) => console.log(`[page error] ${String(error)}`));
    await page.evaluateOnNewDocument((refuse: boolean) => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
      if (!refuse) return;
      const Real = window.Worker;
      window.Worker = class extends Real {
        constructor(url: string | URL, options?: WorkerOptions) {
          if (String(url).includes('wasm-worker')) throw new Error('WebAssembly workers are refused in this test');
          super(url, options);
        }
      };
    }, refuseWasm);
    await page.goto(`${fixture.baseUrl}/`, { waitUntil: 'load' });
    await waitForStatus(page, 'press Play');
    expect((await snapshot(page)).backend).toBe(backend);
    await keep(page, await forkAndTrain(page, 'key'), 1);
    await page.close();
  }, 60_000);

  test('a branch that diverges stops the fork: it goes on alone, named in the fault panel, whose Restore acts on it', async () => {
    const config = defaultConfig();
    // Steps this large overflow float32 within a few steps wherever the gradient does not vanish (at least in the cross-entropy branch).
    config.spec.optimizer = { ...config.spec.optimizer, kind: 'sgd', learningRate: 1e38 };
    const page = await openPlayground(fixture, `/${configToHash(config)}`);
    await waitForStatus(page, 'from the link');
    await page.keyboard.press('f');
    await waitForStatus(page, 'Forked at step 0');
    await clickByName(page, 'Play');
    const shown = await waitForFault(page);
    const branch = FORK_LOSSES.find((loss) => shown.alert?.startsWith(`${branchLabel(loss)}: Step `));
    expect(branch, shown.alert ?? 'no alert').toBeDefined();
    expect(shown.alert).toMatch(/: Step \d+: training diverged/);
    expect(await statusText(page)).toMatch(new RegExp(`^In the ${branchLabel(branch!)}: .* That stopped the fork: the .* branch was dropped\\.$`));
    const run = await snapshot(page);
    expect(run.fork).toBeNull();
    expect(run.loss).toBe(branch);
    expect(run.guard.condition).toBe('non-finite');
    await clickByName(page, 'Restore last good weights');
    await waitForStatus(page, 'Restored the parameters of step');
    expect((await snapshot(page)).guard.condition).toBe('ready');
    await page.close();
  });

  test('a linear output is refused with the reason', async () => {
    const config = defaultConfig();
    config.spec.outputActivation = 'linear';
    const page = await openPlayground(fixture, `/${configToHash(config)}`);
    await waitForStatus(page, 'from the link');
    await page.keyboard.press('f');
    await waitForStatus(page, 'Cannot fork');
    expect(await statusText(page)).toContain(LOSSES.cross_entropy.refusal);
    await clickByName(page, FORK_ACTION);
    expect(await statusText(page)).toContain(LOSSES.cross_entropy.refusal);
    expect(await forkOf(page)).toBeNull();
    await page.close();
  });
});
