/**
 * `npm run bench:charts` (scripts/bench-charts.ts) attributes a profile's samples to the page's
 * work by the methods on each sample's stack: a method's callees count for it, a sample counts once
 * per kind of work however often its method recurs, and unrelated samples count for none.
 */
import { describe, expect, it } from 'vitest';
import { workTimes } from '../../scripts/bench-charts';

/** A profile of a call tree given as [id, functionName, children]; samples are node ids. */
function profile(tree: [number, string, number[]][], samples: number[], deltas: number[]) {
  return {
    nodes: tree.map(([id, functionName, children]) => ({ id, callFrame: { functionName, url: 'index.js', lineNumber: 0 }, children })),
    samples,
    timeDeltas: deltas,
  };
}

describe('bench:charts work per frame from a profile', () => {
  // (root) → draw → mangled helper; (root) → evaluate → evaluate → mangled; (root) → _drawPlane; (root) → unrelated.
  const tree: [number, string, number[]][] = [
    [1, '(root)', [2, 4, 7, 8]],
    [2, 'draw', [3]],
    [3, 'Ke', []],
    [4, 'evaluate', [5]],
    [5, 'evaluate', [6]],
    [6, 'Qt', []],
    [7, '_drawPlane', []],
    [8, 'tick', []],
  ];

  it('counts callees for their caller, nested calls once, and nothing for unrelated samples', () => {
    // Each sample holds the delta that follows it (timeDeltas[i + 1]).
    const times = workTimes(profile(tree, [3, 2, 6, 5, 7, 8, 1], [0, 10, 20, 30, 40, 50, 60, 70]));
    // PAGE_WORK's order: curves, boundary, saturation, evaluations, addTest.
    expect(times).toEqual([30, 50, 0, 70, 0]);
  });

  it('gives zero for every kind of work when no sample falls in one', () => {
    expect(workTimes(profile(tree, [8, 1, 8], [0, 5, 5, 5]))).toEqual([0, 0, 0, 0, 0]);
    expect(workTimes(profile(tree, [], []))).toEqual([0, 0, 0, 0, 0]);
  });
});
