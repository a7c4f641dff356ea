/**
 * The autotuner's part of `npm run bench` without a GPU: the tables written from the tuner's own
 * report (every candidate per product shape, the choice, what the budget left out, what failed,
 * fused configs), the tuned-against-rule table, the alternation of the two plans' windows, and
 * the checks of --tune-ms. The reports here are made up; what is checked is computed from them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as bench } from '../../scripts/bench';
import { timeAlternatingWindows } from '../../scripts/lib/bench-measure';
import { candidateFailureLines, candidatesTable, fusedConfigLines, samePlan, tunedAgainstRuleTable, tuningSection, type TuningRow } from '../../scripts/lib/bench-tuning';
import type { BenchResult, TuningResult } from '../../scripts/lib/bench-types';
import type { MatmulVariant } from '../../src/gpu/kernels';
import { productShapes } from '../../src/gpu/step-plan';
import type { CandidateTiming, ShapeTuning } from '../../src/gpu/tuner';
import { DEFAULT_OPTIMIZER, type NetworkSpec } from '../../src/model/spec';
import { expectUserError, runScript } from './script-harness';

const CANDIDATES: MatmulVariant[] = ['registers', 'workgroup-memory', 'tiled-64-k16', 'tiled-128-k8-double'];

function specOf(widths: number[], batchSize: number): NetworkSpec {
  return {
    widths,
    hiddenActivations: widths.slice(1, -1).map(() => 'sigmoid'),
    outputActivation: 'softmax',
    loss: 'mse',
    optimizer: { ...DEFAULT_OPTIMIZER, kind: 'sgd', learningRate: 0.1 },
    batchSize,
    init: { kind: 'glorot', scale: 1 },
    seed: 1,
  };
}

/** A measurement whose windows ran at `rates` samples/s. */
function benchResult(rates: number[], plan: string): BenchResult {
  const sorted = [...rates].sort((a, b) => a - b);
  return { plan, stepsPerWindow: 7, windowSamplesPerSecond: rates, medianSamplesPerSecond: sorted[Math.floor(sorted.length / 2)] };
}

/** The distinct product shape keys of a network, as the tuner keys them. */
function shapeKeys(spec: NetworkSpec): string[] {
  return [...new Set(productShapes(spec.widths, spec.batchSize).map((shape) => shape.key))];
}

/** A tuning of `spec` where `timings(key, i)` gives each shape's candidate timings (the tuner's report sorts them fastest first). */
function tuningOf(spec: NetworkSpec, timings: (key: string, index: number) => CandidateTiming[], options: { rule?: number[]; tuned?: number[]; elapsedMs?: number } = {}): TuningResult {
  const shapes: ShapeTuning[] = shapeKeys(spec).map((key, index) => {
    const candidates = timings(key, index);
    const ran = candidates.filter((timing) => timing.gflops !== null).sort((a, b) => b.gflops! - a.gflops!);
    const sorted = [...ran, ...candidates.filter((timing) => timing.gflops === null)];
    return ran.length > 0 ? { key, chosen: ran[0].variant, source: 'measured', candidates: sorted } : { key, chosen: 'registers', source: 'rule', candidates: sorted };
  });
  return {
    kernel: 'layered',
    ruleVariant: 'registers',
    candidates: CANDIDATES,
    report: { adapter: 'test adapter', shapes, elapsedMs: options.elapsedMs ?? 12_345, budgetMs: 60_000, clock: 'submission' },
    rule: benchResult(options.rule ?? [900, 1000, 1100], 'registers ×8'),
    tuned: benchResult(options.tuned ?? [1150, 1200, 1300], 'tiled-64-k16 ×8'),
  };
}

/** Every candidate timed: GFLOP/s that differ per shape and variant, so each cell is its own. */
const allTimed = (_key: string, index: number): CandidateTiming[] => CANDIDATES.map((variant, v) => ({ variant, gflops: 1 + index + v * (index % 2 === 0 ? 0.7 : -0.2) }));

/** The cells of the table line whose shape column is `key`. */
function cellsOf(table: string, runtime: string, key: string): string[] {
  const line = table.split('\n').find((text) => text.startsWith(`| ${runtime} |`) && text.includes(`| ${key} |`));
  if (!line) throw new Error(`no line for ${runtime} ${key} in:\n${table}`);
  return line.split('|').slice(1, -1).map((cell) => cell.trim());
}

/** The header's cells. */
function headerOf(table: string): string[] {
  return table.split('\n')[0].split('|').slice(1, -1).map((cell) => cell.trim());
}

