/**
 * The headless page behind `npm run bench:charts`: the page's curves panel (src/ui/curves-panel.ts)
 * over a history of synthetic metrics of a given length, timed frame by frame as the page runs it:
 * a frame's steps appended to the history, then the panel's draw (reading the history's pyramid,
 * building uPlot's columns, uPlot drawing them). Node calls window.benchCharts(request) once per
 * history length.
 */
import type { LossName } from '../../src/model/losses';
import type { StepMetrics } from '../../src/model/session';
import '../../src/ui/curves-panel';
import type { CurvesPanel } from '../../src/ui/curves-panel';
import { MetricsHistory } from '../../src/ui/metrics-history';

/** One measurement: a history of `steps` steps, then `frames` frames of `stepsPerFrame` steps each, per view. */
export interface ChartBenchRequest {
  /** Steps in the history before the timed frames. */
  steps: number;
  /** Timed frames per view. */
  frames: number;
  /** Steps appended per frame (the page's training loop records up to 256 a frame). */
  stepsPerFrame: number;
  /** Width of the curves panel in CSS pixels. */
  width: number;
}

/** Milliseconds of the timed frames: the median and the 95th percentile. */
export interface FrameTimes {
  /** The median frame. */
  median: number;
  /** The 95th-percentile frame. */
  p95: number;
}

/** What one measurement found. */
export interface ChartBenchResult {
  /** Steps in the history before the timed frames. */
  steps: number;
  /** Seconds it took to record them (not timed as chart work). */
  fillSeconds: number;
  /** Steps in the history after the timed frames. */
  finalSteps: number;
  /** Bytes the history holds for those steps (MetricsHistory.stepBytes). */
  stepBytes: number;
  /** The stated bound for them (MetricsHistory.budgetBytes). */
  budgetBytes: number;
  /** Bytes the history holds for its test evaluations (MetricsHistory.testBytes). */
  testBytes: number;
  /** Per view of the panel: the frames' append and draw times and the x positions the loss chart drew. */
  views: { view: string; append: FrameTimes; draw: FrameTimes; points: number }[];
  /** A draw right after Zoom in or Zoom out (a read of the whole range at another level). */
  zoom: FrameTimes;
}

declare global {
  interface Window {
    pageReady: boolean;
    benchCharts(request: ChartBenchRequest): Promise<ChartBenchResult>;
  }
}

/** The views timed, as the panel's view menu names them. */
const VIEWS = [
  { value: 'whole', label: 'whole run' },
  { value: 'follow:10000', label: 'last 10,000 steps' },
];
/** Metrics objects reused across appends, so filling 10⁷ steps does not allocate 10⁷ objects. */
const POOL_SIZE = 10_000;
/** A test evaluation every this many steps: the page scores one every 250 ms, 1,500 steps at 6,000 steps/s. */
const TEST_EVERY = 1_500;
/** Zooms timed after the frames. */
const ZOOMS = 20;
/** Frames drawn untimed first in each view, so the JIT has compiled the drawing. */
const WARM_UP_FRAMES = 10;

/** A smooth decay with noise and rare spikes, from a cheap deterministic generator (no Math.random: runs compare). */
class SyntheticRun {
  private seed = 12345;
  private readonly pool: StepMetrics[] = Array.from({ length: POOL_SIZE }, () => ({
    step: 0,
    activeLoss: 'mse' as LossName,
    losses: { mse: 0, cross_entropy: 0 },
    gradNormW: [0, 0, 0],
    gradNormB: [0, 0, 0],
    globalGradNorm: 0,
    outputDeltaNorm: 0,
    saturatedFraction: 0,
  }));
  step = 0;

  constructor(
    /** The step from which cross-entropy drives instead of MSE. */
    private readonly switchAt: number,
  ) {}

