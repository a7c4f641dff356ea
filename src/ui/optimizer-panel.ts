/**
 * Learning rate, batch size and optimizer. The playground applies the learning rate and the
 * optimizer's hyperparameters to the running weights; a new batch size or optimizer kind needs a
 * fresh run, and the playground says so.
 */
import { LitElement, html } from 'lit';
import { HYPERPARAMETERS, OPTIMIZER_KINDS, OPTIMIZERS, type HyperparameterName, type OptimizerKind } from '../model/optimizers';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../model/spec';
import type { ValidationProblem } from '../model/validate';
import { emit, fieldProblems, numberValue, panelStyles } from './form';

export class OptimizerPanel extends LitElement {
  static override properties = {
    spec: { attribute: false },
    problems: { attribute: false },
  };

  static override styles = panelStyles;

  /** The network as edited; this panel edits its optimizer and batch size. */
  declare spec: NetworkSpec;
  /** Problems of the edited network, shown next to the control they concern. */
  declare problems: ValidationProblem[];

  constructor() {
    super();
    this.spec = cloneSpec(DEFAULT_SPEC);
    this.problems = [];
  }

  override render() {
    const { optimizer, batchSize } = this.spec;
    const problems = this.problems;
    const numberField = (key: HyperparameterName) => html`
      <label><span>${HYPERPARAMETERS[key].label}</span><input type="number" step="any" .value=${String(optimizer[key])} @change=${(e: Event) => this._onNumber(key, e)} /></label>
      ${fieldProblems(problems, `optimizer.${key}`)}
    `;
    // The learning rate comes first, with the batch size; the optimizer's other hyperparameters follow its choice.
    const rest = OPTIMIZERS[optimizer.kind].hyperparameters.filter((key) => key !== 'learningRate');
    return html`
      <h2>Training</h2>
      ${numberField('learningRate')}
      <label><span>Batch size</span><input type="number" min="1" step="1" .value=${String(batchSize)} @change=${this._onBatchSize} /></label>
      ${fieldProblems(problems, 'batchSize')}
      <label
        ><span>Optimizer</span
        ><select @change=${this._onKind}>
          ${OPTIMIZER_KINDS.map((k) => html`<option value=${k} ?selected=${k === optimizer.kind}>${OPTIMIZERS[k].label}</option>`)}
        </select></label
      >
      ${fieldProblems(problems, 'optimizer.kind')}
      ${rest.map(numberField)}
    `;
  }

  private _onNumber(key: HyperparameterName, event: Event): void {
    const next = cloneSpec(this.spec);
    next.optimizer[key] = numberValue(event);
    emit(this, 'spec-edit', next);
  }

  private _onBatchSize(event: Event): void {
    const next = cloneSpec(this.spec);
    next.batchSize = numberValue(event);
    emit(this, 'spec-edit', next);
  }

  private _onKind(event: Event): void {
    const next = cloneSpec(this.spec);
    next.optimizer.kind = (event.target as HTMLSelectElement).value as OptimizerKind;
    emit(this, 'spec-edit', next);
  }
}
customElements.define('optimizer-panel', OptimizerPanel);
