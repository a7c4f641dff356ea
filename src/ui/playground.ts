/**
 * The playground page: renders the panels and wires them to the controllers that do the work.
 * RunController owns the run (configuration, session, training loop, history, faults, a fork);
 * RunEvaluation the throttled test evaluation and views of the outputs; UrlState the link;
 * Shortcuts the keys; GpuCheck the self-check of this GPU. Panels report edits as events, which
 * go to the run. The panels sit in three columns on a wide screen, two on a medium one, and stack
 * in one on a narrow one, where nothing is wider than the screen. The header switches between this
 * main view and the Sweep view (sweep-view.ts), whose cells open their runs here.
 */
import { LitElement, css, html, nothing } from 'lit';
import { nextLoss, type LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import './boundary-panel';
import './curves-panel';
import './dataset-panel';
import './fault-panel';
import './fork-panel';
import { GpuCheck } from './gpu-check';
import './gpu-check-panel';
import './network-panel';
import './optimizer-panel';
import type { DataSource } from '../data/source';
import { configFromHash, saturationDemoConfig } from './playground-config';
import { RunController, type RunDebugSnapshot } from './run-controller';
import { RunEvaluation, type BranchViews } from './run-evaluation';
import { exportCurvesCsv, exportRunJson } from './run-export';
import type { RunSettings } from './run-settings';
import './run-stats';
import './saturation-panel';
import './share-panel';
import { Shortcuts } from './shortcuts';
import { addressShowsSweep, type SweepBase } from './sweep-controller';
import type { OpenRunRequest, SweepView } from './sweep-view';
import './sweep-view';
import './transport-panel';
import { UrlState } from './url-state';

/** The saturation demo, as the header describes it. */
const DEMO = saturationDemoConfig();

/** The two views the header switches between. */
const VIEWS = { main: 'Playground', sweep: 'Sweep' } as const;
type View = keyof typeof VIEWS;

export class MlpPlayground extends LitElement {
  static override properties = {
    _view: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      font-family: system-ui, sans-serif;
      color: #1d2330;
      background: #f3f5f9;
      min-height: 100vh;
      padding: 0.8rem 1rem 2rem;
      box-sizing: border-box;
    }
    header h1 {
      font-size: 1.3rem;
      margin: 0 0 0.2rem;
    }
    header p {
      margin: 0 0 0.6rem;
      max-width: 60rem;
    }
    button.demo {
      font: inherit;
      padding: 0.2rem 0.7rem;
      border: 1px solid #1a73e8;
      border-radius: 4px;
      background: #e8f0fe;
      cursor: pointer;
    }
    button.demo:focus-visible {
      outline: 3px solid #1a73e8;
      outline-offset: 2px;
    }
    .banner,
    .notice {
      border-radius: 6px;
      padding: 0.5rem 0.8rem;
      margin: 0 0 0.6rem;
    }
    /* A link's keys and values are the user's text: an unbroken one must wrap, not widen the page. */
    .banner,
    .notice,
    .status {
      overflow-wrap: anywhere;
    }
    .banner {
      background: #fff4e5;
      border: 1px solid #f0a040;
    }
    .notice {
      background: #fdecea;
      border: 1px solid #e57373;
    }
    .status {
      background: #e8f0fe;
      border: 1px solid #90b4f0;
      border-radius: 6px;
      padding: 0.4rem 0.8rem;
      margin: 0 0 0.6rem;
      min-height: 1.3em;
    }
    nav {
      display: flex;
      gap: 0.4rem;
      margin: 0 0 0.6rem;
    }
    nav button {
      font: inherit;
      padding: 0.2rem 0.9rem;
      border: 1px solid #8a94a6;
      border-radius: 4px;
      background: #fff;
      cursor: pointer;
    }
    nav button[aria-current='page'] {
      background: #1d2330;
      border-color: #1d2330;
      color: #fff;
    }
    nav button:focus-visible {
      outline: 3px solid #1a73e8;
      outline-offset: 2px;
    }
    [hidden] {
      display: none !important;
    }
    .layout {
      display: grid;
      grid-template-columns: minmax(260px, 320px) minmax(0, 1fr) minmax(280px, 360px);
      gap: 0.7rem;
      align-items: start;
    }
    .column {
      display: grid;
      gap: 0.7rem;
    }
    /* A grid item's automatic minimum is its min-content width, and a canvas drawn at one width keeps
       that width as its min-content: without this, a window narrowed after the charts were drawn
       keeps its columns at the old width and scrolls sideways. */
    .layout > *,
    .column > * {
      min-width: 0;
    }
    @media (max-width: 1100px) {
      .layout {
        grid-template-columns: minmax(260px, 320px) minmax(0, 1fr);
      }
      .right {
        grid-column: 1 / -1;
        grid-template-columns: repeat(auto-fit, minmax(280px, 1fr));
      }
    }
    @media (max-width: 700px) {
      .layout {
        grid-template-columns: 1fr;
      }
    }
  `;

  private readonly url = new UrlState(this, (config, reasons) => this.run.apply(config, { fresh: true, fitToData: true, ...reasons }));
  private readonly run: RunController = new RunController(
    this,
    {
      stepsAdded: () => this.evaluation.stepsAdded(),
      runStarted: (start) => this.evaluation.runStarted(start),
      rewound: (step) => this.evaluation.rewound(step),
      paused: () => void this.evaluation.refreshNow(),
      configSettled: (config) => this.url.write(config),
      forkChanged: (kept) => this.evaluation.forkChanged(kept),
    },
    configFromHash('').config,
  );
  private readonly evaluation = new RunEvaluation(this, this.run);
  private readonly gpuCheck = new GpuCheck(this, this.run);
  /** The view shown: the main playground or the Sweep view (an address carrying a sweep opens the latter). */
  declare _view: View;

  constructor() {
    super();
    this._view = addressShowsSweep() ? 'sweep' : 'main';
    // The keys act on the main view's run, so only while it shows.
    const whenMain = (action: () => void) => () => {
      if (this._view === 'main') action();
    };
    new Shortcuts(this, {
      playToggle: whenMain(() => this.run.playToggle()),
      stepOnce: whenMain(() => this.run.stepOnce()),
      toggleLoss: whenMain(() => this.run.toggleLoss()),
      reset: whenMain(() => this.run.reset()),
      forkRun: whenMain(() => void this.run.forkRun()),
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this._start();
  }

  /**
   * Test hook (used by tests/browser/ui-*.test.ts, harmless for users): the current parameters and
   * step count, read from the session, what the history holds, and what the run's guard keeps.
   */
  debugSnapshot(): Promise<RunDebugSnapshot> {
    return this.run.debugSnapshot();
  }

  override render() {
    const { config, draft, dataset } = this.run.state;
    const { session, history, loop, fork } = this.run;
    const views = this.evaluation.branchViews[0];
    const steps = history?.latest('step');
    const stepCount = steps === null || steps === undefined ? 0 : steps + 1;
    const epoch = config && dataset ? Math.floor((stepCount * config.spec.batchSize) / dataset.trainCount) : 0;
    const loss = this.run.state.loss;
    const output = config?.spec.outputActivation ?? draft.spec.outputActivation;
    // Replicas train on the GPU or on the float64 CPU loop: without WebGPU the sweep runs on the latter.
    const sweepBase: SweepBase | null = config && dataset && session ? { spec: config.spec, data: config.data, dataset, backend: session.backend === 'webgpu' ? 'webgpu' : 'cpu' } : null;
    return html`
      <nav aria-label="View">
        ${(Object.keys(VIEWS) as View[]).map(
          (view) => html`<button type="button" aria-current=${view === this._view ? 'page' : 'false'} @click=${() => this._showView(view)}>${VIEWS[view]}</button>`,
        )}
      </nav>
      <sweep-view ?hidden=${this._view !== 'sweep'} .base=${sweepBase} @open-run=${this._onOpenRun}></sweep-view>
      <div ?hidden=${this._view !== 'main'}>
      <header>
        <h1>Why cross-entropy keeps learning where MSE stalls</h1>
        <p>
          Train a small network, then switch the loss while it runs. With a sigmoid or softmax output, MSE's gradient carries the factor
          o·(1−o), which vanishes when outputs saturate near 0 or 1; cross-entropy cancels it, leaving o − t.
        </p>
        <p>
          <button type="button" class="demo" @click=${this._onDemo}>Load the saturation demo</button>
          sigmoid layers started deep in saturation on XOR, played slowly enough to follow: MSE stalls, and at step ${DEMO.run.switchLossAt} the
          loss switches to cross-entropy by itself (press L to switch sooner).
        </p>
      </header>
      ${this.run.state.banner ? html`<div class="banner" role="note">${this.run.state.banner}</div>` : nothing}
      ${this.url.notice ? html`<div class="notice" role="alert" data-testid="url-notice">${this.url.notice}</div>` : nothing}
      <div class="status" role="status" aria-live="polite" data-testid="status">${this.run.state.status}</div>
      <fault-panel .fault=${this.run.state.fault} @restore-last-good=${this._onRestoreLastGood} @reset-run=${this._onReset} @continue-on-cpu=${this._onContinueOnCpu}></fault-panel>
      <div class="layout">
        <div class="column">
          <transport-panel
            .running=${this.run.playing}
            .loss=${loss}
            .output=${output}
            .ready=${session !== null}
            .steps=${stepCount}
            .epoch=${epoch}
            .settings=${draft.run}
            .switchTo=${nextLoss(loss, output)}
            .measuredSpeed=${loop.stepsPerSecond}
            .problems=${this.run.state.runProblems}
            .forked=${fork !== null}
            @fork-run=${this._onFork}
            @run-settings-edit=${this._onRunSettingsEdit}
            @play-toggle=${this._onPlayToggle}
            @step-once=${this._onStepOnce}
            @reset-run=${this._onReset}
            @loss-change=${this._onLossChange}
          ></transport-panel>
          <dataset-panel .data=${draft.data} .problems=${this.run.state.dataProblems} .summary=${this.run.state.dataSummary} @data-edit=${this._onDataEdit} @csv-upload=${this._onCsvUpload}></dataset-panel>
          <network-panel .spec=${draft.spec} .problems=${this.run.state.specProblems} @spec-edit=${this._onSpecEdit}></network-panel>
          <optimizer-panel .spec=${draft.spec} .problems=${this.run.state.specProblems} @spec-edit=${this._onSpecEdit}></optimizer-panel>
        </div>
        <div class="column">
          <curves-panel .history=${history} .revision=${this.run.state.revision} .fork=${fork}></curves-panel>
          ${fork
            ? html`<fork-panel
                .branches=${fork.branches.map((branch, b) => ({ loss: branch.loss, label: branch.label, views: this.evaluation.branchViews[b] ?? views }))}
                .step=${fork.step}
                .trainingData=${dataset}
                .output=${output}
                @keep-branch=${this._onKeepBranch}
              ></fork-panel>`
            : nothing}
        </div>
        <div class="column right">
          ${fork ? nothing : this._views(views)}
          <run-stats
            .spec=${config?.spec ?? null}
            .trainingData=${dataset}
            .adapter=${this.run.state.adapter}
            .stepsPerSecond=${loop.stepsPerSecond}
            .stepPlan=${this.run.state.stepPlan}
            .tuneGpu=${draft.run.tuneGpu}
            @tune-gpu-change=${this._onTuneGpuChange}
          ></run-stats>
          <gpu-check-panel .state=${this.gpuCheck.state} .available=${session?.backend === 'webgpu'} @check-gpu=${this._onCheckGpu}></gpu-check-panel>
          <share-panel
            .link=${config ? this.url.linkTo(config) : ''}
            .linkNote=${config?.data.source === 'csv' ? 'The link carries the network, not your CSV rows: whoever opens it gets the default dataset.' : ''}
            .ready=${session !== null} @export-json=${this._onExportJson} @export-csv=${this._onExportCsv}></share-panel>
        </div>
      </div>
      </div>
    `;
  }

  /** Shows `view`; the address carries the sweep's setup while the Sweep view shows. */
  private _showView(view: View): void {
    this._view = view;
    (this.renderRoot.querySelector('sweep-view') as SweepView | null)?.showInAddress(view === 'sweep');
  }

  /**
   * Opens a sweep's run in the main view: its spec on its data, so the same initial weights and
   * batches, with nothing scheduled (the sweep's run had no switch), at the main view's speed.
   */
  private _onOpenRun(event: CustomEvent<OpenRunRequest>): void {
    const { spec, base, description } = event.detail;
    (event.target as SweepView).pause(`Sweep paused while its run (${description}) is open in the main view; press Resume to go on.`);
    this._showView('main');
    void this.run.apply(
      { spec, data: base.data, run: { ...this.run.state.draft.run, switchLossAt: null, pauseAt: null } },
      { fresh: true, dataset: base.dataset, reason: `Opened the sweep's run (${description}) from the same initial weights and batches: press Play, and switch the loss when you like.` },
    );
  }

  /** The decision boundary and saturation views of a run that is not forked (a fork shows each branch's in the fork panel). */
  private _views(views: BranchViews) {
    const { config, dataset, loss } = this.run.state;
    return html`
      <boundary-panel
        .trainingData=${dataset}
        .gridOutputs=${views.gridOutputs}
        .digitOutputs=${views.digitOutputs}
        .testAccuracy=${views.latestTest?.accuracy ?? Number.NaN}
      ></boundary-panel>
      <saturation-panel
        .output=${config?.spec.outputActivation ?? 'sigmoid'}
        .loss=${loss}
        .outputs=${views.saturation?.outputs ?? null}
        .targets=${views.saturation?.targets ?? null}
        .outputSize=${dataset?.outputSize ?? 1}
      ></saturation-panel>
    `;
  }

  /** Chooses the backend, then starts the setup the address describes. */
  private async _start(): Promise<void> {
    await this.run.chooseBackend();
    await this.url.load(location.hash);
  }

  private _onPlayToggle(): void {
    this.run.playToggle();
  }

  private _onStepOnce(): void {
    this.run.stepOnce();
  }

  private _onReset(): void {
    this.run.reset();
  }

  private _onDemo(): void {
    this.run.loadDemo();
  }

  private _onFork(): void {
    void this.run.forkRun();
  }

  private _onKeepBranch(event: CustomEvent<0 | 1>): void {
    void this.run.keepBranch(event.detail);
  }

  private _onLossChange(event: CustomEvent<LossName>): void {
    this.run.setLoss(event.detail);
  }

  private _onRunSettingsEdit(event: CustomEvent<RunSettings>): void {
    this.run.editRunSettings(event.detail);
  }

  private _onTuneGpuChange(event: CustomEvent<boolean>): void {
    this.run.editRunSettings({ ...this.run.state.draft.run, tuneGpu: event.detail });
  }

  private _onCheckGpu(): void {
    void this.gpuCheck.start();
  }

  private _onSpecEdit(event: CustomEvent<NetworkSpec>): void {
    this.run.editSpec(event.detail);
  }

  private _onDataEdit(event: CustomEvent<DataSource>): void {
    void this.run.editData(event.detail);
  }

  private _onCsvUpload(event: CustomEvent<File>): void {
    void this.run.loadCsv(event.detail);
  }

  private _onRestoreLastGood(): void {
    void this.run.restoreLastGood();
  }

  private _onContinueOnCpu(): void {
    this.run.continueOnCpu();
  }

  private _onExportJson(): void {
    const { session, history, fork } = this.run;
    const { config, adapter } = this.run.state;
    if (session && history && config) void exportRunJson({ session, history, config, adapter, fork });
  }

  private _onExportCsv(): void {
    if (this.run.history) exportCurvesCsv(this.run.history, this.run.fork);
  }
}
customElements.define('mlp-playground', MlpPlayground);
