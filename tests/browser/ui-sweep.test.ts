/**
 * The Sweep view in headless Chromium: switched to from the header by keyboard, with its setup in
 * the address; a small sweep fills both heatmaps; a cell opens its run in the main view from the
 * same initial weights and batches; every class of bad input is refused with its field named while
 * the running sweep goes on untouched; a link carrying a sweep opens it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { initParameters } from '../../src/model/init';
import type { LossName } from '../../src/model/losses';
import type { NetworkSpec } from '../../src/model/spec';
import { defaultSweepSetup, type SweepSetup } from '../../src/model/sweep';
import { compareTensors } from '../../src/train/tensor-bounds';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, setInput, snapshot, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;
let page: Page;

beforeAll(async () => {
  fixture = await startBrowserFixture();
  page = await openPlayground(fixture, '/');
  await page.setViewport({ width: 1400, height: 1000 });
  await waitForStatus(page, 'press Play');
});

afterAll(async () => {
  await fixture?.close();
});

/** What the Sweep view shows, read through its shadow root. */
interface SweepViewState {
  hidden: boolean;
  mainHidden: boolean;
  status: string;
  progress: string;
  /** Text of every cell of each map, by data-loss. */
  maps: Record<string, string[]>;
  /** Every problem shown, by field. */
  problems: Record<string, string>;
  notice: string | null;
}

function viewState(target: Page = page): Promise<SweepViewState> {
  return target.evaluate(() => {
    const root = document.querySelector('mlp-playground')!.shadowRoot!;
    const view = root.querySelector('sweep-view')!;
    const shadow = view.shadowRoot!;
    const maps: Record<string, string[]> = {};
    for (const map of shadow.querySelectorAll('sweep-heatmap')) {
      maps[map.getAttribute('data-loss')!] = [...map.shadowRoot!.querySelectorAll('[data-cell]')].map((cell) => (cell.textContent ?? '').trim());
    }
    const problems: Record<string, string> = {};
    for (const p of shadow.querySelectorAll('.problem')) problems[p.getAttribute('data-field')!] = (p.textContent ?? '').trim();
    return {
      hidden: (view as HTMLElement).hidden,
      mainHidden: (root.querySelector('.layout')!.parentElement as HTMLElement).hidden,
      status: shadow.querySelector('[data-testid=sweep-status]')?.textContent?.trim() ?? '',
      progress: shadow.querySelector('[data-testid=sweep-progress]')?.textContent?.trim() ?? '',
      maps,
      problems,
      notice: shadow.querySelector('.notice')?.textContent?.trim() ?? null,
    };
  });
}

function debugRun(cell: number, loss: LossName): Promise<{ spec: NetworkSpec; firstMse: number; stepsDone: number } | null> {
  return page.evaluate(
    (c, l) => (document.querySelector('mlp-playground')!.shadowRoot!.querySelector('sweep-view') as unknown as { debugRun(cell: number, seed: number, loss: string): never }).debugRun(c, 0, l),
    cell,
    loss,
  );
}

async function waitForSweepStatus(text: string, timeout = 180_000): Promise<void> {
  await page.waitForFunction(
    (wanted: string) =>
      document.querySelector('mlp-playground')!.shadowRoot!.querySelector('sweep-view')!.shadowRoot!.querySelector('[data-testid=sweep-status]')?.textContent?.includes(wanted) ?? false,
    { polling: 200, timeout },
    text,
  );
}

/** The sweep setup the address carries, or null. */
function addressSweep(): Promise<SweepSetup | null> {
  return page.evaluate(() => {
    const text = new URLSearchParams(location.search).get('sweep');
    return text === null ? null : (JSON.parse(text) as SweepSetup);
  });
}

/** Chooses `value` in the sweep form's select named `name`. */
async function choose(name: string, value: string): Promise<void> {
  const select = await page.waitForSelector(`::-p-aria(${name})`);
  await select!.select(value);
}

/** Replica-steps done, from the progress line. */
async function stepsDone(): Promise<number> {
  return Number((await viewState()).progress.split(' of ')[0].replace(/,/g, ''));
}

