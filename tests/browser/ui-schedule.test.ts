/**
 * "Switch the loss at step N" on the page, the twin of the command line's --switch-loss-at (one
 * rule, src/train/loss-schedule.ts): the metrics' active loss changes exactly at N, and nowhere
 * else, on the GPU (at full speed, where the loop issues many steps a frame; one Step at a time;
 * and set from its field mid-run) and on the CPU worker; the link keeps the loss of step 0 and N,
 * and opening it replays the switch at N; a switch by hand cancels the schedule and the link says so.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { configFromHash, configToHash, defaultConfig, type PlaygroundConfig } from '../../src/ui/playground-config';
import type { RunSettings } from '../../src/ui/run-settings';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, setInput, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/** The default setup with these run settings. */
function withRun(run: Partial<RunSettings>): PlaygroundConfig {
  const config = defaultConfig();
  return { ...config, run: { ...config.run, ...run } };
}

const linkOf = async (page: Page) => configFromHash(await page.evaluate(() => location.hash)).config;

/** Plays until at least `steps` are recorded, then pauses and waits until the weights stand still. */
async function playTo(page: Page, steps: number): Promise<void> {
  await clickByName(page, 'Play');
  await waitForRecordedSteps(page, steps, 120_000);
  await clickByName(page, 'Pause');
  await waitForStatus(page, 'Paused after');
}

/** The step count the transport panel shows. */
function shownStepCount(page: Page): Promise<number> {
  return page.evaluate(() =>
    Number(document.querySelector('mlp-playground')!.shadowRoot!.querySelector('transport-panel')!.shadowRoot!.querySelector('[data-testid=step-count]')!.textContent),
  );
}

/** The loss radio that is checked. */
function checkedLoss(page: Page): Promise<string> {
  return page.evaluate(() => {
    const radios = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('transport-panel')!.shadowRoot!.querySelectorAll('input[name=loss]');
    return [...radios].find((radio) => (radio as HTMLInputElement).checked)?.getAttribute('value') ?? (radios[0] as HTMLInputElement | undefined)?.value ?? '';
  });
}

