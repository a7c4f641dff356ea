/** A comparison figure as the chart page (scripts/pages/chart-page.ts) draws it: one x column, one curve per run and panel. */
export interface ComparisonFigure {
  title: string;
  /** One line under the title: the network, data and what is identical between the runs. */
  subtitle: string;
  /** x values, the step indices. */
  steps: number[];
  runs: {
    label: string;
    /** CSS colour of the run's curves. */
    color: string;
    mse: number[];
    outputDeltaNorm: number[];
    saturatedFraction: number[];
  }[];
  /** Step marked with a dashed vertical line (where a run switched its loss), or null. */
  switchAt: number | null;
}
