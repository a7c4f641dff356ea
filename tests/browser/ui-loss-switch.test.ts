/**
 * The playground's central promise: switching the loss while training runs keeps the run (steps,
 * weights, history) and only changes what drives the gradient; the curves keep growing and show
 * the switch. Also saves a screenshot of a saturated start switched to cross-entropy.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { chartPixels, clickByName, confidentlyWrong, type PlaygroundSnapshot, openPlayground, curveLengths, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;
let page: Page;
/** The run's state before its first step, read in the first test. */
let start: PlaygroundSnapshot;

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPlayground(fixture, '/');
  await page.setViewport({ width: 1400, height: 1000 });
  await waitForStatus(page, 'press Play');
});

afterAll(async () => {
  await fixture?.close();
});

describe('loss switch while training', () => {
  test('Play trains; switching to cross-entropy mid-run keeps steps, weights and history', async () => {
    start = await snapshot(page);
    expect(start.step).toBe(0);

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 40);
    const beforeSwitch = await snapshot(page);
    const lengthsBefore = await curveLengths(page);
    expect(beforeSwitch.parameters).not.toEqual(start.parameters);
    expect(beforeSwitch.switches).toEqual([]);

    await clickByName(page, 'Cross-entropy');
    // Steps issued before the click still report MSE; the switch shows once steps after it report.
    const atSwitch = await snapshot(page);
    await waitForRecordedSteps(page, atSwitch.step + 40);
    const afterSwitch = await snapshot(page);
    expect(afterSwitch.loss).toBe('cross_entropy');
    // The step counter kept rising: no restart at the switch.
    expect(afterSwitch.step).toBeGreaterThan(beforeSwitch.step);
    expect(afterSwitch.recordedSteps).toBeGreaterThan(beforeSwitch.recordedSteps);
    // One marker, at a step the run reached after the click, naming the new loss.
    expect(afterSwitch.switches).toHaveLength(1);
    expect(afterSwitch.switches[0].loss).toBe('cross_entropy');
    expect(afterSwitch.switches[0].step).toBeGreaterThanOrEqual(beforeSwitch.step);
    expect(afterSwitch.switches[0].step).toBeLessThanOrEqual(afterSwitch.step);
    expect(await statusText(page)).toContain('Loss switched to Cross-entropy');

    const lengthsAfter = await curveLengths(page);
    expect(lengthsAfter.loss).toBeGreaterThan(lengthsBefore.loss);
    expect(lengthsAfter.gradients).toBeGreaterThan(lengthsBefore.gradients);

    // Drawn, not only stored: both loss curves are on the loss canvas, and every chart has the
    // switch marker, an unbroken dark line the height of its plot area (the marker's label sits
    // beside it, and no curve or text runs straight down that far).
    const pixels = await chartPixels(page);
    expect(pixels.loss.msePixels).toBeGreaterThan(100);
    expect(pixels.loss.crossEntropyPixels).toBeGreaterThan(100);
    for (const chart of Object.values(pixels)) expect(chart.tallestDarkRun).toBeGreaterThan(0.95);
  });

  test('a switch while paused leaves every parameter and the step count exactly as they were', async () => {
    await clickByName(page, 'Pause');
    // Let steps already issued finish, so the snapshot below is the state the switch acts on.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await snapshot(page);
    await clickByName(page, 'MSE');
    const after = await snapshot(page);
    expect(after.loss).toBe('mse');
    expect(after.step).toBe(before.step);
    expect(after.parameters).toEqual(before.parameters);

    await clickByName(page, 'Step');
    // The history starts at step 0, so it holds step `before.step` once that step's metrics arrive.
    await waitForRecordedSteps(page, before.step + 1);
    const stepped = await snapshot(page);
    expect(stepped.step).toBe(before.step + 1);
    expect(stepped.switches.map((s) => s.loss)).toEqual(['cross_entropy', 'mse']);
    expect(stepped.switches[1].step).toBe(before.step);
    expect(stepped.parameters).not.toEqual(before.parameters);
  });

  test('keyboard: L toggles the loss, but not while typing in a field; Space plays and pauses', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const before = await snapshot(page);
    await page.keyboard.press('l');
    expect((await snapshot(page)).loss).toBe(before.loss === 'mse' ? 'cross_entropy' : 'mse');

    const seed = await page.waitForSelector('::-p-aria(Seed)');
    await seed!.focus();
    await page.keyboard.press('l');
    expect((await snapshot(page)).loss).toBe(before.loss === 'mse' ? 'cross_entropy' : 'mse');

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    expect(await page.$('::-p-aria(Play)')).not.toBeNull();
    await page.keyboard.press(' ');
    await page.waitForSelector('::-p-aria(Pause)', { timeout: 5000 });
    await page.keyboard.press(' ');
    await page.waitForSelector('::-p-aria(Play)', { timeout: 5000 });
  });

  test('R resets: step 0 and the seeded initial weights again, with an empty history', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    expect((await snapshot(page)).step).toBeGreaterThan(0);
    await page.keyboard.press('r');
    await waitForStatus(page, 'Reset: new weights from seed');
    const reset = await snapshot(page);
    expect(reset.step).toBe(0);
    expect(reset.recordedSteps).toBe(0);
    expect(reset.switches).toEqual([]);
    expect(reset.parameters).toEqual(start.parameters);
  });

  test('screenshot: the saturation demo stalls under MSE, then learns after the switch to cross-entropy', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await clickByName(page, 'Load the saturation demo');
    await waitForStatus(page, 'Saturation demo loaded');
    const fresh = await snapshot(page);
    expect(fresh.recordedSteps).toBe(0);
    expect(fresh.loss).toBe('mse');
    // The page's point, in its own numbers: where outputs are confidently wrong at this start,
    // MSE's |∂L/∂z| is tiny and cross-entropy's is not.
    await page.waitForFunction(() => {
      const panel = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('saturation-panel') as unknown as { confidentlyWrong(): { count: number } };
      return panel.confidentlyWrong().count > 0;
    });
    const atStart = await confidentlyWrong(page);
    expect(atStart.meanDelta.mse).toBeLessThan(0.01 * atStart.meanDelta.cross_entropy);

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 500);
    await clickByName(page, 'Cross-entropy');
    const switched = await snapshot(page);
    await waitForRecordedSteps(page, switched.step + 400);
    // The views kept refreshing while training ran: cross-entropy has pulled most of those outputs back.
    await page.waitForFunction(
      (before: number) => {
        const panel = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('saturation-panel') as unknown as { confidentlyWrong(): { count: number } };
        return panel.confidentlyWrong().count < before / 4;
      },
      { timeout: 30_000 },
      atStart.count,
    );
    const final = await snapshot(page);
    expect(final.switches.map((s) => s.loss)).toEqual(['cross_entropy']);
    mkdirSync('artifacts', { recursive: true });
    // Mid-training, as a visitor sees it: the status still names the switch.
    await page.screenshot({ path: 'artifacts/playground.png', fullPage: true });
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused after');
  });
});
