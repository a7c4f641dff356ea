/**
 * The run's lifecycle, as a Lit ReactiveController of the playground: it validates a requested
 * configuration, opens a guarded session for it (or carries the running weights over when the
 * network stays the same), retires the session it replaces once that one's work is done, drives
 * the training loop, and turns what the run's guard reports into the status line and the fault
 * panel. What it shows is `state`; the host re-renders whenever that changes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Dataset } from '../model/dataset';
import { LOSSES, lossProblem, nextLoss, type LossName, type LossValues } from '../model/losses';
import { HYPERPARAMETERS, HYPERPARAMETER_NAMES } from '../model/optimizers';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import { validate, validateForDataset, type ValidationProblem } from '../model/validate';
import { createSession, describeBackend } from '../train/create-session';
import { GuardedSession, type GuardEvent, type NonFiniteFault } from '../train/guarded-session';
import { WasmWorkerSession } from '../train/wasm-worker-session';
import { WorkerSession } from '../train/worker-session';
import { errorText } from './error-text';
import type { RunFault } from './fault-panel';
import { MetricsHistory } from './metrics-history';
import type { DataSource } from '../data/source';
import { DatasetLoader, uploadedCsvSource } from './page-datasets';
import { saturationDemoConfig, type PlaygroundConfig } from './playground-config';
import { MAIN_THREAD_FRAME_MS, TrainingLoop, WORKER_FRAME_MS } from './training-loop';

/** What the adapter line says when the network trains in the CPU worker. */
const CPU_ADAPTER = 'CPU (float64, in a Web Worker)';

/** What the banner says while the page has no WebGPU, before the WebAssembly workers report how many they are. */
const NO_WEBGPU_BANNER =
  'This browser offers no WebGPU, so the network trains on the CPU in Web Workers: float32 WebAssembly SIMD, checked against the float64 reference. Use a recent Chrome or Edge for the GPU path.';

