/**
 * The saturation view: a histogram of the output activations o of a fixed evaluation batch, and
 * under it |∂L/∂z| against o for MSE and for cross-entropy (targets 0 and 1), with the batch's
 * samples drawn as points on those curves. A confidently wrong output (o near 1 with t = 0, or near
 * 0 with t = 1) sits where the MSE curve is flat at 0 and the CE curve is at its largest: that is
 * why MSE stalls there and CE does not.
 */
import { LitElement, css, html, unsafeCSS } from 'lit';
import type { OutputActivation } from '../model/activations';
import { LOSSES, LOSS_NAMES, type LossName } from '../model/losses';
import { panelStyles } from './form';

const HISTOGRAM_BINS = 25;
const CURVE_SAMPLES = 200;
const COLORS: Record<LossName, string> = { mse: '#d9480f', cross_entropy: '#1c64d9' };
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
      /* Classes, not style attributes: the page's Content-Security-Policy blocks inline style attributes. */
      .swatch.mse {
        background: ${unsafeCSS(COLORS.mse)};
      }
      .swatch.cross_entropy {
        background: ${unsafeCSS(COLORS.cross_entropy)};
      }
    `,
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

  constructor() {
    super();
    this.output = 'sigmoid';
    this.loss = 'mse';
    this.outputs = null;
    this.targets = null;
    this.outputSize = 1;
  }

  /** Mean |∂L/∂z| per element of the confidently wrong outputs, for each loss (what the canvas shows, in numbers). */
  confidentlyWrong(): { count: number; meanDelta: Record<LossName, number> } {
    const { outputs, targets, outputSize: k } = this;
    const sums: Record<LossName, number> = { mse: 0, cross_entropy: 0 };
    let count = 0;
    if (!outputs || !targets || this.output === 'linear') return { count, meanDelta: { mse: Number.NaN, cross_entropy: Number.NaN } };
    const rows = Math.floor(outputs.length / k);
    for (let r = 0; r < rows; r++) {
      const o = outputs.subarray(r * k, (r + 1) * k);
      const t = targets.subarray(r * k, (r + 1) * k);
      const deltas = { mse: elementDeltas('mse', this.output, o, t), cross_entropy: elementDeltas('cross_entropy', this.output, o, t) };
      for (let j = 0; j < k; j++) {
        if (Math.abs(o[j] - t[j]) < 1 - CONFIDENTLY_WRONG) continue;
        count++;
        for (const loss of LOSS_NAMES) sums[loss] += deltas[loss][j];
      }
    }
    return { count, meanDelta: { mse: count ? sums.mse / count : Number.NaN, cross_entropy: count ? sums.cross_entropy / count : Number.NaN } };
  }

  override render() {
    if (this.output === 'linear') {
      return html`<h2>Saturation</h2>
        <p>A linear output never saturates: its MSE delta is 2(o − t) everywhere. Choose a sigmoid or softmax output to see the effect.</p>`;
    }
    const wrong = this.confidentlyWrong();
    const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(2) : '–');
    return html`
      <h2>Saturation: output activations and |∂L/∂z| against o</h2>
      <canvas role="img" aria-label="Histogram of outputs and the output delta of each loss against the output"></canvas>
      <div class="legend hint">
        <span><i class="swatch mse"></i>MSE |2(o−t)·o(1−o)|</span>
        <span><i class="swatch cross_entropy"></i>CE |o−t|</span>
        <span>curves: solid target 1, dashed target 0; ● sample with target 1, ○ target 0</span>
        <span>thicker: ${LOSSES[this.loss].label}, which drives training</span>
      </div>
      <p class="hint" data-testid="confidently-wrong">
        Confidently wrong outputs (|o − t| > ${1 - CONFIDENTLY_WRONG}): ${wrong.count}. Mean |∂L/∂z| there: MSE ${fmt(wrong.meanDelta.mse)},
        cross-entropy ${fmt(wrong.meanDelta.cross_entropy)}.
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
    for (const loss of LOSS_NAMES) {
      for (const target of [0, 1]) {
        ctx.strokeStyle = COLORS[loss];
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
        for (const loss of LOSS_NAMES) {
          const deltas = elementDeltas(loss, this.output, o, t);
          ctx.strokeStyle = COLORS[loss];
          ctx.fillStyle = COLORS[loss];
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
