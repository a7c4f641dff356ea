/**
 * A forked run's branches side by side: per branch its name, how its curves are drawn, "Keep this
 * branch", and its decision boundary and saturation view (the page's own panels, each labelled with
 * the branch). Two columns where there is room, stacked on a narrow screen.
 */
import { LitElement, css, html } from 'lit';
import type { OutputActivation } from '../model/activations';
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import './boundary-panel';
import { BRANCH_LINES } from './fork-branches';
import { emit, panelStyles } from './form';
import type { BranchViews } from './run-evaluation';
import './saturation-panel';

/** One branch as the panel shows it. */
export interface ForkPanelBranch {
  /** The loss it trains with. */
  loss: LossName;
  /** Its name: "MSE branch". */
  label: string;
  /** What its views show. */
  views: BranchViews;
}


export class ForkPanel extends LitElement {
  static override properties = {
    branches: { attribute: false },
    step: { type: Number },
    trainingData: { attribute: false },
    output: { type: String },
  };

  static override styles = [
    panelStyles,
    css`
      .branches {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 250px), 1fr));
        gap: 0.6rem;
      }
      section {
        display: grid;
        gap: 0.5rem;
        align-content: start;
        min-width: 0;
      }
      h3 {
        font-size: 0.9rem;
        margin: 0;
      }
      p {
        margin: 0;
      }
    `,
  ];

  /** The branches, in branch order. */
  declare branches: readonly ForkPanelBranch[];
  /** The step both branches started from. */
  declare step: number;
  /** The data trained on, which the boundary view draws. */
  declare trainingData: Dataset | null;
  /** The networks' output activation. */
  declare output: OutputActivation;

  constructor() {
    super();
    this.branches = [];
    this.step = 0;
    this.trainingData = null;
    this.output = 'sigmoid';
  }

  override render() {
    return html`
      <h2>Forked at step ${this.step}</h2>
      <p class="hint">Both branches started from the same weights, optimizer state and batches; each trains with its own loss. Keep one to go on with it alone.</p>
      <div class="branches">
        ${this.branches.map(
          (branch, b) => html`<section aria-label=${branch.label} data-testid="fork-branch">
            <h3>${branch.label}</h3>
            <p class="hint">Curves: ${BRANCH_LINES[b]?.words ?? 'dashed'} lines.</p>
            <div class="row"><button type="button" @click=${() => emit(this, 'keep-branch', b)}>Keep the ${branch.label}</button></div>
            <boundary-panel
              .trainingData=${this.trainingData}
              .gridOutputs=${branch.views.gridOutputs}
              .digitOutputs=${branch.views.digitOutputs}
              .testAccuracy=${branch.views.latestTest?.accuracy ?? Number.NaN}
              .branchLabel=${branch.label}
            ></boundary-panel>
            <saturation-panel
              .output=${this.output}
              .loss=${branch.loss}
              .outputs=${branch.views.saturation?.outputs ?? null}
              .targets=${branch.views.saturation?.targets ?? null}
              .outputSize=${this.trainingData?.outputSize ?? 1}
              .branchLabel=${branch.label}
            ></saturation-panel>
          </section>`,
        )}
      </div>
    `;
  }
}
customElements.define('fork-panel', ForkPanel);
