/**
 * `npm run bench:charts -- [--histories 1e4,1e6,1e7] [--frames 120] [--steps-per-frame 100]
 *   [--width 900] [--page-minutes 0] [--out BENCHMARKS.md]`
 *
 * Milliseconds of chart work per frame at several lengths of history, in headless Chromium
 * (scripts/pages/chart-bench-page.ts): the page's curves panel over a history of synthetic
 * metrics, each frame appending that frame's steps and drawing, for the whole run and for the
 * last 10,000 steps, and a draw right after a zoom. The figures must not grow with the history.
 *
 * With --page-minutes N it also runs the production build (`npm run build` first) as a user
 * would: the default network with Play pressed for N minutes, sampling the page's frames per
 * second, the steps per second and its memory, and profiling the main thread (the Profiler
 * domain) for 5 s in the first minute and at the end, so the work per frame can be compared.
 *
 * Writes its section, "## Chart work per frame", at the end of BENCHMARKS.md, replacing the one
 * before; a run without --page-minutes keeps the page figures of the one before.
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { CDPSession, Page } from 'puppeteer';
import { preview } from 'vite';
import { filePath, listOf, option, parseCommandArgs, realNumber, wholeNumber, type CommandDeclaration } from './lib/args';
import { launchHeadless } from './lib/browser';
import type { ScriptHost } from './lib/host';
import { checkOutputPath, writeOutputs } from './lib/output-files';
import { ConfigError, withUserErrors } from './lib/user-errors';
import type { ChartBenchRequest, ChartBenchResult, FrameTimes } from './pages/chart-bench-page';

/** History lengths the bench offers, by the name the command line takes. */
const HISTORIES: Record<string, number> = { '1e4': 10_000, '1e5': 100_000, '1e6': 1_000_000, '1e7': 10_000_000 };
const HISTORY_NAMES = Object.keys(HISTORIES);
const SECTION_HEADING = '## Chart work per frame';
const PAGE_HEADING = '### The page over';
/** Seconds between the long run's samples, and the length of each profile window. */
const SAMPLE_SECONDS = 15;
const PROFILE_SECONDS = 5;

const BENCH_CHARTS_COMMAND = {
  usage: 'npm run bench:charts -- [options]',
  options: {
    histories: option(listOf(HISTORY_NAMES, false), ['1e4', '1e6', '1e7'], `steps of history to time the charts at, from ${HISTORY_NAMES.join(', ')}`),
    frames: option(wholeNumber(10, 10_000), 120, 'timed frames per view'),
    stepsPerFrame: option(wholeNumber(1, 10_000), 100, "steps appended per frame (the page's loop records up to 256)"),
    width: option(wholeNumber(300, 4_000, 'PX'), 900, 'width of the curves panel in CSS pixels'),
    pageMinutes: option(realNumber(0, 240, 'MIN'), 0, 'also run the production build (npm run build first) with Play on for this long; 0 skips it'),
    out: option(filePath(), 'BENCHMARKS.md', 'where the section is written'),
  },
} satisfies CommandDeclaration;

type BenchChartsOptions = Exclude<ReturnType<typeof parseCommandArgs<typeof BENCH_CHARTS_COMMAND>>, number>;

/** A sample of the long page run. */
interface PageSample {
  /** Seconds since Play. */
  seconds: number;
  /** Steps the history holds. */
  steps: number;
  /** Animation frames the page has drawn since Play. */
  frames: number;
  /** JS heap in use, bytes. */
  heapBytes: number;
  /** Seconds the page's main thread has spent in tasks, and in script, since it opened (the Performance domain). */
  taskSeconds: number;
  scriptSeconds: number;
  /** The machine's load average over the last minute. */
  load: number;
}

/** Main-thread time per frame in a profile window, in total and by function. */
interface FrameProfile {
  /** Frames drawn during the window. */
  frames: number;
  /** Milliseconds of JavaScript per frame (neither idle, GC nor the browser's own work). */
  scriptMs: number;
  /** Milliseconds of garbage collection per frame. */
  gcMs: number;
  /** The functions with the most self time, in milliseconds per frame. */
  top: { name: string; ms: number }[];
  /** Milliseconds per frame with each of PAGE_WORK's methods on the stack (their own time and what they call), in PAGE_WORK's order. */
  work: number[];
}

/**
 * The page's per-frame work that issue 15 asks to check besides the curves, found in a profile by
 * the methods that do it: the minified build renames functions but keeps method and property names.
 * Both evaluations run through functions named `evaluate` (the test loss's and the views' jobs,
 * RunController.evaluate and the session's), so they are counted together.
 */
