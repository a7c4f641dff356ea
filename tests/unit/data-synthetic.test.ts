import { describe, expect, it } from 'vitest';
import { SYNTHETIC_KINDS, makeSyntheticDataset, type Dataset, type SyntheticKind } from '../../src/data';

/** Both splits as one list of points with their class index (argmax for one-hot, the 0/1 value otherwise). */
function allPoints(dataset: Dataset): { x: number; y: number; label: number }[] {
  const points: { x: number; y: number; label: number }[] = [];
  const add = (xs: Float32Array, ys: Float32Array, count: number) => {
    for (let i = 0; i < count; i++) {
      const targets = Array.from(ys.subarray(i * dataset.outputSize, (i + 1) * dataset.outputSize));
      const label = dataset.outputSize === 1 ? targets[0] : targets.indexOf(Math.max(...targets));
      points.push({ x: xs[2 * i], y: xs[2 * i + 1], label });
    }
  };
  add(dataset.trainX, dataset.trainY, dataset.trainCount);
  add(dataset.testX, dataset.testY, dataset.testCount);
  return points;
}

function bytesOf(dataset: Dataset): Buffer {
  return Buffer.concat(
    [dataset.trainX, dataset.trainY, dataset.testX, dataset.testY].map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)),
  );
}

const KINDS = SYNTHETIC_KINDS.map((info) => info.kind);

