/**
 * Streaming curves (uPlot): every loss every step, train and test; per-layer gradient norms and the
 * output-delta norm on a log axis; test accuracy and the saturated fraction. The loss that drives
 * training is drawn solid, the other dashed, and every loss switch is a labelled vertical line.
 * A forked run's branches are overlaid on the same charts, one line style per branch (solid for the
 * first, dashed for the second), each series named with its branch in the legend, and the fork
 * step marked like a switch (src/ui/fork-curves.ts).
 *
 * The charts show the whole run, the last N steps as they come, or a range: dragging across a chart
 * zooms on those steps, double-clicking shows the whole run again, and the view menu and buttons
 * do the same from the keyboard. Redraws at most once per animation frame, reading the history at
 * the level that fits the plot's width and only what it added since the last frame
 * (src/ui/curve-series.ts).
 */
import { LitElement, css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { LOSSES, LOSS_NAMES, type LossName } from '../model/losses';
import { CurveSeries, markersFit, viewRange, WHOLE_RUN, type ChartName, type CurveView, type DrawnCurves } from './curve-series';
import { BRANCH_LINES } from './fork-branches';
import { forkCharts } from './fork-curves';
import { panelStyles } from './form';
import type { MetricsHistory } from './metrics-history';
import { LAYER_COLORS, lossColor } from './palette';

/** Buckets per CSS pixel of plot width: each is drawn as two points (its minimum and maximum). */
const POINTS_PER_PIXEL = 2;
/**
 * x positions drawn per chart at most: the history keeps 2,048 buckets per level
 * (HISTORY_BUDGET), so a recent range is drawn at the resolution asked for up to 1,024 buckets.
 */
const MAX_DRAWN_POINTS = 2048;
/** The "last N steps" choices of the view menu. */
const FOLLOW_STEPS = [1_000, 10_000, 100_000, 1_000_000];
/** A zoomed range spans at least this many steps. */
const MIN_ZOOM_STEPS = 8;
/** A drag narrower than this (CSS pixels) is a click, not a zoom. */
const MIN_DRAG_PIXELS = 3;
const SWITCH_COLOR = '#222';
/** Rows of switch labels stacked at the top of a plot before a label is left out. */
const LABEL_ROWS = 3;

/** Steps in words, with thousands separators. */
function stepText(step: number): string {
  return Math.round(step).toLocaleString('en-US');
}

/** Tick labels of a log axis: plain decimals down to 0.01, then powers of ten (uPlot's default rounds 1e-4 to "0"). */
function logTickLabels(_u: uPlot, splits: (number | null)[]): string[] {
  // uPlot passes null for ticks it leaves unlabelled on a log axis.
  return splits.map((v) => (v === null ? '' : v >= 0.01 ? String(v) : v.toExponential(0)));
}

/** A labelled vertical line on every chart: a loss switch, or the step a run was forked at. */
interface StepMark {
  /** The step it marks. */
  step: number;
  /** Its label: "→ Cross-entropy", "Fork → MSE | CE". */
  label: string;
}

/** The branches of a forked run, as the panel draws them. */
export interface CurvesFork {
  /** The step both branches started from. */
  step: number;
  /** The branches in order, each with its name and loss: the first's history is the panel's `history`. */
  branches: readonly { label: string; loss: LossName; history: MetricsHistory }[];
}

/** The first index of `switches` (in step order) at `step` or later. */
function firstSwitchFrom(switches: readonly StepMark[], step: number): number {
  let low = 0;
  let high = switches.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (switches[middle].step < step) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Draws a vertical line at every mark (loss switches, a fork) within the x axis, and its label where
 * there is room: labels that would overlap stack in up to LABEL_ROWS rows. `drawn` gets the labels drawn.
 */
function switchMarkers(getMarks: () => readonly StepMark[] | null, drawn: (u: uPlot, labels: string[]) => void): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const switches = getMarks();
        const labels: string[] = [];
        const { min, max } = u.scales.x;
        if (!switches || min === undefined || max === undefined) return;
        const { ctx } = u;
        const { top, height, left, width } = u.bbox;
        const pad = 2 * devicePixelRatio;
        const rowHeight = 13 * devicePixelRatio;
        const rowEnds = new Array<number>(LABEL_ROWS).fill(-Infinity);
        ctx.save();
        ctx.strokeStyle = SWITCH_COLOR;
        // Two device pixels wide on an integer x: both columns fully covered, a crisp line.
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([]);
        ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
        ctx.textBaseline = 'top';
        // uPlot leaves its axis alignment on the shared context.
        ctx.textAlign = 'left';
        for (let i = firstSwitchFrom(switches, min); i < switches.length && switches[i].step <= max; i++) {
          const change = switches[i];
          const x = Math.round(u.valToPos(change.step, 'x', true));
          if (x < left || x > left + width) continue;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          const label = change.label;
          const labelWidth = ctx.measureText(label).width + 2 * pad;
          const row = rowEnds.findIndex((end) => end <= x);
          if (row < 0) continue;
          rowEnds[row] = x + pad + labelWidth;
          const y = top + pad + row * (rowHeight + pad);
          // A white box under the label keeps it readable over the curves.
          ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
          ctx.fillRect(x + pad, y, labelWidth, rowHeight);
          ctx.fillStyle = SWITCH_COLOR;
          ctx.fillText(label, x + 2 * pad, y + pad);
          labels.push(`${label} at step ${change.step}`);
        }
        ctx.restore();
        drawn(u, labels);
      },
    },
  };
}

