/**
 * One heatmap of the Sweep view: a grid of coloured cells, columns for the x values and rows for
 * the y values, each cell with its value as text where there is room and a full description for
 * screen readers. A keyboard user tabs into the grid once and moves with the arrow keys, Home and
 * End; Enter or Space on a cell (or a click) opens its run when the map's cells are runs.
 */
import { LitElement, css, html, nothing } from 'lit';
import { cssProperties } from './css-properties';
import { emit } from './form';

/** What one cell shows. */
export interface HeatmapCell {
  /** Background colour. */
  color: string;
  /** Text colour that reads on the background. */
  ink: string;
  /** The value as a few characters (shown when the grid is small enough). */
  text: string;
  /** The cell in one sentence: both settings, the value and what a click does. */
  description: string;
}

/** Cells up to which each shows its value as text. */
const TEXT_CELLS = 100;

export class SweepHeatmap extends LitElement {
  static override properties = {
    heading: { type: String },
    xLabel: { type: String },
    yLabel: { type: String },
    xValues: { attribute: false },
    yValues: { attribute: false },
    cells: { attribute: false },
    opensRuns: { type: Boolean },
    _focused: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      min-width: 0;
    }
    h3 {
      font-size: 0.9rem;
      margin: 0 0 0.3rem;
    }
    /* Rows and gridcells group cells for screen readers and leave the layout to the grid. */
    .row,
    .gridcell {
      display: contents;
    }
    .grid {
      display: grid;
      gap: 2px;
      align-items: stretch;
      font-size: 0.7rem;
    }
    .axis {
      color: #444;
      text-align: center;
      align-self: end;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .rowhead {
      color: #444;
      text-align: right;
      padding-right: 0.2rem;
      align-self: center;
      white-space: nowrap;
    }
    .cell {
      font: inherit;
      min-height: 1.6rem;
      border: 1px solid rgba(0, 0, 0, 0.15);
      border-radius: 2px;
      padding: 0;
      font-variant-numeric: tabular-nums;
      overflow: hidden;
    }
    button.cell {
      cursor: pointer;
    }
    .cell:focus-visible {
      outline: 3px solid #1a73e8;
      outline-offset: 1px;
    }
    .caption {
      font-size: 0.75rem;
      color: #444;
      margin: 0.2rem 0 0;
    }
  `;

  /** The map's title, also its accessible name. */
  declare heading: string;
  /** Name of the setting along the columns. */
  declare xLabel: string;
  /** Name of the setting along the rows. */
  declare yLabel: string;
  /** The columns' values as shown. */
  declare xValues: string[];
  /** The rows' values as shown. */
  declare yValues: string[];
  /** Every cell, row by row. */
  declare cells: HeatmapCell[];
  /** Whether a cell is a run that activating it opens (the per-loss maps), or only a value (the difference). */
  declare opensRuns: boolean;
  /** The cell that holds the grid's one tab stop. */
  declare _focused: number;

  constructor() {
    super();
    this.heading = '';
    this.xLabel = '';
    this.yLabel = '';
    this.xValues = [];
    this.yValues = [];
    this.cells = [];
    this.opensRuns = false;
    this._focused = 0;
  }

  override render() {
    const columns = this.xValues.length;
    const showText = this.cells.length <= TEXT_CELLS;
    const focused = Math.min(this._focused, Math.max(this.cells.length - 1, 0));
    return html`
      <h3 id="title">${this.heading}</h3>
      <div class="grid" role="grid" aria-labelledby="title" ${cssProperties({ 'grid-template-columns': `auto repeat(${columns}, minmax(1.4rem, 1fr))` })} @keydown=${this._onKeyDown}>
        <div class="row" role="row">
          <span class="rowhead" role="columnheader">${this.yLabel} ↓ / ${this.xLabel} →</span>
          ${this.xValues.map((value) => html`<span class="axis" role="columnheader">${value}</span>`)}
        </div>
        ${this.yValues.map(
          (yValue, row) => html`<div class="row" role="row">
            <span class="rowhead" role="rowheader">${yValue}</span>
            ${this.xValues.map((_, column) => {
              const index = row * columns + column;
              const cell = this.cells[index];
              if (!cell) return html`<span class="cell" role="gridcell"></span>`;
              const text = showText ? cell.text : '';
              return this.opensRuns
                ? html`<span class="gridcell" role="gridcell"><button
                    type="button"
                    class="cell"
                    data-cell=${index}
                    tabindex=${index === focused ? 0 : -1}
                    ${cssProperties({ background: cell.color, color: cell.ink })}
                    aria-label=${cell.description}
                    title=${cell.description}
                    @click=${() => this._activate(index)}
                    @focus=${() => (this._focused = index)}
                  >
                    ${text}
                  </button></span>`
                : html`<span
                    class="cell"
                    role="gridcell"
                    data-cell=${index}
                    tabindex=${index === focused ? 0 : -1}
                    ${cssProperties({ background: cell.color, color: cell.ink })}
                    aria-label=${cell.description}
                    title=${cell.description}
                    @focus=${() => (this._focused = index)}
                    >${text}</span
                  >`;
            })}
          </div>`,
        )}
      </div>
      ${this.opensRuns ? html`<p class="caption">Click a cell (or Enter on it) to open that run in the main view.</p>` : nothing}
    `;
  }

  /** Arrow keys, Home and End move the tab stop; the browser activates a focused button with Enter and Space. */
  private _onKeyDown(event: KeyboardEvent): void {
    const columns = this.xValues.length;
    const count = this.cells.length;
    if (count === 0) return;
    const moves: Record<string, (at: number) => number> = {
      ArrowRight: (at) => Math.min(at + 1, count - 1),
      ArrowLeft: (at) => Math.max(at - 1, 0),
      ArrowDown: (at) => (at + columns < count ? at + columns : at),
      ArrowUp: (at) => (at - columns >= 0 ? at - columns : at),
      Home: (at) => at - (at % columns),
      End: (at) => Math.min(at - (at % columns) + columns - 1, count - 1),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    this._focused = move(Math.min(this._focused, count - 1));
    void this.updateComplete.then(() => (this.renderRoot.querySelector(`[data-cell="${this._focused}"]`) as HTMLElement | null)?.focus());
  }

  private _activate(index: number): void {
    this._focused = index;
    emit(this, 'cell-activate', index);
  }
}
customElements.define('sweep-heatmap', SweepHeatmap);