describe('synthetic datasets', () => {
  it('lists every kind once, and each builds with its defaults', () => {
    expect(new Set(KINDS).size).toBe(KINDS.length);
    expect(KINDS.length).toBeGreaterThanOrEqual(6);
    for (const info of SYNTHETIC_KINDS) {
      const dataset = makeSyntheticDataset({ kind: info.kind, seed: 7 });
      expect(dataset.name).toBe(info.kind);
      expect(dataset.trainCount + dataset.testCount).toBe(info.defaultSamples);
      expect(dataset.outputSize).toBe(info.multiclass ? info.defaultClasses : 1);
      expect(dataset.classNames).toHaveLength(info.defaultClasses);
    }
  });

  it.each(KINDS)('%s: the same seed gives identical bytes, another seed different ones', (kind) => {
    const options = { kind, samples: 300, noise: 0.1, classes: kindInfo(kind).multiclass ? 4 : 2, seed: 12345 };
    const first = bytesOf(makeSyntheticDataset(options));
    const again = bytesOf(makeSyntheticDataset(options));
    const other = bytesOf(makeSyntheticDataset({ ...options, seed: 12346 }));
    expect(again.equals(first)).toBe(true);
    expect(other.equals(first)).toBe(false);
  });

  it.each(KINDS)('%s: shapes, target encoding, balance and split sizes', (kind) => {
    const multiclass = kindInfo(kind).multiclass;
    const classes = multiclass ? 5 : 2;
    const samples = 1003;
    const testFraction = 0.25;
    const dataset = makeSyntheticDataset({ kind, samples, noise: 0.05, testFraction, classes, seed: 3 });
    const outputSize = multiclass ? classes : 1;
    expect(dataset.inputSize).toBe(2);
    expect(dataset.outputSize).toBe(outputSize);
    expect(dataset.testCount).toBe(Math.round(samples * testFraction));
    expect(dataset.trainCount).toBe(samples - dataset.testCount);
    expect(dataset.trainX).toHaveLength(dataset.trainCount * 2);
    expect(dataset.testX).toHaveLength(dataset.testCount * 2);
    expect(dataset.trainY).toHaveLength(dataset.trainCount * outputSize);
    expect(dataset.testY).toHaveLength(dataset.testCount * outputSize);

    for (const ys of [dataset.trainY, dataset.testY]) {
      for (const value of ys) expect(value === 0 || value === 1).toBe(true);
      if (multiclass) {
        for (let row = 0; row < ys.length / outputSize; row++) {
          let sum = 0;
          for (let k = 0; k < outputSize; k++) sum += ys[row * outputSize + k];
          expect(sum).toBe(1);
        }
      }
    }

    const counts = new Array<number>(classes).fill(0);
    for (const point of allPoints(dataset)) counts[point.label]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(samples);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    // The split is random, so the training set is only roughly balanced: each class within 5
    // binomial standard deviations of its expected share.
    const trainCounts = new Array<number>(classes).fill(0);
    for (const point of allPoints({ ...dataset, testCount: 0 })) trainCounts[point.label]++;
    const share = 1 / classes;
    const sd = Math.sqrt(dataset.trainCount * share * (1 - share));
    for (const count of trainCounts) expect(Math.abs(count - dataset.trainCount * share)).toBeLessThan(5 * sd);
  });

  it.each(KINDS)('%s: without noise every point lies in [-1, 1]²', (kind) => {
    const dataset = makeSyntheticDataset({ kind, samples: 2000, noise: 0, classes: kindInfo(kind).multiclass ? 10 : 2, seed: 1 });
    for (const { x, y } of allPoints(dataset)) {
      expect(Math.abs(x)).toBeLessThanOrEqual(1 + 1e-6);
      expect(Math.abs(y)).toBeLessThanOrEqual(1 + 1e-6);
    }
  });

  // The geometry below is written from the module's documentation, not taken from its code.
  it('circle without noise: class 1 exactly inside radius 0.6', () => {
    const points = allPoints(makeSyntheticDataset({ kind: 'circle', samples: 2000, noise: 0, seed: 5 }));
    for (const { x, y, label } of points) {
      const r = Math.hypot(x, y);
      expect(label).toBe(r < 0.6 ? 1 : 0);
      expect(label === 1 ? r <= 0.5 + 1e-6 : r >= 0.7 - 1e-6).toBe(true);
    }
  });

  it('xor without noise: class 1 exactly where x and y have opposite signs', () => {
    const points = allPoints(makeSyntheticDataset({ kind: 'xor', samples: 2000, noise: 0, seed: 5 }));
    for (const { x, y, label } of points) {
      expect(label).toBe(x > 0 !== y > 0 ? 1 : 0);
      expect(Math.min(Math.abs(x), Math.abs(y))).toBeGreaterThanOrEqual(0.05 - 1e-6);
    }
  });

  it('two Gaussians without noise: class 1 exactly above the line x + y = 0', () => {
    const points = allPoints(makeSyntheticDataset({ kind: 'gaussians', samples: 2000, noise: 0, seed: 5 }));
    for (const { x, y, label } of points) {
      expect(label).toBe(x + y > 0 ? 1 : 0);
      const centre = label === 1 ? 0.5 : -0.5;
      expect(Math.hypot(x - centre, y - centre)).toBeLessThanOrEqual(0.45 + 1e-6);
    }
  });

  it.each([
    ['spiral', 2],
    ['spiral-k', 3],
    ['spiral-k', 7],
  ] as const)('%s with %i arms, no noise: each point lies on the arm of its class', (kind, classes) => {
    const points = allPoints(makeSyntheticDataset({ kind, samples: 1500, noise: 0, classes, seed: 9 }));
    for (const { x, y, label } of points) {
      const r = Math.hypot(x, y);
      expect(r).toBeGreaterThanOrEqual(0.05 - 1e-6);
      expect(r).toBeLessThanOrEqual(1 + 1e-6);
      const armAngle = 2 * Math.PI * (1.75 * r + label / classes);
      const offset = Math.atan2(y, x) - armAngle;
      const wrapped = Math.atan2(Math.sin(offset), Math.cos(offset));
      // Coordinates are float32 (relative error 6e-8); at r ≥ 0.05 that moves the angle by under 1e-5.
      // Neighbouring arms are 2π/K ≥ 0.6 rad apart (K ≤ 10), so a wrong class would be far outside this bound.
      expect(Math.abs(wrapped)).toBeLessThan(1e-5);
    }
  });

  it.each([2, 4, 10])('blobs with %i classes, no noise: every point is nearest its own centre', (classes) => {
    const points = allPoints(makeSyntheticDataset({ kind: 'blobs', samples: 2000, noise: 0, classes, seed: 11 }));
    const centres = Array.from({ length: classes }, (_, k) => [
      0.55 * Math.cos((2 * Math.PI * k) / classes),
      0.55 * Math.sin((2 * Math.PI * k) / classes),
    ]);
    for (const { x, y, label } of points) {
      const distances = centres.map(([cx, cy]) => Math.hypot(x - cx, y - cy));
      expect(distances.indexOf(Math.min(...distances))).toBe(label);
    }
  });

  it('noise is a Gaussian displacement whose deviation is the noise level', () => {
    const noise = 0.2;
    const clean = makeSyntheticDataset({ kind: 'circle', samples: 5000, noise: 0, seed: 21 });
    const noisy = makeSyntheticDataset({ kind: 'circle', samples: 5000, noise, seed: 21 });
    // Same seed: the same clean points in the same order, so the difference is the noise alone.
    let sumSquares = 0;
    let crossed = 0;
    const cleanPoints = allPoints(clean);
    const noisyPoints = allPoints(noisy);
    cleanPoints.forEach((point, i) => {
      const dx = noisyPoints[i].x - point.x;
      const dy = noisyPoints[i].y - point.y;
      sumSquares += dx * dx + dy * dy;
      expect(noisyPoints[i].label).toBe(point.label);
      if (Math.hypot(noisyPoints[i].x, noisyPoints[i].y) < 0.6 !== (point.label === 1)) crossed++;
    });
    const deviation = Math.sqrt(sumSquares / (2 * cleanPoints.length));
    // 10,000 coordinates: the sample deviation has a relative standard error of 1/√20000 ≈ 0.7 %; allow 5 %.
    expect(Math.abs(deviation - noise) / noise).toBeLessThan(0.05);
    expect(crossed).toBeGreaterThan(0);
  });

  it('refuses options it cannot honour, naming the value', () => {
    const cases: [Parameters<typeof makeSyntheticDataset>[0], RegExp][] = [
      [{ kind: 'moons' as SyntheticKind, seed: 1 }, /unknown synthetic dataset "moons"/],
      [{ kind: 'circle', classes: 3, seed: 1 }, /exactly 2 classes, got 3/],
      [{ kind: 'blobs', classes: 11, seed: 1 }, /2 to 10 classes, got 11/],
      [{ kind: 'blobs', classes: 4, samples: 3, seed: 1 }, /samples must be an integer from 4 .* got 3/],
      [{ kind: 'xor', samples: 10.5, seed: 1 }, /got 10\.5/],
      [{ kind: 'xor', noise: -0.1, seed: 1 }, /noise must be in \[0, 1\].*got -0\.1/],
      [{ kind: 'xor', testFraction: 1, seed: 1 }, /test fraction must be in \[0, 1\), got 1/],
      [{ kind: 'xor', samples: 2, testFraction: 0.9, seed: 1 }, /takes all 2 samples/],
      [{ kind: 'xor', seed: 0.5 }, /seed must be an integer, got 0.5/],
    ];
    for (const [options, message] of cases) expect(() => makeSyntheticDataset(options)).toThrow(message);
  });
});

function kindInfo(kind: SyntheticKind) {
  const info = SYNTHETIC_KINDS.find((entry) => entry.kind === kind);
  if (!info) throw new Error(`no table entry for ${kind}`);
  return info;
}
