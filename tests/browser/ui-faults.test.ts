/**
 * The fault panel, as a user and a screen reader meet it:
 * - nothing is drawn or announced until something is wrong: not on a fresh page, not while
 *   training, not after a pause or a refused edit; it shows with the fault and goes with it;
 * - a fault is said once: the status line says what happened, the alert adds what the status line
 *   does not (a heading, the backend's own words, the actions); no sentence is in both;
 * - a CPU worker that fails is shown in the same panel as the GPU's faults, training pauses, Play
 *   is refused with the way on, and a new worker goes on from the weights the guard kept.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { configToHash, defaultConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import {
  clickByName,
  faultPanel,
  liveRegionTexts,
  openPlayground,
  setInput,
  snapshot,
  statusText,
  waitForFault,
  waitForRecordedSteps,
  waitForStatus,
} from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

declare global {
  interface Window {
    /** Every Worker the page made, newest last (the crashing-worker page only). */
    createdWorkers?: Worker[];
  }
}

/** The sentences of a text long enough to be a statement rather than a word or two. */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.;:!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length >= 20);
}

/** No sentence of the status line is in the alert, nor the other way round, and each live region of the page that holds the status's first sentence is the status line. */
async function expectSaidOnce(page: Page, status: string, alert: string): Promise<void> {
  expect(sentences(status).length).toBeGreaterThan(0);
  for (const sentence of sentences(status)) expect(alert).not.toContain(sentence);
  for (const sentence of sentences(alert)) expect(status).not.toContain(sentence);
  const first = sentences(status)[0];
  const regions = (await liveRegionTexts(page)).filter((region) => region.text.includes(first));
  expect(regions.map((region) => region.role)).toEqual(['status']);
}

/** Asserts that the fault panel draws nothing and holds no alert. */
async function expectNoFaultPanel(page: Page): Promise<void> {
  const view = await faultPanel(page);
  expect(view.alert).toBeNull();
  expect(view.height).toBe(0);
  // No live region of the page is drawn empty: an alert or status with nothing to say is not there.
  for (const region of await liveRegionTexts(page)) if (region.role === 'alert') expect(region.text).not.toBe('');
}

/** A linear output trained with MSE diverges once the learning rate is large (see ui-reliability). */
function linearConfig(learningRate: number, hidden: 'tanh' | 'relu') {
  const config = defaultConfig();
  config.spec.outputActivation = 'linear';
  config.spec.loss = 'mse';
  config.spec.hiddenActivations = [hidden, hidden];
  config.spec.optimizer = { ...config.spec.optimizer, kind: 'sgd', learningRate };
  return config;
}

describe('the fault panel draws nothing until there is a fault', () => {
  test('fresh, training, paused, after a refused edit: nothing; a divergence: the panel; Restore: nothing again', async () => {
    const page = await openPlayground(fixture, `/${configToHash(linearConfig(0.05, 'tanh'))}`);
    await waitForStatus(page, 'Started the setup from the link');
    await expectNoFaultPanel(page);

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    await expectNoFaultPanel(page);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    await expectNoFaultPanel(page);

    await setInput(page, 'Hidden layer 1 width', '0');
    await waitForStatus(page, 'Not applied');
    await expectNoFaultPanel(page);
    await setInput(page, 'Hidden layer 1 width', '8');
    await waitForStatus(page, 'back to those of the running network');

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 40);
    await setInput(page, 'Learning rate', '100');
    const shown = await waitForFault(page);
    expect(shown.height).toBeGreaterThan(0);
    expect(shown.alert).toMatch(/^Step \d+: training diverged/);

    await clickByName(page, 'Restore last good weights');
    await waitForStatus(page, 'Restored the parameters of step');
    await expectNoFaultPanel(page);
    await page.close();
  });
});

describe('a fault is said once', () => {
  test('a divergence, mid-run or from the first steps: the diagnosis in the status line, the step and the way back in the alert', async () => {
    const runs = [
      { config: linearConfig(0.05, 'tanh'), divergeWith: 100 },
      { config: linearConfig(1e4, 'relu'), divergeWith: null },
    ];
    for (const { config, divergeWith } of runs) {
      const page = await openPlayground(fixture, `/${configToHash(config)}`);
      await waitForStatus(page, 'Started the setup from the link');
      await clickByName(page, 'Play');
      if (divergeWith) {
        await waitForRecordedSteps(page, 30);
        await setInput(page, 'Learning rate', String(divergeWith));
      }
      const { alert } = await waitForFault(page);
      const stopped = await snapshot(page);
      const fault = stopped.guard.fault!;
      const status = await statusText(page);
      // The status line holds the guard's diagnosis: step, layer and the advice.
      expect(status).toContain(`Step ${fault.step}:`);
      expect(status).toContain(`weight layer ${fault.layer ?? fault.layerCount} of ${fault.layerCount}`);
      expect(status).toContain(`lower the learning rate (now ${divergeWith ?? config.spec.optimizer.learningRate})`);
      // The alert heads it with the step and offers the way back, without repeating it.
      expect(alert).toContain(`Step ${fault.step}: training diverged`);
      expect(alert).toContain(`back to step ${stopped.guard.lastGoodStep}`);
      expect(alert).not.toContain('weight layer');
      expect(alert).not.toContain('lower the learning rate');
      await expectSaidOnce(page, status, alert!);
      await page.close();
    }
  });

  test('a GPU validation error: its kind in the status line, the GPU’s own words in the alert', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    for (const label of ['invalid on purpose', 'invalid again']) {
      await page.evaluate(`import('/src/gpu/device.ts').then(async ({ acquireGpu }) => { (await acquireGpu()).device.createBuffer({ size: 4, usage: 0, label: ${JSON.stringify(label)} }); })`);
      const { alert } = await waitForFault(page);
      const status = await statusText(page);
      expect(status).toContain('The GPU reported a validation error');
      expect(status).toContain('Training paused');
      expect(status).not.toContain(label);
      expect(alert).toContain(label);
      await expectSaidOnce(page, status, alert!);
      // Play goes on and the panel goes.
      await clickByName(page, 'Play');
      await waitForRecordedSteps(page, (await snapshot(page)).recordedSteps + 10);
      await expectNoFaultPanel(page);
    }
    await clickByName(page, 'Pause');
    await page.close();
  });
});

