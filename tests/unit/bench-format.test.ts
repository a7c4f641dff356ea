/** What a new `npm run bench` run keeps of the benchmarks file it rewrites. */
import { describe, expect, test } from 'vitest';
import { keptSections } from '../../scripts/lib/bench-format';

const HEADER = '# Benchmarks\n\nIntro.\n\n## Method\n\n- how\n\n## The Node runtime\n\n- why\n';
const run = (n: number) => `## Run of 2026-12-0${n}, commit c${n}\n\n- figures ${n}\n\n### WebGPU\n\n| a |\n`;
const charts = '## Chart work per frame (`npm run bench:charts`)\n\n| steps | ms |\n\n### The page over 10 minutes\n\n- 25 frames/s\n';

describe('keptSections', () => {
  test('keeps the most recent runs, drops the header it rewrites, and keeps other scripts\u2019 sections whole after the runs', () => {
    const file = `${HEADER}\n${run(4)}\n${run(3)}\n${run(2)}\n${run(1)}\n${charts}`;
    const kept = keptSections(file, HEADER, '## Run of ', 3);
    expect(kept).toBe(`\n${run(4)}\n${run(3)}\n${run(2)}\n${charts}`);
    expect(kept).not.toContain('## Method');
    expect(kept).not.toContain('commit c1');
  });

  test('a section between runs or before them is kept, after the runs', () => {
    const file = `${HEADER}\n${charts}\n${run(2)}\n${run(1)}`;
    expect(keptSections(file, HEADER, '## Run of ', 1)).toBe(`\n${run(2)}\n${charts}`);
  });

  test('no runs kept, a file of the header alone, and an empty file', () => {
    expect(keptSections(`${HEADER}\n${run(1)}\n${charts}`, HEADER, '## Run of ', 0)).toBe(`\n${charts}`);
    expect(keptSections(HEADER, HEADER, '## Run of ', 3)).toBe('');
    expect(keptSections('', HEADER, '## Run of ', 3)).toBe('');
  });
});