const LARGE = specOf([784, 1024, 1024, 10], 1024);
const MNIST = specOf([784, 256, 256, 10], 256);
const DEEP = specOf([4, 8, 8, 8, 2], 64);
const TOY = specOf([2, 8, 8, 1], 64);

describe('the candidates table: every candidate per product shape, from the tuner’s report', () => {
  const rows: TuningRow[] = [
    { runtime: 'chromium', config: 'large', loss: 'mse', spec: LARGE, result: tuningOf(LARGE, allTimed) },
    { runtime: 'node', config: 'mnist', loss: 'mse', spec: MNIST, result: tuningOf(MNIST, allTimed) },
    { runtime: 'node', config: 'deep', loss: 'mse', spec: DEEP, result: tuningOf(DEEP, allTimed) },
  ];
  const table = candidatesTable(rows);

  it('has a column per candidate, the rule’s first, and a line per distinct shape of each config', () => {
    const header = headerOf(table);
    expect(header.slice(4, 4 + CANDIDATES.length)).toEqual(CANDIDATES.map((variant) => `${variant} GFLOP/s`));
    const lines = table.split('\n').slice(2);
    expect(lines).toHaveLength(shapeKeys(LARGE).length + shapeKeys(MNIST).length + shapeKeys(DEEP).length);
  });

  it('gives each candidate’s GFLOP/s, the chosen one in bold, and the chosen over the rule’s', () => {
    for (const row of rows) {
      for (const shape of row.result.report!.shapes) {
        const cells = cellsOf(table, row.runtime, shape.key);
        for (const [v, variant] of CANDIDATES.entries()) {
          const gflops = shape.candidates.find((candidate) => candidate.variant === variant)!.gflops!;
          expect(cells[4 + v], `${row.config} ${shape.key} ${variant}`).toBe(variant === shape.chosen ? `**${gflops.toPrecision(3)}**` : gflops.toPrecision(3));
        }
        expect(cells[4 + CANDIDATES.length]).toBe('registers');
        expect(cells[5 + CANDIDATES.length]).toBe(shape.chosen);
        const chosen = shape.candidates.find((candidate) => candidate.variant === shape.chosen)!.gflops!;
        const rule = shape.candidates.find((candidate) => candidate.variant === 'registers')!.gflops!;
        expect(cells[6 + CANDIDATES.length]).toBe(`${(chosen / rule).toFixed(2)}×`);
      }
    }
  });

  it('names the layers whose products share a shape', () => {
    // [4, 8, 8, 8, 2]: layers 2 and 3 are both 8 → 8, so their forward products share one shape.
    const shared = productShapes(DEEP.widths, DEEP.batchSize).filter((shape) => shape.layer === 1 && shape.product === 'forward')[0];
    expect(cellsOf(table, 'node', shared.key)[3]).toBe('2, 3');
    const first = productShapes(LARGE.widths, LARGE.batchSize)[0];
    expect(cellsOf(table, 'chromium', first.key)[3]).toBe('1');
  });

  it('shows what the budget left untimed and a shape left to the rule, with no ratio for it', () => {
    const keys = shapeKeys(LARGE);
    // The budget ran out during the second shape: two of its candidates timed, none of the later shapes.
    const cut = tuningOf(LARGE, (_key, index) => (index === 0 ? allTimed(_key, index) : index === 1 ? allTimed(_key, index).slice(0, 2) : []));
    const cutTable = candidatesTable([{ runtime: 'node', config: 'large', loss: 'mse', spec: LARGE, result: cut }]);
    const partial = cellsOf(cutTable, 'node', keys[1]);
    expect(partial.slice(4, 8).filter((cell) => cell === 'not timed')).toHaveLength(2);
    const untouched = cellsOf(cutTable, 'node', keys[2]);
    expect(untouched.slice(4, 8)).toEqual(['not timed', 'not timed', 'not timed', 'not timed']);
    expect(untouched[9]).toBe('registers (rule: none timed)');
    expect(untouched[10]).toBe('—');
    const comparison = tunedAgainstRuleTable([{ runtime: 'node', config: 'large', loss: 'mse', spec: LARGE, result: cut }]);
    expect(comparison).toContain(`2 of ${keys.length} shapes, ${CANDIDATES.length + 2} of ${keys.length * CANDIDATES.length} timings (budget ran out)`);
  });

  it('marks a candidate that could not run, never bold, and lists its reason', () => {
    const failing = tuningOf(MNIST, (key, index) => allTimed(key, index).map((timing) => (timing.variant === 'tiled-128-k8-double' ? { variant: timing.variant, gflops: null, error: `pipeline of ${key} did not build` } : timing)));
    const row: TuningRow = { runtime: 'chromium', config: 'mnist', loss: 'mse', spec: MNIST, result: failing };
    const failTable = candidatesTable([row]);
    for (const key of shapeKeys(MNIST)) expect(cellsOf(failTable, 'chromium', key)[7]).toBe('failed');
    const lines = candidateFailureLines([row]);
    expect(lines).toHaveLength(shapeKeys(MNIST).length);
    for (const key of shapeKeys(MNIST)) expect(lines).toContain(`- chromium mnist [784-256-256-10] ${key}, tiled-128-k8-double: pipeline of ${key} did not build`);
  });
});

