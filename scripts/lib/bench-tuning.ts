/**
 * The autotuner's part of `npm run bench`: per product shape of each GPU config, every candidate
 * variant's GFLOP/s as the tuner timed it and the one it chose; and the tuned plan against the
 * fixed rule's, trained in the same run. The figures come from measureTuning (bench-measure.ts),
 * whose candidate timings are the tuner's own report, not a second timing.
 */
import type { MatmulVariant } from '../../src/gpu/kernels';
import { productShapes } from '../../src/gpu/step-plan';
import type { ShapeTuning } from '../../src/gpu/tuner';
import { LOSSES, type LossName } from '../../src/model/losses';
import type { NetworkSpec } from '../../src/model/spec';
import { fmtRate, seconds, spread } from './bench-format';
import type { TuningResult } from './bench-types';
import type { GpuRuntime } from './gpu-runtime';

/** The Method lines of BENCHMARKS.md for the tuning tables. */
export const TUNING_METHOD = `- Tuned against the fixed rule, per runtime and GPU config, on the first loss asked for: a session built with the
  autotuner (src/gpu/tuner.ts) and no store, so it neither reads nor writes the choices cached for the adapter (the
  user's cache file, the page's localStorage) and times every candidate of every product shape afresh within --tune-ms;
  then a session on the fixed rule's plan (chooseStepPlan) from the same seed, so the same weights and batches. The
  candidates' GFLOP/s are the tuner's own report (src/gpu/product-timer.ts: after one product to warm up, as many as fill
  about 10 ms in one submission, timed from submit to onSubmittedWorkDone, best of two), the tuning time its own clock. The two sessions then train in timed
  windows of equal steps, sized on the rule's, in pairs whose order alternates (rule first, then tuned first), so load
  that comes and goes on a shared machine falls on both alike; "tuned / rule" divides their medians. Where the tuner
  chose the rule's variant for every shape, or the step is fused into one workgroup and has no products, both sessions
  run the same plan: the ratio is marked "(same plan)" and shows only how much the measurement moves. The
  ours-against-TF.js table runs the rule's plan, untuned.`;

/** One config's tuning on one runtime. */
export interface TuningRow {
  /** Where it was measured. */
  runtime: GpuRuntime;
  /** The benchmark config's name. */
  config: string;
  /** The loss both plans trained on. */
  loss: LossName;
  /** The network. */
  spec: NetworkSpec;
  /** What measureTuning returned. */
  result: TuningResult;
}

/** The config as the tables name it: its name and widths. */
function networkLabel(row: TuningRow): string {
  return `${row.config} [${row.spec.widths.join('-')}]`;
}

/** How much of the tuning the budget allowed: candidate timings taken of those there were to take. */
function tuningCoverage(result: TuningResult): { timed: number; total: number; shapesTuned: number; shapes: number } {
  const shapes = result.report?.shapes ?? [];
  return {
    timed: shapes.reduce((sum, shape) => sum + shape.candidates.length, 0),
    total: shapes.length * result.candidates.length,
    shapesTuned: shapes.filter((shape) => shape.source !== 'rule').length,
    shapes: shapes.length,
  };
}

/** The variant columns of the candidates table: every candidate of any row, in the order the first row lists them (the rule's first). */
function variantColumns(rows: readonly TuningRow[]): MatmulVariant[] {
  const columns: MatmulVariant[] = [];
  for (const row of rows) for (const variant of row.result.candidates) if (!columns.includes(variant)) columns.push(variant);
  return columns;
}

/** GFLOP/s of `variant` on `shape` as the tuner timed it: bold when chosen, "failed" when it could not run, "not timed" when the budget ran out first. */
function candidateCell(shape: ShapeTuning, variant: MatmulVariant): string {
  const timing = shape.candidates.find((candidate) => candidate.variant === variant);
  if (!timing) return 'not timed';
  if (timing.gflops === null) return 'failed';
  const figure = timing.gflops.toPrecision(3);
  return shape.source !== 'rule' && shape.chosen === variant ? `**${figure}**` : figure;
}

