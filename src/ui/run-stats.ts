/**
 * Size and speed of the run: parameter count, memory the run needs, the adapter it runs on, and
 * steps and samples per second.
 */
import { LitElement, html } from 'lit';
import { OPTIMIZERS } from '../model/optimizers';
import { parameterLayout } from '../model/layout';
import type { NetworkSpec } from '../model/spec';
import type { Dataset } from '../model/dataset';
import { panelStyles } from './form';

const FLOAT32_BYTES = 4;

/**
 * Bytes of float32 storage a run needs: parameters, their gradient and optimizer slots; Z, A and
 * the delta of every layer for one batch; and the dataset (features and targets, train and test).
 */
function runMemoryBytes(spec: NetworkSpec, dataset: Dataset): number {
  const parameters = parameterLayout(spec.widths).totalParameters;
  const perParameter = 2 + OPTIMIZERS[spec.optimizer.kind].slots;
  const activations = 3 * spec.batchSize * spec.widths.reduce((sum, width) => sum + width, 0);
  const data = (dataset.trainCount + dataset.testCount) * (dataset.inputSize + dataset.outputSize);
  return FLOAT32_BYTES * (parameters * perParameter + activations + data);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function formatRate(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} k` : value.toFixed(0);
}

export class RunStats extends LitElement {
  static override properties = {
    spec: { attribute: false },
    trainingData: { attribute: false },
    adapter: { type: String },
    stepsPerSecond: { type: Number },
  };

  static override styles = panelStyles;

  /** The running network, or null before the first run starts. */
  declare spec: NetworkSpec | null;
  /** The data it trains on. */
  declare trainingData: Dataset | null;
  /** What computes: the adapter's name, or the CPU worker. */
  declare adapter: string;
  /** Finished steps per second, measured by the training loop. */
  declare stepsPerSecond: number;

  constructor() {
    super();
    this.spec = null;
    this.trainingData = null;
    this.adapter = '';
    this.stepsPerSecond = 0;
  }

  override render() {
    const { spec, trainingData } = this;
    if (!spec || !trainingData) return html`<h2>Run</h2><p>Starting…</p>`;
    const parameters = parameterLayout(spec.widths).totalParameters;
    return html`
      <h2>Size and speed</h2>
      <dl>
        <div class="row"><dt>Network</dt><dd>${spec.widths.join(' → ')}</dd></div>
        <div class="row"><dt>Parameters</dt><dd data-testid="parameter-count">${parameters.toLocaleString('en')}</dd></div>
        <div class="row"><dt>Memory needed</dt><dd>≈ ${formatBytes(runMemoryBytes(spec, trainingData))} (float32)</dd></div>
        <div class="row"><dt>Runs on</dt><dd data-testid="adapter">${this.adapter}</dd></div>
        <div class="row"><dt>Speed</dt><dd>${formatRate(this.stepsPerSecond)} steps/s · ${formatRate(this.stepsPerSecond * spec.batchSize)} samples/s</dd></div>
      </dl>
    `;
  }
}
customElements.define('run-stats', RunStats);
