/**
 * A link the page cannot use as it is: every problem is named, briefly and capped, and the page
 * never says "Started the setup from the link." over a link it partly ignored or changed.
 * - configFromHash names each key a link of this page does not carry (garbage, a misspelt key, an
 *   unknown key in `spec` or `data`, a key given twice), as parseSpec does for the spec's fields;
 * - the page shows those in its notice, at most a few in full and the rest counted, each clipped,
 *   so a link with thousands of problems or a huge key gives a short notice;
 * - settings that do not fit the link's dataset (a batch larger than its training rows, widths,
 *   an output activation) are changed, and the notice says which, from what to what.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { makeSyntheticDataset } from '../../src/data/synthetic';
import { DEFAULT_SPEC } from '../../src/model/spec';
import { configFromHash, configToHash, defaultConfig, type PlaygroundConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { openPlayground, statusText, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

const json = (value: unknown) => encodeURIComponent(JSON.stringify(value));
const goodSpec = json(DEFAULT_SPEC);
const goodData = json(defaultConfig().data);

/** Links that are wrong in a way the parser must name, with the field each problem is under. */
const BAD_LINKS: { name: string; hash: string; fields: string[] }[] = [
  { name: 'a word', hash: '#hello', fields: ['hello'] },
  { name: 'text with spaces', hash: '#just%20some%20text', fields: ['just some text'] },
  { name: 'JSON without a key', hash: `#${json({ widths: [2, 8, 1] })}`, fields: [JSON.stringify({ widths: [2, 8, 1] })] },
  { name: 'separators only', hash: '#&&&', fields: ['link'] },
  { name: 'a misspelt spec key', hash: `#spc=${goodSpec}`, fields: ['spc'] },
  { name: 'a misspelt data key', hash: `#spec=${goodSpec}&dataset=${goodData}`, fields: ['dataset'] },
  { name: 'an extra key', hash: `#spec=${goodSpec}&data=${goodData}&theme=dark`, fields: ['theme'] },
  { name: 'a key given twice', hash: `#spec=${goodSpec}&spec=${goodSpec}`, fields: ['spec'] },
  { name: 'an unknown key in spec', hash: `#spec=${json({ ...DEFAULT_SPEC, widht: [2, 4, 1] })}`, fields: ['spec.widht'] },
  { name: 'an unknown key in spec.optimizer', hash: `#spec=${json({ ...DEFAULT_SPEC, optimizer: { ...DEFAULT_SPEC.optimizer, lr: 1 } })}`, fields: ['spec.optimizer.lr'] },
  { name: 'an unknown key in data', hash: `#data=${json({ ...defaultConfig().data, nois: 0.3 })}`, fields: ['data.nois'] },
  { name: 'a spec that is not an object', hash: '#spec=1', fields: ['spec'] },
  { name: 'data that is a list', hash: '#data=[]', fields: ['data'] },
  { name: 'spec that is not JSON', hash: '#spec={widths', fields: ['spec'] },
];

describe('configFromHash', () => {
  test('names each key a link of this page does not carry, and keeps the defaults for what it refuses', () => {
    for (const { name, hash, fields } of BAD_LINKS) {
      const { config, problems } = configFromHash(hash);
      expect(problems.map((p) => p.field), name).toEqual(fields);
      for (const problem of problems) expect(problem.message.length, name).toBeGreaterThan(10);
      const refusedSpec = fields.some((field) => field === 'spec' || field.startsWith('spec.'));
      const refusedData = fields.some((field) => field === 'data' || field.startsWith('data.'));
      if (refusedSpec) expect(config.spec, name).toEqual(defaultConfig().spec);
      if (refusedData) expect(config.data, name).toEqual(defaultConfig().data);
    }
  });

  test('a link the page wrote, or no link at all, has no problems', () => {
    for (const hash of ['', '#', configToHash(defaultConfig()), `#spec=${goodSpec}`, `#data=${goodData}`]) {
      expect(configFromHash(hash).problems, hash).toEqual([]);
    }
  });
});

/** The notice above the status line; empty when there is none. */
function noticeText(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('[data-testid=url-notice]')?.textContent?.trim() ?? '');
}

declare global {
  interface Window {
    /** Every text the status line showed since the log was last emptied. */
    statusLog?: string[];
  }
}

/** Records every text of the status line: one link's messages can follow each other faster than a poll. */
async function recordStatusLine(page: Page): Promise<void> {
  await page.evaluate(() => {
    const status = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('[data-testid=status]')!;
    window.statusLog = [];
    new MutationObserver(() => window.statusLog!.push(status.textContent?.trim() ?? '')).observe(status, { subtree: true, childList: true, characterData: true });
  });
}

/** Sets the address to `hash` and waits until the status line shows a text matching `settled`. */
async function setHash(page: Page, hash: string, settled: RegExp): Promise<void> {
  await page.evaluate((next: string) => {
    window.statusLog = [];
    location.hash = next;
  }, hash);
  await page.waitForFunction((pattern: string) => window.statusLog!.some((text) => new RegExp(pattern).test(text)), { polling: 100, timeout: 60_000 }, settled.source);
}

/** A link that fits, different from every link the tests follow: its status line differs from theirs, so theirs shows as a change. */
const NEUTRAL_LINK = configToHash({ ...defaultConfig(), spec: { ...DEFAULT_SPEC, seed: 2 } });

/** Opens `hash` in the page as a user editing the address would, and waits for its run to start or be refused. */
async function followLink(page: Page, hash: string): Promise<{ notice: string; status: string }> {
  await setHash(page, NEUTRAL_LINK, /^Started the setup from the link\.$/);
  await setHash(page, hash, /^(Started|Refused|Not applied|The dataset could not)/);
  return { notice: await noticeText(page), status: await statusText(page) };
}

