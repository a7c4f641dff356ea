/**
 * MNIST on the page: the dataset loads, the network is sized for 784 inputs and 10 classes, and
 * instead of a decision boundary the page shows test digits with the network's predictions and the
 * test accuracy.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parameterLayout } from '../../src/model/layout';
import { configFromHash, configToHash, defaultConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, snapshot, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  if (!existsSync('public/data/mnist.bin')) {
    throw new Error('public/data/mnist.bin is missing: run `node scripts/build-mnist.mjs` (`npm test` and `npm run dev` do)');
  }
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

test('MNIST: a strip of test digits with predictions and the test accuracy', async () => {
  const config = defaultConfig();
  config.data = { source: 'mnist', seed: 1 };
  const page = await openPlayground(fixture, `/${configToHash(config)}`);
  await waitForStatus(page, 'from the link', 60_000);

  const running = configFromHash(await page.evaluate(() => location.hash)).config.spec;
  expect(running.widths[0]).toBe(28 * 28);
  expect(running.widths[running.widths.length - 1]).toBe(10);
  expect(running.outputActivation).toBe('softmax');
  expect((await snapshot(page)).parameters).toHaveLength(parameterLayout(running.widths).totalParameters);

  await clickByName(page, 'Play');
  await waitForRecordedSteps(page, 30, 60_000);
  await clickByName(page, 'Pause');
  await waitForStatus(page, 'Paused after');

  const strip = await page.waitForFunction(
    () => {
      const panel = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('boundary-panel')!.shadowRoot!;
      const figures = [...panel.querySelectorAll('figure')];
      const captions = figures.map((f) => f.querySelector('figcaption')!.textContent!.trim());
      if (figures.length === 0 || captions.some((c) => c === '?')) return null;
      const inkedDigits = figures.filter((f) => {
        const canvas = f.querySelector('canvas')!;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4) if (data[i] < 128) return true;
        return false;
      }).length;
      return { captions, inkedDigits, text: panel.textContent ?? '' };
    },
    { timeout: 30_000 },
  );
  const { captions, inkedDigits, text } = (await strip.jsonValue())!;
  expect(captions).toHaveLength(16);
  for (const caption of captions) expect(caption).toMatch(/^\d( \(is \d\))?$/);
  expect(inkedDigits).toBe(16);
  expect(text).toMatch(/Test accuracy: \d+\.\d %/);
  await page.close();
});
