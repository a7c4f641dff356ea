/**
 * What the share panel's buttons download: the run as JSON (configuration, where it trained, the
 * weights and optimizer state, the metrics) and the curves as CSV. Both hold every step the history
 * keeps whole and older steps at the finest resolution it keeps for them (src/ui/metrics-history.ts),
 * and both say which: the CSV in its header, the JSON in `metrics.resolution` and `metrics.ranges`.
 * Loss switches and test evaluations are exact in both. A forked run's exports say so and hold
 * both branches: the JSON a `fork` entry with each branch's weights and metrics, the CSV a first
 * column naming each row's branch. Downloads are Blob URLs; no user text goes through innerHTML.
 */
import type { Session } from '../model/session';
import { describeResolution, type ExportedSeries, type MetricsHistory } from './metrics-history';
import type { PlaygroundConfig } from './playground-config';
import type { RunBranch } from './run-controller';

/** Offers `content` as a file download through a temporary Blob URL. */
function downloadText(fileName: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The run to export. */
interface ExportedRun {
  /** The running session, read for its weights and optimizer state. */
  session: Session;
  /** Its history of metrics and test evaluations. */
  history: MetricsHistory;
  /** Its configuration. */
  config: PlaygroundConfig;
  /** The adapter it trains on, in words. */
  adapter: string;
  /** The fork while the run is forked (its first branch is `session` with `history`), else null. */
  fork: ExportedFork | null;
}

/** A forked run, as the exports describe it. */
interface ExportedFork {
  /** The step both branches started from. */
  step: number;
  /** The branches, in order. */
  branches: readonly Pick<RunBranch, 'label' | 'loss' | 'session' | 'history'>[];
}

/** The sentence that says a run was forked. */
function forkNote(fork: { step: number; branches: readonly Pick<RunBranch, 'label'>[] }): string {
  return (
    `This run was forked at step ${fork.step} into the ${fork.branches.map((branch) => branch.label).join(' and the ')}: ` +
    `steps before ${fork.step} are the same run in every branch; from step ${fork.step} on each branch trained with its own loss, from the same weights, optimizer state and batches.`
  );
}

/** A session's weights and optimizer state, as the JSON holds them. */
async function exportedSnapshot(session: Session) {
  const snapshot = await session.snapshot();
  return { step: snapshot.step, loss: snapshot.loss, parameters: Array.from(snapshot.parameters), optimizerSlots: snapshot.optimizerSlots.map((s) => Array.from(s)) };
}

/** A history's metrics, as the JSON holds them. */
function exportedMetrics(history: MetricsHistory) {
  const rows = history.exportRows();
  // Per series: each row's mean under its own name (a row of one step holds its value), its extremes under min and max.
  const byName = (pick: (s: ExportedSeries) => number[]) => ({
    ...Object.fromEntries(rows.series.filter((s) => s.layer === null).map((s) => [s.jsonName, pick(s)])),
    gradNormW: rows.series.filter((s) => s.layer !== null).map(pick),
  });
  return {
    resolution: describeResolution(rows.ranges),
    ranges: rows.ranges,
    step: rows.firstStep,
    lastStep: rows.lastStep,
    active: rows.active,
    ...byName((s) => s.mean),
    min: byName((s) => s.min),
    max: byName((s) => s.max),
    switches: history.switches,
    tests: history.tests,
  };
}

/**
 * A forked run's curves as one CSV: its '#' lines say the run was forked and where, then each
 * branch's own '#' lines (named with the branch), then one header with a first column `branch`,
 * then every row of each branch in turn, named by that column.
 */
export function forkedCsv(fork: { step: number; branches: readonly Pick<RunBranch, 'label' | 'history'>[] }): string {
  const lines = [`# ${forkNote(fork)} The first column names each row's branch.`];
  let header: string | null = null;
  const rows: string[] = [];
  for (const branch of fork.branches) {
    const branchLines = branch.history.toCsv().trimEnd().split('\n');
    const firstRow = branchLines.findIndex((line) => !line.startsWith('#'));
    lines.push(...branchLines.slice(0, firstRow).map((line) => `# ${branch.label}: ${line.slice(1).trim()}`));
    // Both branches' histories have the same layout, so one header serves.
    header ??= `branch,${branchLines[firstRow]}`;
    rows.push(...branchLines.slice(firstRow + 1).map((line) => `${branch.label},${line}`));
  }
  return [...lines, header ?? 'branch', ...rows].join('\n') + '\n';
}

/**
 * Downloads the run as JSON, named by its step. A forked run's file holds its first branch as the
 * run (snapshot, metrics) and every branch under `fork`, with the sentence that says so.
 */
export async function exportRunJson({ session, history, config, adapter, fork }: ExportedRun): Promise<void> {
  const snapshot = await exportedSnapshot(session);
  const forked = fork
    ? {
        step: fork.step,
        note: forkNote(fork),
        branches: await Promise.all(fork.branches.map(async (branch) => ({ label: branch.label, loss: branch.loss, snapshot: await exportedSnapshot(branch.session), metrics: exportedMetrics(branch.history) }))),
      }
    : null;
  const file = {
    format: 'webgpu-mlp-playground run',
    config,
    backend: session.backend,
    adapter,
    dataset: { name: session.dataset.name, trainCount: session.dataset.trainCount, testCount: session.dataset.testCount },
    snapshot,
    metrics: exportedMetrics(history),
    fork: forked,
  };
  downloadText(`mlp-run-step${snapshot.step}.json`, JSON.stringify(file), 'application/json');
}

/** Downloads the curves as CSV (MetricsHistory.toCsv; both branches, forkedCsv, while the run is forked). */
export function exportCurvesCsv(history: MetricsHistory, fork: ExportedFork | null): void {
  downloadText(fork ? 'mlp-curves-forked.csv' : 'mlp-curves.csv', fork ? forkedCsv(fork) : history.toCsv(), 'text/csv');
}
