/**
 * GPU tuning and the self-check on the page, on SwiftShader, with a small network whose step runs
 * as separate products:
 * - "Check this GPU", pressed from the keyboard, pauses the run and shows a pass for every tensor
 *   kind on this adapter, with the adapter named and the outcome in a live region, and its report
 *   fits a narrow screen (420 px: nothing overflows);
 * - a network built afterwards is tuned within the page's budget: every product shows the variant
 *   timed fastest and its GFLOP/s in "Size and speed", each choice is in localStorage under the
 *   tuner's key, and a reload runs the stored choices without timing them. (On SwiftShader most of
 *   a tuning's time is building each candidate's pipelines, seconds apiece on a loaded machine, so
 *   a cold page reaches few shapes within the budget; the check builds every candidate's pipelines
 *   first, and the tuning after it times them.)
 * - with tuning off (in the link, or from its checkbox on a running network, which keeps the
 *   weights), the fixed rule's variant runs every product and the panel says why; the store is
 *   neither read nor written;
 * - a small network's step is one fused kernel, and the panel says there is nothing to tune.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { DEFAULT_SPEC } from '../../src/model/spec';
import { configFromHash, configToHash, defaultConfig, type PlaygroundConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { NARROW_VIEWPORT, afterFrames, clickByName, openPlayground, overflowing, snapshot, statusText, waitForCheckReport, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/**
 * A network whose step runs as products on SwiftShader (3·64·(2·64 + 64·1) multiply-adds a step,
 * above the fused step's limit there) with few product shapes, so tuning them fits the page's budget.
 */
function layeredConfig(tuneGpu: boolean): PlaygroundConfig {
  const config = defaultConfig();
  return { ...config, spec: { ...DEFAULT_SPEC, widths: [2, 64, 1], hiddenActivations: ['tanh'], batchSize: 64 }, run: { ...config.run, tuneGpu } };
}

/** What the "Size and speed" panel shows of the products. */
interface ProductsView {
  rows: { source: string; variant: string; gflops: string; text: string }[];
  note: string;
  tuneGpu: boolean;
}

function productsView(page: Page): Promise<ProductsView> {
  return page.evaluate(() => {
    const stats = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('run-stats')!.shadowRoot!;
    return {
      rows: [...stats.querySelectorAll('[data-testid=product-row]')].map((row) => ({
        source: row.getAttribute('data-source') ?? '',
        variant: row.getAttribute('data-variant') ?? '',
        gflops: row.querySelector('td.number')?.textContent?.trim() ?? '',
        text: (row.textContent ?? '').replace(/\s+/g, ' ').trim(),
      })),
      note: stats.querySelector('[data-testid=products-note]')?.textContent?.trim() ?? '',
      tuneGpu: (stats.querySelector('input[type=checkbox]') as HTMLInputElement).checked,
    };
  });
}

/** The tuner's entries in the page's localStorage. */
function storedTunings(page: Page): Promise<Record<string, { chosen: string; candidates: { variant: string; gflops: number | null }[] }>> {
  return page.evaluate(() => Object.fromEntries(Object.keys(localStorage).filter((key) => key.startsWith('tuning ')).map((key) => [key, JSON.parse(localStorage.getItem(key)!)])));
}

