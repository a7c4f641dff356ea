/**
 * What the share panel's buttons download: the run as JSON (configuration, where it trained, the
 * weights and optimizer state, the metrics) and the curves as CSV. Both hold every step the history
 * keeps whole and older steps at the finest resolution it keeps for them (src/ui/metrics-history.ts),
 * and both say which: the CSV in its header, the JSON in `metrics.resolution` and `metrics.ranges`.
 * Loss switches and test evaluations are exact in both. Downloads are Blob URLs; no user text goes
 * through innerHTML.
 */
import type { Session } from '../model/session';
import { describeResolution, type ExportedSeries, type MetricsHistory } from './metrics-history';
import type { PlaygroundConfig } from './playground-config';

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
}

/** Downloads the run as JSON, named by its step. */
export async function exportRunJson({ session, history, config, adapter }: ExportedRun): Promise<void> {
  const snapshot = await session.snapshot();
  const rows = history.exportRows();
  // Per series: each row's mean under its own name (a row of one step holds its value), its extremes under min and max.
  const byName = (pick: (s: ExportedSeries) => number[]) => ({
    ...Object.fromEntries(rows.series.filter((s) => s.layer === null).map((s) => [s.jsonName, pick(s)])),
    gradNormW: rows.series.filter((s) => s.layer !== null).map(pick),
  });
  const file = {
    format: 'webgpu-mlp-playground run',
    config,
    backend: session.backend,
    adapter,
    dataset: { name: session.dataset.name, trainCount: session.dataset.trainCount, testCount: session.dataset.testCount },
    snapshot: { step: snapshot.step, loss: snapshot.loss, parameters: Array.from(snapshot.parameters), optimizerSlots: snapshot.optimizerSlots.map((s) => Array.from(s)) },
    metrics: {
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
    },
  };
  downloadText(`mlp-run-step${snapshot.step}.json`, JSON.stringify(file), 'application/json');
}

/** Downloads the curves as CSV (MetricsHistory.toCsv). */
export function exportCurvesCsv(history: MetricsHistory): void {
  downloadText('mlp-curves.csv', history.toCsv(), 'text/csv');
}
