/**
 * Learning rate, batch size and optimizer. The playground applies the learning rate and the
 * optimizer's hyperparameters to the running weights; a new batch size or optimizer kind needs a
 * fresh run, and the playground says so.
 */
import { LitElement, html } from 'lit';
import { cloneSpec, DEFAULT_SPEC, OPTIMIZER_KINDS, type NetworkSpec, type OptimizerKind, type OptimizerSpec } from '../model/spec';
import type { ValidationProblem } from '../model/validate';
import { emit, fieldProblems, numberValue, panelStyles } from './form';

const OPTIMIZER_LABELS: Record<OptimizerKind, string> = { sgd: 'SGD', momentum: 'Momentum', adam: 'Adam' };

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
    const numberField = (key: keyof Omit<OptimizerSpec, 'kind'>, label: string) => html`
      <label><span>${label}</span><input type="number" step="any" .value=${String(optimizer[key])} @change=${(e: Event) => this._onNumber(key, e)} /></label>
      ${fieldProblems(problems, `optimizer.${key}`)}
    `;
    return html`
      <h2>Training</h2>
      ${numberField('learningRate', 'Learning rate')}
      <label><span>Batch size</span><input type="number" min="1" step="1" .value=${String(batchSize)} @change=${this._onBatchSize} /></label>
      ${fieldProblems(problems, 'batchSize')}
      <label
        ><span>Optimizer</span
        ><select @change=${this._onKind}>
          ${OPTIMIZER_KINDS.map((k) => html`<option value=${k} ?selected=${k === optimizer.kind}>${OPTIMIZER_LABELS[k]}</option>`)}
        </select></label
      >
      ${fieldProblems(problems, 'optimizer.kind')}
      ${optimizer.kind === 'momentum' ? numberField('momentum', 'Momentum μ') : ''}
      ${optimizer.kind === 'adam' ? html`${numberField('beta1', 'Adam β1')}${numberField('beta2', 'Adam β2')}${numberField('epsilon', 'Adam ε')}` : ''}
    `;
  }

  private _onNumber(key: keyof Omit<OptimizerSpec, 'kind'>, event: Event): void {
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
