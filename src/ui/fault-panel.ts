/**
 * What stopped the run, and the way on: shown (as an alert, so screen readers announce it) when
 * training diverged to a non-finite value, when the page could not recover from a GPU device loss,
 * or when the GPU reported an error. The messages are the run guard's own sentences
 * (src/train/guarded-session.ts), set as text, never as markup.
 */
import { LitElement, css, html, nothing } from 'lit';
import { emit, panelStyles } from './form';

/** A fault the page shows until the user acts on it. */
export type RunFault =
  | {
      /** Training stopped at the first non-finite metric. */
      kind: 'non-finite';
      /** The guard's sentence: step, figure, layer, what is kept, the likely cause. */
      message: string;
      /** Step of the last good weights that Restore goes back to; null when no step was good. */
      keptStep: number | null;
      /** The learning rate in use, which the advice asks to lower. */
      learningRate: number;
    }
  | {
      /** A lost GPU device could not be replaced. */
      kind: 'recovery-failed';
      /** Why, in the guard's words. */
      message: string;
      /** Step of the weights the CPU path would continue from; null when none were kept. */
      keptStep: number | null;
    }
  | {
      /** A validation, out-of-memory or internal GPU error. */
      kind: 'gpu-error';
      /** The error as the GPU reported it. */
      message: string;
    };

const HEADINGS: Record<RunFault['kind'], string> = {
  'non-finite': 'Training diverged',
  'recovery-failed': 'The GPU is gone',
  'gpu-error': 'The GPU reported an error',
};

export class FaultPanel extends LitElement {
  static override properties = {
    fault: { attribute: false },
  };

  static override styles = [
    panelStyles,
    css`
      :host {
        background: #fdecea;
        border-color: #e57373;
        margin: 0 0 0.6rem;
      }
      p {
        margin: 0 0 0.4rem;
      }
      button.primary {
        border-color: #b3261e;
        background: #fff;
        font-weight: 600;
      }
    `,
  ];

  /** The fault to show; nothing is rendered while it is null. */
  declare fault: RunFault | null;

  constructor() {
    super();
    this.fault = null;
  }

  override render() {
    const fault = this.fault;
    if (!fault) return nothing;
    return html`<div role="alert" data-testid="fault">
      <h2>${HEADINGS[fault.kind]}</h2>
      <p>${fault.message}</p>
      ${this._actions(fault)}
    </div>`;
  }

  private _actions(fault: RunFault) {
    switch (fault.kind) {
      case 'non-finite':
        return fault.keptStep === null
          ? html`<div class="row"><button type="button" class="primary" @click=${this._onReset}>Reset to new weights</button></div>`
          : html`<div class="row">
                <button type="button" class="primary" @click=${this._onRestore}>Restore last good weights</button>
                <span class="hint">back to step ${fault.keptStep}; lower the learning rate (now ${fault.learningRate}) in the optimizer panel before you press Play again.</span>
              </div>`;
      case 'recovery-failed':
        return html`<div class="row">
          <button type="button" class="primary" @click=${this._onContinueOnCpu}>Continue on the CPU</button>
          <button type="button" @click=${this._onReload}>Reload the page</button>
          <span class="hint">${fault.keptStep === null ? 'The CPU starts from new weights.' : `The CPU continues from the weights of step ${fault.keptStep}.`}</span>
        </div>`;
      case 'gpu-error':
        return html`<p class="hint">Training paused. Press Play to go on, or Reset to start from new weights.</p>`;
    }
  }

  private _onRestore(): void {
    emit(this, 'restore-last-good', null);
  }

  private _onReset(): void {
    emit(this, 'reset-run', null);
  }

  private _onContinueOnCpu(): void {
    emit(this, 'continue-on-cpu', null);
  }

  private _onReload(): void {
    location.reload();
  }
}
customElements.define('fault-panel', FaultPanel);
