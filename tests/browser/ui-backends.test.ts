/**
 * What runs the network: without WebGPU the page says so and trains on the CPU in a Web Worker; a
 * network beyond the device's limits is refused with the limit named while the old one keeps
 * training; a new learning rate applies to the running weights.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig, configToHash } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, setInput, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

function playgroundText(selector: string): string {
  return document.querySelector('mlp-playground')?.shadowRoot?.querySelector(selector)?.textContent ?? '';
}

describe('without WebGPU', () => {
  test('a banner says so and training runs on the CPU worker, loss switch included', async () => {
    const page = await fixture.browser.newPage();
    page.on('pageerror', (error) => console.log(`[page error] ${String(error)}`));
    // Hide WebGPU before any page script runs, as a browser without it would.
    await page.evaluateOnNewDocument(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await page.goto(`${fixture.baseUrl}/`, { waitUntil: 'load' });
    await waitForStatus(page, 'press Play');

    expect(await page.evaluate(playgroundText, '.banner')).toContain('no WebGPU');
    const adapter = await page.evaluate(() => {
      const stats = document.querySelector('mlp-playground')?.shadowRoot?.querySelector('run-stats');
      return stats?.shadowRoot?.querySelector('[data-testid=adapter]')?.textContent ?? '';
    });
    expect(adapter).toContain('Web Worker');

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 40);
    const before = await snapshot(page);
    await clickByName(page, 'Cross-entropy');
    // Steps issued before the click still report MSE; the switch shows once steps after it report.
    const atSwitch = await snapshot(page);
    await waitForRecordedSteps(page, atSwitch.step + 40);
    const after = await snapshot(page);
    expect(after.step).toBeGreaterThan(before.step);
    expect(after.switches.map((s) => s.loss)).toEqual(['cross_entropy']);
    await clickByName(page, 'Pause');
    await page.close();
  });
});

describe('with WebGPU', () => {
  test('a network beyond the device limits is refused, naming the limit; the old one keeps training', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 10);
    const running = await snapshot(page);

    // Two hidden layers at the widest width the validator accepts need a 65536 × 65536 weight
    // matrix (16 GiB of float32), beyond any storage-buffer binding limit. Wide layers run too
    // slowly on SwiftShader to build up to this from the panel, so the link carries it.
    const tooLarge = defaultConfig();
    tooLarge.spec.widths = [2, 65536, 65536, 1];
    await page.evaluate((hash: string) => {
      location.hash = hash;
    }, configToHash(tooLarge));
    await waitForStatus(page, 'Refused');
    const status = await statusText(page);
    expect(status).toMatch(/maxStorageBufferBindingSize|maxBufferSize/);
    expect(status).toContain('previous network keeps running');

    await waitForRecordedSteps(page, running.recordedSteps + 10);
    const later = await snapshot(page);
    expect(later.parameters).toHaveLength(running.parameters.length);
    expect(later.step).toBeGreaterThan(running.step);
    await clickByName(page, 'Pause');
    await page.close();
  });

  test('a new learning rate applies to the running weights without a reset', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Step');
    await waitForRecordedSteps(page, 1);
    await clickByName(page, 'Step');
    await waitForRecordedSteps(page, 2);
    const before = await snapshot(page);

    await setInput(page, 'Learning rate', '0.05');
    await waitForStatus(page, 'weights and optimizer state kept');
    const after = await snapshot(page);
    expect(after.step).toBe(before.step);
    expect(after.recordedSteps).toBe(before.recordedSteps);
    expect(after.parameters).toEqual(before.parameters);
    await page.close();
  });
});
