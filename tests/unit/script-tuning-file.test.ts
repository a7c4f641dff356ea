/** The scripts' store of the autotuner's choices (scripts/lib/tuning-file.ts): where it lives, what it keeps, and that it never fails a run. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTuningStore, tuningCachePath } from '../../scripts/lib/tuning-file';
import type { StoredTuning } from '../../src/train/create-session';

const work = mkdtempSync(join(tmpdir(), 'tuning-file-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const choice: StoredTuning = { chosen: 'tiled-64-k16', candidates: [{ variant: 'tiled-64-k16', gflops: 812.5 }, { variant: 'registers', gflops: 90 }], complete: true };

describe('the scripts\' tuning cache', () => {
  it('lives in the platform\'s cache folder', () => {
    expect(tuningCachePath({ XDG_CACHE_HOME: '/x/cache' }, 'linux')).toBe('/x/cache/webgpu-mlp-playground/tuning.json');
    expect(tuningCachePath({ HOME: '/home/u' }, 'linux')).toMatch(/\.cache[\\/]webgpu-mlp-playground[\\/]tuning\.json$/);
    expect(tuningCachePath({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32')).toMatch(/^C:\\Users\\u\\AppData\\Local[\\/]webgpu-mlp-playground[\\/]tuning\.json$/);
  });

  it('keeps choices across stores of the same file, made in a folder it creates, with no partial file left', async () => {
    const path = join(work, 'fresh', 'deeper', 'tuning.json');
    const warnings: string[] = [];
    const first = new FileTuningStore(path, (w) => warnings.push(w));
    expect(await first.load('a')).toBeNull();
    await first.save('a', choice);
    await first.save('b', { ...choice, complete: false });
    const second = new FileTuningStore(path, (w) => warnings.push(w));
    expect(await second.load('a')).toEqual(choice);
    expect(await second.load('b')).toEqual({ ...choice, complete: false });
    expect(readdirSync(join(work, 'fresh', 'deeper'))).toEqual(['tuning.json']);
    expect(warnings).toEqual([]);
  });

  it('ignores a file that is not its JSON, and entries that are not stored choices, with one warning, then rewrites it', async () => {
    for (const [name, text] of [['junk', 'not json at all'], ['array', '[1, 2]'], ['bad-entries', JSON.stringify({ a: { chosen: 3 }, b: choice })]] as const) {
      const path = join(work, `${name}.json`);
      writeFileSync(path, text);
      const warnings: string[] = [];
      const store = new FileTuningStore(path, (w) => warnings.push(w));
      expect(await store.load('a'), name).toBeNull();
      expect(await store.load('b'), name).toEqual(name === 'bad-entries' ? choice : null);
      expect(warnings.length, name).toBe(name === 'bad-entries' ? 0 : 1);
      await store.save('c', choice);
      expect(JSON.parse(readFileSync(path, 'utf8')).c, name).toEqual(choice);
    }
  });

  it('warns once and goes on when the folder cannot be made', async () => {
    // A file where the cache folder should be: no folder can be made there, whoever runs the test.
    const blocker = join(work, 'blocker');
    writeFileSync(blocker, '');
    const warnings: string[] = [];
    const store = new FileTuningStore(join(blocker, 'sub', 'tuning.json'), (w) => warnings.push(w));
    await store.save('a', choice);
    await store.save('b', choice);
    expect(warnings).toEqual([expect.stringMatching(/^could not (read|write) the tuning cache .*blocker.*; the product variants will be timed again next run$/)]);
    // What it was given this run is still there for this run.
    expect(await store.load('a')).toEqual(choice);
  });
});
