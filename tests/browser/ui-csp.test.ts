/**
 * The production page under its Content-Security-Policy: built with Vite into a temporary folder
 * and served by Vite's preview server, it must carry the policy in a meta tag and train (on WebGPU,
 * and on the CPU worker when WebGPU is hidden) without a single `securitypolicyviolation`; and the
 * styles the policy governs (the page's stylesheet, Lit's adopted stylesheets) must actually apply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer';
// @ts-expect-error: plain ES module shared with the Node scripts, no type declarations.
import { findBrowser, BROWSER_ARGS } from '../../scripts/find-browser.mjs';
import { defaultSweepSetup } from '../../src/model/sweep';
import { CONTENT_SECURITY_POLICY } from '../../vite.config';
import { clickByName, snapshot, waitForRecordedSteps, waitForStatus } from './ui-page';

const configFile = new URL('../../vite.config.ts', import.meta.url).pathname;

let outDir: string;
let server: PreviewServer;
let browser: Browser;
let baseUrl: string;

/** What the page reported as blocked: `securitypolicyviolation` events and CSP console errors. */
interface Violations {
  events: { directive: string; blocked: string; source: string }[];
  consoleErrors: string[];
}

declare global {
  interface Window {
    /** securitypolicyviolation events of this page, recorded from before its first script ran. */
    cspViolations?: Violations['events'];
  }
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'mlp-csp-'));
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the Vite preview server did not report a port');
  baseUrl = `http://127.0.0.1:${address.port}`;
  const executablePath = findBrowser() as string | null;
  if (!executablePath) throw new Error('no Chrome or Chromium found: run `node scripts/ensure-browser.mjs`');
  browser = await puppeteer.launch({ executablePath, headless: true, args: BROWSER_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Opens the built page with violation recording installed before any of its scripts runs. */
async function openBuiltPage(options: { hideWebGpu: boolean; query?: string }): Promise<{ page: Page; consoleErrors: string[] }> {
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.evaluateOnNewDocument((hideWebGpu: boolean) => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations!.push({ directive: event.effectiveDirective, blocked: event.blockedURI, source: `${event.sourceFile}:${event.lineNumber}` });
    });
    if (hideWebGpu) Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  }, options.hideWebGpu);
  await page.goto(`${baseUrl}/${options.query ?? ''}`, { waitUntil: 'load' });
  return { page, consoleErrors };
}

async function violations(page: Page, consoleErrors: string[]): Promise<Violations> {
  return {
    events: await page.evaluate(() => window.cspViolations ?? []),
    consoleErrors: consoleErrors.filter((text) => /Content Security Policy/i.test(text)),
  };
}

describe('production build under its Content-Security-Policy', () => {
  test('the built page carries the policy, trains on WebGPU, and nothing is blocked', async () => {
    const { page, consoleErrors } = await openBuiltPage({ hideWebGpu: false });
    const policy = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null);
    expect(policy).toBe(CONTENT_SECURITY_POLICY);

    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    expect((await snapshot(page)).step).toBeGreaterThanOrEqual(20);

    // Blocked styles raise violations, but also check that each kind the policy governs took effect.
    const applied = await page.evaluate(() => {
      const root = document.querySelector('mlp-playground')!.shadowRoot!;
      const saturation = root.querySelector('saturation-panel')!.shadowRoot!;
      return {
        // src/page.css, a stylesheet file (the browser default is 8px).
        bodyMargin: getComputedStyle(document.body).marginTop,
        // Lit's static styles, adopted as constructed stylesheets.
        adoptedSheets: root.adoptedStyleSheets.length,
        statusBorder: getComputedStyle(root.querySelector('[data-testid=status]')!).borderTopStyle,
        // The swatches' colours come from classes since style attributes are blocked.
        swatch: getComputedStyle(saturation.querySelector('.swatch.mse')!).backgroundColor,
        // uPlot's stylesheet, adopted by the curves panel: it positions the plot's overlay absolutely.
        uPlotOverlay: getComputedStyle(root.querySelector('curves-panel')!.shadowRoot!.querySelector('.u-over')!).position,
      };
    });
    expect(applied.bodyMargin).toBe('0px');
    expect(applied.adoptedSheets).toBeGreaterThan(0);
    expect(applied.statusBorder).toBe('solid');
    expect(applied.swatch).not.toBe('rgba(0, 0, 0, 0)');
    expect(applied.uPlotOverlay).toBe('absolute');

    expect(await violations(page, consoleErrors)).toEqual({ events: [], consoleErrors: [] });
    await page.close();
  });

  test('without WebGPU the CPU worker starts and trains under the policy', async () => {
    const { page, consoleErrors } = await openBuiltPage({ hideWebGpu: true });
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    await clickByName(page, 'Pause');
    expect(await violations(page, consoleErrors)).toEqual({ events: [], consoleErrors: [] });
    await page.close();
  });

  test('the Sweep view fills its heatmaps under the policy, their colours applied', async () => {
    const setup = { ...defaultSweepSetup(), x: { setting: 'initScale', from: 1, to: 8, count: 2 }, y: { setting: 'learningRate', from: 0.1, to: 1, count: 2 }, steps: 20 };
    const { page, consoleErrors } = await openBuiltPage({ hideWebGpu: false, query: `?sweep=${encodeURIComponent(JSON.stringify(setup))}` });
    const sweepRoot = 'document.querySelector("mlp-playground").shadowRoot.querySelector("sweep-view").shadowRoot';
    await page.waitForFunction(`${sweepRoot}?.querySelector("input") != null`, { timeout: 60_000 });
    // The sweep trains the main view's network: it starts once that network is built.
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Start sweep');
    await page.waitForFunction(`${sweepRoot}.querySelector("[data-testid=sweep-status]")?.textContent?.includes("Sweep finished")`, { timeout: 180_000 });
    const colours = await page.evaluate(() => {
      const view = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('sweep-view')!.shadowRoot!;
      const map = view.querySelector('sweep-heatmap')!.shadowRoot!;
      return {
        cells: [...map.querySelectorAll('[data-cell]')].map((cell) => getComputedStyle(cell).backgroundColor),
        columns: getComputedStyle(map.querySelector('.grid')!).gridTemplateColumns.split(' ').length,
        bar: getComputedStyle(view.querySelector('.scale .bar')!).backgroundImage,
      };
    });
    expect(colours.cells).toHaveLength(4);
    for (const colour of colours.cells) expect(colour).not.toBe('rgba(0, 0, 0, 0)');
    // A row-head column and one per x value: the grid's inline column template applied.
    expect(colours.columns).toBe(3);
    expect(colours.bar).toContain('linear-gradient');
    expect(await violations(page, consoleErrors)).toEqual({ events: [], consoleErrors: [] });
    await page.close();
  });
});
