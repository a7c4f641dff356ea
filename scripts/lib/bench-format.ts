/** How `npm run bench` writes its figures, shared by every table it prints (scripts/bench.ts, scripts/lib/bench-tuning.ts). */
import type { BenchResult } from './bench-types';

/** Samples (or steps) per second: whole numbers with thousands separators from 1000 up, three significant digits below. */
export function fmtRate(samplesPerSecond: number): string {
  return samplesPerSecond >= 1000 ? Math.round(samplesPerSecond).toLocaleString('en-US') : samplesPerSecond.toPrecision(3);
}

/** Smallest and largest window, as a share of the median: how steady the measurement was. */
export function spread(result: BenchResult): string {
  const min = Math.min(...result.windowSamplesPerSecond);
  const max = Math.max(...result.windowSamplesPerSecond);
  return `${Math.round((100 * (min - result.medianSamplesPerSecond)) / result.medianSamplesPerSecond)}/+${Math.round((100 * (max - result.medianSamplesPerSecond)) / result.medianSamplesPerSecond)}%`;
}

/** Milliseconds as seconds with two decimals. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

/**
 * The sections of a benchmarks file that a new run keeps after its own: the `runsKept` most recent
 * run sections (headed `runHeading`), then whole every other `## ` section the header does not
 * write, such as those other scripts add (`npm run bench:charts`). Each section ends in one newline.
 */
export function keptSections(text: string, header: string, runHeading: string, runsKept: number): string {
  const headerHeadings = new Set(header.split('\n').filter((line) => line.startsWith('## ')));
  const sections = text.split(/\n(?=## )/).slice(1).map((section) => `\n${section.trimEnd()}\n`);
  const isRun = (section: string) => section.startsWith(`\n${runHeading}`);
  const heading = (section: string) => section.slice(1).split('\n', 1)[0];
  const runs = sections.filter(isRun).slice(0, runsKept);
  const others = sections.filter((section) => !isRun(section) && !headerHeadings.has(heading(section)));
  return [...runs, ...others].join('');
}
