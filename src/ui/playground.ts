/**
 * The playground page: owns the configuration (running and as edited), the Session, the training
 * loop and the run's history, and hands each panel what it shows. Panels report edits as events;
 * this element validates them, decides whether they need a new network, and says so in the status
 * line.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { Dataset } from '../model/dataset';
import { buildDataset, type BuiltDataset, type DataSource } from '../data/source';
import { LOSSES, LOSS_NAMES, nextLoss, lossProblem, type LossName, type LossValues } from '../model/losses';
import { HYPERPARAMETER_NAMES } from '../model/optimizers';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import { validate, validateForDataset, type ValidationProblem } from '../model/validate';
import { createSession, describeBackend } from '../train/create-session';
import { GuardedSession, type GuardEvent, type NonFiniteFault } from '../train/guarded-session';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';
import './boundary-panel';
import { boundaryGrid, DIGIT_STRIP_COUNT } from './boundary-panel';
import './curves-panel';
import './dataset-panel';
import { scoreOutputs } from './evaluation';
import './fault-panel';
import type { RunFault } from './fault-panel';
import { MetricsHistory, type TestEvaluation } from './metrics-history';
import './network-panel';
import './optimizer-panel';
import { configFromHash, configToHash, datasetErrorText, pageDatasetFiles, saturationDemoConfig, uploadedCsvSource, type PlaygroundConfig } from './playground-config';
import './run-stats';
import './saturation-panel';
import { downloadText } from './share-panel';
import { MAIN_THREAD_FRAME_MS, TrainingLoop, WORKER_FRAME_MS } from './training-loop';
import './transport-panel';
import { WorkerSession } from '../train/worker-session';

/** Test rows evaluated for the test curves (the first ones; enough for a stable accuracy). */
const TEST_ROWS = 1000;
/** Test loss and accuracy are evaluated every this many steps (and at most every TEST_MIN_MS). */
const TEST_EVERY_STEPS = 25;
const TEST_MIN_MS = 250;
/** The decision boundary and the saturation view refresh at most this often while training. */
const VIEW_REFRESH_MS = 300;
/**
 * View refreshes (a GRID_SIZE² grid) wait at least this many times their own last duration, so on
 * a large network they take at most about a fifth of the device's time; but never longer than
 * VIEW_REFRESH_MAX_MS, since on the GPU that duration also counts the training queued before them.
 */
const EVALUATION_DUTY_FACTOR = 4;
const VIEW_REFRESH_MAX_MS = 1000;
/** Rows of the fixed evaluation batch the saturation view shows. */
const SATURATION_ROWS = 256;


/** What the adapter line says when the network trains in the CPU worker. */
const CPU_ADAPTER = 'CPU (float64, in a Web Worker)';

/** Input types that take no typing, so shortcut keys may act while one has focus. */
const NON_TEXT_INPUTS = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'file']);

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Rows [0, count) of a row-major array of `width` columns. */
function firstRows(values: Float32Array, width: number, count: number): Float32Array {
  return values.subarray(0, count * width);
}

/**
 * Where a non-finite value first showed, in layers: the losses and the output delta belong to the
 * output layer; the global norm can overflow while every layer's own norm is finite.
 */
function faultPlace(fault: NonFiniteFault): string {
  if (fault.layer !== null) return `weight layer ${fault.layer} of ${fault.layerCount}`;
  if (fault.metric === 'globalGradNorm') return `the sum over all ${fault.layerCount} weight layers (each layer's own gradient norm is finite)`;
  return `the output layer (weight layer ${fault.layerCount} of ${fault.layerCount})`;
}

/** The spec adjusted to a dataset: input and output widths, and an output activation that fits the targets. */
function fitSpecToData(spec: NetworkSpec, dataset: Dataset): NetworkSpec {
  const fitted = cloneSpec(spec);
  fitted.widths[0] = dataset.inputSize;
  fitted.widths[fitted.widths.length - 1] = dataset.outputSize;
  if (dataset.outputSize === 1 && fitted.outputActivation === 'softmax') fitted.outputActivation = 'sigmoid';
  if (dataset.outputSize > 1 && fitted.outputActivation === 'sigmoid') fitted.outputActivation = 'softmax';
  if (fitted.batchSize > dataset.trainCount) fitted.batchSize = dataset.trainCount;
  return fitted;
}

