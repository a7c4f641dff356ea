/**
 * What the network has learned, drawn: for 2-D data the decision boundary (the network evaluated
 * on a grid, as a heatmap) with the training points; for images a strip of test digits with the
 * predicted class. The playground refreshes it a few times a second, not every step.
 */
import { LitElement, css, html } from 'lit';
import type { Dataset } from '../model/dataset';
import { argmaxRow } from '../model/scoring';
import { panelStyles } from './form';

/** Grid cells per side of the heatmap (GRID_SIZE² network evaluations per refresh). */
const GRID_SIZE = 64;
/** Test digits shown in the strip. */
export const DIGIT_STRIP_COUNT = 16;
/** Training points drawn over the heatmap at most. */
const MAX_POINTS = 600;
const CLASS_COLORS: [number, number, number][] = [
  [230, 119, 0],
  [28, 100, 217],
  [43, 138, 62],
  [194, 37, 92],
  [112, 72, 232],
  [11, 114, 133],
  [92, 148, 13],
  [134, 46, 156],
  [73, 80, 87],
  [201, 42, 42],
];

/** The square the heatmap covers: the training points' bounding box with a margin. */
export interface PlaneExtent {
  min: number;
  max: number;
}

/** Extent and row-major [GRID_SIZE², 2] inputs of the heatmap grid for a 2-D dataset (row 0 at the top). */
export function boundaryGrid(dataset: Dataset): { extent: PlaneExtent; inputs: Float32Array } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of dataset.trainX) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const margin = 0.1 * (max - min || 1);
  const extent = { min: min - margin, max: max + margin };
  const inputs = new Float32Array(GRID_SIZE * GRID_SIZE * 2);
  const span = extent.max - extent.min;
  for (let row = 0; row < GRID_SIZE; row++) {
    for (let col = 0; col < GRID_SIZE; col++) {
      const i = row * GRID_SIZE + col;
      inputs[2 * i] = extent.min + ((col + 0.5) / GRID_SIZE) * span;
      inputs[2 * i + 1] = extent.max - ((row + 0.5) / GRID_SIZE) * span;
    }
  }
  return { extent, inputs };
}

/** Class of row r of targets or outputs: argmax for several columns, o > 0.5 for one. */
function classOf(values: ArrayLike<number>, r: number, k: number): number {
  return k === 1 ? (values[r] > 0.5 ? 1 : 0) : argmaxRow(values, r, k);
}

export class BoundaryPanel extends LitElement {
  static override properties = {
    trainingData: { attribute: false },
    gridOutputs: { attribute: false },
    digitOutputs: { attribute: false },
    testAccuracy: { type: Number },
    branchLabel: { type: String },
  };

  static override styles = [
    panelStyles,
    css`
      canvas.plane {
        width: 100%;
        max-width: 340px;
        aspect-ratio: 1;
        display: block;
        image-rendering: auto;
        border: 1px solid #ccc;
      }
      .digits {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
      }
      figure {
        margin: 0;
        text-align: center;
        font-size: 0.8rem;
      }
      figure canvas {
        width: 42px;
        height: 42px;
        image-rendering: pixelated;
        border: 1px solid #ccc;
      }
      .wrong {
        color: #b3261e;
        font-weight: 600;
      }
    `,
  ];

  /** The data trained on: its training points (2-D) or its test images (MNIST). */
  declare trainingData: Dataset | null;
  /** Outputs on the GRID_SIZE² grid of `boundaryGrid` (2-D data), or null before the first evaluation. */
  declare gridOutputs: Float32Array | null;
  /** Outputs for the first DIGIT_STRIP_COUNT test images (image data). */
  declare digitOutputs: Float32Array | null;
  /** Latest test accuracy (NaN when not known). */
  declare testAccuracy: number;
  /** The fork branch whose network this draws ("MSE branch"), named in the heading; empty for a run that is not forked. */
  declare branchLabel: string;

  constructor() {
    super();
    this.trainingData = null;
    this.gridOutputs = null;
    this.digitOutputs = null;
    this.testAccuracy = Number.NaN;
    this.branchLabel = '';
  }