/** The chosen variant's GFLOP/s over the rule's on one shape, or "—" when either was not timed. */
function chosenOverRule(shape: ShapeTuning, ruleVariant: MatmulVariant): string {
  const gflops = (variant: MatmulVariant) => shape.candidates.find((candidate) => candidate.variant === variant)?.gflops ?? null;
  const chosen = gflops(shape.chosen);
  const rule = gflops(ruleVariant);
  return chosen === null || rule === null ? '—' : `${(chosen / rule).toFixed(2)}×`;
}

/** The layers (from 1) whose products have the shape `key`. */
function layersOf(spec: NetworkSpec, key: string): string {
  return productShapes(spec.widths, spec.batchSize)
    .filter((shape) => shape.key === key)
    .map((shape) => shape.layer + 1)
    .join(', ');
}

/**
 * Per runtime, config and distinct product shape: every candidate's GFLOP/s (the chosen one in
 * bold), the variant chosen and its speed over the rule's variant on that shape. Configs whose step
 * is fused have no rows (fusedConfigLines says so).
 */
export function candidatesTable(rows: readonly TuningRow[]): string {
  const layered = rows.filter((row) => row.result.report !== null && row.result.report.shapes.length > 0);
  if (layered.length === 0) return 'No config has matrix products to tune.';
  const columns = variantColumns(layered);
  const header = `| runtime | config | product shape (rows×cols×inner, loads) | layers | ${columns.map((variant) => `${variant} GFLOP/s`).join(' | ')} | rule's variant | chosen | chosen ÷ rule |`;
  const rule = `|---|---|---|---|${columns.map(() => '---:|').join('')}---|---|---:|`;
  const lines = layered.flatMap((row) =>
    row.result.report!.shapes.map(
      (shape) =>
        `| ${row.runtime} | ${networkLabel(row)} | ${shape.key} | ${layersOf(row.spec, shape.key)} | ${columns.map((variant) => candidateCell(shape, variant)).join(' | ')} | ` +
        `${row.result.ruleVariant} | ${shape.source === 'rule' ? `${shape.chosen} (rule: none timed)` : shape.chosen} | ${chosenOverRule(shape, row.result.ruleVariant)} |`,
    ),
  );
  return [header, rule, ...lines].join('\n');
}

/** One line per config whose step is fused: why it has no candidates. */
export function fusedConfigLines(rows: readonly TuningRow[]): string[] {
  return rows
    .filter((row) => row.result.kernel === 'fused')
    .map((row) => `- ${row.runtime} ${networkLabel(row)}: the step runs fused in one workgroup, so it has no matrix products to tune; the tuned plan is the rule's.`);
}

/** One line per candidate that could not run, with the reason the tuner recorded. */
export function candidateFailureLines(rows: readonly TuningRow[]): string[] {
  return rows.flatMap((row) =>
    (row.result.report?.shapes ?? []).flatMap((shape) =>
      shape.candidates.flatMap((candidate) => (candidate.error === undefined ? [] : [`- ${row.runtime} ${networkLabel(row)} ${shape.key}, ${candidate.variant}: ${candidate.error}`])),
    ),
  );
}

/** The tuning's extent: shapes tuned and candidates timed, and whether the budget cut it short. */
function coverageCell(result: TuningResult): string {
  if (result.kernel === 'fused') return 'fused step: nothing to tune';
  const { timed, total, shapesTuned, shapes } = tuningCoverage(result);
  return `${shapesTuned} of ${shapes} shapes, ${timed} of ${total} timings${timed < total ? ' (budget ran out)' : ''}`;
}

/** The tuner's time in seconds, or "—" when it did not run (fused). */
function tuningSeconds(result: TuningResult): string {
  return result.report ? seconds(result.report.elapsedMs) : '—';
}