describe('fused configs and the tuned-against-rule table', () => {
  const fused: TuningResult = {
    kernel: 'fused',
    ruleVariant: 'registers',
    candidates: CANDIDATES,
    report: null,
    rule: benchResult([50_000, 52_000, 51_000], 'fused step, no products'),
    tuned: benchResult([49_000, 53_000, 50_500], 'fused step, no products'),
  };
  const rows: TuningRow[] = [
    { runtime: 'chromium', config: 'toy', loss: 'cross_entropy', spec: TOY, result: fused },
    { runtime: 'chromium', config: 'mnist', loss: 'cross_entropy', spec: MNIST, result: tuningOf(MNIST, allTimed, { rule: [2000, 2100, 1900], tuned: [2600, 2500, 2700], elapsedMs: 4321 }) },
    { runtime: 'node', config: 'large', loss: 'cross_entropy', spec: LARGE, result: tuningOf(LARGE, allTimed, { rule: [300, 310, 290], tuned: [280, 300, 295], elapsedMs: 98_765 }) },
  ];

  it('leaves a fused config out of the candidates table and says why', () => {
    expect(candidatesTable(rows)).not.toContain('toy');
    expect(candidatesTable([rows[0]])).toBe('No config has matrix products to tune.');
    expect(fusedConfigLines(rows)).toEqual(['- chromium toy [2-8-8-1]: the step runs fused in one workgroup, so it has no matrix products to tune; the tuned plan is the rule\'s.']);
  });

  it('gives per config the tuning time, both medians and their ratio, whichever plan is faster', () => {
    const table = tunedAgainstRuleTable(rows);
    const header = headerOf(table);
    const column = (name: string) => header.indexOf(name);
    for (const row of rows) {
      const cells = table.split('\n').find((line) => line.startsWith(`| ${row.runtime} | ${row.config} [`))!.split('|').slice(1, -1).map((cell) => cell.trim());
      const { rule, tuned, report } = row.result;
      expect(cells[column('tuning s')]).toBe(report ? (report.elapsedMs / 1000).toFixed(2) : '—');
      const ratio = (tuned.medianSamplesPerSecond / rule.medianSamplesPerSecond).toFixed(2);
      // allTimed makes a tiled variant the fastest on the first shape, so only the fused config runs the rule's plan.
      expect(cells[column('tuned / rule')]).toBe(row.result.kernel === 'fused' ? `${ratio} (same plan)` : ratio);
      expect(cells[column('rule products')]).toBe(rule.plan);
      expect(cells[column('tuned products')]).toBe(tuned.plan);
      expect(cells[column('loss')]).toBe('CE');
    }
    expect(table).toContain('fused step: nothing to tune');
    expect(table).toContain(`${shapeKeys(LARGE).length} of ${shapeKeys(LARGE).length} shapes, ${shapeKeys(LARGE).length * CANDIDATES.length} of ${shapeKeys(LARGE).length * CANDIDATES.length} timings |`);
  });

  it('writes a section with the budget and both tables, or says it was skipped', () => {
    const section = tuningSection(rows, 600_000);
    expect(section).toContain('budget of 600000 ms per config');
    expect(section).toContain(candidatesTable(rows));
    expect(section).toContain(tunedAgainstRuleTable(rows));
    expect(section).toContain(fusedConfigLines(rows)[0]);
    expect(tuningSection([], 0)).toBe('Not run (--tune-ms 0).');
  });
});

