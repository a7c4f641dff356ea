/**
 * The saturation view: a histogram of the output activations o of a fixed evaluation batch, and
 * under it |∂L/∂z| against o for every loss of the table (targets 0 and 1), with the batch's
 * samples drawn as points on those curves. A confidently wrong output (o near 1 with t = 0, or near
 * 0 with t = 1) sits where the MSE curve is flat at 0 and the CE curve is at its largest: that is
 * why MSE stalls there and CE does not.
 */
import { LitElement, css, html, unsafeCSS } from 'lit';
import type { OutputActivation } from '../model/activations';
import { LOSSES, LOSS_NAMES, lossesFor, type LossName } from '../model/losses';
import { DEFAULT_SPEC } from '../model/spec';
import { panelStyles } from './form';
import { lossColor } from './palette';

const HISTOGRAM_BINS = 25;
const CURVE_SAMPLES = 200;
/**
 * The legend's formula of each curve: |∂L/∂z| of one sigmoid output element, as DESIGN.md writes
 * it. The loss table holds these as code (rowDelta), not as text to show, so the captions are
 * written here for the two losses the page is about; another loss's curve is labelled by name alone.
 */
const SIGMOID_DELTA_CAPTIONS: Partial<Record<LossName, string>> = { mse: '|2(o−t)·o(1−o)|', cross_entropy: '|o−t|' };
/** An output within this distance of the wrong end counts as confidently wrong. */
const CONFIDENTLY_WRONG = 0.1;

/**
 * |∂L/∂z_k| of one row per output element, without the 1/(B·K) or 1/B of the batch mean, so
 * points of any batch size sit on the per-element curves: for a sigmoid output exactly
 * |2(o − t)·o(1 − o)| (MSE) and |o − t| (CE).
 */
function elementDeltas(loss: LossName, output: OutputActivation, o: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  const delta = new Float64Array(o.length);
  LOSSES[loss].rowDelta(output, o, t, 1, delta);
  const scale = LOSSES[loss].denominator(output, 1, o.length);
  for (let k = 0; k < delta.length; k++) delta[k] = Math.abs(delta[k] * scale);
  return delta;
}

export class SaturationPanel extends LitElement {
  static override properties = {
    output: { type: String },
    loss: { type: String },
    outputs: { attribute: false },
    targets: { attribute: false },
    outputSize: { type: Number },
    branchLabel: { type: String },
  };

  static override styles = [
    panelStyles,
    css`
      canvas {
        width: 100%;
        display: block;
      }
      .legend span {
        margin-right: 0.8rem;
      }
      .swatch {
        display: inline-block;
        width: 1.2rem;
        height: 0.2rem;
        vertical-align: middle;
        margin-right: 0.25rem;
      }
    `,
    // Classes, not style attributes: the page's Content-Security-Policy blocks inline style attributes.
    ...LOSS_NAMES.map((loss) => css`
      .swatch.${unsafeCSS(loss)} {
        background: ${unsafeCSS(lossColor(loss))};
      }
    `),
  ];

  /** Output activation of the network. */
  declare output: OutputActivation;
  /** The loss driving training (its curve is drawn thicker). */
  declare loss: LossName;
  /** Outputs o of the evaluation batch, row-major [rows, outputSize]; null before the first evaluation. */
  declare outputs: Float32Array | null;
  /** Targets of the evaluation batch, same shape. */
  declare targets: Float32Array | null;
  /** Output columns per row. */
  declare outputSize: number;
  /** The fork branch whose outputs this shows ("MSE branch"), named in the heading; empty for a run that is not forked. */
  declare branchLabel: string;

  constructor() {
    super();
    this.output = DEFAULT_SPEC.outputActivation;
    this.loss = DEFAULT_SPEC.loss;
    this.outputs = null;
    this.targets = null;
    this.outputSize = 1;
    this.branchLabel = '';
  }

  /**
   * Mean |∂L/∂z| per element of the confidently wrong outputs, for each loss (what the canvas shows,
   * in numbers); NaN for a loss the output does not allow, and for every loss when none is wrong.
   */
  confidentlyWrong(): { count: number; meanDelta: Record<LossName, number> } {
    const { outputs, targets, outputSize: k } = this;
    const losses = this._shownLosses();
    const sums = Object.fromEntries(LOSS_NAMES.map((loss) => [loss, 0])) as Record<LossName, number>;
    let count = 0;
    const rows = outputs && targets ? Math.floor(outputs.length / k) : 0;
    for (let r = 0; outputs && targets && r < rows; r++) {
      const o = outputs.subarray(r * k, (r + 1) * k);
      const t = targets.subarray(r * k, (r + 1) * k);
      const deltas = losses.map((loss) => elementDeltas(loss, this.output, o, t));
      for (let j = 0; j < k; j++) {
        if (Math.abs(o[j] - t[j]) < 1 - CONFIDENTLY_WRONG) continue;
        count++;
        losses.forEach((loss, l) => (sums[loss] += deltas[l][j]));
      }
    }
    const meanDelta = Object.fromEntries(LOSS_NAMES.map((loss) => [loss, count && losses.includes(loss) ? sums[loss] / count : Number.NaN]));
    return { count, meanDelta: meanDelta as Record<LossName, number> };
  }

  /** The losses whose deltas this panel shows: those the output allows, none for a linear output (it never saturates). */
  private _shownLosses(): LossName[] {
    return this.output === 'linear' ? [] : lossesFor(this.output);
  }