const PAGE_WORK: { label: string; functions: string[] }[] = [
  { label: 'the curves (CurvesPanel.draw)', functions: ['draw'] },
  { label: 'the decision boundary or digit strip, drawn (BoundaryPanel._drawPlane, _drawDigits)', functions: ['_drawPlane', '_drawDigits'] },
  { label: 'the saturation view, drawn (SaturationPanel._draw, confidentlyWrong)', functions: ['_draw', 'confidentlyWrong'] },
  { label: "the evaluations: test loss and the views' outputs (evaluate: inputs sent, outputs read back, scored)", functions: ['evaluate'] },
  { label: 'a test evaluation recorded (MetricsHistory.addTest)', functions: ['addTest'] },
];

/** A CPU profile as the Profiler domain returns it, in the fields read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Microseconds of each PAGE_WORK entry: the samples with one of its functions anywhere on the stack, each sample counted once per entry. */
export function workTimes(profile: CpuProfile): number[] {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const names = new Map(profile.nodes.map((node) => [node.id, node.callFrame.functionName]));
  const onStack = new Map<number, boolean[]>();
  const entriesOf = (id: number): boolean[] => {
    const known = onStack.get(id);
    if (known) return known;
    const parent = parents.get(id);
    const above = parent === undefined ? PAGE_WORK.map(() => false) : entriesOf(parent);
    const name = names.get(id) ?? '';
    const entries = PAGE_WORK.map((work, i) => above[i] || work.functions.includes(name));
    onStack.set(id, entries);
    return entries;
  };
  const totals = PAGE_WORK.map(() => 0);
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const delta = deltas[i + 1] ?? 0;
    entriesOf(id).forEach((on, entry) => {
      if (on) totals[entry] += delta;
    });
  });
  return totals;
}

/** What the long page run found. */
interface PageRun {
  minutes: number;
  samples: PageSample[];
  loadBefore: number;
  loadAfter: number;
  firstProfile: FrameProfile;
  lastProfile: FrameProfile;
  /** JS heap in use at the end after a garbage collection, bytes. */
  heapAfterGcBytes: number;
  /** Bytes of ArrayBuffer backing stores at the end (typed arrays, the history's among them), which the JS heap figure leaves out. */
  arrayBufferBytes: number;
  /** The history's bytes at the end for its steps, their stated bound, and its bytes for test evaluations. */
  stepBytes: number;
  stepBudgetBytes: number;
  testBytes: number;
}

function ms(value: number): string {
  return value < 0.1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function times(t: FrameTimes): string {
  return `${ms(t.median)} (p95 ${ms(t.p95)})`;
}

/** The chart table: one row per history length. */
function chartTable(results: ChartBenchResult[], stepsPerFrame: number): string {
  const views = results[0].views.map((v) => v.view);
  const header = [
    'steps of history',
    'history after the timed frames: steps, their memory (stated bound), test evaluations\' memory',
    `append ${stepsPerFrame} steps, ms`,
    ...views.map((view) => `draw, ${view}, ms`),
    'draw after a zoom, ms',
    'x positions drawn',
  ];
  const rows = results.map((r) =>
    [
      r.steps.toLocaleString('en-US'),
      `${r.finalSteps.toLocaleString('en-US')}: ${mib(r.stepBytes)} (${mib(r.budgetBytes)}), ${mib(r.testBytes)}`,
      times(r.views[0].append),
      ...r.views.map((v) => times(v.draw)),
      times(r.zoom),
      r.views.map((v) => v.points).join(', '),
    ].join(' | '),
  );
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---:' : '---')).join('|')}|`, ...rows.map((row) => `| ${row} |`)].join('\n');
}

/** Self time per function of a CPU profile, and the totals for script and GC. */
function selfTimes(profile: CpuProfile): { byName: Map<string, number>; scriptUs: number; gcUs: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byName = new Map<string, number>();
  let scriptUs = 0;
  let gcUs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => {
    const frame = nodes.get(id);
    const delta = deltas[i + 1] ?? 0;
    if (!frame) return;
    if (frame.functionName === '(garbage collector)') gcUs += delta;
    if (frame.functionName.startsWith('(')) return;
    scriptUs += delta;
    const file = frame.url.split('/').pop() ?? '';
    const name = `${frame.functionName || '(anonymous)'} (${file}:${frame.lineNumber + 1})`;
    byName.set(name, (byName.get(name) ?? 0) + delta);
  });
  return { byName, scriptUs, gcUs };
}

