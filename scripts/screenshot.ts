/**
 * docs/screenshot.png: the playground showing a fork. The saturation demo (the page's "Load the
 * saturation demo") plays to `--fork-at`, is forked into its MSE and cross-entropy branches (the F
 * key), and plays on to `--until`, where the MSE branch still sits on its plateau and the
 * cross-entropy branch has dropped; then the whole page is captured at `--width` CSS pixels, from
 * the project's Vite dev server in headless Chromium, driven only as a user would (its controls and keys).
 *
 *   npm run screenshot                        # docs/screenshot.png
 *   npm run screenshot -- --fork-at 300 --until 700 --out /tmp/fork.png
 */
import { resolve } from 'node:path';
import type { Page } from 'puppeteer';
import { filePath, option, parseCommandArgs, wholeNumber, type CommandDeclaration } from './lib/args';
import { launchHeadless } from './lib/browser';
import type { ScriptHost } from './lib/host';
import { checkOutputPath, writeOutputs } from './lib/output-files';
import { ConfigError, withUserErrors } from './lib/user-errors';

const SCREENSHOT_COMMAND = {
  usage: 'npm run screenshot -- [options]',
  options: {
    forkAt: option(wholeNumber(1, 1999), 300, 'the step the saturation demo is forked at'),
    until: option(wholeNumber(2, 2000), 700, 'the step both branches train to before the capture (the demo pauses at 2000)'),
    width: option(wholeNumber(420, 4000, 'PX'), 1280, 'the page width in CSS pixels'),
    out: option(filePath(), 'docs/screenshot.png', 'where the PNG is written'),
  },
} satisfies CommandDeclaration;

/** Waits until the playground's status line contains `text`. */
async function waitForStatus(page: Page, text: string, timeout = 300_000): Promise<void> {
  await page.waitForFunction(
    (wanted: string) => document.querySelector('mlp-playground')?.shadowRoot?.querySelector('[data-testid=status]')?.textContent?.includes(wanted) ?? false,
    { polling: 100, timeout },
    text,
  );
}

/** Clicks the control whose accessible name is `name`. */
async function click(page: Page, name: string): Promise<void> {
  const control = await page.waitForSelector(`::-p-aria(${name})`, { timeout: 60_000 });
  if (!control) throw new Error(`the page has no control named "${name}"`);
  await control.click();
}

/** Sets the Run panel's "Pause at step" to `step`, as a user types it. */
async function pauseAt(page: Page, step: number): Promise<void> {
  const input = await page.waitForSelector('::-p-aria(Pause at step)', { timeout: 60_000 });
  if (!input) throw new Error('the page has no "Pause at step" field');
  await input.click({ count: 3 });
  await page.keyboard.press('Backspace');
  await input.type(String(step));
  await page.keyboard.press('Tab');
}

async function takeScreenshot(options: { forkAt: number; until: number; width: number; out: string }, host: ScriptHost): Promise<number> {
  if (options.until <= options.forkAt) {
    throw new ConfigError('the arguments', [{ field: '--until', message: `--until ${options.until} must come after --fork-at ${options.forkAt}: both branches train from the fork to it.` }]);
  }
  const outPath = resolve(host.cwd, options.out);
  await checkOutputPath(outPath, '--out', []);
  const headless = await launchHeadless(host);
  try {
    const page = await headless.browser.newPage();
    await page.setViewport({ width: options.width, height: 900, deviceScaleFactor: 1 });
    page.on('pageerror', (error) => host.stderr(`[page error] ${String(error)}\n`));
    await page.goto(`${await host.serve()}/`, { waitUntil: 'load' });
    await waitForStatus(page, 'press Play');
    await click(page, 'Load the saturation demo');
    await waitForStatus(page, 'Saturation demo loaded');
    await pauseAt(page, options.forkAt);
    await click(page, 'Play');
    await waitForStatus(page, `Paused at step ${options.forkAt}`);
    host.stderr(`step ${options.forkAt}: forking\n`);
    await page.keyboard.press('f');
    await waitForStatus(page, 'Forked at step');
    await pauseAt(page, options.until);
    await click(page, 'Play');
    await waitForStatus(page, `Paused at step ${options.until}`);
    // The views of the paused weights land after the pause; then two frames for the charts.
    await new Promise((done) => setTimeout(done, 2000));
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const png = await page.screenshot({ fullPage: true, type: 'png' });
    await writeOutputs([{ path: outPath, field: '--out', content: png }]);
    host.stdout(`The saturation demo forked at step ${options.forkAt} and trained to step ${options.until}, ${options.width} px wide: wrote ${outPath}\n`);
    return 0;
  } finally {
    await headless.close();
  }
}

export async function main(args: string[], host: ScriptHost): Promise<number> {
  const options = parseCommandArgs(SCREENSHOT_COMMAND, args, host);
  if (typeof options === 'number') return options;
  return withUserErrors(host, () => takeScreenshot(options, host));
}
