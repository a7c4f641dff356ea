/**
 * Draws a sweep's figure with uPlot for a PNG that Puppeteer screenshots (`npm run experiment --
 * sweep`): one panel per measure, x the swept setting, one line per loss (and per row of the grid
 * when it has several). Node calls `window.drawSweep(figure)`; the element #figure is the picture.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SweepFigure } from '../lib/sweep';

declare global {
  interface Window {
    pageReady: boolean;
    drawSweep(figure: SweepFigure): void;
  }
}

const PANEL_WIDTH = 960;
const PANEL_HEIGHT = 260;

window.drawSweep = (figure) => {
  const root = document.getElementById('figure')!;
  root.replaceChildren();
  const title = document.createElement('h1');
  title.textContent = figure.title;
  const subtitle = document.createElement('p');
  subtitle.className = 'subtitle';
  subtitle.textContent = figure.subtitle;
  root.append(title, subtitle);
  figure.panels.forEach((panel, p) => {
    const heading = document.createElement('h2');
    heading.textContent = panel.title;
    const holder = document.createElement('div');
    root.append(heading, holder);
    new uPlot(
      {
        width: PANEL_WIDTH,
        height: PANEL_HEIGHT,
        legend: { show: p === 0, live: false },
        cursor: { show: false },
        scales: {
          // The swept values end to end, a little room either side.
          x: figure.xLog
            ? { time: false, distr: 3, range: [Math.min(...figure.xValues) / 1.15, Math.max(...figure.xValues) * 1.15] }
            : { time: false, range: [Math.min(...figure.xValues), Math.max(...figure.xValues)] },
          y: { range: panel.range ?? ((_u, _min, max) => [0, max]) },
        },
        axes: [
          { label: figure.xLabel, labelSize: 18, values: (_u: uPlot, splits: (number | null)[]) => splits.map((v) => (v === null ? '' : String(Number(v.toPrecision(3))))) },
          { size: 60 },
        ],
        series: [
          { label: figure.xLabel },
          ...panel.series.map((series) => ({ label: series.label, stroke: series.color, width: 2, dash: series.dashed ? [6, 4] : undefined, points: { show: true, size: 6 } })),
        ],
      },
      [figure.xValues, ...panel.series.map((series) => series.values)],
      holder,
    );
  });
};
window.pageReady = true;