/** Markers for the test evaluations, drawn while markersFit says they are sparse enough to tell apart. */
function testMarkers(fill?: string): uPlot.Series.Points {
  return {
    size: 5,
    ...(fill ? { fill } : {}),
    show: (u, seriesIdx, idx0, idx1) => markersFit(u.data[seriesIdx] as ArrayLike<number | null>, idx0, idx1, u.bbox.width / devicePixelRatio),
  };
}

/** A series in branch b's line style (BRANCH_LINES): the first branch's, or a run's that is not forked, solid. */
function branchLine(b: number, series: uPlot.Series): uPlot.Series {
  const dash = BRANCH_LINES[b]?.dash;
  return dash ? { ...series, dash } : series;
}

/** The view menu's value for a view. */
function viewValue(view: CurveView): string {
  return view.kind === 'whole' ? 'whole' : view.kind === 'follow' ? `follow:${view.steps}` : 'range';
}

export class CurvesPanel extends LitElement {
  static override properties = {
    history: { attribute: false },
    revision: { type: Number },
    fork: { attribute: false },
    _view: { state: true },
  };

  static override styles = [
    panelStyles,
    unsafeCSS(uPlotCss),
    css`
      .chart {
        margin-bottom: 0.6rem;
      }
      h3 {
        font-size: 0.85rem;
        margin: 0.2rem 0;
        font-weight: 600;
      }
      .view {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem;
        margin: 0 0 0.3rem;
      }
      .view label {
        margin: 0;
      }
      .view label > span:first-child {
        min-width: 0;
      }
      .hint {
        margin: 0.1rem 0 0.4rem;
      }
    `,
  ];

  /** The run's metrics; each redraw reads what it added since the last one (all of it after a rewind). */
  declare history: MetricsHistory | null;
  /** Changes whenever the history does (its `revision`), so the panel knows to redraw. */
  declare revision: number;
  /** The branches while the run is forked (the first one's history is `history`), else null. */
  declare fork: CurvesFork | null;
  /** Which steps the charts show. */
  declare private _view: CurveView;

  private charts: Partial<Record<ChartName, uPlot>> = {};
  private drawFrame = 0;
  private drawnHistory: MetricsHistory | null = null;
  /** The fork the charts were built for (their series differ), or null. */
  private drawnFork: CurvesFork | null = null;
  private readonly series = new CurveSeries(MAX_DRAWN_POINTS);
  /** The second branch's columns while the run is forked. */
  private readonly branchSeries = new CurveSeries(MAX_DRAWN_POINTS);
  /** The marks drawn, and what they were made from (the history's trims and switches, the fork). */
  private marks: readonly StepMark[] = [];
  private marksKey = '';
  private resizeObserver: ResizeObserver | null = null;
  /** What the last frame drew, for the buttons (which act on the steps shown) and the test hooks. */
  private lastDrawn: DrawnCurves | null = null;
  private readonly switchLabels = new Map<uPlot, string[]>();