/** Presses "Check this GPU" from the keyboard on a running network and checks what it shows: progress, a pause, then a pass. */
async function checkFromKeyboard(page: Page): Promise<void> {
  const button = await page.waitForSelector('::-p-aria([name="Check this GPU"][role="button"])');
  await button!.focus();
  await page.keyboard.press('Enter');
  const readPanel = () =>
    page.evaluate(() => {
      const panel = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('gpu-check-panel')!.shadowRoot!;
      return {
        status: panel.querySelector('[data-testid=check-status]')?.textContent?.trim() ?? '',
        live: panel.querySelector('[data-testid=check-status]')?.getAttribute('aria-live') ?? '',
        adapter: panel.querySelector('[data-testid=check-adapter]')?.textContent?.trim() ?? '',
        kinds: [...panel.querySelectorAll('[data-testid=check-kind]')].map((row) => ({
          kind: row.getAttribute('data-kind'),
          passed: row.getAttribute('data-passed'),
          text: (row.textContent ?? '').replace(/\s+/g, ' ').trim(),
        })),
        failures: panel.querySelector('[data-testid=check-failures]') !== null,
        progress: panel.querySelector('progress') !== null,
      };
    });
  // Progress is shown while it runs.
  await page.waitForFunction(
    () => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('gpu-check-panel')!.shadowRoot!.querySelector('[data-testid=check-status]')?.textContent?.includes('Checking plan'),
    { polling: 50, timeout: 120_000 },
  );
  expect((await readPanel()).progress).toBe(true);
  await waitForStatus(page, 'Paused after');
  const paused = await snapshot(page);
  await waitForCheckReport(page);
  const panel = await readPanel();
  console.log(`check: ${panel.status}\n${panel.kinds.map((k) => `  ${k.text}`).join('\n')}`);
  expect(panel.live).toBe('polite');
  expect(panel.status).toMatch(/^Passed on google · swiftshader.*: every tensor kind within its bound, over 7 plans in [\d.]+ s\.$/);
  expect(panel.adapter).toContain('swiftshader');
  expect(panel.kinds.map((k) => k.kind).sort()).toEqual(['biasGradient', 'forward', 'gradientNorm', 'loss', 'parameterChange', 'weightGradient']);
  for (const kind of panel.kinds) {
    expect(kind.passed).toBe('true');
    expect(kind.text).toMatch(/\d\.\de[-+]\d+ \d\.\de[-+]\d+ pass \([\d.e+-]+% of bound\)$/);
  }
  expect(panel.failures).toBe(false);
  expect(panel.progress).toBe(false);
  // The run stayed paused at the weights the check started from.
  const after = await snapshot(page);
  expect(after.step).toBe(paused.step);
  expect(after.parameters).toEqual(paused.parameters);
  expect(await statusText(page)).toContain('Paused after');
}

