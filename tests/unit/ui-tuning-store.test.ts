/**
 * The page's store of the autotuner's choices (src/ui/tuning-store.ts): it keeps each choice under
 * the key the tuner gives, gives it back as stored, and treats every storage that fails (full,
 * disabled, refused outright, or holding something else) as holding nothing, never throwing.
 */
import { describe, expect, it } from 'vitest';
import { LocalTuningStore } from '../../src/ui/tuning-store';
import type { StoredTuning } from '../../src/train/create-session';

/** A Storage over a Map; `failWrites` makes setItem throw as a full storage does. */
function memoryStorage(failWrites = false): Storage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key: string) => items.get(key) ?? null,
    key: (index: number) => [...items.keys()][index] ?? null,
    removeItem: (key: string) => void items.delete(key),
    setItem: (key: string, value: string) => {
      if (failWrites) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      items.set(key, value);
    },
  };
}

/** A storage every call of which throws, as a browser with storage disabled does. */
const refusingStorage = new Proxy({} as Storage, {
  get() {
    return () => {
      throw new DOMException('Access is denied for this document.', 'SecurityError');
    };
  },
});

const CHOICES: [string, StoredTuning][] = [
  ['tuning v1 | google | swiftshader |  |  | forward 64×64×2 scalar', { chosen: 'registers', candidates: [{ variant: 'registers', gflops: 3.5 }, { variant: 'tiled-64-k16', gflops: 1.25 }], complete: true }],
  ['tuning v1 | nvidia | ampere | rtx | desc | weightGrad 785×128×100 vec4', { chosen: 'tiled-128-k8-double', candidates: [{ variant: 'tiled-128-k8-double', gflops: 900 }, { variant: 'workgroup-memory', gflops: null, error: 'pipeline failed' }], complete: true }],
  ['tuning v1 | apple | metal-3 |  |  | inputGrad 7×3×17 scalar', { chosen: 'workgroup-memory', candidates: [], complete: false }],
];

describe('the page tuning store', () => {
  it('gives back each choice under the key it was saved with, and nothing for other keys', async () => {
    const storage = memoryStorage();
    const store = new LocalTuningStore(storage);
    for (const [key, value] of CHOICES) await store.save(key, value);
    expect([...storage.items.keys()]).toEqual(CHOICES.map(([key]) => key));
    for (const [key, value] of CHOICES) expect(await store.load(key)).toEqual(value);
    expect(await store.load('tuning v1 | other adapter | forward 64×64×2 scalar')).toBeNull();
    // Another store over the same storage (a reload) finds them.
    expect(await new LocalTuningStore(storage).load(CHOICES[1][0])).toEqual(CHOICES[1][1]);
  });

  it('holds nothing, without throwing, when the storage is full, refused or absent', async () => {
    for (const storage of [memoryStorage(true), refusingStorage, null]) {
      const store = new LocalTuningStore(storage);
      for (const [key, value] of CHOICES) {
        await expect(store.save(key, value)).resolves.toBeUndefined();
        await expect(store.load(key)).resolves.toBeNull();
      }
    }
    // In Node there is no window.localStorage at all: the default store is an empty one.
    await expect(new LocalTuningStore().load(CHOICES[0][0])).resolves.toBeNull();
  });

  it('ignores what it did not write: text that is not JSON, or JSON of another shape', async () => {
    const storage = memoryStorage();
    const store = new LocalTuningStore(storage);
    const key = CHOICES[0][0];
    for (const text of ['not json', '"registers"', '{"chosen":3,"candidates":[]}', '{"chosen":"registers"}', '{"chosen":"registers","candidates":[{"variant":"registers","gflops":"fast"}]}', 'null']) {
      storage.items.set(key, text);
      expect(await store.load(key), text).toBeNull();
    }
  });
});