/** What differs between two specs, as the words a status line uses. */
function describeChange(before: NetworkSpec, after: NetworkSpec): string[] {
  const changes: string[] = [];
  if (!sameJson(before.widths, after.widths)) changes.push('layer widths');
  if (!sameJson(before.hiddenActivations, after.hiddenActivations)) changes.push('activations');
  if (before.outputActivation !== after.outputActivation) changes.push('output activation');
  if (!sameJson(before.init, after.init)) changes.push('initialisation');
  if (before.seed !== after.seed) changes.push('seed');
  if (before.batchSize !== after.batchSize) changes.push('batch size');
  if (before.optimizer.kind !== after.optimizer.kind) changes.push('optimizer');
  return changes;
}

export class MlpPlayground extends LitElement {
  static override properties = {
    _config: { state: true },
    _draft: { state: true },
    _specProblems: { state: true },
    _dataProblems: { state: true },
    _status: { state: true },
    _fault: { state: true },
    _notice: { state: true },
    _banner: { state: true },
    _dataset: { state: true },
    _dataSummary: { state: true },
    _adapter: { state: true },
    _revision: { state: true },
    _saturation: { state: true },
    _gridOutputs: { state: true },
    _digitOutputs: { state: true },
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

  private declare _config: PlaygroundConfig | null;
  private declare _draft: PlaygroundConfig;
  private declare _specProblems: ValidationProblem[];
  private declare _dataProblems: ValidationProblem[];
  private declare _status: string;
  private declare _fault: RunFault | null;
  private declare _notice: string;
  private declare _banner: string;
  private declare _dataset: Dataset | null;
  private declare _dataSummary: string;
  private declare _adapter: string;
  private declare _revision: number;
  private declare _saturation: { outputs: Float32Array; targets: Float32Array } | null;
  private declare _gridOutputs: Float32Array | null;
  private declare _digitOutputs: Float32Array | null;

  /** The run: every session the page opens is wrapped in a guard against divergence and device loss. */
  private session: GuardedSession | null = null;
  private history: MetricsHistory | null = null;
  private useGpu = false;
  private uploadedCsv: File | null = null;
  /** Incremented per requested change, so a slow one that finishes after a newer one is dropped. */
  private applyToken = 0;
  private evaluatingTest = false;
  private testQueued = false;
  private lastTestStep = -Infinity;
  private lastTestTime = 0;
  private refreshingViews = false;
  private viewsQueued = false;
  private lastViewTime = 0;
  private lastViewStep = -1;
  private lastViewDuration = 0;
  private latestTest: TestEvaluation | null = null;
  private writtenHash = '';
  private readonly pendingEvaluations = new Set<Promise<Float32Array>>();
  /** Device losses so far: an evaluation that fails across one failed because of it, which the guard reports itself. */
  private deviceLosses = 0;

  private readonly loop = new TrainingLoop(this, {
    onMetrics: (metrics) => this._onMetrics(metrics),
    onError: (error) => {
      // A train() refused because the guard stopped the run adds nothing to what the guard said.
      if (this.session?.condition === 'non-finite' || this.session?.condition === 'failed') return;
      this._status = `Training stopped: ${describeError(error)}`;
    },
  });

  constructor() {
    super();
    this._config = null;
    this._specProblems = [];
    this._dataProblems = [];
    this._status = 'Starting…';
    this._fault = null;
    this._notice = '';
    this._banner = '';
    this._dataset = null;
    this._dataSummary = '';
    this._adapter = '';
    this._revision = 0;
    this._saturation = null;
    this._gridOutputs = null;
    this._digitOutputs = null;
    this._draft = configFromHash('').config;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this._onKeyDown);
    window.addEventListener('hashchange', this._onHashChange);
    void this._startFromUrl();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this._onKeyDown);
    window.removeEventListener('hashchange', this._onHashChange);
    this.session?.dispose();
    this.session = null;
  }

  /**
   * Test hook (used by tests/browser/ui-*.test.ts, harmless for users): the current parameters and
   * step count, read from the session, what the history holds, and what the run's guard keeps.
   */
  async debugSnapshot(): Promise<{
    step: number;
    loss: LossName;
    parameters: number[];
    recordedSteps: number;
    lastRecorded: { step: number; losses: LossValues; globalGradNorm: number } | null;
    switches: { step: number; loss: LossName }[];
    backend: Session['backend'];
    guard: { condition: GuardedSession['condition']; fault: NonFiniteFault | null; lastGoodStep: number | null; lastGoodParameters: number[] | null };
  }> {
    if (!this.session || !this.history) throw new Error('no run yet');
    const snapshot = await this.session.snapshot();
    const lastGood = this.session.lastGoodSnapshot;
    return {
      step: snapshot.step,
      loss: snapshot.loss,
      parameters: Array.from(snapshot.parameters),
      recordedSteps: this.history.length,
      lastRecorded: this.history.length > 0 ? { step: this.history.latest('step')!, losses: this.history.latestLosses(), globalGradNorm: this.history.latest('globalGradNorm')! } : null,
      switches: this.history.switches.map((s) => ({ ...s })),
      backend: this.session.backend,
      guard: {
        condition: this.session.condition,
        fault: this.session.fault,
        lastGoodStep: lastGood ? lastGood.step : null,
        lastGoodParameters: lastGood ? Array.from(lastGood.parameters) : null,
      },
    };
  }

  override render() {
    const config = this._config;
    const draft = this._draft;
    const history = this.history;
    const steps = history?.latest('step');
    const stepCount = steps === null || steps === undefined ? 0 : steps + 1;
    const epoch = config && this._dataset ? Math.floor((stepCount * config.spec.batchSize) / this._dataset.trainCount) : 0;
    const loss = config?.spec.loss ?? draft.spec.loss;
    return html`
      <header>
        <h1>Why cross-entropy keeps learning where MSE stalls</h1>
        <p>
          Train a small network, then switch the loss while it runs. With a sigmoid or softmax output, MSE's gradient carries the factor
          o·(1−o), which vanishes when outputs saturate near 0 or 1; cross-entropy cancels it, leaving o − t.
        </p>
        <p>
          <button type="button" class="demo" @click=${this._onDemo}>Load the saturation demo</button>
          sigmoid layers started deep in saturation on XOR: play a few hundred steps with MSE (it stalls), then switch to cross-entropy.
        </p>
      </header>
      ${this._banner ? html`<div class="banner" role="note">${this._banner}</div>` : nothing}
      ${this._notice ? html`<div class="notice" role="alert" data-testid="url-notice">${this._notice}</div>` : nothing}
      <div class="status" role="status" aria-live="polite" data-testid="status">${this._status}</div>
      <fault-panel .fault=${this._fault} @restore-last-good=${this._onRestoreLastGood} @reset-run=${this._onReset} @continue-on-cpu=${this._onContinueOnCpu}></fault-panel>
      <div class="layout">
        <div class="column">
          <transport-panel
            .running=${this.loop.running}
            .loss=${loss}
            .output=${config?.spec.outputActivation ?? draft.spec.outputActivation}
            .ready=${this.session !== null}
            .steps=${stepCount}
            .epoch=${epoch}
            @play-toggle=${this._onPlayToggle}
            @step-once=${this._onStepOnce}
            @reset-run=${this._onReset}
            @loss-change=${this._onLossChange}
          ></transport-panel>
          <dataset-panel .data=${draft.data} .problems=${this._dataProblems} .summary=${this._dataSummary} @data-edit=${this._onDataEdit} @csv-upload=${this._onCsvUpload}></dataset-panel>
          <network-panel .spec=${draft.spec} .problems=${this._specProblems} @spec-edit=${this._onSpecEdit}></network-panel>
          <optimizer-panel .spec=${draft.spec} .problems=${this._specProblems} @spec-edit=${this._onSpecEdit}></optimizer-panel>
        </div>
        <div class="column">
          <curves-panel .history=${history} .revision=${this._revision}></curves-panel>
        </div>
        <div class="column right">
          <boundary-panel
            .trainingData=${this._dataset}
            .gridOutputs=${this._gridOutputs}
            .digitOutputs=${this._digitOutputs}
            .testAccuracy=${this.latestTest?.accuracy ?? Number.NaN}
          ></boundary-panel>
          <saturation-panel
            .output=${config?.spec.outputActivation ?? 'sigmoid'}
            .loss=${loss}
            .outputs=${this._saturation?.outputs ?? null}
            .targets=${this._saturation?.targets ?? null}
            .outputSize=${this._dataset?.outputSize ?? 1}
          ></saturation-panel>
          <run-stats .spec=${config?.spec ?? null} .trainingData=${this._dataset} .adapter=${this._adapter} .stepsPerSecond=${this.loop.stepsPerSecond}></run-stats>
          <share-panel
            .link=${config ? `${location.origin}${location.pathname}${configToHash(config)}` : ''}
            .linkNote=${config?.data.source === 'csv' ? 'The link carries the network, not your CSV rows: whoever opens it gets the default dataset.' : ''}
            .ready=${this.session !== null} @export-json=${this._onExportJson} @export-csv=${this._onExportCsv}></share-panel>
        </div>
      </div>
    `;
  }

  // ---- Starting and replacing runs ----

  private async _startFromUrl(): Promise<void> {
    const report = await describeBackend().catch(() => null);
    this.useGpu = report !== null;
    if (report) {
      this._adapter = `WebGPU: ${[report.vendor, report.architecture, report.device, report.description].filter(Boolean).join(' · ') || 'unnamed adapter'}`;
      if (report.isCpuAdapter) this._banner = 'WebGPU runs here on a CPU implementation (no GPU found), so training is slower than on a real GPU.';
    } else {
      this._adapter = CPU_ADAPTER;
      this._banner = 'This browser offers no WebGPU, so the network trains on the CPU in a Web Worker: the same maths in float64, only slower. Use a recent Chrome or Edge for the GPU path.';
    }
    await this._loadHash(location.hash);
  }

  private readonly _onHashChange = (): void => {
    if (location.hash !== this.writtenHash) void this._loadHash(location.hash);
  };

  private async _loadHash(hash: string): Promise<void> {
    const { config, problems } = configFromHash(hash);
    this._notice =
      problems.length > 0
        ? `The link's settings could not all be used, so defaults stand in for them: ${problems.map((p) => `${p.field}: ${p.message}`).join(' ')}`
        : '';
    await this._apply(config, { fresh: true, reason: problems.length > 0 ? 'Started with defaults where the link was invalid.' : hash.length > 1 ? 'Started the setup from the link.' : 'Ready: press Play to train.' });
  }

  private async _loadDataset(data: DataSource): Promise<Dataset> {
    return (await buildDataset(data, pageDatasetFiles(this.uploadedCsv))).dataset;
  }

  /**
   * A guarded session on the page's backend. After a device loss the guard calls the factory again
   * for a new GPU session; the CPU path is offered only once that fails (the user chooses it).
   */
  private async _openSession(spec: NetworkSpec, dataset: Dataset): Promise<GuardedSession> {
    const onGpu = this.useGpu;
    let guard: GuardedSession | null = null;
    guard = await GuardedSession.create({
      createSession: () => (onGpu ? createSession({ spec, dataset, backend: 'webgpu' }) : WorkerSession.create(spec, dataset)),
      // A replaced run's late events (its readbacks failing once disposed) are not news.
      onStatus: (event) => {
        if (guard !== null && guard === this.session) this._onGuardEvent(guard, event);
      },
    });
    return guard;
  }

  /** What the run's guard reports, turned into the status line, the fault panel and the loop's state. */
  private _onGuardEvent(guard: GuardedSession, event: GuardEvent): void {
    switch (event.kind) {
      case 'non-finite': {
        this.loop.pause();
        const message = `${event.message} It first showed at ${faultPlace(event.fault)}.`;
        this._status = message;
        this._fault = { kind: 'non-finite', message, keptStep: event.keptStep, learningRate: guard.spec.optimizer.learningRate };
        return;
      }
      case 'device-lost':
        this.deviceLosses++;
        this._status = `${event.message} No reload is needed.`;
        return;
      case 'recovered':
        this._rewind(event.resumeStep);
        this._status = event.message;
        return;
      case 'recovery-failed':
        this.loop.pause();
        this._status = event.message;
        this._fault = { kind: 'recovery-failed', message: event.message, keptStep: guard.lastGoodSnapshot?.step ?? null };
        return;
      case 'restored': {
        this._rewind(event.step);
        this._fault = null;
        this._status = `${event.message} Press Play to go on; lower the learning rate first if it diverged.`;
        // The restored snapshot brings its own loss back; the loss switch must show that one.
        const loss = guard.spec.loss;
        if (this._config && this._config.spec.loss !== loss) {
          this._config = { ...this._config, spec: { ...this._config.spec, loss } };
          this._draft = { ...this._draft, spec: { ...this._draft.spec, loss } };
          this._writeHash();
        }
        return;
      }
      case 'gpu-error':
        this.loop.pause();
        this._status = `${event.message.trimEnd().replace(/\.$/, '')}. Training paused.`;
        this._fault = { kind: 'gpu-error', message: event.message };
        return;
    }
  }

  /** The run went back to `step`: its later history is dropped, and the views are redrawn from the weights there. */
  private _rewind(step: number): void {
    const history = this.history;
    if (history) {
      history.trimFrom(step);
      this._revision = history.revision;
      this.latestTest = history.tests.at(-1) ?? null;
    }
    this.lastTestStep = Math.min(this.lastTestStep, step);
    this.loop.rewound();
    void this._refreshViews(true);
    void this._evaluateTest(true);
  }

  /**
   * Makes `next` the running configuration if it is valid: a new run (fresh weights) when `fresh`
   * or when the change needs a new network, else the same run with new optimizer settings. Invalid
   * settings or a refused network leave the current run going and say why.
   */
  private async _apply(next: PlaygroundConfig, how: { fresh: boolean; reason: string; dataset?: Dataset; from?: TrainerSnapshot }): Promise<void> {
    const token = ++this.applyToken;
    this._draft = next;
    let dataset = how.dataset ?? (sameJson(next.data, this._config?.data) ? this._dataset : null);
    if (!dataset) {
      this._status = 'Loading the dataset…';
      try {
        dataset = await this._loadDataset(next.data);
      } catch (error) {
        if (token !== this.applyToken) return;
        this._dataProblems = [{ field: 'data.source', message: describeError(error) }];
        this._status = `The dataset could not be loaded; ${this.session ? 'the current network keeps running' : 'nothing to train yet'}.`;
        return;
      }
      if (token !== this.applyToken) return;
    }
    if (dataset !== this._dataset) {
      next = { ...next, spec: fitSpecToData(next.spec, dataset) };
      this._draft = next;
    }
    this._dataProblems = [];
    const problems = [...validate(next.spec), ...validateForDataset(next.spec, dataset)];
    this._specProblems = problems;
    if (problems.length > 0) {
      this._status = `Not applied: ${problems.length === 1 ? 'a setting needs' : `${problems.length} settings need`} fixing (shown next to ${problems.length === 1 ? 'it' : 'them'}). ${this.session ? 'The current network keeps running.' : ''}`;
      return;
    }
    const previous = this._config;
    if (!how.fresh && !how.from && previous && this.session && sameJson(previous, next)) {
      // An edit that undoes an invalid one: the running network already is this one.
      this._status = 'Settings are back to those of the running network.';
      return;
    }
    const liveChange = !how.fresh && previous !== null && this.session !== null && sameJson(previous.data, next.data) && describeChange(previous.spec, next.spec).length === 0;
    const wasRunning = this.loop.running;
    const old = this.session;
    // The old run stands still while the new one is built, so nothing is issued to it in between
    // and a live change can carry its exact state over.
    this.loop.pause();
    await this.loop.idle();
    let snapshot = how.from ?? null;
    let reason = how.reason;
    if (liveChange && old && !how.from) {
      await old.flush();
      if (old.condition === 'ready') {
        this._onMetrics(await old.takeMetrics());
        snapshot = await old.snapshot();
      } else {
        // Stopped at a non-finite metric, or without a GPU: the weights the guard kept are the ones to go on from.
        snapshot = old.lastGoodSnapshot;
        if (snapshot) reason += ` The run had stopped, so it goes on from the last good weights, of step ${snapshot.step}.`;
      }
    }
    let session: GuardedSession;
    try {
      session = await this._openSession(next.spec, dataset);
      if (snapshot) await session.restore(snapshot);
    } catch (error) {
      if (token !== this.applyToken) return;
      this._status = `Refused: ${describeError(error)} ${old ? 'The previous network keeps running.' : ''}`;
      // The link keeps describing what runs, not what was refused.
      this._writeHash();
      if (wasRunning && old) this.loop.play();
      return;
    }
    if (token !== this.applyToken) {
      session.dispose();
      return;
    }
    this.session = session;
    this._config = { spec: cloneSpec(next.spec), data: { ...next.data } as DataSource };
    this._draft = { spec: cloneSpec(next.spec), data: { ...next.data } as DataSource };
    if (dataset !== this._dataset) {
      this._dataset = dataset;
      this._dataSummary = `${dataset.name}: ${dataset.trainCount} training and ${dataset.testCount} test samples, ${dataset.inputSize} input(s), ${dataset.outputSize} output(s).`;
      this._gridOutputs = null;
      this._digitOutputs = null;
    }
    this._fault = null;
    if (!snapshot || !this.history) {
      this.history = new MetricsHistory(next.spec.widths.length - 1);
      this.latestTest = null;
      this.lastTestStep = -Infinity;
      this._saturation = null;
    } else {
      // Going on from kept weights older than the last recorded step (after a fault) drops what came after them.
      this.history.trimFrom(snapshot.step);
      this.latestTest = this.history.tests.at(-1) ?? null;
      this.lastTestStep = Math.min(this.lastTestStep, snapshot.step);
    }
    this.lastViewStep = -1;
    this.loop.setSession(session, session.backend === 'cpu' ? WORKER_FRAME_MS : MAIN_THREAD_FRAME_MS);
    // Everything now points at the new run; the old one is disposed once its own work is done.
    if (old) void this._retire(old);
    this._writeHash();
    this._status = reason;
    void this._refreshViews(true);
    void this._evaluateTest(true);
    if (wasRunning) this.loop.play();
    this._revision++;
  }

  /** Disposes a replaced session once its issued steps and evaluations have finished (disposing under them makes the GPU report errors). */
  private async _retire(old: Session): Promise<void> {
    await old.flush().catch(() => undefined);
    await Promise.allSettled([...this.pendingEvaluations]);
    old.dispose();
  }

  /** session.evaluate, tracked so a session is not disposed under it. */
  private _evaluate(session: Session, inputs: Float32Array, count: number): Promise<Float32Array> {
    const result = session.evaluate(inputs, count);
    this.pendingEvaluations.add(result);
    const forget = () => this.pendingEvaluations.delete(result);
    result.then(forget, forget);
    return result;
  }

  private _writeHash(): void {
    if (!this._config) return;
    const hash = configToHash(this._config);
    this.writtenHash = hash;
    if (location.hash !== hash) window.history.replaceState(null, '', hash);
  }

  // ---- Metrics, test evaluation and views ----

  private _onMetrics(metrics: StepMetrics[]): void {
    if (!this.history || metrics.length === 0) return;
    this.history.append(metrics);
    this._revision = this.history.revision;
    void this._evaluateTest(false);
    void this._refreshViews(false);
  }

  private async _evaluateTest(force: boolean): Promise<void> {
    const session = this.session;
    const dataset = this._dataset;
    const history = this.history;
    if (!session || !dataset || !history || dataset.testCount === 0) return;
    if (this.evaluatingTest) {
      // One evaluation at a time; a forced one (new run, pause) runs as soon as the current one ends.
      this.testQueued ||= force;
      return;
    }
    const step = session.stepsTaken;
    const now = performance.now();
    if (!force && (step - this.lastTestStep < TEST_EVERY_STEPS || now - this.lastTestTime < TEST_MIN_MS)) return;
    this.evaluatingTest = true;
    this.lastTestStep = step;
    this.lastTestTime = now;
    const losses = this.deviceLosses;
    try {
      const rows = Math.min(TEST_ROWS, dataset.testCount);
      const outputs = await this._evaluate(session, firstRows(dataset.testX, dataset.inputSize, rows), rows);
      if (session !== this.session || history !== this.history) return;
      const score = scoreOutputs(session.spec.outputActivation, outputs, dataset.testY, rows, dataset.outputSize, dataset.classNames !== undefined);
      this.latestTest = { step, ...score };
      history.addTest(this.latestTest);
      this._revision = history.revision;
    } catch (error) {
      if (session === this.session && losses === this.deviceLosses && session.condition === 'ready') this._status = `Test evaluation failed: ${describeError(error)}`;
    } finally {
      this.evaluatingTest = false;
      if (this.testQueued) {
        this.testQueued = false;
        void this._evaluateTest(true);
      }
    }
  }

  private async _refreshViews(force: boolean): Promise<void> {
    const session = this.session;
    const dataset = this._dataset;
    if (!session || !dataset) return;
    if (this.refreshingViews) {
      // One refresh at a time; a forced one (new run, pause) runs as soon as the current one ends,
      // which may belong to a replaced session and then draws nothing.
      this.viewsQueued ||= force;
      return;
    }
    const now = performance.now();
    const step = session.stepsTaken;
    const wait = Math.max(VIEW_REFRESH_MS, Math.min(VIEW_REFRESH_MAX_MS, EVALUATION_DUTY_FACTOR * this.lastViewDuration));
    if (!force && (step === this.lastViewStep || now - this.lastViewTime < wait)) return;
    this.refreshingViews = true;
    this.lastViewTime = now;
    this.lastViewStep = step;
    const losses = this.deviceLosses;
    try {
      const rows = Math.min(SATURATION_ROWS, dataset.trainCount);
      const outputs = await this._evaluate(session, firstRows(dataset.trainX, dataset.inputSize, rows), rows);
      if (session !== this.session) return;
      this._saturation = { outputs, targets: firstRows(dataset.trainY, dataset.outputSize, rows) };
      if (dataset.imageShape) {
        const count = Math.min(DIGIT_STRIP_COUNT, dataset.testCount);
        this._digitOutputs = await this._evaluate(session, firstRows(dataset.testX, dataset.inputSize, count), count);
      } else if (dataset.inputSize === 2) {
        const { inputs } = boundaryGrid(dataset);
        this._gridOutputs = await this._evaluate(session, inputs, inputs.length / 2);
      }
      // A forced refresh (a new run) includes compiling the evaluation pipelines: not its usual cost.
      if (!force) this.lastViewDuration = performance.now() - now;
    } catch (error) {
      if (session === this.session && losses === this.deviceLosses && session.condition === 'ready') this._status = `Drawing the network's outputs failed: ${describeError(error)}`;
    } finally {
      this.refreshingViews = false;
      if (this.viewsQueued) {
        this.viewsQueued = false;
        void this._refreshViews(true);
      }
    }
  }

  // ---- Controls ----

  private readonly _onKeyDown = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.composedPath()[0];
    if (target instanceof HTMLElement) {
      const isInput = target instanceof HTMLInputElement;
      const pressable = target.tagName === 'BUTTON' || (isInput && NON_TEXT_INPUTS.has(target.type));
      const typing = target.isContentEditable || ['TEXTAREA', 'SELECT'].includes(target.tagName) || (isInput && !pressable);
      // Space on a focused button, radio or checkbox already acts on that control.
      if (typing || (event.key === ' ' && pressable)) return;
    }
    const key = event.key.toLowerCase();
    if (key === ' ') this._onPlayToggle();
    else if (key === 's') this._onStepOnce();
    else if (key === 'l') this._toggleLoss();
    else if (key === 'r') this._onReset();
    else return;
    event.preventDefault();
  };

  private _onPlayToggle(): void {
    if (!this.session) return;
    if (this.loop.running) void this._pause();
    else {
      if (!this._canTrain()) return;
      this._fault = null;
      this.loop.play();
      if (this._config) this._status = `Training with ${LOSSES[this._config.spec.loss].label}.`;
    }
  }

  /** Pauses, and once the last issued steps are done shows the test score and views of the weights as they stand. */
  private async _pause(): Promise<void> {
    const session = this.session;
    this.loop.pause();
    await this.loop.idle();
    if (!session || session !== this.session || this.loop.running) return;
    await session.flush();
    // A fault found while the last steps finished keeps its own message.
    if (session.condition !== 'ready') return;
    this._status = `Paused after ${session.stepsTaken} steps.`;
    await Promise.all([this._evaluateTest(true), this._refreshViews(true)]);
  }

  private _onStepOnce(): void {
    if (!this.session || this.loop.running || !this._canTrain()) return;
    this._fault = null;
    void this.loop.stepOnce();
  }

  /** False, with the way on in the status line, while the guard holds the run stopped. */
  private _canTrain(): boolean {
    const condition = this.session?.condition;
    if (condition === 'non-finite') {
      this._status = 'Training is stopped at a non-finite value: restore the last good weights (or Reset) before training on.';
      return false;
    }
    if (condition === 'failed') {
      this._status = 'The GPU could not be recovered: continue on the CPU, reload the page, or Reset.';
      return false;
    }
    return true;
  }

  /** Goes back to the weights the guard kept before the run diverged; the loop stays paused until Play. */
  private async _onRestoreLastGood(): Promise<void> {
    const guard = this.session;
    if (!guard || guard.condition !== 'non-finite') return;
    this.loop.pause();
    await this.loop.idle();
    try {
      await guard.restoreLastGood();
    } catch (error) {
      if (guard === this.session) this._status = `Could not restore: ${describeError(error)}`;
    }
  }

  /** After the GPU could not be recovered: the same network on the CPU worker, from the weights the guard kept. */
  private _onContinueOnCpu(): void {
    const config = this._config;
    const guard = this.session;
    if (!config || !guard) return;
    this.useGpu = false;
    this._adapter = CPU_ADAPTER;
    this._banner = 'The GPU was lost, so the network now trains on the CPU in a Web Worker: the same maths in float64, only slower. Reload the page to try the GPU again.';
    const kept = guard.lastGoodSnapshot;
    void this._apply(
      config,
      kept
        ? { fresh: false, from: kept, reason: `Continuing on the CPU from the weights of step ${kept.step}: press Play.` }
        : { fresh: true, reason: 'Started again on the CPU from new weights: press Play.' },
    );
  }

  private _onReset(): void {
    if (!this._config) return;
    void this._apply(this._config, { fresh: true, reason: `Reset: new weights from seed ${this._config.spec.seed}, step 0.` });
  }

  private _onDemo(): void {
    void this._apply(saturationDemoConfig(), { fresh: true, reason: 'Saturation demo loaded (new network): press Play, and switch to cross-entropy once MSE has stalled.' });
  }

  private _toggleLoss(): void {
    const spec = this._config?.spec;
    if (spec) this._setLoss(nextLoss(spec.loss, spec.outputActivation));
  }

  private _onLossChange(event: CustomEvent<LossName>): void {
    this._setLoss(event.detail);
  }

  /** Switches the loss of the running session: weights, optimizer state and batch order are kept. */
  private _setLoss(loss: LossName): void {
    const session = this.session;
    const config = this._config;
    if (!session || !config || config.spec.loss === loss) return;
    const refusal = lossProblem(loss, config.spec.outputActivation);
    if (refusal) {
      this._status = `${refusal} The loss stays ${LOSSES[config.spec.loss].label}.`;
      return;
    }
    session.setLoss(loss);
    this._config = { ...config, spec: { ...config.spec, loss } };
    this._draft = { ...this._draft, spec: { ...this._draft.spec, loss } };
    this._writeHash();
    this._status = `Loss switched to ${LOSSES[loss].label} from step ${session.stepsTaken}; weights and optimizer state kept.`;
  }

  private _onSpecEdit(event: CustomEvent<NetworkSpec>): void {
    const spec = event.detail;
    const previous = this._config?.spec;
    const changes = previous ? describeChange(previous, spec) : [];
    const live = previous && changes.length === 0;
    const liveWhat = previous
      ? HYPERPARAMETER_NAMES.filter((field) => previous.optimizer[field] !== spec.optimizer[field])
          .map((field) => `${field === 'learningRate' ? 'learning rate' : field} ${spec.optimizer[field]}`)
          .join(', ')
      : '';
    const reason = live
      ? `Applied ${liveWhat || 'the change'} to the running network; weights and optimizer state kept.`
      : `New network (${changes.join(', ')} changed): the run restarted from step 0.`;
    void this._apply({ spec, data: this._draft.data }, { fresh: !live, reason });
  }

  private async _onDataEdit(event: CustomEvent<DataSource>): Promise<void> {
    const data = event.detail;
    const reason = 'New dataset: the run restarted from step 0 with a network sized for it.';
    if (data.source !== 'synthetic') {
      void this._apply({ spec: this._draft.spec, data }, { fresh: true, reason });
      return;
    }
    // The generator checks its options itself; its message goes next to the option it names.
    let dataset: Dataset;
    try {
      dataset = await this._loadDataset(data);
    } catch (error) {
      const message = describeError(error);
      const field = /sample/i.test(message) ? 'data.samples' : /noise/i.test(message) ? 'data.noise' : /class/i.test(message) ? 'data.classes' : 'data.seed';
      this._draft = { ...this._draft, data };
      this._dataProblems = [{ field, message }];
      this._status = 'Not applied: fix the dataset setting shown. The current network keeps running.';
      return;
    }
    void this._apply({ spec: this._draft.spec, data }, { fresh: true, dataset, reason });
  }

  private async _onCsvUpload(event: CustomEvent<File>): Promise<void> {
    const file = event.detail;
    const data = uploadedCsvSource(file.name);
    let built: BuiltDataset;
    try {
      built = await buildDataset(data, pageDatasetFiles(file));
    } catch (error) {
      this._dataProblems = [{ field: 'data.csv', message: datasetErrorText(error) }];
      this._status = `The CSV file was not loaded. ${this.session ? 'The current network keeps running.' : ''}`;
      return;
    }
    this.uploadedCsv = file;
    const warnings = built.warnings.length > 0 ? ` Note: ${built.warnings.join(' ')}` : '';
    void this._apply(
      { spec: this._draft.spec, data },
      { fresh: true, dataset: built.dataset, reason: `Loaded ${file.name}: the run restarted from step 0 with a network sized for it.${warnings}` },
    );
  }

  private async _onExportJson(): Promise<void> {
    const session = this.session;
    const history = this.history;
    const config = this._config;
    if (!session || !history || !config) return;
    const snapshot = await session.snapshot();
    const columns = ['step', ...LOSS_NAMES, 'active', 'outputDeltaNorm', 'globalGradNorm', 'saturatedFraction'] as const;
    const file = {
      format: 'webgpu-mlp-playground run',
      config,
      backend: session.backend,
      adapter: this._adapter,
      dataset: { name: session.dataset.name, trainCount: session.dataset.trainCount, testCount: session.dataset.testCount },
      snapshot: { step: snapshot.step, loss: snapshot.loss, parameters: Array.from(snapshot.parameters), optimizerSlots: snapshot.optimizerSlots.map((s) => Array.from(s)) },
      metrics: {
        ...Object.fromEntries(columns.map((c) => [c, Array.from(history.column(c))])),
        gradNormW: Array.from({ length: history.layerCount }, (_, l) => Array.from(history.layerNorm(l))),
        switches: history.switches,
        tests: history.tests,
      },
    };
    downloadText(`mlp-run-step${snapshot.step}.json`, JSON.stringify(file), 'application/json');
  }

  private _onExportCsv(): void {
    if (!this.history) return;
    downloadText('mlp-curves.csv', this.history.toCsv(), 'text/csv');
  }
}
customElements.define('mlp-playground', MlpPlayground);

