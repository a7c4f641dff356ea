/**
 * Draws runs of one network side by side with uPlot, for a PNG that Puppeteer screenshots
 * (`npm run experiment`). Node calls `window.drawComparison(figure)`; the element #figure is the
 * picture. Values are drawn per step as measured, without smoothing.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ComparisonFigure } from '../lib/figure';

declare global {
  interface Window {
    pageReady: boolean;
    drawComparison(figure: ComparisonFigure): void;
  }
}

const PANEL_WIDTH = 960;
const PANEL_HEIGHT = 240;

/** Log axes cannot show 0 or missing values: those become gaps. */
function positiveOrNull(values: number[]): (number | null)[] {
  return values.map((v) => (v > 0 && Number.isFinite(v) ? v : null));
}

/** A dashed vertical line at the step where a run switched its loss (the legend says which run and when). */
function switchLine(step: number | null): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        if (step === null) return;
        const { ctx } = u;
        const { top, height } = u.bbox;
        const x = Math.round(u.valToPos(step, 'x', true));
        ctx.save();
        ctx.strokeStyle = '#222';
        ctx.lineWidth = devicePixelRatio;
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
        ctx.restore();
      },
    },
  };
}

/** Whole decades within [min, max]: uPlot's log axis otherwise draws a grid line at every multiple of each decade. */
function decades(_u: uPlot, _axis: number, min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) if (10 ** e >= min && 10 ** e <= max) out.push(10 ** e);
  return out;
}

function panel(
  parent: HTMLElement,
  title: string,
  figure: ComparisonFigure,
  column: (run: ComparisonFigure['runs'][number]) => (number | null)[],
  scale: { log: boolean; range?: [number, number] },
  showLegend: boolean,
): void {
  const heading = document.createElement('h2');
  heading.textContent = title;
  parent.append(heading);
  const holder = document.createElement('div');
  parent.append(holder);
  const data: uPlot.AlignedData = [figure.steps, ...figure.runs.map(column)];
  new uPlot(
    {
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      legend: { show: showLegend, live: false },
      cursor: { show: false },
      scales: {
        x: { time: false },
        y: scale.log ? { distr: 3 } : { range: scale.range ?? ((_u, min, max) => [Math.min(0, min), max]) },
      },
      axes: [
        { label: 'step', labelSize: 18 },
        scale.log
          ? // uPlot's default labels round small powers of ten to "0".
            { size: 60, splits: decades, values: (_u: uPlot, splits: number[]) => splits.map((v) => v.toExponential(0)) }
          : { size: 60 },
      ],
      series: [{ label: 'step' }, ...figure.runs.map((run) => ({ label: run.label, stroke: run.color, width: 1.25, points: { show: false } }))],
      plugins: [switchLine(figure.switchAt)],
    },
    data,
    holder,
  );
}

window.drawComparison = (figure) => {
  const root = document.getElementById('figure')!;
  root.replaceChildren();
  const title = document.createElement('h1');
  title.textContent = figure.title;
  const subtitle = document.createElement('p');
  subtitle.className = 'subtitle';
  subtitle.textContent = figure.subtitle;
  root.append(title, subtitle);
  panel(root, 'Mean squared error of each step’s batch (evaluated every step, whichever loss drives training)', figure, (run) => run.mse, { log: false }, true);
  panel(root, 'Output-delta norm ‖∂L/∂z‖ of the driving loss (log scale)', figure, (run) => positiveOrNull(run.outputDeltaNorm), { log: true }, false);
  panel(root, 'Fraction of saturated outputs, o(1 − o) < 0.01', figure, (run) => run.saturatedFraction, { log: false, range: [0, 1] }, false);
};
window.pageReady = true;