/** What a notice may hold at most: a few problems, each clipped, and the count of the others. */
const NOTICE_LIMIT = 1500;

describe('the page’s notice for a link', () => {
  let page: Page;

  beforeAll(async () => {
    page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await recordStatusLine(page);
  });

  afterAll(async () => {
    await page?.close();
  });

  test('names every problem of a bad link, and never says the link was used as it is', async () => {
    for (const { name, hash } of BAD_LINKS) {
      const { notice, status } = await followLink(page, hash);
      const { problems } = configFromHash(hash);
      for (const problem of problems) {
        expect(notice, name).toContain(problem.field);
        expect(notice, name).toContain(problem.message);
      }
      expect(status, name).toBe('Started with defaults where the link was invalid.');
      expect(notice.length, name).toBeLessThan(NOTICE_LIMIT);
    }
  });

  test('thousands of problems give a short notice that counts the ones it does not list', async () => {
    const manyWidths = { ...DEFAULT_SPEC, widths: [2, ...Array.from({ length: 5000 }, () => -1), 1], hiddenActivations: Array.from({ length: 5000 }, () => 'tanh') };
    const manyKeys = Array.from({ length: 3000 }, (_, i) => `key${i}=${i}`).join('&');
    const manyUnknownFields = { ...DEFAULT_SPEC, ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`extra${i}`, i])) };
    for (const hash of [`#spec=${json(manyWidths)}`, `#${manyKeys}`, `#spec=${json(manyUnknownFields)}`]) {
      const { problems } = configFromHash(hash);
      expect(problems.length).toBeGreaterThan(1000);
      const { notice, status } = await followLink(page, hash);
      expect(notice.length).toBeLessThan(NOTICE_LIMIT);
      expect(notice).toContain(problems[0].field);
      expect(notice).toContain(`…and ${problems.length - 5} more problems.`);
      expect(status).toBe('Started with defaults where the link was invalid.');
    }
  });

  test('a huge key or value is clipped in the notice', async () => {
    const long = 'x'.repeat(20_000);
    for (const hash of [`#${long}=1`, `#spec=${json({ ...DEFAULT_SPEC, [long]: 1 })}`, `#data=${json({ ...defaultConfig().data, kind: long })}`]) {
      const { problems } = configFromHash(hash);
      expect(problems.length).toBeGreaterThan(0);
      const { notice } = await followLink(page, hash);
      expect(notice.length).toBeLessThan(NOTICE_LIMIT);
      expect(notice).toContain('xxxxxxxxxx…');
    }
  });

  test('settings that do not fit the link’s dataset are changed, and the notice names each, from what to what', async () => {
    const circle = defaultConfig();
    const trainCount = makeSyntheticDataset(circle.data.source === 'synthetic' ? circle.data : { kind: 'circle', seed: 1 }).trainCount;
    const blobsData = { source: 'synthetic', kind: 'blobs', samples: 300, noise: 0.1, classes: 3, seed: 1 } as const;
    const blobs = makeSyntheticDataset(blobsData);
    const cases: { name: string; config: PlaygroundConfig; changes: [string, string, number | string][] }[] = [
      { name: 'a batch larger than the data', config: { ...circle, spec: { ...circle.spec, batchSize: 1000 } }, changes: [['spec.batchSize', '1000', trainCount]] },
      { name: 'the largest batch the spec allows', config: { ...circle, spec: { ...circle.spec, batchSize: 65536 } }, changes: [['spec.batchSize', '65536', trainCount]] },
      { name: 'an input width the data does not have', config: { ...circle, spec: { ...circle.spec, widths: [5, 8, 8, 1] } }, changes: [['spec.widths[0]', '5', 2]] },
      {
        name: 'a one-output sigmoid network for three classes',
        config: { ...circle, spec: { ...circle.spec, widths: [2, 8, 8, 1] }, data: blobsData },
        changes: [
          ['spec.widths[3]', '1', blobs.outputSize],
          ['spec.outputActivation', 'sigmoid', 'softmax'],
        ],
      },
    ];
    for (const { name, config, changes } of cases) {
      const { notice, status } = await followLink(page, configToHash(config));
      expect(status, name).toBe('Started from the link, with settings changed to fit its dataset (see the notice).');
      for (const [field, from, to] of changes) {
        expect(notice, name).toContain(`${field}: `);
        expect(notice, name).toMatch(new RegExp(`${from} became ${to}\\b`));
      }
      expect(notice.length, name).toBeLessThan(NOTICE_LIMIT);
      // What runs, and what the link now says, are the changed settings.
      const running = configFromHash(await page.evaluate(() => location.hash)).config;
      for (const [field, , to] of changes) {
        const value = field === 'spec.batchSize' ? running.spec.batchSize : field === 'spec.outputActivation' ? running.spec.outputActivation : running.spec.widths[Number(/\[(\d+)\]/.exec(field)![1])];
        expect(value, name).toBe(to);
      }
    }
  });

  test('a link that fits is used as it is, with no notice', async () => {
    const config = defaultConfig();
    config.spec.batchSize = 16;
    config.data = { source: 'synthetic', kind: 'xor', samples: 300, noise: 0.05, classes: 2, seed: 3 };
    // A page of its own: on this one, its status line would read as the neutral link's.
    const fitting = await openPlayground(fixture, `/${configToHash(config)}`);
    await waitForStatus(fitting, 'from the link');
    expect(await statusText(fitting)).toBe('Started the setup from the link.');
    expect(await noticeText(fitting)).toBe('');
    await fitting.close();
  });
});
