/**
 * The page without WebGPU trains on the float32 WebAssembly path: in a cross-origin isolated page
 * (the dev server's COOP/COEP headers) its products are split across navigator.hardwareConcurrency
 * Web Workers and the banner says how many; served without those headers, it trains in one Web
 * Worker and the banner says why. The loss switch works on both.
 */
import type { HTTPRequest, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

/** The headers that make a page cross-origin isolated, in the lower case HTTP/1.1 responses carry. */
const ISOLATION_HEADERS = ['cross-origin-opener-policy', 'cross-origin-embedder-policy'];

/** Answers the page's own document without the isolation headers, as a host that does not send them would; everything else passes. */
async function withoutIsolation(request: HTTPRequest): Promise<void> {
  if (!(request.isNavigationRequest() && request.resourceType() === 'document')) {
    await request.continue();
    return;
  }
  const response = await fetch(request.url());
  // fetch has decoded the body, so its encoding and length no longer apply.
  const dropped = new Set([...ISOLATION_HEADERS, 'content-encoding', 'content-length']);
  const headers = Object.fromEntries([...response.headers.entries()].filter(([name]) => !dropped.has(name)));
  await request.respond({ status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) });
}

/** Opens the playground with WebGPU hidden, as in a browser without it; `isolated: false` strips the isolation headers. */
async function openWithoutWebGpu(isolated: boolean): Promise<Page> {
  const page = await fixture.browser.newPage();
  page.on('pageerror', (error) => console.log(`[page error] ${String(error)}`));
  if (!isolated) {
    await page.setRequestInterception(true);
    page.on('request', (request) => void withoutIsolation(request));
  }
  await page.evaluateOnNewDocument(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto(`${fixture.baseUrl}/`, { waitUntil: 'load' });
  await waitForStatus(page, 'press Play');
  return page;
}

function playgroundText(selector: string): string {
  return document.querySelector('mlp-playground')?.shadowRoot?.querySelector(selector)?.textContent ?? '';
}

function adapterText(): string {
  const stats = document.querySelector('mlp-playground')?.shadowRoot?.querySelector('run-stats');
  return stats?.shadowRoot?.querySelector('[data-testid=adapter]')?.textContent ?? '';
}

/** Plays until 30 steps are recorded, switches to cross-entropy, plays 30 more: the switch is kept and the run goes on. */
async function trainAcrossALossSwitch(page: Page): Promise<void> {
  const start = await snapshot(page);
  await clickByName(page, 'Play');
  await waitForRecordedSteps(page, 30);
  const before = await snapshot(page);
  expect(before.backend).toBe('wasm');
  expect(before.parameters).not.toEqual(start.parameters);
  await clickByName(page, 'Cross-entropy');
  const atSwitch = await snapshot(page);
  await waitForRecordedSteps(page, atSwitch.step + 30);
  const after = await snapshot(page);
  expect(after.loss).toBe('cross_entropy');
  expect(after.step).toBeGreaterThan(before.step);
  expect(after.switches.map((s) => s.loss)).toEqual(['cross_entropy']);
  expect(await statusText(page)).toContain('Loss switched to Cross-entropy');
  expect(after.lastRecorded?.losses.mse).toBeGreaterThan(0);
  await clickByName(page, 'Pause');
}

describe('without WebGPU', () => {
  test('a cross-origin isolated page trains on the WebAssembly path in hardwareConcurrency workers, loss switch included', async () => {
    const page = await openWithoutWebGpu(true);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const workers = await page.evaluate(() => navigator.hardwareConcurrency);
    const inWorkers = workers === 1 ? 'one Web Worker' : `${workers} Web Workers`;
    const banner = await page.evaluate(playgroundText, '.banner');
    expect(banner).toContain('no WebGPU');
    expect(banner).toContain(`on the CPU in ${inWorkers}: float32 WebAssembly SIMD`);
    expect(banner).not.toContain('not cross-origin isolated');
    expect(await page.evaluate(adapterText)).toBe(`CPU (float32 WebAssembly SIMD, in ${inWorkers})`);
    await trainAcrossALossSwitch(page);
    await page.close();
  });

  test('without the isolation headers it trains in one worker, and the banner says why and what the host must send', async () => {
    const page = await openWithoutWebGpu(false);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    const banner = await page.evaluate(playgroundText, '.banner');
    expect(banner).toContain('on the CPU in one Web Worker: float32 WebAssembly SIMD');
    expect(banner).toContain('It runs in one Web Worker because the page is not cross-origin isolated');
    expect(banner).toContain('Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp');
    expect(await page.evaluate(adapterText)).toBe('CPU (float32 WebAssembly SIMD, in one Web Worker)');
    await trainAcrossALossSwitch(page);
    await page.close();
  });
});
