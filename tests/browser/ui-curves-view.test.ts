/**
 * The curves at any length, in the page: dragging across a chart zooms every chart on those steps,
 * with the loss switch still marked and labelled; double-clicking shows the whole run again; from
 * the keyboard, the view menu follows the last N steps as training goes on, and the zoom and pan
 * buttons act on the steps shown. Read through the panel's test hook (CurvesPanel.shownSteps) and
 * its canvases.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer';
import type { CurveView } from '../../src/ui/curve-series';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { chartPixels, clickByName, openPlayground, snapshot, waitForRecordedSteps, waitForStatus } from './ui-page';

type ChartName = 'loss' | 'gradients' | 'accuracy';
const CHARTS: ChartName[] = ['loss', 'gradients', 'accuracy'];

/** What CurvesPanel.shownSteps() returns. */
interface ShownSteps {
  view: CurveView;
  axes: Record<ChartName, { min: number; max: number }>;
  finestStepsPerPoint: number;
  coarsestStepsPerPoint: number;
  switchLabels: Record<ChartName, string[]>;
}

let fixture: BrowserFixture;
let page: Page;

function shown(): Promise<ShownSteps> {
  return page.evaluate(() => (document.querySelector('mlp-playground')!.shadowRoot!.querySelector('curves-panel') as unknown as { shownSteps(): ShownSteps }).shownSteps());
}

/** The text of an element of the curves panel. */
function panelText(selector: string): Promise<string> {
  return page.evaluate((s: string) => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('curves-panel')!.shadowRoot!.querySelector(s)?.textContent?.trim() ?? '', selector);
}

/** The plot area (uPlot's .u-over) of a chart, on the page. */
async function plotBox(chart: ChartName): Promise<{ x: number; y: number; width: number; height: number }> {
  const over = (await page.evaluateHandle(
    (id: string) => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('curves-panel')!.shadowRoot!.querySelector(`#${id} .u-over`),
    chart,
  )) as ElementHandle<Element>;
  const box = await over.boundingBox();
  if (!box) throw new Error(`the ${chart} chart has no plot area on the page`);
  return box;
}

/** Waits for the next two animation frames, so the panel has drawn what was just asked of it. */
async function nextFrames(): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** Focuses the control named `name` (through shadow roots) and presses `key` on it. */
async function pressOn(name: string, key: 'Enter' | 'ArrowDown' | 'ArrowUp'): Promise<void> {
  const control = await page.waitForSelector(`::-p-aria(${name})`, { timeout: 30_000 });
  await control!.focus();
  await page.keyboard.press(key);
  await nextFrames();
}

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPlayground(fixture, '/');
  await page.setViewport({ width: 1400, height: 1000 });
  await waitForStatus(page, 'press Play');
});

afterAll(async () => {
  await fixture?.close();
});

