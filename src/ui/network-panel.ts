/**
 * The network builder: hidden layers (width and activation each), the output activation, weight
 * initialisation (with a "saturated start" preset) and the seed. Every change here needs a new
 * network; the playground decides that and says so. Input and output widths follow the dataset.
 */
import { LitElement, css, html } from 'lit';
import { ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, OUTPUTS, type HiddenActivation, type OutputActivation } from '../model/activations';
import { cloneSpec, DEFAULT_SPEC, INIT_KINDS, type InitKind, type NetworkSpec } from '../model/spec';
import type { ValidationProblem } from '../model/validate';
import { emit, fieldProblems, numberValue, panelStyles } from './form';

/** Init scale of the "saturated start" preset: large enough that sigmoid outputs start near 0 or 1. */
const SATURATED_INIT_SCALE = 8;

const INIT_LABELS: Record<InitKind, string> = { glorot: 'Glorot (uniform)', he: 'He (uniform)' };

export class NetworkPanel extends LitElement {
  static override properties = {
    spec: { attribute: false },
    problems: { attribute: false },
  };

  static override styles = [
    panelStyles,
    css`
      ol {
        list-style: none;
        padding: 0;
        margin: 0;
      }
      li {
        border-left: 3px solid #c9d3e3;
        padding-left: 0.4rem;
        margin: 0.3rem 0;
      }
      .fixed {
        color: #444;
      }
    `,
  ];

  /** The network as edited (may be invalid; `problems` then says why). */
  declare spec: NetworkSpec;
  /** Problems of the edited network, shown next to the control they concern. */
  declare problems: ValidationProblem[];

  constructor() {
    super();
    this.spec = cloneSpec(DEFAULT_SPEC);
    this.problems = [];
  }

  override render() {
    const { spec, problems } = this;
    const last = spec.widths.length - 1;
    return html`
      <h2>Network</h2>
      <p class="fixed">Inputs: ${spec.widths[0]} (from the dataset)</p>
      <ol aria-label="Hidden layers">
        ${spec.widths.slice(1, last).map((width, i) => {
          const layer = i + 1;
          return html`<li>
            <label
              ><span>Hidden layer ${layer} width</span
              ><input type="number" min="1" step="1" .value=${String(width)} @change=${(e: Event) => this._onWidth(layer, e)}
            /></label>
            ${fieldProblems(problems, `widths[${layer}]`)}
            <label
              ><span>Activation ${layer}</span
              ><select @change=${(e: Event) => this._onActivation(i, e)}>
                ${HIDDEN_ACTIVATIONS.map((a) => html`<option value=${a} ?selected=${a === spec.hiddenActivations[i]}>${ACTIVATIONS[a].label}</option>`)}
              </select></label
            >
            <button type="button" aria-label="Remove hidden layer ${layer}" @click=${() => this._onRemove(layer)}>Remove</button>
          </li>`;
        })}
      </ol>
      <button type="button" @click=${this._onAdd}>Add hidden layer</button>
      ${fieldProblems(problems.filter((p) => p.field === 'widths'), 'widths')}
      <p class="fixed">Outputs: ${spec.widths[last]} (from the dataset)</p>
      <label
        ><span>Output activation</span
        ><select @change=${this._onOutput}>
          ${OUTPUT_ACTIVATIONS.map((a) => html`<option value=${a} ?selected=${a === spec.outputActivation}>${OUTPUTS[a].label}</option>`)}
        </select></label
      >
      ${fieldProblems(problems, 'outputActivation')} ${fieldProblems(problems, 'loss')}
      <label
        ><span>Initialisation</span
        ><select @change=${this._onInitKind}>
          ${INIT_KINDS.map((k) => html`<option value=${k} ?selected=${k === spec.init.kind}>${INIT_LABELS[k]}</option>`)}
        </select></label
      >
      <label
        ><span>Init scale</span><input type="number" min="0" step="any" .value=${String(spec.init.scale)} @change=${this._onInitScale}
      /></label>
      ${fieldProblems(problems, 'init')}
      <div class="row">
        <button type="button" @click=${this._onSaturatedStart} title="Weights ×${SATURATED_INIT_SCALE}: outputs start near 0 or 1, where MSE's gradient vanishes">
          Saturated start
        </button>
        <button type="button" @click=${this._onNormalStart}>Normal start</button>
      </div>
      <label><span>Seed</span><input type="number" min="0" step="1" .value=${String(spec.seed)} @change=${this._onSeed} /></label>
      ${fieldProblems(problems, 'seed')}
    `;
  }

  private _edit(change: (spec: NetworkSpec) => void): void {
    const next = cloneSpec(this.spec);
    change(next);
    emit(this, 'spec-edit', next);
  }

  private _onWidth(layer: number, event: Event): void {
    const width = numberValue(event);
    this._edit((s) => {
      s.widths[layer] = width;
    });
  }

  private _onActivation(index: number, event: Event): void {
    const activation = (event.target as HTMLSelectElement).value as HiddenActivation;
    this._edit((s) => {
      s.hiddenActivations[index] = activation;
    });
  }

  private _onRemove(layer: number): void {
    this._edit((s) => {
      s.widths.splice(layer, 1);
      s.hiddenActivations.splice(layer - 1, 1);
    });
  }

  private _onAdd(): void {
    this._edit((s) => {
      const last = s.widths.length - 1;
      const previousWidth = last > 1 ? s.widths[last - 1] : 8;
      s.widths.splice(last, 0, Number.isFinite(previousWidth) ? previousWidth : 8);
      s.hiddenActivations.push(s.hiddenActivations[s.hiddenActivations.length - 1] ?? 'tanh');
    });
  }

  private _onOutput(event: Event): void {
    const output = (event.target as HTMLSelectElement).value as OutputActivation;
    this._edit((s) => {
      s.outputActivation = output;
    });
  }

  private _onInitKind(event: Event): void {
    const kind = (event.target as HTMLSelectElement).value as InitKind;
    this._edit((s) => {
      s.init.kind = kind;
    });
  }

  private _onInitScale(event: Event): void {
    const scale = numberValue(event);
    this._edit((s) => {
      s.init.scale = scale;
    });
  }

  private _onSaturatedStart(): void {
    this._edit((s) => {
      s.init.scale = SATURATED_INIT_SCALE;
    });
  }

  private _onNormalStart(): void {
    this._edit((s) => {
      s.init.scale = 1;
    });
  }

  private _onSeed(event: Event): void {
    const seed = numberValue(event);
    this._edit((s) => {
      s.seed = seed;
    });
  }
}
customElements.define('network-panel', NetworkPanel);