  private noise(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  /** The next `count` steps' metrics (count ≤ POOL_SIZE; valid until the next call). */
  next(count: number): StepMetrics[] {
    const metrics = this.pool.slice(0, count);
    for (const m of metrics) {
      const s = this.step++;
      const decay = Math.exp(-s / 2e6);
      const spike = this.noise() < 1e-4 ? 20 : 1;
      m.step = s;
      m.activeLoss = s < this.switchAt ? 'mse' : 'cross_entropy';
      m.losses.mse = 0.25 * decay * spike * (0.8 + 0.4 * this.noise());
      m.losses.cross_entropy = 0.7 * decay * spike * (0.8 + 0.4 * this.noise());
      for (let l = 0; l < 3; l++) m.gradNormW[l] = 0.1 * decay * (0.5 + this.noise());
      m.globalGradNorm = 0.2 * decay * (0.5 + this.noise());
      m.outputDeltaNorm = 0.05 * decay * (0.5 + this.noise());
      m.saturatedFraction = this.noise();
    }
    return metrics;
  }
}

function frameTimes(samples: number[]): FrameTimes {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] };
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** The panel's view menu. */
function viewMenu(panel: CurvesPanel): HTMLSelectElement {
  const menu = panel.shadowRoot!.querySelector('select');
  if (!menu) throw new Error('the curves panel has no view menu');
  return menu;
}

/** The panel's button labelled `label`. */
function button(panel: CurvesPanel, label: string): HTMLButtonElement {
  const found = [...panel.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === label);
  if (!found) throw new Error(`the curves panel has no ${label} button`);
  return found;
}

window.benchCharts = async ({ steps, frames, stepsPerFrame, width }) => {
  document.body.replaceChildren();
  const box = document.createElement('div');
  box.style.width = `${width}px`;
  document.body.append(box);
  const run = new SyntheticRun(Math.floor(steps / 2));
  // The default network: three weight layers.
  const history = new MetricsHistory(3);
  const started = performance.now();
  for (let left = steps; left > 0; ) {
    const count = Math.min(POOL_SIZE, left);
    history.append(run.next(count));
    left -= count;
  }
  for (let s = 0; s < steps; s += TEST_EVERY) history.addTest({ step: s, losses: { mse: 0.3, cross_entropy: 0.8 }, accuracy: 0.9 });
  const fillSeconds = (performance.now() - started) / 1000;

  const panel = document.createElement('curves-panel') as CurvesPanel;
  box.append(panel);
  panel.history = history;
  await panel.updateComplete;
  await nextFrame();
  const views: ChartBenchResult['views'] = [];
  const menu = viewMenu(panel);
  for (const view of VIEWS) {
    menu.value = view.value;
    menu.dispatchEvent(new Event('change'));
    await panel.updateComplete;
    panel.draw();
    const append: number[] = [];
    const draw: number[] = [];
    for (let frame = -WARM_UP_FRAMES; frame < frames; frame++) {
      await nextFrame();
      const t0 = performance.now();
      history.append(run.next(stepsPerFrame));
      const t1 = performance.now();
      panel.draw();
      if (frame >= 0) {
        draw.push(performance.now() - t1);
        append.push(t1 - t0);
      }
      if (run.step % TEST_EVERY < stepsPerFrame) history.addTest({ step: run.step, losses: { mse: 0.3, cross_entropy: 0.8 }, accuracy: 0.9 });
    }
    views.push({ view: view.label, append: frameTimes(append), draw: frameTimes(draw), points: panel.drawnLengths().loss });
  }
  const zoom: number[] = [];
  for (let z = 0; z < ZOOMS; z++) {
    await nextFrame();
    button(panel, z % 2 === 0 ? 'Zoom in' : 'Zoom out').click();
    // Timed before the frame the panel asked for, so the draw timed is the one that reads the new range.
    await panel.updateComplete;
    const t0 = performance.now();
    panel.draw();
    zoom.push(performance.now() - t0);
  }
  return { steps, fillSeconds, finalSteps: history.length, stepBytes: history.stepBytes, budgetBytes: history.budgetBytes, testBytes: history.testBytes, views, zoom: frameTimes(zoom) };
};

window.pageReady = true;