/** The adapter line and the banner for the WebAssembly path as `session` runs it: how many workers, and why only one. */
function wasmPath(session: WasmWorkerSession): { adapter: string; banner: string } {
  const workers = session.threads === 1 ? 'one Web Worker' : `${session.threads} Web Workers`;
  const alone = session.singleThreadReason ? ` It runs in one Web Worker because ${session.singleThreadReason}.` : '';
  return {
    adapter: `CPU (float32 WebAssembly SIMD, in ${workers})`,
    banner: `This browser offers no WebGPU, so the network trains on the CPU in ${workers}: float32 WebAssembly SIMD, checked against the float64 reference.${alone} Use a recent Chrome or Edge for the GPU path.`,
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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

/** What differs between two specs that needs a new network, as the words a status line uses. */
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

/** What the page shows about the run. */
interface RunState {
  /** The configuration of the running network; null before the first run starts. */
  config: PlaygroundConfig | null;
  /** The configuration as edited in the panels: ahead of `config` while an edit is invalid or loading. */
  draft: PlaygroundConfig;
  /** What is wrong with the edited network, shown next to the controls concerned. */
  specProblems: ValidationProblem[];
  /** What is wrong with the edited data source, shown next to the controls concerned. */
  dataProblems: ValidationProblem[];
  /** The status line: what just happened, and what the user can do about it. */
  status: string;
  /** What stopped the run, until the user acts on it. */
  fault: RunFault | null;
  /** A standing note about where the network trains (no WebGPU, a CPU adapter, a lost GPU). */
  banner: string;
  /** The dataset the running network trains on. */
  dataset: Dataset | null;
  /** That dataset in one line. */
  dataSummary: string;
  /** The backend and adapter the network trains on, in words. */
  adapter: string;
  /** Changes whenever the run's history does, so the curves know to redraw. */
  revision: number;
}

/** How `apply` makes a configuration the running one. */
interface ApplyOptions {
  /** New weights from the seed, rather than the running ones carried over where the network stays the same. */
  fresh: boolean;
  /** What the status line says once it runs. */
  reason: string;
  /** The dataset already built for it; else the running one when the data source is unchanged, or loaded. */
  dataset?: Dataset;
  /** Weights and optimizer state to go on from. */
  from?: TrainerSnapshot;
}

/** How a run started (RunHooks.runStarted). */
export interface RunStart {
  /** The history starts empty, rather than going on from the step of the weights carried over. */
  newHistory: boolean;
  /** The run trains on another dataset than the one before. */
  newDataset: boolean;
  /** The step the run goes on from (that of the weights carried over; 0 for new weights). */
  step: number;
}

/** What the rest of the page does when the run changes. */
interface RunHooks {
  /** Steps were recorded in the history. */
  stepsAdded(): void;
  /** A run started (a first one, or one that replaced the previous run). */
  runStarted(start: RunStart): void;
  /** The run went back to `step` (restored weights, a device-loss recovery); its later history is gone. */
  rewound(step: number): void;
  /** Training paused and its last issued steps have finished: the weights stand still. */
  paused(): void;
  /** The running configuration after a change, or after a refused one: the link describes it. */
  configSettled(config: PlaygroundConfig): void;
}

/** What the playground's test hook reports (MlpPlayground.debugSnapshot). */
export interface RunDebugSnapshot {
  /** Steps the session has taken. */
  step: number;
  /** The loss driving training. */
  loss: LossName;
  /** Every parameter, in the flat layout. */
  parameters: number[];
  /** Steps the history holds. */
  recordedSteps: number;
  /** The newest row of the history, or null before the first step. */
  lastRecorded: { step: number; losses: LossValues; globalGradNorm: number } | null;
  /** Every loss switch in the history. */
  switches: { step: number; loss: LossName }[];
  /** Where the network trains. */
  backend: Session['backend'];
  /** What the run's guard holds: its condition, the fault that stopped it, and the last good weights it kept. */
  guard: { condition: GuardedSession['condition']; fault: NonFiniteFault | null; lastGoodStep: number | null; lastGoodParameters: number[] | null };
}

export class RunController implements ReactiveController {
  /** Issues steps to the session once per frame and collects their metrics. */
  readonly loop: TrainingLoop;

  private readonly _state: RunState;
  /** The run: every session the page opens is wrapped in a guard against divergence and device loss. */
  private _session: GuardedSession | null = null;
  private _history: MetricsHistory | null = null;
  /** Every dataset the run trains on is loaded through this. */
  private readonly datasets = new DatasetLoader();
  /** Where new sessions train: WebGPU, the WebAssembly workers without it, or the float64 worker after a GPU could not be recovered. */
  private pageBackend: Session['backend'] = 'wasm';
  /** Incremented per requested change, so a slow one that finishes after a newer one is dropped. */
  private applyToken = 0;
  /** Device losses so far: an evaluation that fails across one failed because of it, which the guard reports itself. */
  private _deviceLosses = 0;
  private readonly pendingEvaluations = new Set<Promise<Float32Array>>();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly hooks: RunHooks,
    /** The configuration the panels show before the first run starts. */
    draft: PlaygroundConfig,
  ) {
    this._state = {
      config: null,
      draft,
      specProblems: [],
      dataProblems: [],
      status: 'Starting…',
      fault: null,
      banner: '',
      dataset: null,
      dataSummary: '',
      adapter: '',
      revision: 0,
    };
    host.addController(this);
    this.loop = new TrainingLoop(host, {
      onMetrics: (metrics) => this._record(metrics),
      onError: (error) => {
        // A train() refused because the guard stopped the run adds nothing to what the guard said.
        if (this._session?.condition === 'non-finite' || this._session?.condition === 'failed') return;
        this._show({ status: `Training stopped: ${errorText(error)}` });
      },
    });
  }

  /** What the page shows about the run. */
  get state(): Readonly<RunState> {
    return this._state;
  }

  /** The running session; null before the first run. */
  get session(): GuardedSession | null {
    return this._session;
  }

  /** The run's history of metrics and test evaluations; null before the first run. */
  get history(): MetricsHistory | null {
    return this._history;
  }

  /** GPU device losses the run has seen so far. */
  get deviceLosses(): number {
    return this._deviceLosses;
  }

  hostDisconnected(): void {
    this._session?.dispose();
    this._session = null;
  }

  /** Finds out whether the page trains on WebGPU or in the CPU worker, and says which. */
  async chooseBackend(): Promise<void> {
    const report = await describeBackend().catch(() => null);
    this.pageBackend = report !== null ? 'webgpu' : 'wasm';
    if (report) {
      const adapter = `WebGPU: ${[report.vendor, report.architecture, report.device, report.description].filter(Boolean).join(' · ') || 'unnamed adapter'}`;
      this._show(report.isCpuAdapter ? { adapter, banner: 'WebGPU runs here on a CPU implementation (no GPU found), so training is slower than on a real GPU.' } : { adapter });
    } else {
      this._show({ adapter: 'CPU (float32 WebAssembly SIMD, in Web Workers)', banner: NO_WEBGPU_BANNER });
    }
  }

  /**
   * Makes `next` the running configuration if it is valid: a new run (fresh weights) when `fresh`
   * or when the change needs a new network, else the same run with new optimizer settings. Invalid
   * settings or a refused network leave the current run going and say why.
   */
  async apply(next: PlaygroundConfig, how: ApplyOptions): Promise<void> {
    const token = ++this.applyToken;
    this._show({ draft: next });
    let dataset = how.dataset ?? (sameJson(next.data, this._state.config?.data) ? this._state.dataset : null);
    if (!dataset) {
      this._show({ status: 'Loading the dataset…' });
      const loaded = await this.datasets.load(next.data);
      if (token !== this.applyToken) return;
      if (!loaded.ok) {
        this._show({ dataProblems: loaded.problems, status: `The dataset could not be loaded; ${this._session ? 'the current network keeps running' : 'nothing to train yet'}.` });
        return;
      }
      dataset = loaded.dataset;
    }
    if (dataset !== this._state.dataset) {
      next = { ...next, spec: fitSpecToData(next.spec, dataset) };
      this._show({ draft: next });
    }
    const problems = [...validate(next.spec), ...validateForDataset(next.spec, dataset)];
    this._show({ dataProblems: [], specProblems: problems });
    if (problems.length > 0) {
      this._show({
        status: `Not applied: ${problems.length === 1 ? 'a setting needs' : `${problems.length} settings need`} fixing (shown next to ${problems.length === 1 ? 'it' : 'them'}). ${this._session ? 'The current network keeps running.' : ''}`,
      });
      return;
    }
    const previous = this._state.config;
    if (!how.fresh && !how.from && previous && this._session && sameJson(previous, next)) {
      // An edit that undoes an invalid one: the running network already is this one.
      this._show({ status: 'Settings are back to those of the running network.' });
      return;
    }
    const liveChange = !how.fresh && previous !== null && this._session !== null && sameJson(previous.data, next.data) && describeChange(previous.spec, next.spec).length === 0;
    const wasRunning = this.loop.running;
    const old = this._session;
    // The old run stands still while the new one is built, so nothing is issued to it in between
    // and a live change can carry its exact state over.
    this.loop.pause();
    await this.loop.idle();
    let snapshot = how.from ?? null;
    let reason = how.reason;
    if (liveChange && old && !how.from) {
      await old.flush();
      if (old.condition === 'ready') {
        this._record(await old.takeMetrics());
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
      this._show({ status: `Refused: ${errorText(error)} ${old ? 'The previous network keeps running.' : ''}` });
      // The link keeps describing what runs, not what was refused.
      this._settleConfig();
      if (wasRunning && old) this.loop.play();
      return;
    }
    if (token !== this.applyToken) {
      session.dispose();
      return;
    }
    this._session = session;
    const newDataset = dataset !== this._state.dataset;
    this._show({
      config: { spec: cloneSpec(next.spec), data: { ...next.data } as DataSource },
      draft: { spec: cloneSpec(next.spec), data: { ...next.data } as DataSource },
      fault: null,
      ...(newDataset
        ? {
            dataset,
            dataSummary: `${dataset.name}: ${dataset.trainCount} training and ${dataset.testCount} test samples, ${dataset.inputSize} input(s), ${dataset.outputSize} output(s).`,
          }
        : {}),
    });
    const newHistory = !snapshot || !this._history;
    if (!snapshot || !this._history) this._history = new MetricsHistory(next.spec.widths.length - 1);
    // Going on from kept weights older than the last recorded step (after a fault) drops what came after them.
    else this._history.trimFrom(snapshot.step);
    this.loop.setSession(session, session.backend === 'webgpu' ? MAIN_THREAD_FRAME_MS : WORKER_FRAME_MS);
    // Everything now points at the new run; the old one is disposed once its own work is done.
    if (old) void this._retire(old);
    this._settleConfig();
    this._show({ status: reason });
    this.hooks.runStarted({ newHistory, newDataset, step: snapshot?.step ?? 0 });
    if (wasRunning) this.loop.play();
    this._show({ revision: this._state.revision + 1 });
  }

  /** session.evaluate, tracked so a session is not disposed under it. */
  evaluate(session: Session, inputs: Float32Array, count: number): Promise<Float32Array> {
    const result = session.evaluate(inputs, count);
    this.pendingEvaluations.add(result);
    const forget = () => this.pendingEvaluations.delete(result);
    result.then(forget, forget);
    return result;
  }

  /**
   * Says in the status line that `what` failed on `session`, unless that session was replaced, is
   * stopped, or lost its device since the evaluation began (`deviceLossesBefore`): the guard
   * reports those itself.
   */
  reportFailure(what: string, error: unknown, session: GuardedSession, deviceLossesBefore: number): void {
    if (session === this._session && deviceLossesBefore === this._deviceLosses && session.condition === 'ready') {
      this._show({ status: `${what} failed: ${errorText(error)}` });
    }
  }

  /** The history changed outside the training loop (a test evaluation was added): the curves redraw. */
  historyChanged(): void {
    if (this._history) this._show({ revision: this._history.revision });
  }

  playToggle(): void {
    if (!this._session) return;
    if (this.loop.running) void this._pause();
    else {
      if (!this._canTrain()) return;
      this._show({ fault: null });
      this.loop.play();
      if (this._state.config) this._show({ status: `Training with ${LOSSES[this._state.config.spec.loss].label}.` });
    }
  }

  stepOnce(): void {
    if (!this._session || this.loop.running || !this._canTrain()) return;
    this._show({ fault: null });
    void this.loop.stepOnce();
  }

  reset(): void {
    const config = this._state.config;
    if (!config) return;
    void this.apply(config, { fresh: true, reason: `Reset: new weights from seed ${config.spec.seed}, step 0.` });
  }

  loadDemo(): void {
    void this.apply(saturationDemoConfig(), { fresh: true, reason: 'Saturation demo loaded (new network): press Play, and switch to cross-entropy once MSE has stalled.' });
  }

  /** Goes back to the weights the guard kept before the run diverged; the loop stays paused until Play. */
  async restoreLastGood(): Promise<void> {
    const guard = this._session;
    if (!guard || guard.condition !== 'non-finite') return;
    this.loop.pause();
    await this.loop.idle();
    try {
      await guard.restoreLastGood();
    } catch (error) {
      if (guard === this._session) this._show({ status: `Could not restore: ${errorText(error)}` });
    }
  }

  /** After the GPU could not be recovered: the same network on the CPU worker, from the weights the guard kept. */
  continueOnCpu(): void {
    const config = this._state.config;
    const guard = this._session;
    if (!config || !guard) return;
    this.pageBackend = 'cpu';
    this._show({
      adapter: CPU_ADAPTER,
      banner: 'The GPU was lost, so the network now trains on the CPU in a Web Worker: the same maths in float64, only slower. Reload the page to try the GPU again.',
    });
    const kept = guard.lastGoodSnapshot;
    void this.apply(
      config,
      kept
        ? { fresh: false, from: kept, reason: `Continuing on the CPU from the weights of step ${kept.step}: press Play.` }
        : { fresh: true, reason: 'Started again on the CPU from new weights: press Play.' },
    );
  }

  /** Switches to the next loss the output allows (the L key). */
  toggleLoss(): void {
    const spec = this._state.config?.spec;
    if (spec) this.setLoss(nextLoss(spec.loss, spec.outputActivation));
  }

  /** Switches the loss of the running session: weights, optimizer state and batch order are kept. */
  setLoss(loss: LossName): void {
    const session = this._session;
    const config = this._state.config;
    if (!session || !config || config.spec.loss === loss) return;
    const refusal = lossProblem(loss, config.spec.outputActivation);
    if (refusal) {
      this._show({ status: `${refusal} The loss stays ${LOSSES[config.spec.loss].label}.` });
      return;
    }
    session.setLoss(loss);
    this._showLoss(loss);
    this._show({ status: `Loss switched to ${LOSSES[loss].label} from step ${session.stepsTaken}; weights and optimizer state kept.` });
  }

  /** A network or optimizer edit: applied to the running weights when only hyperparameters changed, else a new run. */
  editSpec(spec: NetworkSpec): void {
    const previous = this._state.config?.spec;
    const changes = previous ? describeChange(previous, spec) : [];
    const live = previous && changes.length === 0;
    const liveWhat = previous
      ? HYPERPARAMETER_NAMES.filter((name) => previous.optimizer[name] !== spec.optimizer[name])
          .map((name) => `${HYPERPARAMETERS[name].label} = ${spec.optimizer[name]}`)
          .join(', ')
      : '';
    const reason = live
      ? `Applied ${liveWhat || 'the change'} to the running network; weights and optimizer state kept.`
      : `New network (${changes.join(', ')} changed): the run restarted from step 0.`;
    void this.apply({ spec, data: this._state.draft.data }, { fresh: !live, reason });
  }

  /** A data source edit: a new run on the new dataset, unless a synthetic generator refuses its options. */
  async editData(data: DataSource): Promise<void> {
    const reason = 'New dataset: the run restarted from step 0 with a network sized for it.';
    if (data.source !== 'synthetic') {
      void this.apply({ spec: this._state.draft.spec, data }, { fresh: true, reason });
      return;
    }
    // The generator checks its options itself; its message goes next to the option it names.
    const loaded = await this.datasets.load(data);
    if (!loaded.ok) {
      this._show({
        draft: { ...this._state.draft, data },
        dataProblems: loaded.problems,
        status: 'Not applied: fix the dataset setting shown. The current network keeps running.',
      });
      return;
    }
    void this.apply({ spec: this._state.draft.spec, data }, { fresh: true, dataset: loaded.dataset, reason });
  }

  /** A CSV file the user chose: a new run on it, or why it could not be read. */
  async loadCsv(file: File): Promise<void> {
    const data = uploadedCsvSource(file.name);
    const loaded = await this.datasets.load(data, file);
    if (!loaded.ok) {
      this._show({ dataProblems: loaded.problems, status: `The CSV file was not loaded. ${this._session ? 'The current network keeps running.' : ''}` });
      return;
    }
    const warnings = loaded.warnings.length > 0 ? ` Note: ${loaded.warnings.join(' ')}` : '';
    void this.apply(
      { spec: this._state.draft.spec, data },
      { fresh: true, dataset: loaded.dataset, reason: `Loaded ${file.name}: the run restarted from step 0 with a network sized for it.${warnings}` },
    );
  }

  /** The test hook's report: the session's step, loss and parameters, what the history holds, and what the guard keeps. */
  async debugSnapshot(): Promise<RunDebugSnapshot> {
    const session = this._session;
    const history = this._history;
    if (!session || !history) throw new Error('no run yet');
    const snapshot = await session.snapshot();
    const lastGood = session.lastGoodSnapshot;
    return {
      step: snapshot.step,
      loss: snapshot.loss,
      parameters: Array.from(snapshot.parameters),
      recordedSteps: history.length,
      lastRecorded: history.length > 0 ? { step: history.latest('step')!, losses: history.latestLosses(), globalGradNorm: history.latest('globalGradNorm')! } : null,
      switches: history.switches.map((s) => ({ ...s })),
      backend: session.backend,
      guard: {
        condition: session.condition,
        fault: session.fault,
        lastGoodStep: lastGood ? lastGood.step : null,
        lastGoodParameters: lastGood ? Array.from(lastGood.parameters) : null,
      },
    };
  }

  /** Changes what the page shows, and has the host render it. */
  private _show(change: Partial<RunState>): void {
    Object.assign(this._state, change);
    this.host.requestUpdate();
  }

  /** Shows `loss` as the running and the edited one, and puts it in the link. */
  private _showLoss(loss: LossName): void {
    const { config, draft } = this._state;
    if (!config) return;
    this._show({ config: { ...config, spec: { ...config.spec, loss } }, draft: { ...draft, spec: { ...draft.spec, loss } } });
    this._settleConfig();
  }

  private _settleConfig(): void {
    if (this._state.config) this.hooks.configSettled(this._state.config);
  }

  /** Pauses, and once the last issued steps are done shows the test score and views of the weights as they stand. */
  private async _pause(): Promise<void> {
    const session = this._session;
    this.loop.pause();
    await this.loop.idle();
    if (!session || session !== this._session || this.loop.running) return;
    await session.flush();
    // A fault found while the last steps finished keeps its own message.
    if (session.condition !== 'ready') return;
    this._show({ status: `Paused after ${session.stepsTaken} steps.` });
    this.hooks.paused();
  }

  /** False, with the way on in the status line, while the guard holds the run stopped. */
  private _canTrain(): boolean {
    const condition = this._session?.condition;
    if (condition === 'non-finite') {
      this._show({ status: 'Training is stopped at a non-finite value: restore the last good weights (or Reset) before training on.' });
      return false;
    }
    if (condition === 'failed') {
      this._show({ status: 'The GPU could not be recovered: continue on the CPU, reload the page, or Reset.' });
      return false;
    }
    return true;
  }

  /** Metrics of finished steps, into the history. */
  private _record(metrics: StepMetrics[]): void {
    if (!this._history || metrics.length === 0) return;
    this._history.append(metrics);
    this._show({ revision: this._history.revision });
    this.hooks.stepsAdded();
  }

  /**
   * A guarded session on the page's backend. After a device loss the guard calls the factory again
   * for a new GPU session; the CPU path is offered only once that fails (the user chooses it).
   */
  private async _openSession(spec: NetworkSpec, dataset: Dataset): Promise<GuardedSession> {
    const backend = this.pageBackend;
    const open = async (): Promise<Session> => {
      if (backend === 'webgpu') return createSession({ spec, dataset, backend: 'webgpu' });
      if (backend === 'cpu') return WorkerSession.create(spec, dataset);
      let session: WasmWorkerSession;
      try {
        session = await WasmWorkerSession.create(spec, dataset);
      } catch (error) {
        // A browser or a host that refuses WebAssembly (no SIMD, a policy without 'wasm-unsafe-eval')
        // still trains: on the float64 worker, from now on, and says why. If that worker refuses the
        // network too, the network is what failed, and the WebAssembly path's reason is the one shown.
        if (this.pageBackend !== 'wasm') throw error;
        const fallback = await WorkerSession.create(spec, dataset).catch(() => null);
        if (!fallback) throw error;
        this.pageBackend = 'cpu';
        this._show({
          adapter: CPU_ADAPTER,
          banner: `This browser offers no WebGPU, and the WebAssembly path could not start (${errorText(error)}), so the network trains on the CPU in a Web Worker: the same maths in float64, only slower.`,
        });
        return fallback;
      }
      if (this.pageBackend === 'wasm') this._show(wasmPath(session));
      return session;
    };
    let guard: GuardedSession | null = null;
    guard = await GuardedSession.create({
      createSession: open,
      // A replaced run's late events (its readbacks failing once disposed) are not news.
      onStatus: (event) => {
        if (guard !== null && guard === this._session) this._onGuardEvent(guard, event);
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
        this._show({ status: message, fault: { kind: 'non-finite', message, keptStep: event.keptStep, learningRate: guard.spec.optimizer.learningRate } });
        return;
      }
      case 'device-lost':
        this._deviceLosses++;
        this._show({ status: `${event.message} No reload is needed.` });
        return;
      case 'recovered':
        this._rewind(event.resumeStep);
        this._show({ status: event.message });
        return;
      case 'recovery-failed':
        this.loop.pause();
        this._show({ status: event.message, fault: { kind: 'recovery-failed', message: event.message, keptStep: guard.lastGoodSnapshot?.step ?? null } });
        return;
      case 'restored': {
        this._rewind(event.step);
        this._show({ fault: null, status: `${event.message} Press Play to go on; lower the learning rate first if it diverged.` });
        // The restored snapshot brings its own loss back; the loss switch must show that one.
        if (this._state.config && this._state.config.spec.loss !== guard.spec.loss) this._showLoss(guard.spec.loss);
        return;
      }
      case 'gpu-error':
        this.loop.pause();
        this._show({ status: `${event.message.trimEnd().replace(/\.$/, '')}. Training paused.`, fault: { kind: 'gpu-error', message: event.message } });
        return;
    }
  }

  /** The run went back to `step`: its later history is dropped, and the views are redrawn from the weights there. */
  private _rewind(step: number): void {
    const history = this._history;
    if (history) {
      history.trimFrom(step);
      this._show({ revision: history.revision });
    }
    this.loop.rewound();
    this.hooks.rewound(step);
  }

  /** Disposes a replaced session once its issued steps and evaluations have finished (disposing under them makes the GPU report errors). */
  private async _retire(old: Session): Promise<void> {
    await old.flush().catch(() => undefined);
    await Promise.allSettled([...this.pendingEvaluations]);
    old.dispose();
  }
}