/** Tuned plan against the rule's per runtime and config: tuning time and extent, samples/s of both, their ratio, and what runs. */
export function tunedAgainstRuleTable(rows: readonly TuningRow[]): string {
  const header = '| runtime | config | loss | batch | tuning s | tuned | rule samples/s | tuned samples/s | tuned / rule | steps per window | window spread rule, tuned | rule products | tuned products |';
  const rule = '|---|---|---|---:|---:|---|---:|---:|---:|---:|---|---|---|';
  const lines = rows.map((row) => {
    const { result } = row;
    return (
      `| ${row.runtime} | ${networkLabel(row)} | ${LOSSES[row.loss].shortLabel} | ${row.spec.batchSize} | ${tuningSeconds(result)} | ${coverageCell(result)} | ` +
      `${fmtRate(result.rule.medianSamplesPerSecond)} | ${fmtRate(result.tuned.medianSamplesPerSecond)} | ${tunedOverRule(result)} | ${result.rule.stepsPerWindow} | ` +
      `${spread(result.rule)}, ${spread(result.tuned)} | ${result.rule.plan ?? ''} | ${result.tuned.plan ?? ''} |`
    );
  });
  return [header, rule, ...lines].join('\n');
}

/** Whether the tuner chose the rule's variant for every product shape (or had none to choose), so both sessions ran the same plan. */
export function samePlan(result: TuningResult): boolean {
  return (result.report?.shapes ?? []).every((shape) => shape.chosen === result.ruleVariant);
}

/** The tuned plan's median samples/s over the rule's; when both ran the same plan, said so: the ratio is then the measurement's noise. */
function tunedOverRule(result: TuningResult): string {
  const ratio = (result.tuned.medianSamplesPerSecond / result.rule.medianSamplesPerSecond).toFixed(2);
  return samePlan(result) ? `${ratio} (same plan)` : ratio;
}

/** The progress line printed when a config's tuning and comparison are done. */
export function tuningProgressLine(row: TuningRow): string {
  const { result } = row;
  return (
    `${row.runtime} ${row.config}: tuning ${tuningSeconds(result)} s (${coverageCell(result)}); rule ${fmtRate(result.rule.medianSamplesPerSecond)} samples/s, ` +
    `tuned ${fmtRate(result.tuned.medianSamplesPerSecond)} samples/s, tuned / rule ${tunedOverRule(result)}`
  );
}

/** How the runs' candidates were timed, in words; per runtime when they differ. */
function clockPhrase(rows: readonly TuningRow[]): string {
  const words = (clock: string) => (clock === 'timestamp-query' ? "by the GPU's timestamp queries around each pass" : 'from submission to completion on the host clock');
  const byRuntime = new Map<string, string>();
  for (const row of rows) if (row.result.report) byRuntime.set(row.runtime, row.result.report.clock);
  const clocks = new Set(byRuntime.values());
  if (clocks.size <= 1) return words([...clocks][0] ?? 'submission');
  return [...byRuntime].map(([runtime, clock]) => `${words(clock)} on ${runtime}`).join(', ');
}

/** The BENCHMARKS.md subsection: what was asked, both tables, the fused configs and any candidate that failed. */
export function tuningSection(rows: readonly TuningRow[], budgetMs: number): string {
  if (rows.length === 0) return 'Not run (--tune-ms 0).';
  const notes = [...fusedConfigLines(rows), ...candidateFailureLines(rows)];
  return [
    `Tuned afresh in this run (no cached choice read or written), with a budget of ${budgetMs} ms per config; both plans trained on ${LOSSES[rows[0].loss].shortLabel}. ` +
      `Candidates timed ${clockPhrase(rows)}.`,
    candidatesTable(rows),
    tunedAgainstRuleTable(rows),
    ...(notes.length > 0 ? [notes.join('\n')] : []),
  ].join('\n\n');
}
