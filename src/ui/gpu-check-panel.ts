/**
 * "Check this GPU": the button that runs the self-check on the running network (src/ui/gpu-check.ts),
 * its progress, and what it found: the adapter, and per tensor kind the largest relative error, the
 * bound and pass or fail, with every failure named. The progress and the outcome are announced
 * through a polite live region.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { SelfCheckReport } from '../train/self-check';
import type { ToleranceKind } from '../train/tensor-bounds';
import { emit, panelStyles } from './form';
import type { GpuCheckState } from './gpu-check';

/** Each tensor kind in words. */
const KIND_LABELS: Record<ToleranceKind, string> = {
  forward: 'Outputs',
  loss: 'Losses',
  weightGradient: 'Weight gradients',
  biasGradient: 'Bias gradients',
  gradientNorm: 'Gradient norms',
  parameterChange: 'Parameter change',
};

/** Failures listed in full; the rest are counted. */
const SHOWN_FAILURES = 10;

/** The adapter of a report in one line. */
function adapterText(report: SelfCheckReport): string {
  const { vendor, architecture, device, description } = report.adapter;
  return [vendor, architecture, device, description].filter(Boolean).join(' · ') || 'an unnamed adapter';
}

/** What the live region says: the plan being run, or the outcome in one sentence. */
function announcement(state: GpuCheckState): string {
  if (state.phase === 'running') {
    return state.progress ? `Checking plan ${state.progress.index + 1} of ${state.progress.total}: ${state.progress.plan}…` : 'Pausing the run and reading its weights…';
  }
  if (state.phase === 'error') return state.error;
  const report = state.report;
  if (state.phase !== 'done' || !report) return '';
  const seconds = (report.elapsedMs / 1000).toFixed(1);
  if (report.passed) return `Passed on ${adapterText(report)}: every tensor kind within its bound, over ${report.plans.length} plans in ${seconds} s.`;
  const failedKinds = report.kinds.filter((kind) => !kind.passed).map((kind) => KIND_LABELS[kind.kind]);
  return `Failed on ${adapterText(report)}: ${failedKinds.length > 0 ? `${failedKinds.join(', ')} out of bound` : 'the GPU reported errors'}; the failures are listed below.`;
}

export class GpuCheckPanel extends LitElement {
  static override properties = {
    state: { attribute: false },
    available: { type: Boolean },
  };

  static override styles = [
    panelStyles,
    css`
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 0.8rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.1rem 0.3rem 0.1rem 0;
        vertical-align: top;
      }
      td.number {
        font-variant-numeric: tabular-nums;
      }
      .fail {
        color: #b3261e;
        font-weight: 600;
      }
      .pass {
        color: #2b8a3e;
      }
      progress {
        width: 100%;
      }
      ul {
        margin: 0.3rem 0 0;
        padding-left: 1rem;
        font-size: 0.8rem;
        overflow-wrap: anywhere;
      }
    `,
  ];

  /** Where the check stands (GpuCheck.state). */
  declare state: GpuCheckState;
  /** Whether there is a GPU run to check (false on the CPU, or before the first run). */
  declare available: boolean;

  constructor() {
    super();
    this.state = { phase: 'idle', progress: null, report: null, error: '', checked: null };
    this.available = false;
  }

  override render() {
    const { phase, progress, report } = this.state;
    const running = phase === 'running';
    return html`
      <h2>GPU self-check</h2>
      <p class="hint">
        Pauses the run, then trains the current network a few steps on this GPU and on the float64 CPU path from its weights, in every product
        variant the tuner might pick, and compares every tensor with the test suite's bounds.
      </p>
      <button type="button" ?disabled=${!this.available || running} aria-describedby="check-status" @click=${this._onCheck}>Check this GPU</button>
      ${running && progress ? html`<progress max=${progress.total} .value=${progress.index} aria-label="Check progress"></progress>` : nothing}
      <p id="check-status" role="status" aria-live="polite" data-testid="check-status">${announcement(this.state)}</p>
      ${phase === 'done' && report ? this._renderReport(report) : nothing}
    `;
  }

  private _renderReport(report: SelfCheckReport) {
    const shown = report.failures.slice(0, SHOWN_FAILURES);
    const more = report.failures.length - shown.length;
    return html`
      <p class="hint">Adapter: <span data-testid="check-adapter">${adapterText(report)}</span></p>
      ${this.state.checked
        ? html`<p class="hint" data-testid="check-network">Network ${this.state.checked.widths.join(' → ')}, from the weights of step ${this.state.checked.step}.</p>`
        : nothing}
      <table aria-label="Check results per tensor kind">
        <thead>
          <tr><th scope="col">Tensor kind</th><th scope="col">Largest relative error</th><th scope="col">Bound (relative)</th><th scope="col">Result</th></tr>
        </thead>
        <tbody>
          ${report.kinds.map(
            (kind) => html`<tr data-testid="check-kind" data-kind=${kind.kind} data-passed=${String(kind.passed)}>
              <th scope="row">${KIND_LABELS[kind.kind]}</th>
              <td class="number">${kind.largestRelativeError.toExponential(1)}</td>
              <td class="number">${kind.bound.rtol.toExponential(1)}</td>
              <td class=${kind.passed ? 'pass' : 'fail'}>${kind.passed ? 'pass' : 'FAIL'} (${(kind.boundFraction * 100).toPrecision(2)}% of bound)</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <p class="hint">
        An element passes when |gpu − cpu| ≤ rtol·|cpu| + atol·max|cpu|: the relative part rtol is shown, the absolute part scales with the
        tensor's largest value. In brackets, the share of that bound the worst element used.
      </p>
      ${shown.length > 0
        ? html`<ul aria-label="Failures" data-testid="check-failures">
            ${shown.map((failure) => html`<li>${failure}</li>`)} ${more > 0 ? html`<li>…and ${more} more</li>` : nothing}
          </ul>`
        : nothing}
    `;
  }

  private _onCheck(): void {
    emit(this, 'check-gpu', null);
  }
}
customElements.define('gpu-check-panel', GpuCheckPanel);
