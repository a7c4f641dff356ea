/**
 * Narrow screens: at 420 × 900 CSS pixels the panels stack and no element of the page, through
 * every shadow root, is wider than the viewport or reaches past its edges, whatever the page shows:
 * a run that has drawn its curves, the saturation demo, the saturation demo forked (both branches'
 * views), a link notice with a long unbroken word, and a dataset with three classes; and a page
 * drawn wide, then narrowed, whose canvases must not hold the columns at their old width. The GPU check's
 * report gets the same check in tests/browser/ui-gpu-tuning.test.ts, which runs a check anyway: a
 * check builds every product variant's pipelines, about 40 s on SwiftShader.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { DEFAULT_SPEC } from '../../src/model/spec';
import { configToHash, defaultConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { NARROW_VIEWPORT, afterFrames, clickByName, openPlayground, overflowing, snapshot, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/** The panels' left edges: stacked panels share one. */
function panelLefts(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const root = document.querySelector('mlp-playground')!.shadowRoot!;
    return ['transport-panel', 'curves-panel', 'boundary-panel', 'run-stats'].map((tag) => Math.round(root.querySelector(tag)!.getBoundingClientRect().left));
  });
}

async function narrowPage(path: string, settled: string): Promise<Page> {
  const page = await openPlayground(fixture, path);
  await page.setViewport(NARROW_VIEWPORT);
  await waitForStatus(page, settled);
  return page;
}

describe('at 420 × 900', () => {
  test('a run that has drawn its curves: the panels stack and nothing overflows', async () => {
    const page = await narrowPage('/', 'press Play');
    expect(await overflowing(page)).toEqual([]);
    const lefts = await panelLefts(page);
    expect(new Set(lefts).size).toBe(1);

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 60);
    await clickByName(page, 'Pause');
    expect(await overflowing(page)).toEqual([]);
    await page.close();
  });

  test('a page drawn wide and then narrowed (a window resized, a tablet turned): the columns shrink with it', async () => {
    const page = await openPlayground(fixture, '/');
    await page.setViewport({ width: 1280, height: 900 });
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Load the saturation demo');
    await waitForStatus(page, 'Saturation demo loaded');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    await clickByName(page, 'Pause');
    await page.setViewport(NARROW_VIEWPORT);
    await afterFrames(page, 3);
    expect(await overflowing(page)).toEqual([]);
    expect(new Set(await panelLefts(page)).size).toBe(1);
    await page.close();
  });

  test('the saturation demo while it plays', async () => {
    const page = await narrowPage('/', 'press Play');
    await clickByName(page, 'Load the saturation demo');
    await waitForStatus(page, 'Saturation demo loaded');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    expect((await snapshot(page)).recordedSteps).toBeGreaterThanOrEqual(30);
    expect(await overflowing(page)).toEqual([]);
    await page.close();
  });

  test('the saturation demo forked while it plays: the branches\' views stack', async () => {
    const page = await narrowPage('/', 'press Play');
    await clickByName(page, 'Load the saturation demo');
    await waitForStatus(page, 'Saturation demo loaded');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    await page.keyboard.press('f');
    await waitForStatus(page, 'Forked at step');
    const forkedAt = (await snapshot(page)).recordedSteps;
    await waitForRecordedSteps(page, forkedAt + 20);
    expect(await overflowing(page)).toEqual([]);
    const branchLefts = await page.evaluate(() =>
      [...document.querySelector('mlp-playground')!.shadowRoot!.querySelector('fork-panel')!.shadowRoot!.querySelectorAll('[data-testid=fork-branch]')].map((section) => Math.round(section.getBoundingClientRect().left)),
    );
    expect(branchLefts).toHaveLength(2);
    expect(new Set(branchLefts).size).toBe(1);
    await page.close();
  });

  test('a link notice with a long unbroken word, and a three-class dataset', async () => {
    const long = `#spec=${encodeURIComponent(JSON.stringify({ ...DEFAULT_SPEC, ['y'.repeat(300)]: 1 }))}`;
    const noticed = await narrowPage(`/${long}`, 'defaults');
    expect(await overflowing(noticed)).toEqual([]);
    await noticed.close();

    const blobs = { ...defaultConfig(), data: { source: 'synthetic', kind: 'blobs', samples: 300, noise: 0.1, classes: 3, seed: 1 } as const };
    const classes = await narrowPage(`/${configToHash(blobs)}`, 'from the link');
    await clickByName(classes, 'Play');
    await waitForRecordedSteps(classes, 30);
    expect(await overflowing(classes)).toEqual([]);
    await classes.close();
  });
});