describe('a scheduled loss switch on the GPU', () => {
  test('at full speed the active loss changes exactly at N; the link keeps N and the first loss, and replays the switch', async () => {
    for (const switchAt of [150, 413]) {
      const page = await openPlayground(fixture, `/${configToHash(withRun({ switchLossAt: switchAt }))}`);
      await waitForStatus(page, 'from the link');
      await playTo(page, switchAt + 40);
      const run = await snapshot(page);
      expect(run.switches, `switch at ${switchAt}`).toEqual([{ step: switchAt, loss: 'cross_entropy' }]);
      expect(run.loss).toBe('cross_entropy');
      expect(await page.evaluate(() => (document.querySelector('mlp-playground')!.shadowRoot!.querySelector('transport-panel') as unknown as { loss: string }).loss)).toBe('cross_entropy');
      // The link describes the experiment: MSE from step 0, the switch at N.
      const link = await linkOf(page);
      expect(link.spec.loss).toBe('mse');
      expect(link.run.switchLossAt).toBe(switchAt);
      const hash = await page.evaluate(() => location.hash);
      if (switchAt === 150) {
        // L after the scheduled switch goes back to MSE by hand, and clears the schedule from the link.
        await page.keyboard.press('l');
        await waitForStatus(page, 'Loss switched to MSE');
        expect(await statusText(page)).toContain('The scheduled switch is cleared, so a link now starts with this loss.');
        const cleared = await linkOf(page);
        expect(cleared.spec.loss).toBe('mse');
        expect(cleared.run.switchLossAt).toBeNull();
        expect((await snapshot(page)).loss).toBe('mse');
      }
      await page.close();

      const replay = await openPlayground(fixture, `/${hash}`);
      await waitForStatus(replay, 'from the link');
      expect((await snapshot(replay)).loss).toBe('mse');
      await playTo(replay, switchAt + 10);
      expect((await snapshot(replay)).switches).toEqual([{ step: switchAt, loss: 'cross_entropy' }]);
      await replay.close();
    }
  });

  test('one Step at a time, the switch lands on N too', async () => {
    const page = await openPlayground(fixture, `/${configToHash(withRun({ switchLossAt: 2 }))}`);
    await waitForStatus(page, 'from the link');
    for (let i = 1; i <= 4; i++) {
      await clickByName(page, 'Step');
      await page.waitForFunction(
        (wanted: number) => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('transport-panel')!.shadowRoot!.querySelector('[data-testid=step-count]')!.textContent === String(wanted),
        { polling: 50, timeout: 30_000 },
        i,
      );
      // The third Step trains step 2, the first with the next loss.
      if (i === 2) expect(await statusText(page)).not.toContain('Loss switched');
      if (i === 3) expect(await statusText(page)).toBe('Loss switched to Cross-entropy at step 2, as scheduled; weights and optimizer state kept.');
    }
    const run = await snapshot(page);
    expect(run.recordedSteps).toBe(4);
    expect(run.switches).toEqual([{ step: 2, loss: 'cross_entropy' }]);
    expect(await shownStepCount(page)).toBe(4);
    await page.close();
  });

  test('set from its field while paused, the switch lands on N; a switch by hand before N cancels it', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await playTo(page, 30);
    const at = (await snapshot(page)).step;
    const switchAt = at + 60;
    await setInput(page, 'Switch loss at step', String(switchAt));
    await waitForStatus(page, `The loss switches to Cross-entropy at step ${switchAt}.`);
    expect((await linkOf(page)).run.switchLossAt).toBe(switchAt);
    await playTo(page, switchAt + 20);
    expect((await snapshot(page)).switches).toEqual([{ step: switchAt, loss: 'cross_entropy' }]);
    expect(await checkedLoss(page)).toBe('cross_entropy');

    // A new schedule far ahead, then a switch by hand before it: the schedule is gone, the link starts with the chosen loss.
    await setInput(page, 'Switch loss at step', '100000');
    await waitForStatus(page, 'The loss switches to');
    const scheduled = await linkOf(page);
    expect(scheduled.run.switchLossAt).toBe(100000);
    // The schedule's first loss is the running one (cross-entropy), so it would switch to MSE.
    expect(scheduled.spec.loss).toBe('cross_entropy');
    await clickByName(page, 'MSE');
    await waitForStatus(page, 'The switch scheduled for step 100000 is cancelled.');
    const cancelled = await linkOf(page);
    expect(cancelled.run.switchLossAt).toBeNull();
    expect(cancelled.spec.loss).toBe('mse');
    const switchesBefore = (await snapshot(page)).switches.length;
    await playTo(page, (await snapshot(page)).step + 30);
    const after = await snapshot(page);
    expect(after.loss).toBe('mse');
    expect(after.switches).toHaveLength(switchesBefore + 1);
    expect(after.switches[after.switches.length - 1].loss).toBe('mse');
    await page.close();
  });
});

describe('a scheduled loss switch on the CPU worker', () => {
  test('the active loss changes exactly at N, and the link keeps it', async () => {
    for (const switchAt of [90, 233]) {
      const page = await fixture.browser.newPage();
      page.on('pageerror', (error) => console.log(`[page error] ${String(error)}`));
      // Hide WebGPU before any page script runs, as a browser without it would, and refuse the
      // WebAssembly worker, so the page falls back to the float64 CPU worker this test is about.
      await page.evaluateOnNewDocument(() => {
        Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
        const Real = window.Worker;
        window.Worker = class extends Real {
          constructor(url: string | URL, options?: WorkerOptions) {
            if (String(url).includes('wasm-worker')) throw new Error('WebAssembly workers are refused in this test');
            super(url, options);
          }
        };
      });
      await page.goto(`${fixture.baseUrl}/${configToHash(withRun({ switchLossAt: switchAt }))}`, { waitUntil: 'load' });
      await waitForStatus(page, 'from the link');
      await playTo(page, switchAt + 30);
      const run = await snapshot(page);
      expect(run.backend).toBe('cpu');
      expect(run.switches, `switch at ${switchAt}`).toEqual([{ step: switchAt, loss: 'cross_entropy' }]);
      const link = await linkOf(page);
      expect(link.run.switchLossAt).toBe(switchAt);
      expect(link.spec.loss).toBe('mse');
      await page.close();
    }
  });
});