async function profileWindow(page: Page, cdp: CDPSession): Promise<FrameProfile> {
  const framesBefore = await page.evaluate(() => (window as unknown as { benchFrames(): number }).benchFrames());
  await cdp.send('Profiler.start');
  await new Promise((done) => setTimeout(done, PROFILE_SECONDS * 1000));
  const { profile } = await cdp.send('Profiler.stop');
  const frames = (await page.evaluate(() => (window as unknown as { benchFrames(): number }).benchFrames())) - framesBefore;
  const { byName, scriptUs, gcUs } = selfTimes(profile);
  const perFrame = (us: number) => us / 1000 / Math.max(1, frames);
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, us]) => ({ name, ms: perFrame(us) }));
  return { frames, scriptMs: perFrame(scriptUs), gcMs: perFrame(gcUs), top, work: workTimes(profile).map(perFrame) };
}

/** What the curves panel of the page says: steps recorded, and the history's bytes and bound. */
function pageHistory(page: Page): Promise<{ steps: number; stepBytes: number; testBytes: number; budget: number }> {
  return page.evaluate(() => {
    const panel = document.querySelector('mlp-playground')?.shadowRoot?.querySelector('curves-panel') as unknown as { history: { length: number; stepBytes: number; testBytes: number; budgetBytes: number } | null } | null;
    const history = panel?.history;
    return { steps: history?.length ?? 0, stepBytes: history?.stepBytes ?? 0, testBytes: history?.testBytes ?? 0, budget: history?.budgetBytes ?? 0 };
  });
}

/** Refuses a long page run when there is no production build to serve. */
async function checkBuild(host: ScriptHost): Promise<void> {
  const built = resolve(host.projectRoot, 'dist/index.html');
  try {
    await readFile(built);
  } catch {
    throw new ConfigError('the arguments', [{ field: '--page-minutes', message: `No production build at ${built}: run \`npm run build\` first.` }]);
  }
}

/** The production build with Play on the default network for `minutes`, sampled and profiled. */
async function runPage(host: ScriptHost, browser: Awaited<ReturnType<typeof launchHeadless>>['browser'], minutes: number): Promise<PageRun> {
  const server = await preview({ root: host.projectRoot, configFile: resolve(host.projectRoot, 'vite.config.ts'), preview: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview reported no address');
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 1400, height: 1000 });
    page.on('pageerror', (error) => host.stderr(`[page error] ${String(error)}\n`));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('mlp-playground')?.shadowRoot?.querySelector('[data-testid=status]')?.textContent?.includes('press Play') ?? false, { timeout: 120_000, polling: 200 });
    await page.evaluate(() => {
      let frames = 0;
      const tick = () => {
        frames++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      (window as unknown as { benchFrames(): number }).benchFrames = () => frames;
    });
    const cdp = await page.createCDPSession();
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    const loadBefore = loadavg()[0];
    const play = await page.waitForSelector('::-p-aria(Play)');
    await play!.click();
    const started = performance.now();
    const samples: PageSample[] = [];
    const sample = async () => {
      const { steps } = await pageHistory(page);
      const frames = await page.evaluate(() => (window as unknown as { benchFrames(): number }).benchFrames());
      const { JSHeapUsedSize, TaskDuration, ScriptDuration } = await page.metrics();
      samples.push({
        seconds: (performance.now() - started) / 1000,
        steps,
        frames,
        heapBytes: JSHeapUsedSize ?? 0,
        taskSeconds: TaskDuration ?? 0,
        scriptSeconds: ScriptDuration ?? 0,
        load: loadavg()[0],
      });
      const s = samples.at(-1)!;
      host.stderr(`${s.seconds.toFixed(0)} s: ${s.steps.toLocaleString('en-US')} steps, JS heap ${mib(s.heapBytes)}\n`);
    };
    const until = async (seconds: number) => {
      while ((performance.now() - started) / 1000 < seconds) await new Promise((done) => setTimeout(done, 200));
    };
    const total = minutes * 60;
    await sample();
    let firstProfile: FrameProfile | null = null;
    for (let t = SAMPLE_SECONDS; t <= total + 1e-9; t += SAMPLE_SECONDS) {
      await until(t);
      await sample();
      // Profiling slows the page: the first window follows the first minute's last sample, the
      // second the run's last sample, so neither falls in the minutes compared.
      if (!firstProfile && t >= 60) firstProfile = await profileWindow(page, cdp);
    }
    const lastProfile = await profileWindow(page, cdp);
    const history = await pageHistory(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const { JSHeapUsedSize } = await page.metrics();
    const { backingStorageSize } = await cdp.send('Runtime.getHeapUsage');
    return {
      minutes,
      samples,
      loadBefore,
      loadAfter: loadavg()[0],
      firstProfile: firstProfile ?? lastProfile,
      lastProfile,
      heapAfterGcBytes: JSHeapUsedSize ?? 0,
      arrayBufferBytes: backingStorageSize,
      stepBytes: history.stepBytes,
      stepBudgetBytes: history.budget,
      testBytes: history.testBytes,
    };
  } finally {
    await page.close();
    await new Promise<void>((done) => server.httpServer.close(() => done()));
  }
}

