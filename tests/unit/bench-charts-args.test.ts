/**
 * `npm run bench:charts` (scripts/bench-charts.ts): a bad command line ends with the flag named,
 * exit code 2 and nothing written, before a browser starts; and its section of BENCHMARKS.md
 * replaces only its own earlier section, leaving the benchmark runs around it as they were.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as benchCharts, withSection } from '../../scripts/bench-charts';
import { expectUserError, filesUnder, runScript } from './script-harness';

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'bench-charts-args-'));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('npm run bench:charts refuses a bad command line before measuring', () => {
  const cases: { name: string; args: string[]; field: string; fragment: string; setup?: (dir: string) => void }[] = [
    { name: 'an unknown history length', args: ['--histories', '1e4,1e9'], field: '--histories', fragment: 'a comma-separated list from 1e4, 1e5, 1e6, 1e7' },
    { name: 'no history length', args: ['--histories', ''], field: '--histories', fragment: 'a comma-separated list' },
    { name: 'too few frames', args: ['--frames', '5'], field: '--frames', fragment: 'from 10 to 10000' },
    { name: 'steps per frame not a number', args: ['--steps-per-frame', 'many'], field: '--steps-per-frame', fragment: 'from 1 to 10000' },
    { name: 'a panel narrower than a chart', args: ['--width', '100'], field: '--width', fragment: 'from 300 to 4000' },
    { name: 'a negative page run', args: ['--page-minutes', '-1'], field: '--page-minutes', fragment: 'from 0 to 240' },
    { name: 'a page run of days', args: ['--page-minutes', '10000'], field: '--page-minutes', fragment: 'from 0 to 240' },
    { name: 'an output that is a folder', args: ['--out', 'tables'], field: '--out', fragment: 'tables is a folder', setup: (dir) => mkdirSync(join(dir, 'tables')) },
  ];
  for (const refusal of cases) {
    it(refusal.name, async () => {
      const dir = mkdtempSync(join(workDir, 'case-'));
      refusal.setup?.(dir);
      const before = filesUnder(dir);
      // runScript's host refuses to start a server: a run that got as far as measuring fails differently.
      expectUserError(await runScript(benchCharts, refusal.args, dir), refusal.field, refusal.fragment);
      expect(filesUnder(dir)).toEqual(before);
    });
  }
});

describe('its section of BENCHMARKS.md', () => {
  const runs = '# Benchmarks\n\nHeader.\n\n## Run of 2026-11-27 22:14 UTC, commit a\n\nTable a.\n\n## Run of 2026-11-27 21:33 UTC, commit b\n\nTable b.\n';

  it('goes at the end the first time, and replaces itself afterwards wherever it stands', () => {
    const first = withSection(runs, '## Chart work per frame (one)\n\nFigures one.\n');
    expect(first).toBe(`${runs}\n## Chart work per frame (one)\n\nFigures one.\n`);
    const second = withSection(first, '## Chart work per frame (two)\n\nFigures two.\n');
    expect(second).toBe(`${runs}\n## Chart work per frame (two)\n\nFigures two.\n`);
    // Between two runs (where a benchmark run may have put it), it is replaced in place.
    const between = runs.replace('## Run of 2026-11-27 21:33', '## Chart work per frame (old)\n\nOld.\n\n## Run of 2026-11-27 21:33');
    const replaced = withSection(between, '## Chart work per frame (new)\n\nNew.\n');
    expect(replaced).toContain('Table a.\n\n## Chart work per frame (new)\n\nNew.\n\n## Run of 2026-11-27 21:33 UTC, commit b\n\nTable b.\n');
    expect(replaced).not.toContain('Old.');
    expect(replaced.match(/## Run of/g)).toHaveLength(2);
  });
});
