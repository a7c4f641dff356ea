/**
 * Settings that need a new network reset the run and say so; invalid settings show the validator's
 * message next to their control while the old network keeps training; the URL carries the setup.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer';
import { DEFAULT_SPEC, cloneSpec } from '../../src/model/spec';
import { parameterLayout } from '../../src/model/layout';
import { validate } from '../../src/model/validate';
import { configFromHash, configToHash, defaultConfig, type PlaygroundConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, setInput, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

function pageHash(page: Page): Promise<string> {
  return page.evaluate(() => location.hash);
}

function shadowText(page: Page, selector: string): Promise<string> {
  return page.evaluate((s: string) => {
    // Panels are one shadow root below the playground's.
    const root = document.querySelector('mlp-playground')!.shadowRoot!;
    const direct = root.querySelector(s);
    if (direct) return direct.textContent ?? '';
    for (const panel of root.querySelectorAll('*')) {
      const found = panel.shadowRoot?.querySelector(s);
      if (found) return found.textContent ?? '';
    }
    return '';
  }, selector);
}

describe('settings that need a new network', () => {
  let page: Page;

  beforeAll(async () => {
    page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
  });

  test('a new width resets the run and the status line says so', async () => {
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    const before = await snapshot(page);

    await setInput(page, 'Hidden layer 1 width', '5');
    await waitForStatus(page, 'restarted from step 0');
    expect(await statusText(page)).toContain('layer widths');

    const widths = [2, 5, ...DEFAULT_SPEC.widths.slice(2)];
    const after = await snapshot(page);
    expect(after.parameters).toHaveLength(parameterLayout(widths).totalParameters);
    expect(after.recordedSteps).toBeLessThan(before.recordedSteps);
    expect(configFromHash(await pageHash(page)).config.spec.widths).toEqual(widths);
    // Still playing after the reset: the new network trains.
    await waitForRecordedSteps(page, 10);
  });

  test('an invalid width shows the validator message by the control; the old network keeps running', async () => {
    const running = await snapshot(page);
    await setInput(page, 'Hidden layer 1 width', '0');
    await waitForStatus(page, 'Not applied');

    const invalid = cloneSpec(DEFAULT_SPEC);
    invalid.widths[1] = 0;
    const expected = validate(invalid).find((p) => p.field === 'widths[1]');
    expect(expected).toBeDefined();
    expect(await shadowText(page, '.problem[data-field="widths[1]"]')).toContain(expected!.message);

    await waitForRecordedSteps(page, running.recordedSteps + 20);
    const later = await snapshot(page);
    expect(later.parameters).toHaveLength(running.parameters.length);
    expect(later.step).toBeGreaterThan(running.step);
    await clickByName(page, 'Pause');
  });

  test('undoing the invalid edit keeps the running network', async () => {
    const running = await snapshot(page);
    await setInput(page, 'Hidden layer 1 width', '5');
    await waitForStatus(page, 'back to those of the running network');
    expect((await snapshot(page)).parameters).toEqual(running.parameters);
  });

  test('a new dataset resets the run with a network sized for it; so does a CSV file', async () => {
    const select = (await page.evaluateHandle(
      () => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('dataset-panel')!.shadowRoot!.querySelector('select')!,
    )) as unknown as ElementHandle<HTMLSelectElement>;
    await select.select('blobs');
    await waitForStatus(page, 'New dataset');
    const blobs = configFromHash(await pageHash(page)).config;
    expect(blobs.data).toMatchObject({ source: 'synthetic', kind: 'blobs' });
    const classes = blobs.data.source === 'synthetic' ? blobs.data.classes : 0;
    expect(classes).toBeGreaterThan(2);
    expect(blobs.spec.widths).toEqual([2, 5, 8, classes]);
    expect(blobs.spec.outputActivation).toBe('softmax');
    expect((await snapshot(page)).parameters).toHaveLength(parameterLayout(blobs.spec.widths).totalParameters);

    // Three features and a label column with three classes: a 3-input, 3-output softmax network.
    const dir = mkdtempSync(join(tmpdir(), 'playground-csv-'));
    const file = join(dir, 'three-classes.csv');
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 7},${(i * 3) % 5},${i / 10},${['red', 'green', 'blue'][i % 3]}`);
    writeFileSync(file, ['a,b,c,colour', ...rows].join('\n'));
    await select.select('csv');
    const fileInput = (await page.evaluateHandle(
      () => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('dataset-panel')!.shadowRoot!.querySelector('input[type=file]')!,
    )) as unknown as ElementHandle<HTMLInputElement>;
    await fileInput.uploadFile(file);
    await waitForStatus(page, 'Loaded three-classes.csv');
    const csvRun = await snapshot(page);
    expect(csvRun.parameters).toHaveLength(parameterLayout([3, 5, 8, 3]).totalParameters);
    expect(csvRun.recordedSteps).toBe(0);
  });
});

describe('the URL carries the configuration', () => {
  test('a link restores spec and dataset', async () => {
    const config: PlaygroundConfig = defaultConfig();
    config.spec.widths = [2, 6, 1];
    config.spec.hiddenActivations = ['relu'];
    config.spec.optimizer.learningRate = 0.125;
    config.spec.seed = 7;
    config.data = { source: 'synthetic', kind: 'xor', samples: 300, noise: 0.05, classes: 2, seed: 3 };
    const hash = configToHash(config);
    const page = await openPlayground(fixture, `/${hash}`);
    await waitForStatus(page, 'from the link');

    expect(configFromHash(await pageHash(page)).config).toEqual(config);
    const shown = await snapshot(page);
    expect(shown.parameters).toHaveLength(parameterLayout(config.spec.widths).totalParameters);
    expect(await shadowText(page, '[data-testid=parameter-count]')).toBe(String(parameterLayout(config.spec.widths).totalParameters));
    expect(await page.$('::-p-aria(Hidden layer 2 width)')).toBeNull();
    const learningRate = await page.$eval('::-p-aria(Learning rate)', (input) => (input as HTMLInputElement).value);
    expect(Number(learningRate)).toBe(0.125);
    expect(await shadowText(page, '[data-testid=url-notice]')).toBe('');
    await page.close();
  });

  test('an invalid link falls back to defaults with a visible notice naming the problem', async () => {
    const bad = `#spec=${encodeURIComponent(JSON.stringify({ ...DEFAULT_SPEC, widths: [2, -3, 1], hiddenActivations: ['tanh'] }))}`;
    const page = await openPlayground(fixture, `/${bad}`);
    await waitForStatus(page, 'defaults');

    const notice = await shadowText(page, '[data-testid=url-notice]');
    const problems = configFromHash(bad).problems;
    expect(problems.map((p) => p.field)).toContain('spec.widths[1]');
    for (const problem of problems) {
      expect(notice).toContain(problem.field);
      expect(notice).toContain(problem.message);
    }
    expect(configFromHash(await pageHash(page)).config).toEqual(defaultConfig());
    const visible = await page.$eval('::-p-aria(Play)', (button) => (button as HTMLButtonElement).disabled);
    expect(visible).toBe(false);
    await page.close();
  });
});

describe('share and keep', () => {
  /** Waits for a finished download in `dir` whose name matches `pattern`, and returns its text. */
  async function downloaded(dir: string, pattern: RegExp): Promise<string> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const name = readdirSync(dir).find((file) => pattern.test(file));
      if (name) return readFileSync(join(dir, name), 'utf8');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no download matching ${pattern} in ${dir}: ${readdirSync(dir).join(', ')}`);
  }

  test('the curves export as CSV and the run as JSON with the weights the session holds', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    const dir = mkdtempSync(join(tmpdir(), 'playground-export-'));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    await clickByName(page, 'Pause');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const state = await snapshot(page);

    await clickByName(page, 'Export curves CSV');
    const lines = (await downloaded(dir, /\.csv$/)).trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 4)).toEqual(['step', 'active_loss', 'mse', 'cross_entropy']);
    expect(lines).toHaveLength(state.recordedSteps + 1);
    expect(lines.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(Array.from({ length: state.recordedSteps }, (_, i) => i));

    await clickByName(page, 'Export JSON (config, weights, metrics)');
    const run = JSON.parse(await downloaded(dir, /\.json$/)) as {
      config: PlaygroundConfig;
      snapshot: { step: number; parameters: number[] };
      metrics: { step: number[] };
    };
    expect(run.config).toEqual(configFromHash(await pageHash(page)).config);
    expect(run.snapshot.step).toBe(state.step);
    expect(run.snapshot.parameters).toEqual(state.parameters);
    expect(run.metrics.step).toHaveLength(state.recordedSteps);
    await page.close();
  });
});