/** The long run's figures: first minute against last, the samples, memory and the profiles. */
function pageSection(run: PageRun): string {
  const at = (seconds: number) => run.samples.reduce((best, s) => (Math.abs(s.seconds - seconds) < Math.abs(best.seconds - seconds) ? s : best));
  const rate = (a: PageSample, b: PageSample) => {
    const frames = Math.max(1, b.frames - a.frames);
    return {
      fps: (b.frames - a.frames) / (b.seconds - a.seconds),
      steps: (b.steps - a.steps) / (b.seconds - a.seconds),
      taskMs: ((b.taskSeconds - a.taskSeconds) * 1000) / frames,
      scriptMs: ((b.scriptSeconds - a.scriptSeconds) * 1000) / frames,
    };
  };
  const end = run.samples.at(-1)!;
  const first = rate(run.samples[0], at(60));
  const last = rate(at(end.seconds - 60), end);
  const change = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;
  const sampleRows = run.samples.slice(1).map((s, i) => {
    const r = rate(run.samples[i], s);
    return `| ${s.seconds.toFixed(0)} | ${s.steps.toLocaleString('en-US')} | ${r.fps.toFixed(1)} | ${Math.round(r.steps).toLocaleString('en-US')} | ${ms(r.taskMs)} | ${ms(r.scriptMs)} | ${s.load.toFixed(1)} | ${mib(s.heapBytes)} |`;
  });
  const profileRows = (p: FrameProfile) => p.top.map((f) => `${f.name} ${ms(f.ms)}`).join('; ');
  return `${PAGE_HEADING} ${run.minutes} minutes (\`npm run bench:charts -- --page-minutes ${run.minutes}\`)

The production build (\`npm run build\`, served by \`vite preview\`) in headless Chromium at 1400×1000, WebGPU on
SwiftShader: the default network, Play pressed and left running. Load average (1 min) before / after:
${run.loadBefore.toFixed(2)} / ${run.loadAfter.toFixed(2)}; the machine's ${cpus().length} cores are shared with other engineers' work, so rates move with their load.

| | first minute | last minute | change |
|---|---:|---:|---:|
| page frames/s | ${first.fps.toFixed(1)} | ${last.fps.toFixed(1)} | ${change(first.fps, last.fps)} |
| steps/s | ${Math.round(first.steps).toLocaleString('en-US')} | ${Math.round(last.steps).toLocaleString('en-US')} | ${change(first.steps, last.steps)} |
| main-thread tasks per frame, ms | ${ms(first.taskMs)} | ${ms(last.taskMs)} | ${change(first.taskMs, last.taskMs)} |
| of which script, ms | ${ms(first.scriptMs)} | ${ms(last.scriptMs)} | ${change(first.scriptMs, last.scriptMs)} |
| load average (1 min) at the minute's end | ${at(60).load.toFixed(1)} | ${end.load.toFixed(1)} | |

Memory at the end (${end.steps.toLocaleString('en-US')} steps): JS heap ${mib(end.heapBytes)} in use, ${mib(run.heapAfterGcBytes)} after a
garbage collection, and ${mib(run.arrayBufferBytes)} of typed arrays besides, which the heap figure leaves out; of those the history
holds ${mib(run.stepBytes)} for its steps (their stated bound at this length: ${mib(run.stepBudgetBytes)}) and ${mib(run.testBytes)} for its test evaluations.

Main thread per frame (Profiler domain, ${PROFILE_SECONDS} s windows, self time; names as the minified build has them, canvas and
WebGPU calls by their own): after the first minute ${ms(run.firstProfile.scriptMs)} ms of
script and ${ms(run.firstProfile.gcMs)} ms of GC over ${run.firstProfile.frames} frames; at the end ${ms(run.lastProfile.scriptMs)} ms and
${ms(run.lastProfile.gcMs)} ms over ${run.lastProfile.frames} frames. Most self time per frame (ms), after the first minute: ${profileRows(run.firstProfile)}. At the end: ${profileRows(run.lastProfile)}.

The page's work per frame by what does it (ms per frame with the method on the stack, its callees included; same windows):

| work | after the first minute | at the end |
|---|---:|---:|
${PAGE_WORK.map((work, i) => `| ${work.label} | ${ms(run.firstProfile.work[i])} | ${ms(run.lastProfile.work[i])} |`).join('\n')}

Every ${SAMPLE_SECONDS} s, over the ${SAMPLE_SECONDS} s before (main-thread figures from the Performance domain, per frame drawn):

| seconds | steps | frames/s | steps/s | main-thread tasks, ms/frame | script, ms/frame | load average (1 min) | JS heap |
|---:|---:|---:|---:|---:|---:|---:|---:|
${sampleRows.join('\n')}
`;
}

