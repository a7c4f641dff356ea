/**
 * What stopped the run, and the way on: shown (as an alert, so screen readers announce it) when
 * training diverged to a non-finite value, when the page could not recover from a GPU device loss,
 * when the GPU reported an error, or when the CPU worker failed. Nothing is drawn, and nothing is
 * announced, while there is no fault.
 *
 * The status line above it tells what happened to the run; this panel adds what it does not say,
 * so a screen reader reads each sentence once: the heading, the error in the backend's own words
 * where the status line gives only its kind, and the actions with where each one leads. Texts are
 * set as text, never as markup.
 */
import { LitElement, css, html, nothing } from 'lit';
import { emit, panelStyles } from './form';

/** A fault the page shows until the user acts on it; what happened is in the status line, unless said here. */
export type RunFault = FaultKind & {
  /** The fork branch it happened in (which then went on alone); absent for a run that was not forked. */
  branch?: string;
};

/** What stopped the run. */
type FaultKind =
  | {
      /** Training stopped at the first non-finite metric; the status line has the guard's diagnosis. */
      kind: 'non-finite';
      /** The step whose metrics were not finite. */
      step: number;
      /** Step of the last good weights that Restore goes back to; null when no step was good. */
      keptStep: number | null;
    }
  | {
      /** A lost GPU device could not be replaced; the status line says why. */
      kind: 'recovery-failed';
      /** Step of the weights the CPU path would continue from; null when none were kept. */
      keptStep: number | null;
    }
  | {
      /** A validation, out-of-memory or internal GPU error; the status line names its kind. */
      kind: 'gpu-error';
      /** The error in the GPU's own words. */
      message: string;
    }
  | {
      /** The Web Worker that trains on the CPU failed, so its session answers no more. */
      kind: 'worker-failed';
      /** The failure in the worker's own words. */
      message: string;
      /** Step of the weights a new worker would continue from; null when none were kept. */
      keptStep: number | null;
    };

const HEADINGS: Record<RunFault['kind'], string> = {
  'non-finite': 'Training diverged',
  'recovery-failed': 'The GPU is gone',
  'gpu-error': 'The GPU reported an error',
  'worker-failed': 'The CPU worker failed',
};

export class FaultPanel extends LitElement {
  static override properties = {
    fault: { attribute: false },
  };

  static override styles = [
    panelStyles,
    css`
      /* panelStyles make the host a block: hidden must win over that, or an empty panel shows. */
      :host([hidden]) {
        display: none;
      }
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

  override willUpdate(): void {
    this.hidden = this.fault === null;
  }

  override render() {
    const fault = this.fault;
    if (!fault) return nothing;
    return html`<div role="alert" data-testid="fault">
      <h2>${fault.branch ? `${fault.branch}: ` : ''}${fault.kind === 'non-finite' ? `Step ${fault.step}: ${HEADINGS[fault.kind].toLowerCase()}` : HEADINGS[fault.kind]}</h2>
      ${fault.kind === 'gpu-error' || fault.kind === 'worker-failed' ? html`<p>${fault.message}</p>` : nothing}
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
                <span class="hint">back to step ${fault.keptStep}, whose weights still gave finite figures.</span>
              </div>`;
      case 'recovery-failed':
        return html`<div class="row">
          <button type="button" class="primary" @click=${this._onContinueOnCpu}>Continue on the CPU</button>
          <button type="button" @click=${this._onReload}>Reload the page</button>
          <span class="hint">${fault.keptStep === null ? 'The CPU starts from new weights.' : `The CPU continues from the weights of step ${fault.keptStep}.`}</span>
        </div>`;
      case 'gpu-error':
        return html`<p class="hint">Press Play to go on, or Reset to start from new weights.</p>`;
      case 'worker-failed':
        return html`<div class="row">
          <button type="button" class="primary" @click=${this._onContinueOnCpu}>Start a new CPU worker</button>
          <span class="hint">${fault.keptStep === null ? 'It starts from new weights.' : `It continues from the weights of step ${fault.keptStep}.`}</span>
        </div>`;
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
