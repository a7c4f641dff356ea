/**
 * A headless Chromium with WebGPU (SwiftShader on machines without a GPU) showing the pages under
 * scripts/pages/, served by the script's own Vite server.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer';
// @ts-expect-error: plain ES module shared with the tests and ensure-browser.mjs, no type declarations.
import { findBrowser, BROWSER_ARGS } from '../find-browser.mjs';
import type { ScriptHost } from './host';
import { ConfigError } from './user-errors';

export interface HeadlessBrowser {
  browser: Browser;
  /** The browser's version string, e.g. "Chrome/156.0.8078.108". */
  version: string;
  /**
   * Opens `path` (from the project root, e.g. "/scripts/pages/run.html") and waits until the page
   * module has set `window.pageReady`. Page errors go to standard error: they are often the only
   * clue when a shader fails.
   */
  open(path: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchHeadless(host: ScriptHost): Promise<HeadlessBrowser> {
  const baseUrl = await host.serve();
  const executablePath = findBrowser() as string | null;
  if (!executablePath) {
    throw new ConfigError('the environment', [
      { field: 'browser', message: 'No Chrome or Chromium found: run `node scripts/ensure-browser.mjs`, or set PUPPETEER_EXECUTABLE_PATH (or train with --backend cpu).' },
    ]);
  }
  // protocolTimeout 0: a long GPU run inside page.evaluate must not be cut off by Puppeteer.
  const browser = await puppeteer.launch({ executablePath, headless: true, args: BROWSER_ARGS, protocolTimeout: 0 });
  return {
    browser,
    version: await browser.version(),
    async open(path, viewport = { width: 1000, height: 700 }) {
      const page = await browser.newPage();
      await page.setViewport(viewport);
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warn') host.stderr(`[page ${message.type()}] ${message.text()}\n`);
      });
      page.on('pageerror', (error) => host.stderr(`[page error] ${String(error)}\n`));
      await page.goto(`${baseUrl}${path}`, { waitUntil: 'load' });
      await page.waitForFunction('window.pageReady === true', { timeout: 120_000 });
      return page;
    },
    close: () => browser.close(),
  };
}