describe('the Sweep view', () => {
  test('opens from the header by keyboard, and the address carries the sweep while it shows', async () => {
    expect((await viewState()).hidden).toBe(true);
    const tab = await page.waitForSelector('::-p-aria(Sweep)');
    await tab!.focus();
    await page.keyboard.press('Enter');
    const state = await viewState();
    expect([state.hidden, state.mainHidden]).toEqual([false, true]);
    expect(await addressSweep()).toEqual(defaultSweepSetup());
    expect(await page.evaluate(() => location.hash)).toContain('spec=');
  });

  test('a 3 × 3 sweep of 50 steps fills both heatmaps and their difference', async () => {
    await setInput(page, 'X axis from', '1');
    await setInput(page, 'X axis to', '8');
    await setInput(page, 'X axis values', '3');
    await setInput(page, 'Steps per run', '50');
    await clickByName(page, 'Start sweep');
    await waitForSweepStatus('Sweep finished');
    const state = await viewState();
    expect(state.progress).toBe('900 of 900 run-steps');
    for (const measure of ['Final batch MSE', 'Steps to the threshold', 'Stalled']) {
      await clickByName(page, measure);
      const { maps } = await viewState();
      for (const map of ['mse', 'cross_entropy', 'difference']) {
        expect(maps[map], `${measure}, ${map}`).toHaveLength(9);
        expect(maps[map].every((text) => text !== ''), `${measure}, ${map}: ${maps[map].join(' | ')}`).toBe(true);
      }
    }
    expect(await addressSweep()).toEqual({ ...defaultSweepSetup(), x: { setting: 'initScale', from: 1, to: 8, count: 3 }, steps: 50 });
  });

  test('a cell opened by keyboard loads its run in the main view, with the same initial weights and first batch', async () => {
    const run = await debugRun(4, 'cross_entropy');
    expect(run?.stepsDone).toBe(50);
    // Into the cross-entropy map's one tab stop (cell 0), then right and down to cell 4 (middle of 3 × 3), Enter.
    await page.evaluate(() => {
      const view = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('sweep-view')!.shadowRoot!;
      (view.querySelector('sweep-heatmap[data-loss=cross_entropy]')!.shadowRoot!.querySelector('button[tabindex="0"]') as HTMLElement).focus();
    });
    for (const key of ['ArrowRight', 'ArrowDown', 'Enter'] as const) await page.keyboard.press(key);
    await waitForStatus(page, "Opened the sweep's run");
    const state = await viewState();
    expect([state.hidden, state.mainHidden]).toEqual([true, false]);
    expect(await addressSweep()).toBeNull();
    const opened = await snapshot(page);
    expect([opened.step, opened.loss]).toEqual([0, 'cross_entropy']);
    expect(opened.parameters).toEqual(Array.from(initParameters(run!.spec)));
    await clickByName(page, 'Step');
    await waitForRecordedSteps(page, 1);
    const stepped = await snapshot(page);
    // The same weights on the same first batch: the same batch MSE as the sweep's replica measured.
    const comparison = compareTensors('loss', 'batch MSE of step 0, main view vs sweep', [stepped.lastRecorded!.losses.mse], [run!.firstMse]);
    expect(comparison.message).toBe('');
  });

  test('bad input is refused with its field named, and the running sweep goes on untouched', async () => {
    await clickByName(page, 'Sweep');
    await setInput(page, 'Steps per run', '100000');
    await clickByName(page, 'Start sweep');
    await waitForSweepStatus('Sweep started');
    const running = await debugRun(0, 'mse');
    const cases: { edits: [string, string][]; field: string; says: string; undo: [string, string][] }[] = [
      { edits: [['X axis to', '1']], field: 'x.to', says: 'is empty but 3 values were asked for', undo: [['X axis to', '8']] },
      { edits: [['X axis from', '16']], field: 'x.to', says: 'The range is inverted', undo: [['X axis from', '1']] },
      { edits: [['X axis values', '64'], ['Y axis values', '32']], field: 'y.count', says: '64 × 32 = 2048 cells is too many', undo: [['X axis values', '3'], ['Y axis values', '3']] },
      { edits: [['X axis from', 'abc']], field: 'x.from', says: 'Expected a number, got "abc".', undo: [['X axis from', '1']] },
      { edits: [['Y axis to', '']], field: 'y.to', says: 'Expected a number, got "".', undo: [['Y axis to', '1']] },
      { edits: [['Seeds per cell', '1000']], field: 'seedsPerCell', says: 'over the limit of 16384', undo: [['Seeds per cell', '1']] },
    ];
    for (const { edits, field, says, undo } of cases) {
      const before = await stepsDone();
      for (const [name, value] of edits) await setInput(page, name, value);
      await clickByName(page, 'Start sweep');
      await waitForSweepStatus('Not started');
      const state = await viewState();
      expect(state.problems[field], `${field}: ${JSON.stringify(state.problems)}`).toContain(says);
      expect(state.status).toContain('The running sweep goes on unchanged.');
      expect(await debugRun(0, 'mse')).toMatchObject({ spec: running!.spec });
      await page.waitForFunction((at: number) => {
        const text = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('sweep-view')!.shadowRoot!.querySelector('[data-testid=sweep-progress]')!.textContent!;
        return Number(text.split(' of ')[0].replace(/,/g, '')) > at;
      }, { timeout: 60_000 }, before);
      for (const [name, value] of undo) await setInput(page, name, value);
    }
    // A network too large for the replica step: refused by the engine's limit, under the axis that made it so.
    await choose('Y axis setting', 'hiddenWidth');
    await setInput(page, 'Y axis from', '8');
    await setInput(page, 'Y axis to', '512');
    await clickByName(page, 'Start sweep');
    await waitForSweepStatus('Not started');
    const state = await viewState();
    expect(state.problems['y.to']).toContain('multiply-adds per replica');
    expect(state.problems['y.to']).toContain('up to 131072');
    expect(await debugRun(0, 'mse')).toMatchObject({ spec: running!.spec });
    await clickByName(page, 'Reset');
    await waitForSweepStatus('Sweep reset');
    expect(await debugRun(0, 'mse')).toBeNull();
  });

  test('a link carrying a sweep opens the Sweep view with it; a bad one is named and the defaults stand in', async () => {
    const setup: SweepSetup = { x: { setting: 'seed', from: 1, to: 4, count: 4 }, y: { setting: 'initScale', from: 2, to: 8, count: 2 }, steps: 40, seedsPerCell: 2, threshold: 0.05 };
    const linked = await fixture.browser.newPage();
    await linked.goto(`${fixture.baseUrl}/?sweep=${encodeURIComponent(JSON.stringify(setup))}`, { waitUntil: 'load' });
    await linked.waitForFunction(() => document.querySelector('mlp-playground')?.shadowRoot?.querySelector('sweep-view')?.shadowRoot?.querySelector('input') != null, { timeout: 30_000 });
    expect((await viewState(linked)).hidden).toBe(false);
    const values = await linked.evaluate(() =>
      [...document.querySelector('mlp-playground')!.shadowRoot!.querySelector('sweep-view')!.shadowRoot!.querySelectorAll('input[type=text]')].map((input) => (input as HTMLInputElement).value),
    );
    expect(values).toEqual(['1', '4', '4', '2', '8', '2', '40', '2', '0.05']);
    await linked.goto(`${fixture.baseUrl}/?sweep=${encodeURIComponent(JSON.stringify({ ...setup, steps: -3 }))}`, { waitUntil: 'load' });
    await linked.waitForFunction(() => document.querySelector('mlp-playground')?.shadowRoot?.querySelector('sweep-view')?.shadowRoot?.querySelector('.notice') != null, { timeout: 30_000 });
    expect((await viewState(linked)).notice).toContain('steps: The steps per run must be a whole number');
    await linked.close();
  });
});
