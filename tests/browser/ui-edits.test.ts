/**
 * Edits made while the network trains:
 * - choosing "CSV file…" shows a file control that stays in the page, the same element, however
 *   many frames the run draws, so its file picker stays open and the file chosen in it loads;
 * - a CSV file that is refused shows why, with its line and column, under the file control, while
 *   the running network keeps training;
 * - edits in quick succession (each before the one before it is applied) leave Play as it was:
 *   playing when it played, paused when the user paused meanwhile.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ElementHandle, Page } from 'puppeteer';
import { buildDataset } from '../../src/data/source';
import { parameterLayout } from '../../src/model/layout';
import { DEFAULT_SPEC } from '../../src/model/spec';
import { datasetErrorText, pageDatasetFiles, uploadedCsvSource } from '../../src/ui/page-datasets';
import { configFromHash } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, commitInQuickSuccession, openPlayground, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;
const csvDir = mkdtempSync(join(tmpdir(), 'playground-edits-'));

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/** Writes a CSV file for an upload and returns its path. */
function csvFile(name: string, content: string | Uint8Array): string {
  const path = join(csvDir, name);
  writeFileSync(path, content);
  return path;
}

function datasetSelect(page: Page): Promise<ElementHandle<HTMLSelectElement>> {
  return page.evaluateHandle(
    () => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('dataset-panel')!.shadowRoot!.querySelector('select')!,
  ) as unknown as Promise<ElementHandle<HTMLSelectElement>>;
}

function fileInput(page: Page): Promise<ElementHandle<HTMLInputElement>> {
  return page.evaluateHandle(
    () => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('dataset-panel')!.shadowRoot!.querySelector('input[type=file]')!,
  ) as unknown as Promise<ElementHandle<HTMLInputElement>>;
}

/** The problem the dataset panel shows under the file control; empty when none. */
function csvProblem(page: Page): Promise<string> {
  return page.evaluate(
    () => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('dataset-panel')!.shadowRoot!.querySelector('.problem[data-field="data.csv"]')?.textContent?.trim() ?? '',
  );
}

/** Waits until the session has taken `more` steps beyond where it is now: the run trains. */
async function expectTraining(page: Page, more = 20): Promise<void> {
  const from = (await snapshot(page)).step;
  await page.waitForFunction(
    async (wanted: number) => {
      const element = document.querySelector('mlp-playground') as unknown as { debugSnapshot(): Promise<{ step: number }> };
      return (await element.debugSnapshot()).step >= wanted;
    },
    { polling: 100, timeout: 60_000 },
    from + more,
  );
  expect(await page.$('::-p-aria(Pause)')).not.toBeNull();
}

function runningConfig(page: Page) {
  return page.evaluate(() => location.hash).then((hash) => configFromHash(hash).config);
}

describe('a CSV file chosen while training', () => {
  test('the file control stays the same element while the run draws frames, and the file chosen in its picker loads', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);

    const select = await datasetSelect(page);
    await select.select('csv');
    const input = await fileInput(page);
    const chooser = page.waitForFileChooser({ timeout: 10_000 });
    await input.click();
    const picker = await chooser;
    // Frames go by with the picker open: the run records steps and redraws the page each frame.
    const before = (await snapshot(page)).recordedSteps;
    await waitForRecordedSteps(page, before + 60);
    expect(await input.evaluate((element) => element.isConnected)).toBe(true);
    expect(await fileInput(page).then((current) => current.evaluate((element, first) => element === first, input))).toBe(true);
    expect(await select.evaluate((element) => element.value)).toBe('csv');

    const rows = Array.from({ length: 40 }, (_, i) => `${i % 5},${(i * 7) % 11},${i % 2}`);
    await picker.accept([csvFile('chosen-while-training.csv', ['x,y,label', ...rows].join('\n'))]);
    await waitForStatus(page, 'Loaded chosen-while-training.csv');
    // The link does not carry an uploaded file; the dataset panel names the one that runs.
    const summary = await page.evaluate(() => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('dataset-panel')!.shadowRoot!.textContent ?? '');
    expect(summary).toContain('chosen-while-training.csv: ');
    await expectTraining(page);
    await clickByName(page, 'Pause');
    await page.close();
  });

  test('a refused file shows why, with its line and column, under the file control; the running network keeps training', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    const running = await snapshot(page);

    const refused: { name: string; content: string | Uint8Array<ArrayBuffer>; placed: boolean }[] = [
      { name: 'ragged.csv', content: 'a,b,label\n1,2,0\n3,4,1\n5,1\n6,7,0\n', placed: true },
      { name: 'not-a-number.csv', content: 'a,b,label\n1,2,0\nnine,4,1\n5,6,1\n', placed: true },
      { name: 'open-quote.csv', content: 'a,b,label\n1,2,0\n"3,4,1\n5,6,1\n', placed: true },
      { name: 'latin1.csv', content: new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0x31, 0xff, 0x2c, 0x32, 0x0a]), placed: false },
      { name: 'empty.csv', content: '', placed: false },
    ];
    const select = await datasetSelect(page);
    for (const { name, content, placed } of refused) {
      // Each time over the synthetic dataset that runs, as a user trying one file after another would.
      await select.select('csv');
      // The page's own reading of the file, in Node: what the panel must show.
      const expected = await buildDataset(uploadedCsvSource(name), pageDatasetFiles(new Blob([content]))).then(
        () => 'accepted',
        (error: unknown) => datasetErrorText(error),
      );
      expect(expected, name).not.toBe('accepted');
      if (placed) expect(expected, name).toMatch(/^line \d+, column \d+: /);

      await (await fileInput(page)).uploadFile(csvFile(name, content));
      await waitForStatus(page, `The CSV file ${name} was not loaded`);
      expect(await csvProblem(page), name).toBe(expected);
      expect(await statusText(page), name).toContain('the reason is under the file control');
      expect(await statusText(page), name).toContain('The current network keeps running.');
      // The same network trains on.
      await expectTraining(page);
      expect((await snapshot(page)).parameters, name).toHaveLength(running.parameters.length);
      // Choosing the synthetic set again puts the page back where it was, the reason gone.
      await select.select('circle');
      await waitForStatus(page, 'New dataset');
      expect(await csvProblem(page), name).toBe('');
    }
    await clickByName(page, 'Pause');
    await page.close();
  });
});