  override render() {
    if (this.output === 'linear') {
      return html`<h2>Saturation${this.branchLabel ? `, ${this.branchLabel}` : ''}</h2>
        <p>A linear output never saturates: its MSE delta is 2(o − t) everywhere. Choose a sigmoid or softmax output to see the effect.</p>`;
    }
    const wrong = this.confidentlyWrong();
    const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(2) : '–');
    return html`
      <h2>Saturation${this.branchLabel ? `, ${this.branchLabel}` : ''}: output activations and |∂L/∂z| against o</h2>
      <canvas role="img" aria-label=${`Histogram of outputs and the output delta of each loss against the output${this.branchLabel ? `, ${this.branchLabel}` : ''}`}></canvas>
      <div class="legend hint">
        ${lossesFor('sigmoid').map((loss) => html`<span><i class="swatch ${loss}"></i>${LOSSES[loss].shortLabel} ${SIGMOID_DELTA_CAPTIONS[loss] ?? ''}</span>`)}
        <span>curves: solid target 1, dashed target 0; ● sample with target 1, ○ target 0</span>
        <span>thicker: ${LOSSES[this.loss].label}, which drives training</span>
      </div>
      <p class="hint" data-testid="confidently-wrong">
        Confidently wrong outputs (|o − t| > ${1 - CONFIDENTLY_WRONG}): ${wrong.count}. Mean |∂L/∂z| there:
        ${this._shownLosses().map((loss) => `${LOSSES[loss].noun} ${fmt(wrong.meanDelta[loss])}`).join(', ')}.
      </p>
    `;
  }

  override updated(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (canvas) this._draw(canvas);
  }

  private _draw(canvas: HTMLCanvasElement): void {
    const cssWidth = canvas.clientWidth || 400;
    const cssHeight = 300;
    const dpr = devicePixelRatio;
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
    canvas.style.height = `${cssHeight}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    ctx.font = '11px system-ui, sans-serif';
    const left = 40;
    const right = cssWidth - 10;
    const histTop = 8;
    const histBottom = 80;
    const curveTop = 100;
    const curveBottom = cssHeight - 24;
    const xOf = (o: number) => left + o * (right - left);
    const { outputs, targets, outputSize: k } = this;

    // Histogram of o, split by target so the wrong ones stand out.
    const bins = [new Float64Array(HISTOGRAM_BINS), new Float64Array(HISTOGRAM_BINS)];
    if (outputs && targets) {
      for (let i = 0; i < outputs.length; i++) {
        const bin = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(outputs[i] * HISTOGRAM_BINS)));
        bins[targets[i] > 0.5 ? 1 : 0][bin]++;
      }
    }
    const tallest = Math.max(1, ...bins[0].map((v, b) => v + bins[1][b]));
    const binWidth = (right - left) / HISTOGRAM_BINS;
    for (let b = 0; b < HISTOGRAM_BINS; b++) {
      const h0 = (bins[0][b] / tallest) * (histBottom - histTop);
      const h1 = (bins[1][b] / tallest) * (histBottom - histTop);
      ctx.fillStyle = '#adb5bd';
      ctx.fillRect(left + b * binWidth + 1, histBottom - h0, binWidth - 2, h0);
      ctx.fillStyle = '#495057';
      ctx.fillRect(left + b * binWidth + 1, histBottom - h0 - h1, binWidth - 2, h1);
    }
    ctx.fillStyle = '#333';
    ctx.fillText('count of o (dark: target 1, light: target 0)', left + 4, histTop + 10);

    // Axes of the delta plot: o on x, |∂L/∂z| per element on y (CE reaches 1 at the wrong end).
    const yMax = 1;
    const yOf = (d: number) => curveBottom - (Math.min(d, yMax) / yMax) * (curveBottom - curveTop);
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, curveTop);
    ctx.lineTo(left, curveBottom);
    ctx.lineTo(right, curveBottom);
    ctx.stroke();
    ctx.fillStyle = '#333';
    for (const tick of [0, 0.5, 1]) {
      ctx.fillText(String(tick), xOf(tick) - 6, curveBottom + 14);
      ctx.fillText(String(tick * yMax), 8, yOf(tick * yMax) + 4);
    }
    ctx.fillText('o', right - 8, curveBottom + 14);
    ctx.fillText('|∂L/∂z|', left + 4, curveTop + 2);

    // The curves for a single sigmoid output, targets 0 and 1.
    for (const loss of lossesFor('sigmoid')) {
      for (const target of [0, 1]) {
        ctx.strokeStyle = lossColor(loss);
        ctx.lineWidth = loss === this.loss ? 2.5 : 1.5;
        ctx.setLineDash(target === 0 ? [5, 3] : []);
        ctx.beginPath();
        for (let s = 0; s <= CURVE_SAMPLES; s++) {
          const o = s / CURVE_SAMPLES;
          const d = elementDeltas(loss, 'sigmoid', [o], [target])[0];
          if (s === 0) ctx.moveTo(xOf(o), yOf(d));
          else ctx.lineTo(xOf(o), yOf(d));
        }
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);

    // The batch's samples on both curves.
    if (outputs && targets) {
      const rows = Math.floor(outputs.length / k);
      for (let r = 0; r < rows; r++) {
        const o = outputs.subarray(r * k, (r + 1) * k);
        const t = targets.subarray(r * k, (r + 1) * k);
        for (const loss of this._shownLosses()) {
          const deltas = elementDeltas(loss, this.output, o, t);
          ctx.strokeStyle = lossColor(loss);
          ctx.fillStyle = lossColor(loss);
          for (let j = 0; j < k; j++) {
            ctx.beginPath();
            ctx.arc(xOf(o[j]), yOf(deltas[j]), 2.5, 0, 2 * Math.PI);
            if (t[j] > 0.5) ctx.fill();
            else ctx.stroke();
          }
        }
      }
    }
  }
}
customElements.define('saturation-panel', SaturationPanel);