  override render() {
    const dataset = this.trainingData;
    const of = this.branchLabel ? `, ${this.branchLabel}` : '';
    const accuracy = Number.isFinite(this.testAccuracy) ? `${(100 * this.testAccuracy).toFixed(1)} %` : '–';
    if (dataset?.imageShape) {
      const k = dataset.outputSize;
      const count = Math.min(DIGIT_STRIP_COUNT, dataset.testCount);
      return html`<h2>Test digits and predictions${of}</h2>
        <p>Test accuracy: <strong>${accuracy}</strong></p>
        <div class="digits">
          ${Array.from({ length: count }, (_, i) => {
            const label = classOf(dataset.testY, i, k);
            const predicted = this.digitOutputs ? classOf(this.digitOutputs, i, k) : null;
            const wrong = predicted !== null && predicted !== label;
            return html`<figure>
              <canvas data-digit=${i} width=${dataset.imageShape![1]} height=${dataset.imageShape![0]}></canvas>
              <figcaption class=${wrong ? 'wrong' : ''}>${predicted === null ? '?' : predicted}${wrong ? ` (is ${label})` : ''}</figcaption>
            </figure>`;
          })}
        </div>`;
    }
    if (dataset && dataset.inputSize === 2) {
      return html`<h2>Decision boundary${of}</h2>
        <canvas class="plane" width="340" height="340" role="img" aria-label=${`Network output over the plane with the training points${of}`}></canvas>
        <p class="hint">Colour: predicted class, paler where the network is unsure. Test accuracy: <strong>${accuracy}</strong></p>`;
    }
    return html`<h2>Predictions${of}</h2>
      <p>Test accuracy: <strong>${accuracy}</strong></p>`;
  }

  override updated(): void {
    const dataset = this.trainingData;
    if (!dataset) return;
    if (dataset.imageShape) this._drawDigits(dataset);
    else if (dataset.inputSize === 2) this._drawPlane(dataset);
  }

  private _drawPlane(dataset: Dataset): void {
    const canvas = this.renderRoot.querySelector('canvas.plane') as HTMLCanvasElement | null;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const size = canvas.width;
    ctx.clearRect(0, 0, size, size);
    const k = dataset.outputSize;
    const { extent } = boundaryGrid(dataset);
    if (this.gridOutputs && this.gridOutputs.length === GRID_SIZE * GRID_SIZE * k) {
      const image = new ImageData(GRID_SIZE, GRID_SIZE);
      for (let i = 0; i < GRID_SIZE * GRID_SIZE; i++) {
        const cls = classOf(this.gridOutputs, i, k);
        // Confidence 0 at the boundary, 1 where the network is certain.
        const confidence = k === 1 ? Math.abs(2 * this.gridOutputs[i] - 1) : (this.gridOutputs[i * k + cls] - 1 / k) / (1 - 1 / k);
        const [r, g, b] = CLASS_COLORS[cls % CLASS_COLORS.length];
        const alpha = 0.15 + 0.55 * Math.max(0, Math.min(1, confidence));
        image.data[4 * i] = Math.round(255 - alpha * (255 - r));
        image.data[4 * i + 1] = Math.round(255 - alpha * (255 - g));
        image.data[4 * i + 2] = Math.round(255 - alpha * (255 - b));
        image.data[4 * i + 3] = 255;
      }
      const tile = document.createElement('canvas');
      tile.width = GRID_SIZE;
      tile.height = GRID_SIZE;
      tile.getContext('2d')?.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(tile, 0, 0, size, size);
    }
    const span = extent.max - extent.min;
    const stride = Math.max(1, Math.ceil(dataset.trainCount / MAX_POINTS));
    for (let i = 0; i < dataset.trainCount; i += stride) {
      const x = ((dataset.trainX[2 * i] - extent.min) / span) * size;
      const y = ((extent.max - dataset.trainX[2 * i + 1]) / span) * size;
      const [r, g, b] = CLASS_COLORS[classOf(dataset.trainY, i, k) % CLASS_COLORS.length];
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.strokeStyle = '#fff';
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }

  private _drawDigits(dataset: Dataset): void {
    const [height, width] = dataset.imageShape!;
    const pixels = height * width;
    for (const canvas of this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas[data-digit]')) {
      const i = Number(canvas.dataset.digit);
      const ctx = canvas.getContext('2d');
      if (!ctx) continue;
      const image = new ImageData(width, height);
      for (let p = 0; p < pixels; p++) {
        const grey = 255 - Math.round(255 * dataset.testX[i * pixels + p]);
        image.data.set([grey, grey, grey, 255], 4 * p);
      }
      ctx.putImageData(image, 0, 0);
    }
  }
}
customElements.define('boundary-panel', BoundaryPanel);
