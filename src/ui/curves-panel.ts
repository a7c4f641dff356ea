/**
 * Streaming curves (uPlot): every loss every step, train and test; per-layer gradient norms and the
 * output-delta norm on a log axis; test accuracy and the saturated fraction. The loss that drives
 * training is drawn solid, the other dashed, and every loss switch is a labelled vertical line.
 * Redraws at most once per animation frame, downsampling only what the history added since the
 * last frame (src/ui/curve-series.ts).
 */
import { LitElement, css, html, unsafeCSS } from 'lit';
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { LOSSES, LOSS_NAMES } from '../model/losses';
import { CurveSeries, type ChartName } from './curve-series';
import { panelStyles } from './form';
import type { MetricsHistory } from './metrics-history';
import { LAYER_COLORS, lossColor } from './palette';

/** x positions drawn per chart at most; beyond that the history is min/max-bucketed. */
const MAX_DRAWN_POINTS = 1600;
const SWITCH_COLOR = '#222';

/** Tick labels of a log axis: plain decimals down to 0.01, then powers of ten (uPlot's default rounds 1e-4 to "0"). */
function logTickLabels(_u: uPlot, splits: (number | null)[]): string[] {
  // uPlot passes null for ticks it leaves unlabelled on a log axis.
  return splits.map((v) => (v === null ? '' : v >= 0.01 ? String(v) : v.toExponential(0)));
}

/** Draws a vertical line and label at every loss switch of `history`. */
function switchMarkers(getHistory: () => MetricsHistory | null): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const history = getHistory();
        if (!history) return;
        const { ctx } = u;
        const { top, height, left, width } = u.bbox;
        ctx.save();
        ctx.strokeStyle = SWITCH_COLOR;
        ctx.fillStyle = SWITCH_COLOR;
        // Two device pixels wide on an integer x: both columns fully covered, a crisp line.
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([]);
        ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
        ctx.textBaseline = 'top';
        // uPlot leaves its axis alignment on the shared context.
        ctx.textAlign = 'left';
        for (const change of history.switches) {
          const x = Math.round(u.valToPos(change.step, 'x', true));
          if (x < left || x > left + width) continue;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          // A white box under the label keeps it readable over the curves.
          const label = `→ ${LOSSES[change.loss].label}`;
          const pad = 2 * devicePixelRatio;
          const labelWidth = ctx.measureText(label).width;
          ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
          ctx.fillRect(x + pad, top + pad, labelWidth + 2 * pad, 13 * devicePixelRatio);
          ctx.fillStyle = SWITCH_COLOR;
          ctx.fillText(label, x + 2 * pad, top + 2 * pad);
        }
        ctx.restore();
      },
    },
  };
}

export class CurvesPanel extends LitElement {
  static override properties = {
    history: { attribute: false },
    revision: { type: Number },
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
    `,
  ];

  /** The run's metrics; each redraw reads what it added since the last one (all of it after a rewind). */
  declare history: MetricsHistory | null;
  /** Changes whenever the history does (its `revision`), so the panel knows to redraw. */
  declare revision: number;

  private charts: Partial<Record<ChartName, uPlot>> = {};
  private drawFrame = 0;
  private drawnHistory: MetricsHistory | null = null;
  private readonly series = new CurveSeries(MAX_DRAWN_POINTS);
  private resizeObserver: ResizeObserver | null = null;

  constructor() {
    super();
    this.history = null;
    this.revision = 0;
  }

  /** Number of x positions each chart currently draws (a test hook: the curves grow while training). */
  drawnLengths(): Record<ChartName, number> {
    const length = (name: ChartName) => this.charts[name]?.data[0]?.length ?? 0;
    return { loss: length('loss'), gradients: length('gradients'), accuracy: length('accuracy') };
  }

  override render() {
    return html`
      <h2>Curves</h2>
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
    for (const chart of Object.values(this.charts)) chart?.destroy();
    this.charts = {};
    this.drawnHistory = null;
  }

  override updated(): void {
    if (this.drawFrame === 0) this.drawFrame = requestAnimationFrame(() => this._draw());
  }

  private _width(): number {
    return Math.max(280, (this.renderRoot.querySelector('#loss') as HTMLElement).clientWidth || 600);
  }

  private _draw(): void {
    this.drawFrame = 0;
    const history = this.history;
    if (!history) return;
    if (history !== this.drawnHistory) this._build(history);
    const data = this.series.update(history);
    this.charts.loss?.setData(data.loss);
    this.charts.gradients?.setData(data.gradients);
    this.charts.accuracy?.setData(data.accuracy);
  }

  /** A new run (new history, maybe another layer count): new charts. */
  private _build(history: MetricsHistory): void {
    for (const chart of Object.values(this.charts)) chart?.destroy();
    this.drawnHistory = history;
    const width = this._width();
    const markers = switchMarkers(() => this.drawnHistory);
    const root = this.renderRoot;
    const xAxis: uPlot.Axis = { label: 'step' };
    const common: Pick<uPlot.Options, 'width' | 'height' | 'plugins' | 'cursor' | 'legend'> = {
      width,
      height: 190,
      plugins: [markers],
      cursor: { drag: { x: false, y: false } },
      // Labels only: live values under the cursor would flicker at every streamed frame.
      legend: { live: false },
    };
    this.charts.loss = new uPlot(
      {
        ...common,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [xAxis, { label: 'loss', values: logTickLabels }],
        series: [
          { label: 'step' },
          ...LOSS_NAMES.flatMap((loss): uPlot.Series[] => [
            { label: `${LOSSES[loss].shortLabel} (drives)`, stroke: lossColor(loss), width: 2 },
            { label: `${LOSSES[loss].shortLabel} (watched)`, stroke: lossColor(loss), width: 1.5, dash: [6, 4] },
          ]),
          ...LOSS_NAMES.map((loss): uPlot.Series => ({ label: `test ${LOSSES[loss].shortLabel}`, stroke: lossColor(loss), width: 1, spanGaps: true, points: { show: true, size: 5, fill: '#fff' } })),
        ],
      },
      [[]],
      root.querySelector('#loss') as HTMLElement,
    );
    this.charts.gradients = new uPlot(
      {
        ...common,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [xAxis, { label: 'norm', values: logTickLabels }],
        series: [
          { label: 'step' },
          ...Array.from({ length: history.layerCount }, (_, l) => ({ label: `‖∂L/∂W${l + 1}‖`, stroke: LAYER_COLORS[l % LAYER_COLORS.length], width: 1.5 })),
          { label: '‖∂L/∂z‖ output', stroke: '#000', width: 2 },
        ],
      },
      [[]],
      root.querySelector('#gradients') as HTMLElement,
    );
    this.charts.accuracy = new uPlot(
      {
        ...common,
        height: 150,
        scales: { x: { time: false }, y: { auto: false, range: [0, 1] } },
        axes: [xAxis, { label: 'fraction' }],
        series: [
          { label: 'step' },
          { label: 'test accuracy', stroke: '#2b8a3e', width: 2, spanGaps: true, points: { show: true, size: 5 } },
          { label: 'saturated outputs', stroke: '#868e96', width: 1.5 },
        ],
      },
      [[]],
      root.querySelector('#accuracy') as HTMLElement,
    );
    if (!this.resizeObserver) {
      this.resizeObserver = new ResizeObserver(() => {
        const w = this._width();
        for (const chart of Object.values(this.charts)) if (chart && chart.width !== w) chart.setSize({ width: w, height: chart.height });
      });
      this.resizeObserver.observe(root.querySelector('#loss') as HTMLElement);
    }
  }
}
customElements.define('curves-panel', CurvesPanel);