describe('a failed CPU worker', () => {
  /**
   * A page without WebGPU whose CPU workers are the real one plus a listener that lets an error
   * escape the worker when the test sends it "crash" (as a bug in the worker would).
   */
  async function openCrashablePage(): Promise<Page> {
    const page = await fixture.browser.newPage();
    page.on('pageerror', (error) => console.log(`[page error] ${String(error)}`));
    await page.evaluateOnNewDocument(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
      const Real = window.Worker;
      window.createdWorkers = [];
      window.Worker = class extends Real {
        constructor(url: string | URL, options?: WorkerOptions) {
          const script = `import '${new URL(url, location.href).href}';
            self.addEventListener('message', (event) => { if (event.data === 'crash') throw new Error('worker crashed on purpose'); });`;
          super(URL.createObjectURL(new Blob([script], { type: 'text/javascript' })), options);
          window.createdWorkers!.push(this);
        }
      };
    });
    await page.goto(`${fixture.baseUrl}/`, { waitUntil: 'load' });
    await waitForStatus(page, 'press Play');
    return page;
  }

  function crashNewestWorker(page: Page): Promise<void> {
    return page.evaluate(() => window.createdWorkers!.at(-1)!.postMessage('crash'));
  }

  test('while training: the fault panel says so once, Play is refused, a new worker goes on from the kept weights', async () => {
    const page = await openCrashablePage();
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    await crashNewestWorker(page);
    const { alert } = await waitForFault(page);
    const status = await statusText(page);
    expect(alert).toContain('The CPU worker failed');
    expect(alert).toContain('worker crashed on purpose');
    expect(status).toContain('The CPU worker stopped working, so training paused.');
    await expectSaidOnce(page, status, alert!);
    const keptStep = Number(/continues from the weights of step (\d+)/.exec(alert!)?.[1]);
    expect(Number.isInteger(keptStep)).toBe(true);

    // Paused, and Play says what to do instead of failing again.
    await page.waitForSelector('::-p-aria(Play)', { timeout: 10_000 });
    await clickByName(page, 'Play');
    await waitForStatus(page, 'The CPU worker has stopped: start a new one');
    expect((await faultPanel(page)).alert).toBe(alert);

    await clickByName(page, 'Start a new CPU worker');
    await waitForStatus(page, `Continuing on the CPU from the weights of step ${keptStep}`);
    await expectNoFaultPanel(page);
    const restarted = await snapshot(page);
    expect(restarted.backend).toBe('cpu');
    expect(restarted.step).toBe(keptStep);
    expect(restarted.recordedSteps).toBe(keptStep);
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, keptStep + 20);
    await clickByName(page, 'Pause');
    expect((await snapshot(page)).guard.condition).toBe('ready');
    await page.close();
  });

  test('while paused: the same panel, and the new worker holds exactly the weights the guard kept', async () => {
    const page = await openCrashablePage();
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    const before = await snapshot(page);
    const kept = { step: before.guard.lastGoodStep!, parameters: before.guard.lastGoodParameters! };

    await crashNewestWorker(page);
    const { alert } = await waitForFault(page);
    expect(alert).toContain('worker crashed on purpose');
    expect(alert).toContain(`continues from the weights of step ${kept.step}`);
    await expectSaidOnce(page, await statusText(page), alert!);
    // A step with the keyboard shortcut is refused the same way as Play.
    await page.keyboard.press('s');
    await waitForStatus(page, 'The CPU worker has stopped: start a new one');

    await clickByName(page, 'Start a new CPU worker');
    await waitForStatus(page, `Continuing on the CPU from the weights of step ${kept.step}`);
    const restarted = await snapshot(page);
    expect(restarted.step).toBe(kept.step);
    expect(restarted.parameters).toEqual(kept.parameters);
    await expectNoFaultPanel(page);
    await page.close();
  });
});
