/**
 * The speed control and "Pause at step" of the Run panel, on the GPU in headless Chromium:
 * - set from the keyboard (the slider's arrow keys), each speed goes into the link;
 * - at 10 and at 60 steps per second, the steps that finish over four seconds are within ±20 % of
 *   the setting, and the actual rate the panel shows is within ±30 % of it. This is a measurement
 *   of pacing, not of speed: the default network trains hundreds of steps a second here, so the
 *   setting, not the machine, sets the rate. ±20 %: a step either way at each end of the window is
 *   5 % at 10 steps/s, and a loaded machine can drop frames for a few hundred milliseconds, which
 *   the loop makes up only within half a second. The panel's figure is over the last second only,
 *   where one step is already 10 % at 10 steps/s, so it gets ±30 %;
 * - Play stops by itself with exactly the pause step's count trained, at several steps, and goes
 *   on past it when pressed again.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { configFromHash } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, setInput, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;
let page: Page;

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPlayground(fixture, '/');
  await waitForStatus(page, 'press Play');
});

afterAll(async () => {
  await fixture?.close();
});

/** The speed slider, found by its accessible name and role. */
const SPEED_SLIDER = '::-p-aria([name="Speed"][role="slider"])';

/** Moves the speed slider from the keyboard: Home to the slowest, then `rights` steps up. */
async function setSpeedByKeys(rights: number): Promise<void> {
  const slider = await page.waitForSelector(SPEED_SLIDER);
  await slider!.focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < rights; i++) await page.keyboard.press('ArrowRight');
}

/** Text of an element of the transport panel. */
function transportText(selector: string): Promise<string> {
  return page.evaluate(
    (s) => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('transport-panel')!.shadowRoot!.querySelector(s)?.textContent?.trim() ?? '',
    selector,
  );
}

/** Steps that finished per second over `seconds`, timed in the page. */
function measureRate(seconds: number): Promise<number> {
  return page.evaluate(async (ms) => {
    const element = document.querySelector('mlp-playground') as unknown as { debugSnapshot(): Promise<{ recordedSteps: number }> };
    const first = (await element.debugSnapshot()).recordedSteps;
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const last = (await element.debugSnapshot()).recordedSteps;
    return ((last - first) * 1000) / (performance.now() - start);
  }, seconds * 1000);
}

const linkRun = async () => configFromHash(await page.evaluate(() => location.hash)).config.run;

describe('speed', () => {
  test('at 10 and at 60 steps per second, set from the keyboard, the steps finished over four seconds are within ±20 %', async () => {
    // Home is 1 step/s; the speeds are 1, 3, 10, 30, 60, …
    await setSpeedByKeys(2);
    await waitForStatus(page, 'Speed: 10 steps/s.');
    expect(await transportText('[data-testid=speed-setting]')).toBe('10 steps/s');
    expect((await linkRun()).speed).toBe(10);

    await clickByName(page, 'Play');
    for (const [speed, rights] of [
      [10, 2],
      [60, 4],
    ] as const) {
      await setSpeedByKeys(rights);
      await waitForStatus(page, `Speed: ${speed} steps/s.`);
      expect((await linkRun()).speed).toBe(speed);
      // A second at the new speed first, so the window holds no step of the old one.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const rate = await measureRate(4);
      console.log(`set ${speed} steps/s: measured ${rate.toFixed(2)} steps/s over 4 s`);
      expect(Math.abs(rate - speed) / speed).toBeLessThanOrEqual(0.2);
      const shown = Number(await transportText('[data-testid=measured-speed]'));
      expect(Math.abs(shown - speed) / speed).toBeLessThanOrEqual(0.3);
    }
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused after');
  });
});

describe('pause at step', () => {
  test('Play stops with exactly the pause step trained, at several steps, and goes on past it when pressed again', async () => {
    // As fast as possible, so the loop issues many steps a frame and must cut the last batch at the step.
    await setSpeedByKeys(7);
    await waitForStatus(page, 'Speed: as fast as possible.');
    let step = (await snapshot(page)).step;
    for (const ahead of [1, 37, 300]) {
      const pauseAt = step + ahead;
      await setInput(page, 'Pause at step', String(pauseAt));
      await waitForStatus(page, `Play pauses at step ${pauseAt}.`);
      expect((await linkRun()).pauseAt).toBe(pauseAt);
      await clickByName(page, 'Play');
      await waitForStatus(page, `Paused at step ${pauseAt},`, 120_000);
      const paused = await snapshot(page);
      expect(paused.step).toBe(pauseAt);
      expect(paused.recordedSteps).toBe(pauseAt);
      expect(await page.$eval('::-p-aria([name="Play"][role="button"])', (button) => (button as HTMLButtonElement).disabled)).toBe(false);
      step = paused.step;
    }
    // Play at the pause step goes on past it.
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, step + 20);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused after');
    expect((await snapshot(page)).step).toBeGreaterThan(step);
    // A pause step behind the run is said so, and does nothing.
    await setInput(page, 'Pause at step', '1');
    await waitForStatus(page, 'past step 1 already');
    expect(await statusText(page)).toContain('does not pause there');
  });
});
