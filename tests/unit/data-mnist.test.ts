import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchMnistAsset, parseMnistAsset, type Dataset } from '../../src/data';

const ASSET = 'public/data/mnist.bin';
const PIXELS = 28 * 28;
const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');

function buildAsset(): string {
  return execFileSync(process.execPath, ['scripts/build-mnist.mjs'], { encoding: 'utf8', timeout: 120_000 });
}

/** The package's own images per class, read straight from its JSON files. */
function packageDigits(): number[][][] {
  return Array.from({ length: 10 }, (_, digit) => {
    const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8')) as { data: number[] };
    return Array.from({ length: data.length / PIXELS }, (_, i) => data.slice(i * PIXELS, (i + 1) * PIXELS));
  });
}

/** Every image of both splits with its label (the hot column). */
function images(dataset: Dataset): { pixels: Float32Array; label: number }[] {
  const out: { pixels: Float32Array; label: number }[] = [];
  const add = (xs: Float32Array, ys: Float32Array, count: number) => {
    for (let i = 0; i < count; i++) {
      const row = ys.subarray(i * 10, (i + 1) * 10);
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
      out.push({ pixels: xs.subarray(i * PIXELS, (i + 1) * PIXELS), label: row.indexOf(1) });
    }
  };
  add(dataset.trainX, dataset.trainY, dataset.trainCount);
  add(dataset.testX, dataset.testY, dataset.testCount);
  return out;
}

let digits: number[][][];
let asset: Buffer;

beforeAll(() => {
  buildAsset();
  asset = readFileSync(ASSET);
  digits = packageDigits();
}, 120_000);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('MNIST asset', () => {
  it('is rebuilt only when out of date', () => {
    const before = statSync(ASSET).mtimeMs;
    expect(buildAsset()).toMatch(/up to date/);
    expect(statSync(ASSET).mtimeMs).toBe(before);
  });

  it('holds every digit of the package, with the right labels, as one byte per pixel', () => {
    const packageCount = digits.reduce((sum, images) => sum + images.length, 0);
    expect(asset.length).toBe(20 + packageCount * (1 + PIXELS));
    const dataset = parseMnistAsset(asset, { testCount: 1500, seed: 4 });
    expect(dataset.trainCount + dataset.testCount).toBe(packageCount);
    expect(dataset.testCount).toBe(1500);
    expect(dataset.inputSize).toBe(PIXELS);
    expect(dataset.outputSize).toBe(10);
    expect(dataset.imageShape).toEqual([28, 28]);
    expect(dataset.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

    const all = images(dataset);
    const counts = new Array<number>(10).fill(0);
    for (const { label } of all) counts[label]++;
    expect(counts).toEqual(digits.map((images) => images.length));

    for (const array of [dataset.trainX, dataset.testX]) {
      let min = Infinity;
      let max = -Infinity;
      for (const value of array) {
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(1);
    }

    // Each image must be one of the package's images of the same class, each used exactly once. The
    // package writes grey levels k/255 rounded to three decimals, so a pixel may differ from the
    // package's number by at most 0.0005 (plus float32 rounding of k/255, below 1e-7).
    const remaining = new Map<string, number[][]>();
    const keyOf = (label: number, values: ArrayLike<number>) =>
      `${label}:${Array.from(values, (value) => Math.round(value * 255)).join(',')}`;
    digits.forEach((images, label) => {
      for (const image of images) {
        const key = keyOf(label, image);
        remaining.set(key, [...(remaining.get(key) ?? []), image]);
      }
    });
    for (const { pixels, label } of all) {
      const key = keyOf(label, pixels);
      const candidates = remaining.get(key);
      expect(candidates?.length, `an image labelled ${label} that the package does not have (or has fewer times)`).toBeGreaterThan(0);
      const original = candidates!.pop()!;
      let worst = 0;
      for (let i = 0; i < PIXELS; i++) worst = Math.max(worst, Math.abs(pixels[i] - original[i]));
      expect(worst).toBeLessThanOrEqual(0.0005 + 1e-7);
    }
  });

  it('splits by seed: same seed same split, another seed another split', () => {
    const a = parseMnistAsset(asset, { seed: 1 });
    const b = parseMnistAsset(new Uint8Array(asset), { seed: 1 });
    const c = parseMnistAsset(asset, { seed: 2 });
    expect(Buffer.from(b.testY.buffer).equals(Buffer.from(a.testY.buffer))).toBe(true);
    expect(Buffer.from(b.trainX.buffer).equals(Buffer.from(a.trainX.buffer))).toBe(true);
    expect(Buffer.from(c.trainX.buffer).equals(Buffer.from(a.trainX.buffer))).toBe(false);
  });

  it('refuses a damaged asset and says how to rebuild it', () => {
    expect(() => parseMnistAsset(asset.subarray(0, 12))).toThrow(/12 bytes, fewer than its 20-byte header.*build-mnist/);
    expect(() => parseMnistAsset(asset.subarray(0, asset.length - 1))).toThrow(
      new RegExp(`has ${asset.length - 1} bytes; rebuild it`),
    );
    const wrongMagic = Buffer.from(asset);
    wrongMagic.write('XXXX', 0, 'latin1');
    expect(() => parseMnistAsset(wrongMagic)).toThrow(/starts with "XXXX"/);
    const badLabel = Buffer.from(asset);
    badLabel[20 + 5] = 10;
    expect(() => parseMnistAsset(badLabel)).toThrow(/image 5 has label 10/);
    expect(() => parseMnistAsset(asset, { testCount: 1e6 })).toThrow(/test count must be an integer/);
  });

  it('fetchMnistAsset fetches the asset from the public data folder and reports a failed fetch', async () => {
    const requested: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      requested.push(url);
      return url.endsWith('missing.bin') ? new Response('not found', { status: 404, statusText: 'Not Found' }) : new Response(new Uint8Array(asset));
    });
    const dataset = parseMnistAsset(await fetchMnistAsset(), { testCount: 100 });
    expect(requested).toEqual([`${import.meta.env.BASE_URL}data/mnist.bin`]);
    expect(dataset.testCount).toBe(100);
    expect(dataset.trainCount + dataset.testCount).toBe(asset.readUInt32LE(8));
    await expect(fetchMnistAsset('/data/missing.bin')).rejects.toThrow(/\/data\/missing\.bin: HTTP 404 Not Found.*build-mnist/);
  });
});
