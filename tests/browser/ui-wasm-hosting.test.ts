/**
 * The production build as a host would serve it, with the Content-Security-Policy sent as a header
 * (so it governs the workers too, which a meta tag does not) and the cross-origin isolation
 * headers. Without WebGPU the page trains on the WebAssembly path in navigator.hardwareConcurrency
 * workers under that policy; a policy without 'wasm-unsafe-eval' refuses the kernels, and the page
 * says so and trains on the float64 worker instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer';
// @ts-expect-error: plain ES module shared with the Node scripts, no type declarations.
import { findBrowser, BROWSER_ARGS } from '../../scripts/find-browser.mjs';
import { CONTENT_SECURITY_POLICY, CROSS_ORIGIN_ISOLATION_HEADERS } from '../../vite.config';
import { clickByName, snapshot, waitForRecordedSteps, waitForStatus } from './ui-page';

const configFile = new URL('../../vite.config.ts', import.meta.url).pathname;

let outDir: string;
let browser: Browser;
const servers: PreviewServer[] = [];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'mlp-hosting-'));
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const executablePath = findBrowser() as string | null;
  if (!executablePath) throw new Error('no Chrome or Chromium found: run `node scripts/ensure-browser.mjs`');
  browser = await puppeteer.launch({ executablePath, headless: true, args: BROWSER_ARGS });
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Serves the build with the isolation headers and `policy` as a Content-Security-Policy header; returns its base URL. */
async function serveWithPolicy(policy: string): Promise<string> {
  const server = await preview({
    configFile,
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS, 'Content-Security-Policy': policy } },
  });
  servers.push(server);
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the Vite preview server did not report a port');
  return `http://127.0.0.1:${address.port}`;
}

/** Opens the page with WebGPU hidden; collects what the console reports as blocked by the policy. */
async function openWithoutWebGpu(baseUrl: string): Promise<{ page: Page; blocked: string[] }> {
  const page = await browser.newPage();
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) blocked.push(message.text());
  });
  await page.evaluateOnNewDocument(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
  await waitForStatus(page, 'press Play');
  return { page, blocked };
}

function bannerText(): string {
  return document.querySelector('mlp-playground')?.shadowRoot?.querySelector('.banner')?.textContent ?? '';
}

async function trainTwentySteps(page: Page): Promise<void> {
  await clickByName(page, 'Play');
  await waitForRecordedSteps(page, 20);
  await clickByName(page, 'Pause');
}

describe('the production build behind a host that sends the policy as a header', () => {
  test('trains on the WebAssembly path in hardwareConcurrency workers, nothing blocked', async () => {
    const { page, blocked } = await openWithoutWebGpu(await serveWithPolicy(CONTENT_SECURITY_POLICY));
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const workers = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.evaluate(bannerText)).toContain(`on the CPU in ${workers === 1 ? 'one Web Worker' : `${workers} Web Workers`}: float32 WebAssembly SIMD`);
    await trainTwentySteps(page);
    expect((await snapshot(page)).backend).toBe('wasm');
    expect(blocked).toEqual([]);
    await page.close();
  });

  test("without 'wasm-unsafe-eval' the kernels are refused, and the page says so and trains on the float64 worker", async () => {
    const withoutWasm = CONTENT_SECURITY_POLICY.replace(" 'wasm-unsafe-eval'", '');
    expect(withoutWasm).not.toBe(CONTENT_SECURITY_POLICY);
    const { page } = await openWithoutWebGpu(await serveWithPolicy(withoutWasm));
    const banner = await page.evaluate(bannerText);
    expect(banner).toContain('the WebAssembly path could not start');
    expect(banner).toContain('trains on the CPU in a Web Worker: the same maths in float64');
    await trainTwentySteps(page);
    expect((await snapshot(page)).backend).toBe('cpu');
    await page.close();
  });
});