  constructor() {
    super();
    this.history = null;
    this.revision = 0;
    this.fork = null;
    this._view = WHOLE_RUN;
  }

  /** Number of x positions each chart currently draws (a test hook: the curves grow while training). */
  drawnLengths(): Record<ChartName, number> {
    const length = (name: ChartName) => this.charts[name]?.data[0]?.length ?? 0;
    return { loss: length('loss'), gradients: length('gradients'), accuracy: length('accuracy') };
  }

  /**
   * What the charts show (a test hook): the view, each chart's x axis, the steps per drawn bucket,
   * and the switch labels each chart drew.
   */
  shownSteps(): { view: CurveView; axes: Record<ChartName, { min: number; max: number }>; finestStepsPerPoint: number; coarsestStepsPerPoint: number; switchLabels: Record<ChartName, string[]> } {
    const axis = (name: ChartName) => ({ min: this.charts[name]?.scales.x.min ?? Number.NaN, max: this.charts[name]?.scales.x.max ?? Number.NaN });
    const labels = (name: ChartName) => {
      const chart = this.charts[name];
      return chart ? (this.switchLabels.get(chart) ?? []) : [];
    };
    return {
      view: this._view,
      axes: { loss: axis('loss'), gradients: axis('gradients'), accuracy: axis('accuracy') },
      finestStepsPerPoint: this.lastDrawn?.finestStepsPerPoint ?? 1,
      coarsestStepsPerPoint: this.lastDrawn?.coarsestStepsPerPoint ?? 1,
      switchLabels: { loss: labels('loss'), gradients: labels('gradients'), accuracy: labels('accuracy') },
    };
  }

  /**
   * Each chart's series as drawn (a test hook): its legend label, how many points it has, and the
   * step of its last point (NaN when it has none).
   */
  drawnSeries(): Record<ChartName, { label: string; points: number; lastStep: number }[]> {
    const of = (name: ChartName) => {
      const chart = this.charts[name];
      if (!chart) return [];
      const x = chart.data[0] as ArrayLike<number>;
      return chart.series.slice(1).map((series, i) => {
        const values = (chart.data[i + 1] ?? []) as ArrayLike<number | null | undefined>;
        let points = 0;
        let lastStep = Number.NaN;
        for (let p = 0; p < values.length; p++) {
          if (typeof values[p] === 'number' && Number.isFinite(values[p])) {
            points++;
            lastStep = x[p];
          }
        }
        return { label: String(series.label ?? ''), points, lastStep };
      });
    };
    return { loss: of('loss'), gradients: of('gradients'), accuracy: of('accuracy') };
  }