describe('edits in quick succession', () => {
  let page: Page;

  beforeAll(async () => {
    page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
  });

  afterAll(async () => {
    await page?.close();
  });

  test('two new networks back to back: the last one trains', async () => {
    await commitInQuickSuccession(page, [
      { label: 'Hidden layer 1 width', value: '5' },
      { label: 'Hidden layer 2 width', value: '6' },
    ]);
    await waitForStatus(page, 'restarted from step 0');
    await expectTraining(page);
    const config = await runningConfig(page);
    expect(config.spec.widths).toEqual([2, 5, 6, 1]);
    expect((await snapshot(page)).parameters).toHaveLength(parameterLayout([2, 5, 6, 1]).totalParameters);
  });

  test('two learning rates back to back: the run goes on with the last one', async () => {
    const before = await snapshot(page);
    await commitInQuickSuccession(page, [
      { label: 'Learning rate', value: '0.02' },
      { label: 'Learning rate', value: '0.03' },
    ]);
    await waitForStatus(page, 'Applied Learning rate = 0.03');
    await expectTraining(page);
    expect((await runningConfig(page)).spec.optimizer.learningRate).toBe(0.03);
    // Not restarted: the history goes on from the steps before the edits.
    expect((await snapshot(page)).recordedSteps).toBeGreaterThan(before.recordedSteps);
  });

  test('a new network and a learning rate back to back: both apply and the run trains', async () => {
    await commitInQuickSuccession(page, [
      { label: 'Hidden layer 1 width', value: '7' },
      { label: 'Learning rate', value: '0.05' },
    ]);
    await page.waitForFunction(() => /restarted from step 0|Applied Learning rate/.test(document.querySelector('mlp-playground')!.shadowRoot!.querySelector('[data-testid=status]')!.textContent!), {
      polling: 100,
      timeout: 30_000,
    });
    await expectTraining(page);
    const config = await runningConfig(page);
    expect(config.spec.widths).toEqual([2, 7, 6, 1]);
    expect(config.spec.optimizer.learningRate).toBe(0.05);
  });

  test('a valid edit and then an invalid one: the running network keeps training', async () => {
    const running = await snapshot(page);
    await commitInQuickSuccession(page, [
      { label: 'Hidden layer 1 width', value: '4' },
      { label: 'Hidden layer 1 width', value: '0' },
    ]);
    await waitForStatus(page, 'Not applied');
    await expectTraining(page);
    expect((await snapshot(page)).parameters).toHaveLength(running.parameters.length);
    expect((await runningConfig(page)).spec.widths).toEqual([2, 7, 6, 1]);
    await commitInQuickSuccession(page, [{ label: 'Hidden layer 1 width', value: '7' }]);
    await waitForStatus(page, 'back to those of the running network');
  });

  test('a new dataset and a new width back to back: the new network on the new data trains', async () => {
    await commitInQuickSuccession(page, [
      { label: 'Data', value: 'xor' },
      { label: 'Hidden layer 2 width', value: '3' },
    ]);
    await page.waitForFunction(
      () => {
        const hash = decodeURIComponent(location.hash);
        return hash.includes('"kind":"xor"') && hash.includes('"widths":[2,7,3,1]');
      },
      { polling: 100, timeout: 30_000 },
    );
    await expectTraining(page);
  });

  test('an edit and Pause at once: the run ends paused, on the new network', async () => {
    await commitInQuickSuccession(page, [{ label: 'Hidden layer 1 width', value: String(DEFAULT_SPEC.widths[1]) }]);
    await clickByName(page, 'Pause');
    // Whatever moment the Pause came at (while the change was applied, or after), the run is paused once the change is done.
    await page.waitForFunction((width: number) => decodeURIComponent(location.hash).includes(`"widths":[2,${width},3,1]`), { polling: 100, timeout: 30_000 }, DEFAULT_SPEC.widths[1]);
    await page.waitForSelector('::-p-aria(Play)', { timeout: 10_000 });
    const paused = await snapshot(page);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await snapshot(page)).step).toBe(paused.step);
    expect(await page.$('::-p-aria(Play)')).not.toBeNull();
  });
});
