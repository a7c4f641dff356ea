/**
 * Narrow screens: at 420 × 900 CSS pixels the panels stack and no element of the page, through
 * every shadow root, is wider than the viewport or reaches past its edges, whatever the page shows:
 * a run that has drawn its curves, the saturation demo, the saturation demo forked (both branches'
 * views), the GPU check's report table, a link notice with a long unbroken word, and a dataset with
 * three classes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { DEFAULT_SPEC } from '../../src/model/spec';
import { configToHash, defaultConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, snapshot, waitForCheckReport, waitForRecordedSteps, waitForStatus } from './ui-page';

const VIEWPORT = { width: 420, height: 900 };

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/** Every drawn element wider than the viewport or past its left or right edge, named with its tag, id or class and its box. */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    const found: string[] = [];
    const visit = (root: ParentNode, path: string) => {
      for (const element of root.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        const name = `${path}${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${typeof element.className === 'string' && element.className ? `.${element.className.split(' ')[0]}` : ''}`;
        // Half a pixel for sub-pixel layout; a box of no size is not drawn.
        if (box.width > 0 && (box.width > limit + 0.5 || box.right > limit + 0.5 || box.left < -0.5)) {
          found.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}] width ${Math.round(box.width)}`);
        }
        // Text or children running out of a box that does not scroll them widen the page as much.
        if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0 && getComputedStyle(element).overflowX === 'visible') {
          found.push(`${name}: content ${element.scrollWidth} px wide in a box of ${element.clientWidth}`);
        }
        if (element.shadowRoot) visit(element.shadowRoot, `${name} > `);
      }
    };
    visit(document, '');
    if (document.documentElement.scrollWidth > limit) found.push(`the document scrolls sideways: ${document.documentElement.scrollWidth} > ${limit}`);
    return found;
  });
}

/** The panels' left edges: stacked panels share one. */
function panelLefts(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const root = document.querySelector('mlp-playground')!.shadowRoot!;
    return ['transport-panel', 'curves-panel', 'boundary-panel', 'run-stats'].map((tag) => Math.round(root.querySelector(tag)!.getBoundingClientRect().left));
  });
}

async function narrowPage(path: string, settled: string): Promise<Page> {
  const page = await openPlayground(fixture, path);
  await page.setViewport(VIEWPORT);
  await waitForStatus(page, settled);
  return page;
}

describe('at 420 × 900', () => {
  test('a run that has drawn its curves, then its GPU check report: the panels stack and nothing overflows', async () => {
    const page = await narrowPage('/', 'press Play');
    expect(await overflowing(page)).toEqual([]);
    const lefts = await panelLefts(page);
    expect(new Set(lefts).size).toBe(1);

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 60);
    await clickByName(page, 'Pause');
    expect(await overflowing(page)).toEqual([]);

    await clickByName(page, 'Check this GPU');
    await waitForCheckReport(page);
    expect(await overflowing(page)).toEqual([]);
    await page.close();
    // The check builds every variant's pipelines on SwiftShader: minutes on a loaded machine.
  }, 420_000);

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
