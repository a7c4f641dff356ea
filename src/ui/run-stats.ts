/**
 * Size and speed of the run: parameter count, memory the run needs, the adapter it runs on, steps
 * and samples per second, and how the step runs on the GPU: each matrix product's variant with the
 * GFLOP/s the autotuner measured for it on this adapter, or why the fixed rule's variant runs; with
 * the option that turns tuning off.
 */
import { LitElement, css, html, nothing } from 'lit';
import { OPTIMIZERS } from '../model/optimizers';
import { parameterLayout } from '../model/layout';
import type { NetworkSpec } from '../model/spec';
import type { Dataset } from '../model/dataset';
import type { ProductChoice, StepPlanView } from '../train/product-plan';
import { emit, panelStyles } from './form';

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

/** GFLOP/s to two significant digits: a small product on a CPU adapter runs at hundredths of one. */
function formatGflops(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(2);
}

/** A layer's products in words. */
const PRODUCT_LABELS: Record<ProductChoice['product'], string> = {
  forward: 'forward',
  weightGrad: 'weight gradient',
  inputGrad: 'input gradient',
};

/** Where a product's variant came from, in words. */
function sourceText(choice: ProductChoice): string {
  if (choice.source === 'measured') return 'fastest, timed now';
  if (choice.source === 'stored') return 'fastest, timed on an earlier visit';
  return `fixed rule: ${choice.ruleReason}`;
}

export class RunStats extends LitElement {
  static override properties = {
    spec: { attribute: false },
    trainingData: { attribute: false },
    adapter: { type: String },
    stepsPerSecond: { type: Number },
    stepPlan: { attribute: false },
    tuneGpu: { type: Boolean },
  };

  static override styles = [
    panelStyles,
    css`
      h3 {
        font-size: 0.9rem;
        margin: 0.6rem 0 0.3rem;
      }
      .products {
        width: 100%;
        border-collapse: collapse;
        font-size: 0.8rem;
      }
      .products th,
      .products td {
        text-align: left;
        padding: 0.1rem 0.3rem 0.1rem 0;
        vertical-align: top;
        overflow-wrap: anywhere;
      }
      .products td.number {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  /** The running network, or null before the first run starts. */
  declare spec: NetworkSpec | null;
  /** The data it trains on. */
  declare trainingData: Dataset | null;
  /** What computes: the adapter's name, or the CPU worker. */
  declare adapter: string;
  /** Finished steps per second, measured by the training loop. */
  declare stepsPerSecond: number;
  /** How the running network's step runs on the GPU; null on the CPU. */
  declare stepPlan: StepPlanView | null;
  /** Whether GPU sessions tune their products on this adapter (the option shown here; 'tune-gpu-change' reports an edit). */
  declare tuneGpu: boolean;

  constructor() {
    super();
    this.spec = null;
    this.trainingData = null;
    this.adapter = '';
    this.stepsPerSecond = 0;
    this.stepPlan = null;
    this.tuneGpu = true;
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
      <h3>Matrix products</h3>
      ${this._renderProducts()}
      <label><input type="checkbox" .checked=${this.tuneGpu} aria-describedby="tuning-hint" @change=${this._onTuneGpu} /><span>Tune the GPU products</span></label>
      <p class="hint" id="tuning-hint">
        Times each product's variants on this adapter when a network is built and runs the fastest: a few seconds once, then the choices are
        kept in this browser. Off, the fixed rule's variants run.
      </p>
    `;
  }

  private _renderProducts() {
    const plan = this.stepPlan;
    if (!plan) return html`<p class="hint" data-testid="products-note">The network trains on the CPU: there are no GPU products.</p>`;
    if (plan.kernel === 'fused') {
      return html`<p class="hint" data-testid="products-note">One fused kernel runs the whole step, so there are no separate products to tune: ${plan.reason}.</p>`;
    }
    const tuning = !plan.tuning
      ? "Not tuned: the fixed rule's variants run."
      : plan.products.every((choice) => choice.source === 'stored')
        ? 'Every product runs the variant timed fastest on an earlier visit, kept in this browser: nothing was timed now.'
        : `Tuned on this adapter in ${Math.round(plan.tuning.elapsedMs)} ms (budget ${plan.tuning.budgetMs} ms), ${
            plan.tuning.clock === 'timestamp-query' ? "each product timed by the GPU's timestamp queries" : 'each product timed from submission to completion (this GPU offers no timestamp queries)'
          }.`;
    return html`
      <table class="products" aria-label="Matrix products of a training step">
        <thead>
          <tr><th scope="col">Layer</th><th scope="col">Product</th><th scope="col">Variant</th><th scope="col">GFLOP/s</th></tr>
        </thead>
        <tbody>
          ${plan.products.map(
            (choice) => html`<tr data-testid="product-row" data-source=${choice.source} data-variant=${choice.variant}>
              <td>${choice.layer}</td>
              <td>${PRODUCT_LABELS[choice.product]}<br /><span class="hint">${choice.shape}</span></td>
              <td>${choice.variant}<br /><span class="hint">${sourceText(choice)}</span></td>
              <td class="number">${choice.gflops === null ? '–' : formatGflops(choice.gflops)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <p class="hint" data-testid="products-note">${tuning}</p>
      ${plan.products.some((choice) => choice.source === 'rule') ? html`<p class="hint">Fixed rule: ${plan.reason}.</p>` : nothing}
    `;
  }

  private _onTuneGpu(event: Event): void {
    emit(this, 'tune-gpu-change', (event.target as HTMLInputElement).checked);
  }
}
customElements.define('run-stats', RunStats);
