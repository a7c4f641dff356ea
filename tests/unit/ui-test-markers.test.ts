/** When the curves mark each test evaluation: only while they are sparse enough to tell apart (markersFit). */
import { describe, expect, test } from 'vitest';
import { markersFit } from '../../src/ui/curve-series';

/** A series of `length` steps with a value every `every` steps and null between, as the test series is drawn. */
function sparse(length: number, every: number): (number | null)[] {
  return Array.from({ length }, (_, i) => (i % every === 0 ? 0.5 : null));
}

describe('markersFit', () => {
  test('one marker per 8 pixels at most: 100 values fit 800 pixels, 101 do not, 1 fits 8', () => {
    expect(markersFit(sparse(1000, 10), 0, 999, 800)).toBe(true);
    expect(markersFit(sparse(1010, 10), 0, 1009, 800)).toBe(false);
    expect(markersFit([0.1], 0, 0, 8)).toBe(true);
    expect(markersFit([0.1, 0.2], 0, 1, 8)).toBe(false);
  });

  test('counts only the values in the range drawn, and only non-null ones', () => {
    const series = sparse(100_000, 2);
    expect(markersFit(series, 0, 99_999, 900)).toBe(false);
    // A zoom onto 200 steps holds 100 values: they fit 800 pixels.
    expect(markersFit(series, 5_000, 5_199, 800)).toBe(true);
    expect(markersFit(Array.from({ length: 5_000 }, () => null), 0, 4_999, 100)).toBe(true);
  });

  test('a range past either end reads what exists, and a plot narrower than one marker shows none', () => {
    expect(markersFit([1, 2, 3], -5, 50, 24)).toBe(true);
    expect(markersFit([1, 2, 3], -5, 50, 16)).toBe(false);
    expect(markersFit([1], 0, 0, 7)).toBe(false);
  });
});