describe('curves at any length', () => {
  test('dragging across a chart zooms every chart on those steps, the switch still marked and labelled; double-click shows the whole run', async () => {
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 400);
    await clickByName(page, 'Cross-entropy');
    const atSwitch = await snapshot(page);
    await waitForRecordedSteps(page, atSwitch.step + 400);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    await nextFrames();
    const state = await snapshot(page);
    const last = state.recordedSteps - 1;
    const switchStep = state.switches[0].step;

    const whole = await shown();
    expect(whole.view).toEqual({ kind: 'whole' });
    for (const chart of CHARTS) expect(whole.axes[chart], chart).toEqual({ min: 0, max: last });

    // Drag from 150 steps before the switch to 150 after it, on the loss chart.
    const box = await plotBox('loss');
    const x = (step: number) => box.x + ((step - whole.axes.loss.min) / (whole.axes.loss.max - whole.axes.loss.min)) * box.width;
    const [from, to] = [Math.max(0, switchStep - 150), Math.min(last, switchStep + 150)];
    await page.mouse.move(x(from), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x(to), box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await nextFrames();

    const zoomed = await shown();
    expect(zoomed.view.kind).toBe('range');
    // A pixel of the drag spans this many steps: the zoom lands within it of the steps aimed at.
    const stepsPerPixel = (whole.axes.loss.max - whole.axes.loss.min) / box.width;
    for (const chart of CHARTS) {
      expect(Math.abs(zoomed.axes[chart].min - from), chart).toBeLessThanOrEqual(stepsPerPixel + 1);
      expect(Math.abs(zoomed.axes[chart].max - to), chart).toBeLessThanOrEqual(stepsPerPixel + 1);
      expect(zoomed.switchLabels[chart], chart).toEqual([`→ Cross-entropy at step ${switchStep}`]);
    }
    // Some 300 steps on a plot hundreds of pixels wide: every step drawn.
    expect(zoomed.finestStepsPerPoint).toBe(1);
    expect(await panelText('[data-testid=curves-range]')).toContain(`Showing steps ${zoomed.axes.loss.min.toLocaleString('en-US')}–${zoomed.axes.loss.max.toLocaleString('en-US')}`);
    expect(await panelText('select option:checked')).toMatch(/^Steps .* \(zoomed\)$/);
    // Drawn, not only stated: the marker spans every plot and both losses are on the loss canvas.
    const pixels = await chartPixels(page);
    for (const chart of CHARTS) expect(pixels[chart].tallestDarkRun, chart).toBeGreaterThan(0.95);
    expect(pixels.loss.msePixels).toBeGreaterThan(100);
    expect(pixels.loss.crossEntropyPixels).toBeGreaterThan(100);

    const gradients = await plotBox('gradients');
    await page.mouse.click(gradients.x + gradients.width / 2, gradients.y + gradients.height / 2, { count: 2 });
    await nextFrames();
    const again = await shown();
    expect(again.view).toEqual({ kind: 'whole' });
    for (const chart of CHARTS) expect(again.axes[chart], chart).toEqual({ min: 0, max: last });
    expect(await panelText('select option:checked')).toBe('Whole run');
  });

  test('from the keyboard: the view menu follows the last 1,000 steps while training; Zoom in, Earlier, Later and Zoom out act on the steps shown', async () => {
    await pressOn('Steps shown', 'ArrowDown');
    expect((await shown()).view).toEqual({ kind: 'follow', steps: 1000 });
    expect(await panelText('select option:checked')).toBe('Last 1,000 steps');

    await clickByName(page, 'Play');
    const before = await snapshot(page);
    await waitForRecordedSteps(page, before.recordedSteps + 600);
    const following = await shown();
    const recorded = (await snapshot(page)).recordedSteps;
    for (const chart of CHARTS) {
      expect(following.axes[chart].max - following.axes[chart].min, chart).toBe(999);
      // The newest step drawn is at most a few frames behind the newest recorded.
      expect(following.axes[chart].max, chart).toBeGreaterThan(before.recordedSteps + 300);
      expect(following.axes[chart].max, chart).toBeLessThanOrEqual(recorded);
    }
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    await nextFrames();
    const paused = await shown();

    await pressOn('Zoom in', 'Enter');
    const zoomedIn = await shown();
    expect(zoomedIn.view.kind).toBe('range');
    const middle = (paused.axes.loss.min + paused.axes.loss.max) / 2;
    expect(Math.abs((zoomedIn.axes.loss.min + zoomedIn.axes.loss.max) / 2 - middle)).toBeLessThanOrEqual(1);
    expect(Math.abs(zoomedIn.axes.loss.max - zoomedIn.axes.loss.min - 500)).toBeLessThanOrEqual(1);

    await pressOn('Earlier', 'Enter');
    const earlier = await shown();
    expect(Math.abs(earlier.axes.loss.min - (zoomedIn.axes.loss.min - 250))).toBeLessThanOrEqual(1);
    expect(earlier.axes.loss.max - earlier.axes.loss.min).toBe(zoomedIn.axes.loss.max - zoomedIn.axes.loss.min);
    await pressOn('Later', 'Enter');
    const later = await shown();
    expect(later.axes.loss).toEqual(zoomedIn.axes.loss);

    // Zooming out doubles the steps shown until they hold the whole run, which is then the view.
    const last = (await snapshot(page)).recordedSteps - 1;
    let widths = 0;
    for (let press = 0; press < 30 && (await shown()).view.kind !== 'whole'; press++) {
      const before = await shown();
      await pressOn('Zoom out', 'Enter');
      const after = await shown();
      if (after.view.kind === 'range') expect(after.axes.loss.max - after.axes.loss.min).toBeGreaterThan(before.axes.loss.max - before.axes.loss.min);
      widths++;
    }
    expect(widths).toBeGreaterThan(1);
    const whole = await shown();
    expect(whole.view).toEqual({ kind: 'whole' });
    expect(whole.axes.loss).toEqual({ min: 0, max: last });
  });
});
