/**
 * The charts of a forked run: each branch's curves (src/ui/curve-series.ts, from the branch's own
 * history) on one x axis, branch after branch, so the curves panel can overlay them with one line
 * style per branch. Within a branch a loss is one series: the branch's line style says which loss
 * drives it, so the "drives" and "only watched" halves a single run draws apart are joined.
 */
import type uPlot from 'uplot';
import { LOSS_NAMES } from '../model/losses';
import { mergeOnX, type ChartName, type DrawnCurves, type Point } from './curve-series';

/** A chart's columns after x: what mergeOnX takes. */
type Columns = { x: number[]; series: Point[][] };

/** The columns of one chart of one drawing. */
function columnsOf(data: uPlot.AlignedData): Columns {
  return { x: Array.from(data[0]), series: data.slice(1).map((values) => Array.from(values as ArrayLike<Point>)) };
}

/** A loss's value where it drives training, else where it is only watched: a number wins over a gap, a gap over no point. */
function joined(driving: Point, watched: Point): Point {
  if (typeof driving === 'number') return driving;
  if (typeof watched === 'number') return watched;
  return driving === null || watched === null ? null : undefined;
}

/**
 * The loss chart of one branch with each loss's drives/watched pair joined: per loss its training
 * value, then per loss its test value (CurveSeries lays the chart out as the pairs, then the tests).
 */
function joinedLosses(data: uPlot.AlignedData): Columns {
  const { x, series } = columnsOf(data);
  const losses = LOSS_NAMES.map((_, i) => series[2 * i].map((value, p) => joined(value, series[2 * i + 1][p])));
  return { x, series: [...losses, ...series.slice(2 * LOSS_NAMES.length)] };
}

/** Columns of several drawings merged on one x axis, each one's series in turn (undefined where it has no point). */
function merged(parts: readonly Columns[]): uPlot.AlignedData {
  const all = parts.reduce((a, b) => {
    const both = mergeOnX(a, b);
    return { x: both.x, series: [...both.a, ...both.b] };
  });
  return [all.x, ...all.series] as uPlot.AlignedData;
}

/**
 * Each chart's columns for branches drawn apart (one DrawnCurves per branch, in branch order): x,
 * then branch 0's series, then branch 1's, and so on. Per branch, the loss chart holds each loss
 * (drives and watched joined) and then each loss on the test rows; the gradients chart each layer's
 * norm and the output delta's; the accuracy chart the test accuracy and the saturated fraction.
 */
export function forkCharts(branches: readonly DrawnCurves[]): Record<ChartName, uPlot.AlignedData> {
  return {
    loss: merged(branches.map((drawn) => joinedLosses(drawn.charts.loss))),
    gradients: merged(branches.map((drawn) => columnsOf(drawn.charts.gradients))),
    accuracy: merged(branches.map((drawn) => columnsOf(drawn.charts.accuracy))),
  };
}