/** BENCHMARKS.md with `section` in place of the one before it (at the end, where it is added the first time). */
export function withSection(text: string, section: string): string {
  const start = text.indexOf(`\n${SECTION_HEADING}`);
  if (start < 0) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf('\n## ', start + 1);
  return `${text.slice(0, start).trimEnd()}\n\n${section}${next < 0 ? '' : `\n${text.slice(next + 1)}`}`;
}

/** The page figures of an earlier section, kept when this run does not measure the page. */
function earlierPageFigures(text: string): string | null {
  const start = text.indexOf(`\n${SECTION_HEADING}`);
  if (start < 0) return null;
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  const page = section.indexOf(`\n${PAGE_HEADING}`);
  return page < 0 ? null : section.slice(page + 1).trimEnd();
}

async function runBenchCharts(options: BenchChartsOptions, args: string[], host: ScriptHost): Promise<number> {
  const outPath = resolve(host.cwd, options.out);
  await checkOutputPath(outPath, '--out', []);
  if (options.pageMinutes > 0) await checkBuild(host);
  const started = new Date();
  const loadBefore = loadavg()[0];
  const headless = await launchHeadless(host);
  const results: ChartBenchResult[] = [];
  let pageRun: PageRun | null = null;
  try {
    const page = await headless.open('/scripts/pages/chart-bench.html', { width: options.width + 100, height: 1000 });
    for (const name of options.histories) {
      const request: ChartBenchRequest = { steps: HISTORIES[name], frames: options.frames, stepsPerFrame: options.stepsPerFrame, width: options.width };
      const result = await page.evaluate((r) => window.benchCharts(r), request);
      results.push(result);
      host.stdout(
        `${result.steps.toLocaleString('en-US')} steps (recorded in ${result.fillSeconds.toFixed(1)} s): history of ${result.finalSteps.toLocaleString('en-US')} steps ${mib(result.stepBytes)} (bound ${mib(result.budgetBytes)}), tests ${mib(result.testBytes)}, append ${times(result.views[0].append)} ms, ` +
          `${result.views.map((v) => `draw ${v.view} ${times(v.draw)} ms`).join(', ')}, draw after a zoom ${times(result.zoom)} ms\n`,
      );
    }
    await page.close();
    if (options.pageMinutes > 0) pageRun = await runPage(host, headless.browser, options.pageMinutes);
  } finally {
    await headless.close();
  }
  const loadAfter = loadavg()[0];
  let previous = '';
  try {
    previous = await readFile(outPath, 'utf8');
  } catch {
    previous = '# Benchmarks\n';
  }
  const table = chartTable(results, options.stepsPerFrame);
  const pageFigures = pageRun ? pageSection(pageRun) : earlierPageFigures(previous);
  const section = `${SECTION_HEADING} (\`npm run bench:charts\`)

Written by scripts/bench-charts.ts; run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:charts${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\`, ${headless.version}
headless, ${cpus().length} logical cores, load average (1 min) before / after ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)} (shared with other engineers' work).

The page's curves panel (${options.width} CSS pixels wide) over a history of synthetic metrics of the default network (3
weight layers, a loss switch halfway, a test evaluation every 1,500 steps). After 10 untimed frames, each of ${options.frames} frames appends
${options.stepsPerFrame} steps to the history, then draws: reading the history's min/max pyramid, building uPlot's columns, uPlot drawing
them (CurvesPanel.draw). Median and 95th percentile in milliseconds. "Draw after a zoom" reads a new range at another level
(Zoom in and Zoom out in turn, from the whole run). The chart work per frame should not grow with the history.

${table}
${pageFigures ? `\n${pageFigures}\n` : ''}`;
  await writeOutputs([{ path: outPath, field: '--out', content: withSection(previous, section) }]);
  host.stdout(`\n${table}\n${pageRun ? `\n${pageSection(pageRun)}` : ''}\nwrote ${outPath}\n`);
  return 0;
}

export async function main(args: string[], host: ScriptHost): Promise<number> {
  const options = parseCommandArgs(BENCH_CHARTS_COMMAND, args, host);
  if (typeof options === 'number') return options;
  return withUserErrors(host, () => runBenchCharts(options, args, host));
}
