/**
 * Shared setup for the browser tests: a Vite dev server on 127.0.0.1 (WebGPU needs a secure
 * context, which localhost is) and a headless Chromium driven by Puppeteer.
 */
import { createServer, type ViteDevServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer';
// @ts-expect-error: plain ES module shared with the Node scripts, no type declarations.
import { findBrowser, BROWSER_ARGS } from '../../scripts/find-browser.mjs';

export interface BrowserFixture {
  server: ViteDevServer;
  browser: Browser;
  /** Base URL of the dev server, e.g. http://127.0.0.1:5174 */
  baseUrl: string;
  close(): Promise<void>;
}

export async function startBrowserFixture(): Promise<BrowserFixture> {
  const server = await createServer({
    configFile: new URL('../../vite.config.ts', import.meta.url).pathname,
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    logLevel: 'error',
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite dev server did not report a port');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const executablePath = findBrowser() as string | null;
  if (!executablePath) throw new Error('no Chrome or Chromium found: run `node scripts/ensure-browser.mjs`');
  const browser = await puppeteer.launch({ executablePath, headless: true, args: BROWSER_ARGS });
  return {
    server,
    browser,
    baseUrl,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Opens a page and forwards its console errors to the test output (they are often the only clue). */
export async function openPage(fixture: BrowserFixture, path: string): Promise<Page> {
  const page = await fixture.browser.newPage();
  page.on('console', (message) => {
    // The dev server serves Lit's development build, which says so on every page: not a clue.
    if (message.text().startsWith('Lit is in dev mode')) return;
    if (message.type() === 'error' || message.type() === 'warn') console.log(`[page ${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.log(`[page error] ${String(error)}`));
  await page.goto(`${fixture.baseUrl}${path}`, { waitUntil: 'load' });
  return page;
}