describe('GPU tuning and the check on the page', () => {
  test('the check passes; a network built after it is tuned and its choices kept; a reload runs them without timing', async () => {
    const page = await fixture.browser.newPage();
    page.on('pageerror', (error) => console.log(`[page error] ${String(error)}`));
    // The first load of this tab starts from an empty store; its reload (same tab, same session storage) does not.
    await page.evaluateOnNewDocument(() => {
      if (sessionStorage.getItem('store emptied') === null) {
        localStorage.clear();
        sessionStorage.setItem('store emptied', 'yes');
      }
    });
    await page.goto(`${fixture.baseUrl}/${configToHash(layeredConfig(true))}`, { waitUntil: 'load' });
    await waitForStatus(page, 'from the link', 120_000);
    const cold = await productsView(page);
    console.log(`cold page: ${cold.note}\n${cold.rows.map((row) => `  ${row.text}`).join('\n')}`);
    // Layer 1: forward and weight gradient; layer 2: those and the input gradient.
    expect(cold.rows).toHaveLength(5);
    expect(cold.tuneGpu).toBe(true);
    // The device asks for timestamp queries wherever the adapter offers them, and the tuner then times with them.
    const timestamps = await page.evaluate(async () => (await navigator.gpu.requestAdapter())?.features.has('timestamp-query') ?? false);
    const clock = timestamps ? "each product timed by the GPU's timestamp queries" : 'each product timed from submission to completion \\(this GPU offers no timestamp queries\\)';
    expect(cold.note).toMatch(new RegExp(`^Tuned on this adapter in \\d+ ms \\(budget 3000 ms\\), ${clock}\\.$`));
    for (const row of cold.rows) {
      if (row.source === 'rule') expect(row.text).toContain('fixed rule: the tuning budget of 3000 ms ran out before this shape');
      else expect(row.source).toBe('measured');
    }

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    await checkFromKeyboard(page);
    // The report on a narrow screen: the rule of tests/browser/ui-narrow.test.ts, checked here where a check has run.
    const viewport = page.viewport();
    await page.setViewport(NARROW_VIEWPORT);
    await afterFrames(page, 3);
    expect(await overflowing(page)).toEqual([]);
    if (viewport) await page.setViewport(viewport);

    await clickByName(page, 'Reset');
    await waitForStatus(page, 'Reset: new weights', 120_000);
    const tuned = await productsView(page);
    console.log(`after the check: ${tuned.note}\n${tuned.rows.map((row) => `  ${row.text}`).join('\n')}`);
    const measured = tuned.rows.filter((row) => row.source === 'measured');
    expect(measured.length).toBeGreaterThan(0);
    for (const row of tuned.rows) {
      if (row.source === 'measured') {
        expect(Number(row.gflops), row.text).toBeGreaterThan(0);
        expect(row.text).toContain('fastest, timed now');
      } else expect(row.text).toContain('the tuning budget of 3000 ms ran out before this shape');
    }
    const stored = await storedTunings(page);
    // Every product of this network has a shape of its own, so one stored choice per product timed.
    expect(Object.keys(stored).length).toBe(measured.length);
    for (const key of Object.keys(stored)) expect(key).toMatch(/^tuning v\d+ \| google \| swiftshader \| .* \| (forward|weightGrad|inputGrad) \d+×\d+×\d+ (scalar|vec4)/);
    for (const row of measured) expect(Object.values(stored).map((value) => value.chosen)).toContain(row.variant);

    await page.reload({ waitUntil: 'load' });
    await waitForStatus(page, 'from the link', 120_000);
    const reloaded = await productsView(page);
    console.log(`after a reload: ${reloaded.note}`);
    reloaded.rows.forEach((row, i) => {
      if (tuned.rows[i].source !== 'measured') return;
      // Stored on the visit before: run as it was, without timing.
      expect(row.source, row.text).toBe('stored');
      expect(row.text).toContain('timed on an earlier visit');
      expect({ variant: row.variant, gflops: row.gflops }).toEqual({ variant: tuned.rows[i].variant, gflops: tuned.rows[i].gflops });
    });
    if (measured.length === tuned.rows.length) expect(reloaded.note).toBe('Every product runs the variant timed fastest on an earlier visit, kept in this browser: nothing was timed now.');
    expect(await storedTunings(page)).toMatchObject(stored);
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    await clickByName(page, 'Pause');
    await page.close();
    // The check builds every variant's pipelines on SwiftShader: minutes on a loaded machine.
  }, 480_000);

  test('with tuning off in the link, or turned off on a running network, the fixed rule runs every product and says why', async () => {
    const off = await openPlayground(fixture, `/${configToHash(layeredConfig(false))}`);
    await waitForStatus(off, 'from the link', 120_000);
    const before = await storedTunings(off);
    const view = await productsView(off);
    expect(view.tuneGpu).toBe(false);
    expect(view.rows).toHaveLength(5);
    expect(view.note).toBe("Not tuned: the fixed rule's variants run.");
    for (const row of view.rows) {
      expect(row.source).toBe('rule');
      expect(row.variant).toBe('registers');
      expect(row.gflops).toBe('–');
      expect(row.text).toContain('fixed rule: tuning is turned off');
    }
    // Nothing was timed, so nothing new was stored.
    expect(await storedTunings(off)).toEqual(before);
    await off.close();

    // Turned off on a running, tuned network: the same weights and step go on under the rule.
    const page = await openPlayground(fixture, `/${configToHash(layeredConfig(true))}`);
    await waitForStatus(page, 'from the link', 120_000);
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 25);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused after');
    const running = await snapshot(page);
    await clickByName(page, 'Tune the GPU products');
    await waitForStatus(page, 'GPU tuning turned off');
    const turnedOff = await productsView(page);
    expect(turnedOff.tuneGpu).toBe(false);
    expect(turnedOff.rows.every((row) => row.source === 'rule' && row.variant === 'registers')).toBe(true);
    const after = await snapshot(page);
    expect(after.step).toBe(running.step);
    expect(after.parameters).toEqual(running.parameters);
    expect(configFromHash(await page.evaluate(() => location.hash)).config.run.tuneGpu).toBe(false);
    await page.close();
  });

  test('a small network runs one fused kernel a step, and the panel says there is nothing to tune', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    const view = await productsView(page);
    expect(view.rows).toEqual([]);
    expect(view.note).toMatch(/^One fused kernel runs the whole step, so there are no separate products to tune: .*multiply-adds per step/);
    await page.close();
  });
});