  override render() {
    const view = this._view;
    const range = view.kind === 'range' ? html`<option value="range" .selected=${true}>Steps ${stepText(view.from)}–${stepText(view.to)} (zoomed)</option>` : nothing;
    return html`
      <h2>Curves</h2>
      <div class="view" role="group" aria-label="Steps the curves show">
        <label>
          <span>Show</span>
          <select aria-label="Steps shown" aria-describedby="zoom-hint" @change=${this._onViewChoice}>
            <option value="whole" .selected=${view.kind === 'whole'}>Whole run</option>
            ${FOLLOW_STEPS.map((steps) => html`<option value=${`follow:${steps}`} .selected=${viewValue(view) === `follow:${steps}`}>Last ${stepText(steps)} steps</option>`)} ${range}
          </select>
        </label>
        <button type="button" @click=${() => this._zoom(0.5)}>Zoom in</button>
        <button type="button" @click=${() => this._zoom(2)}>Zoom out</button>
        <button type="button" @click=${() => this._pan(-0.5)}>Earlier</button>
        <button type="button" @click=${() => this._pan(0.5)}>Later</button>
      </div>
      <p class="hint" id="zoom-hint">Drag across a chart to zoom on those steps; double-click a chart to see the whole run. Zoom and Earlier/Later act on the steps shown.</p>
      <p class="hint" data-testid="curves-range"></p>
      <div class="chart"><h3>Loss on the training batch (solid: drives training; dashed: only watched) and on test rows</h3><div id="loss" role="img" aria-label=${`Loss per step: ${LOSS_NAMES.map((loss) => LOSSES[loss].label).join(', ')} on the training batch, and on test rows`}></div></div>
      <div class="chart"><h3>Gradient norms ‖∂L/∂W‖ per layer and ‖∂L/∂z‖ of the output (log scale)</h3><div id="gradients" role="img" aria-label="Gradient norm per layer and output-delta norm per step, log scale"></div></div>
      <div class="chart"><h3>Test accuracy and fraction of saturated outputs</h3><div id="accuracy" role="img" aria-label="Test accuracy and fraction of saturated outputs per step"></div></div>
    `;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.drawFrame);
    this.drawFrame = 0;
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    for (const chart of Object.values(this.charts)) chart?.destroy();
    this.charts = {};
    this.drawnHistory = null;
  }

  override updated(changed: PropertyValues): void {
    // Only a new history, new steps or another view need a frame; the frame's own text needs none.
    if (changed.has('history') || changed.has('revision') || changed.has('_view') || changed.has('fork')) this._scheduleDraw();
  }

  private _scheduleDraw(): void {
    if (this.drawFrame === 0) this.drawFrame = requestAnimationFrame(() => this.draw());
  }

  private _width(): number {
    return Math.max(280, (this.renderRoot.querySelector('#loss') as HTMLElement).clientWidth || 600);
  }

  /** x positions for the plot's width: two per CSS pixel of the plot area. */
  private _maxPoints(): number {
    const chart = this.charts.loss;
    const plotWidth = chart ? chart.bbox.width / devicePixelRatio : this._width();
    return Math.max(64, Math.min(MAX_DRAWN_POINTS, Math.round(POINTS_PER_PIXEL * plotWidth)));
  }

  /**
   * Draws the history now: the panel calls it once per animation frame while the history changes;
   * the chart benchmark (scripts/bench-charts.ts) calls it to time a frame's chart work.
   */
  draw(): void {
    cancelAnimationFrame(this.drawFrame);
    this.drawFrame = 0;
    const history = this.history;
    if (!history) return;
    const fork = this.fork && this.fork.branches[0]?.history === history ? this.fork : null;
    if (history !== this.drawnHistory || fork !== this.drawnFork) {
      // A zoomed range belongs to the run it was taken from (a fork and its kept branch go on from it); the whole run or the last N steps go on.
      if (this._view.kind === 'range' && this.drawnHistory && !this._sameRun(history)) this._view = WHOLE_RUN;
      this._build(history, fork);
    }
    this.marks = this._marks(history, fork);
    const maxPoints = this._maxPoints();
    const first = this.series.update(history, this._view, maxPoints);
    const second = fork ? this.branchSeries.update(fork.branches[1].history, this._view, maxPoints) : null;
    const drawn: DrawnCurves = second
      ? {
          ...first,
          charts: forkCharts([first, second]),
          from: Math.min(first.from, second.from),
          to: Math.max(first.to, second.to),
          finestStepsPerPoint: Math.min(first.finestStepsPerPoint, second.finestStepsPerPoint),
          coarsestStepsPerPoint: Math.max(first.coarsestStepsPerPoint, second.coarsestStepsPerPoint),
        }
      : first;
    this.lastDrawn = drawn;
    for (const name of ['loss', 'gradients', 'accuracy'] as const) {
      const chart = this.charts[name];
      chart?.batch(() => {
        chart.setData(drawn.charts[name], false);
        chart.setScale('x', { min: drawn.from, max: drawn.to });
      });
    }
    const resolution =
      drawn.coarsestStepsPerPoint === 1
        ? 'every step drawn'
        : drawn.finestStepsPerPoint === drawn.coarsestStepsPerPoint
          ? `each pair of points the min and max of ${stepText(drawn.finestStepsPerPoint)} steps`
          : `each pair of points the min and max of ${stepText(drawn.finestStepsPerPoint)} steps (older steps are kept in buckets of up to ${stepText(drawn.coarsestStepsPerPoint)})`;
    const rangeLine = this.renderRoot.querySelector('[data-testid=curves-range]');
    if (rangeLine) rangeLine.textContent = `Showing steps ${stepText(drawn.from)}–${stepText(drawn.to)}: ${resolution}.`;
  }

  /** Whether `history` goes on from the run drawn so far: a fork's branch, or the branch kept from it. */
  private _sameRun(history: MetricsHistory): boolean {
    return this.drawnFork?.branches.some((branch) => branch.history === history) ?? false;
  }

  /** The marks to draw: every loss switch, or while forked the switches before the fork and the fork itself. */
  private _marks(history: MetricsHistory, fork: CurvesFork | null): readonly StepMark[] {
    const key = `${history.trims}:${history.switches.length}:${fork?.step ?? ''}`;
    if (key === this.marksKey) return this.marks;
    this.marksKey = key;
    const switches = history.switches.filter((change) => !fork || change.step < fork.step).map((change) => ({ step: change.step, label: `→ ${LOSSES[change.loss].label}` }));
    if (!fork) return switches;
    return [...switches, { step: fork.step, label: `Fork → ${fork.branches.map((branch) => LOSSES[branch.loss].shortLabel).join(' | ')}` }];
  }

  /** The steps shown now (by the last frame, or the view's own before any). */
  private _shown(): { from: number; to: number } {
    if (this.lastDrawn) return { from: this.lastDrawn.from, to: this.lastDrawn.to };
    return this.history ? viewRange(this.history, this._view) : { from: 0, to: 1 };
  }

  /** Zooms on `from`–`to`, clamped to the run; a range holding the whole run is the whole run. */
  private _showRange(from: number, to: number): void {
    const history = this.history;
    if (!history || history.length === 0) return;
    const first = history.firstStep;
    const last = first + history.length - 1;
    let start = Math.round(Math.max(first, from));
    let end = Math.round(Math.min(last, to));
    if (end - start < MIN_ZOOM_STEPS) {
      const middle = (start + end) / 2;
      start = Math.max(first, Math.round(middle - MIN_ZOOM_STEPS / 2));
      end = Math.min(last, start + MIN_ZOOM_STEPS);
    }
    this._view = start <= first && end >= last ? WHOLE_RUN : { kind: 'range', from: start, to: end };
  }

  /** The steps shown, `factor` times as wide around their middle. */
  private _zoom(factor: number): void {
    const { from, to } = this._shown();
    const middle = (from + to) / 2;
    const half = ((to - from) * factor) / 2;
    this._showRange(middle - half, middle + half);
  }

  /** The steps shown moved by `fraction` of their width (negative: earlier). */
  private _pan(fraction: number): void {
    const history = this.history;
    if (!history || history.length === 0) return;
    const { from, to } = this._shown();
    const width = to - from;
    const first = history.firstStep;
    const last = first + history.length - 1;
    // Whole steps, so Earlier then Later comes back to the same steps.
    const shift = Math.max(first - from, Math.min(last - to, Math.sign(fraction) * Math.round(Math.abs(fraction) * width)));
    this._showRange(from + shift, to + shift);
  }

  private _onViewChoice(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    if (value === 'whole') this._view = WHOLE_RUN;
    else if (value.startsWith('follow:')) this._view = { kind: 'follow', steps: Number(value.slice('follow:'.length)) };
  }

  /** A drag across a chart: zoom on the steps it covered. */
  private _onSelect(u: uPlot): void {
    const { left, width } = u.select;
    if (width < MIN_DRAG_PIXELS) return;
    const from = u.posToVal(left, 'x');
    const to = u.posToVal(left + width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this._showRange(from, to);
  }

  /** A new run (new history, maybe another layer count), or a fork begun or ended: new charts. */
  private _build(history: MetricsHistory, fork: CurvesFork | null): void {
    for (const chart of Object.values(this.charts)) chart?.destroy();
    this.switchLabels.clear();
    this.lastDrawn = null;
    this.drawnHistory = history;
    this.drawnFork = fork;
    this.marksKey = '';
    const width = this._width();
    const markers = switchMarkers(
      () => (this.drawnHistory ? this.marks : null),
      (u, labels) => this.switchLabels.set(u, labels),
    );
    const root = this.renderRoot;
    const xAxis: uPlot.Axis = { label: 'step' };
    // Series of every branch in turn, named with the branch ("MSE branch: test accuracy"); once, unnamed, for a run that is not forked.
    const eachBranch = (series: (b: number, named: (label: string) => string) => uPlot.Series[]): uPlot.Series[] =>
      fork ? fork.branches.flatMap((branch, b) => series(b, (label) => `${branch.label}: ${label}`)) : series(0, (label) => label);
    const common: Pick<uPlot.Options, 'width' | 'height' | 'plugins' | 'cursor' | 'legend' | 'hooks'> = {
      width,
      height: 190,
      plugins: [markers],
      cursor: {
        // Dragging selects steps to zoom on (this panel sets the range, so every chart follows).
        drag: { x: true, y: false, setScale: false },
        bind: {
          dblclick: () => () => {
            this._view = WHOLE_RUN;
            return null;
          },
        },
      },
      hooks: { setSelect: [(u) => this._onSelect(u)] },
      // Labels only: live values under the cursor would flicker at every streamed frame.
      legend: { live: false },
    };
    this.charts.loss = new uPlot(
      {
        ...common,
        scales: { x: { time: false, auto: false }, y: { distr: 3 } },
        axes: [xAxis, { label: 'loss', values: logTickLabels }],
        series: [
          { label: 'step' },
          ...(fork
            ? fork.branches.flatMap((branch, b): uPlot.Series[] => [
                ...LOSS_NAMES.map((loss) => branchLine(b, { label: `${branch.label}: ${LOSSES[loss].shortLabel}`, stroke: lossColor(loss), width: 2 })),
                ...LOSS_NAMES.map((loss) => branchLine(b, { label: `${branch.label}: test ${LOSSES[loss].shortLabel}`, stroke: lossColor(loss), width: 1, spanGaps: true, points: testMarkers('#fff') })),
              ])
            : [
                ...LOSS_NAMES.flatMap((loss): uPlot.Series[] => [
                  { label: `${LOSSES[loss].shortLabel} (drives)`, stroke: lossColor(loss), width: 2 },
                  { label: `${LOSSES[loss].shortLabel} (watched)`, stroke: lossColor(loss), width: 1.5, dash: [6, 4] },
                ]),
                ...LOSS_NAMES.map((loss): uPlot.Series => ({ label: `test ${LOSSES[loss].shortLabel}`, stroke: lossColor(loss), width: 1, spanGaps: true, points: testMarkers('#fff') })),
              ]),
        ],
      },
      [[]],
      root.querySelector('#loss') as HTMLElement,
    );
    this.charts.gradients = new uPlot(
      {
        ...common,
        scales: { x: { time: false, auto: false }, y: { distr: 3 } },
        axes: [xAxis, { label: 'norm', values: logTickLabels }],
        series: [
          { label: 'step' },
          ...eachBranch((b, named) => [
            ...Array.from({ length: history.layerCount }, (_, l) => branchLine(b, { label: named(`‖∂L/∂W${l + 1}‖`), stroke: LAYER_COLORS[l % LAYER_COLORS.length], width: 1.5 })),
            branchLine(b, { label: named('‖∂L/∂z‖ output'), stroke: '#000', width: 2 }),
          ]),
        ],
      },
      [[]],
      root.querySelector('#gradients') as HTMLElement,
    );
    this.charts.accuracy = new uPlot(
      {
        ...common,
        height: 150,
        scales: { x: { time: false, auto: false }, y: { auto: false, range: [0, 1] } },
        axes: [xAxis, { label: 'fraction' }],
        series: [
          { label: 'step' },
          ...eachBranch((b, named) => [
            branchLine(b, { label: named('test accuracy'), stroke: '#2b8a3e', width: 2, spanGaps: true, points: testMarkers() }),
            branchLine(b, { label: named('saturated outputs'), stroke: '#868e96', width: 1.5 }),
          ]),
        ],
      },
      [[]],
      root.querySelector('#accuracy') as HTMLElement,
    );
    if (!this.resizeObserver) {
      // A resize reads the history again at the level that fits the new width.
      this.resizeObserver = new ResizeObserver(() => {
        const w = this._width();
        for (const chart of Object.values(this.charts)) if (chart && chart.width !== w) chart.setSize({ width: w, height: chart.height });
        this._scheduleDraw();
      });
      this.resizeObserver.observe(root.querySelector('#loss') as HTMLElement);
    }
  }
}
customElements.define('curves-panel', CurvesPanel);