describe('samePlan: whether the tuned session ran the rule’s plan', () => {
  // allTimed makes a tiled variant fastest on shapes of even index and the rule's on odd ones; this makes the rule's fastest on all.
  const ruleFastest = (key: string, index: number) => allTimed(key, index).map((timing) => (timing.variant === 'registers' ? { ...timing, gflops: 100 } : timing));
  const cases: { name: string; result: TuningResult; same: boolean }[] = [
    { name: 'the rule’s variant fastest on every shape', result: tuningOf(MNIST, ruleFastest), same: true },
    { name: 'another variant fastest on one shape of eight', result: tuningOf(MNIST, (key, index) => (index === 2 ? allTimed(key, index) : ruleFastest(key, index))), same: false },
    { name: 'another variant fastest everywhere', result: tuningOf(LARGE, allTimed), same: false },
    { name: 'nothing timed: every shape left to the rule', result: tuningOf(LARGE, () => []), same: true },
    { name: 'a failed candidate, the rule fastest of the rest', result: tuningOf(DEEP, (key, index) => ruleFastest(key, index).map((timing) => (timing.variant === 'tiled-64-k16' ? { variant: timing.variant, gflops: null, error: 'no' } : timing))), same: true },
  ];
  for (const { name, result, same } of cases) {
    it(`${name}: ${same ? 'same plan' : 'a different plan'}`, () => {
      expect(samePlan(result)).toBe(same);
      const row: TuningRow = { runtime: 'node', config: 'c', loss: 'mse', spec: MNIST, result };
      expect(tunedAgainstRuleTable([row]).includes('(same plan)')).toBe(same);
    });
  }
});

describe('timeAlternatingWindows: the two plans take turns, in alternating order', () => {
  /** Two runners that record who ran how many steps, each taking a millisecond. */
  function recorders() {
    const calls: string[] = [];
    const runner = (name: string) => async (steps: number) => {
      calls.push(`${name} ${steps}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    };
    return { calls, reference: runner('rule'), contender: runner('tuned') };
  }

  for (const windows of [1, 2, 3, 6]) {
    it(`${windows} windows of given steps: both warm up, run one untimed window each, then pairs rule-tuned, tuned-rule, …`, async () => {
      const { calls, reference, contender } = recorders();
      const result = await timeAlternatingWindows(reference, contender, { warmupSteps: 2, windows, windowSeconds: 1, windowSteps: 5 });
      const pairs = Array.from({ length: windows }, (_, w) => (w % 2 === 0 ? ['rule 5', 'tuned 5'] : ['tuned 5', 'rule 5'])).flat();
      expect(calls).toEqual(['rule 2', 'tuned 2', 'rule 5', 'tuned 5', ...pairs]);
      expect(result.stepsPerWindow).toBe(5);
      expect(result.reference).toHaveLength(windows);
      expect(result.contender).toHaveLength(windows);
      for (const rate of [...result.reference, ...result.contender]) expect(rate > 0 && Number.isFinite(rate), `rate ${rate}`).toBe(true);
    });
  }

  it('sizes the window on the rule’s plan alone and gives both the same steps, untimed once and then timed', async () => {
    const { calls, reference, contender } = recorders();
    const result = await timeAlternatingWindows(reference, contender, { warmupSteps: 1, windows: 2, windowSeconds: 0.05, windowSteps: null });
    const timed = calls.slice(2);
    const probes = timed.slice(0, timed.length - 6);
    expect(timed.slice(-6, -4)).toEqual([`rule ${result.stepsPerWindow}`, `tuned ${result.stepsPerWindow}`]);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((call) => call.startsWith('rule '))).toBe(true);
    expect(timed.slice(-4)).toEqual([`rule ${result.stepsPerWindow}`, `tuned ${result.stepsPerWindow}`, `tuned ${result.stepsPerWindow}`, `rule ${result.stepsPerWindow}`]);
  });
});

describe('npm run bench: --tune-ms', () => {
  let workDir: string;
  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'bench-tuning-'));
  });
  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  for (const value of ['-1', '1.5', 'abc', '21600001', '1e6', '']) {
    it(`refuses ${JSON.stringify(value)} before anything runs, naming the flag and the range`, async () => {
      const result = await runScript(bench, ['--tune-ms', value, '--out', join(workDir, 'B.md')], workDir);
      expectUserError(result, '--tune-ms', 'a whole number from 0 to 21600000 (six hours per config at most)');
    });
  }

  it('is listed in the usage with its default', async () => {
    const result = await runScript(bench, ['--help'], workDir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--tune-ms MS\s+milliseconds the autotuner may spend per GPU config/);
    expect(result.stdout).toMatch(/0 skips the tuning tables \(default \d+\)/);
  });
});
