/**
 * The run's lifecycle, as a Lit ReactiveController of the playground: it validates a requested
 * configuration, opens a guarded session for it (or carries the running weights over when the
 * network stays the same), retires the session it replaces once that one's work is done, drives
 * the training loop at the configured speed, switches the loss and pauses where the run settings
 * schedule it, forks the run into an MSE and a cross-entropy branch and keeps one of them, and turns
 * what the run's guards report into the status line and the fault panel.
 * What it shows is `state`; the host re-renders whenever that changes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Dataset } from '../model/dataset';
import { LOSSES, lossProblem, nextLoss, type LossName, type LossValues } from '../model/losses';
import { HYPERPARAMETERS, HYPERPARAMETER_NAMES } from '../model/optimizers';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';
import { cloneSpec, type NetworkSpec } from '../model/spec';
import { validate, validateForDataset, type ValidationProblem } from '../model/validate';
import { createSession, describeBackend } from '../train/create-session';
import { ForkedRun } from '../train/fork';
import { branchLabel, FORK_LOSSES, forkProblem } from './fork-branches';
import { GuardedSession, type GuardEvent, type NonFiniteFault } from '../train/guarded-session';
import { WasmWorkerSession } from '../train/wasm-worker-session';
import { scheduledLoss, stepsBeforeSwitch, type LossSchedule } from '../train/loss-schedule';
import { stepPlanOf, type StepPlanView } from '../train/product-plan';
import { WorkerSession } from '../train/worker-session';
import { errorText } from './error-text';
import type { RunFault } from './fault-panel';
import { MetricsHistory } from './metrics-history';
import type { DataSource } from '../data/source';
import { DatasetLoader, uploadedCsvSource } from './page-datasets';
import { saturationDemoConfig, type PlaygroundConfig } from './playground-config';
import { parseRunSettings, speedLabel, type RunSettings } from './run-settings';
import { MAIN_THREAD_FRAME_MS, TrainingLoop, WORKER_FRAME_MS, type LoopTarget } from './training-loop';
import { LocalTuningStore, PAGE_TUNING_BUDGET_MS } from './tuning-store';

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

/** The loss schedule a configuration describes (src/train/loss-schedule.ts, the scripts' rule too). */
function lossSchedule(config: PlaygroundConfig): LossSchedule {
  return { firstLoss: config.spec.loss, output: config.spec.outputActivation, switchAt: config.run.switchLossAt };
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

/**
 * The spec adjusted to a dataset: input and output widths, an output activation that fits the
 * targets, and a batch no larger than the training rows; with one sentence per setting it changed,
 * under the setting's field, so the page never changes a setting without saying so.
 */
function fitSpecToData(spec: NetworkSpec, dataset: Dataset): { spec: NetworkSpec; changes: ValidationProblem[] } {
  const fitted = cloneSpec(spec);
  const changes: ValidationProblem[] = [];
  const last = fitted.widths.length - 1;
  if (fitted.widths[0] !== dataset.inputSize) {
    changes.push({ field: 'widths[0]', message: `The input width ${fitted.widths[0]} became ${dataset.inputSize}, the dataset's input features.` });
    fitted.widths[0] = dataset.inputSize;
  }
  if (fitted.widths[last] !== dataset.outputSize) {
    changes.push({ field: `widths[${last}]`, message: `The output width ${fitted.widths[last]} became ${dataset.outputSize}, the dataset's target columns.` });
    fitted.widths[last] = dataset.outputSize;
  }
  const output = dataset.outputSize === 1 && fitted.outputActivation === 'softmax' ? 'sigmoid' : dataset.outputSize > 1 && fitted.outputActivation === 'sigmoid' ? 'softmax' : null;
  if (output) {
    changes.push({ field: 'outputActivation', message: `The output activation ${fitted.outputActivation} became ${output}, for ${dataset.outputSize} output(s).` });
    fitted.outputActivation = output;
  }
  if (fitted.batchSize > dataset.trainCount) {
    changes.push({ field: 'batchSize', message: `The batch size ${fitted.batchSize} became ${dataset.trainCount}: the dataset has only ${dataset.trainCount} training rows.` });
    fitted.batchSize = dataset.trainCount;
  }
  return { spec: fitted, changes };
}

/** Whether a fitted setting is one of the widths, which the panels show as following the dataset anyway. */
function isWidthChange(change: ValidationProblem): boolean {
  return change.field.startsWith('widths[');
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
  /** What is wrong with an edited run setting (speed, scheduled steps), shown next to the control concerned. */
  runProblems: ValidationProblem[];
  /** The loss that drives the next step: the configuration's, or the one a scheduled switch or a restored snapshot brought. */
  loss: LossName;
  /** How the running network's step runs on the GPU (products, variants, tuning); null on the CPU or before the first run. */
  stepPlan: StepPlanView | null;
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
  /**
   * Fits the spec to the dataset even when the dataset stays the same (a link: its sizes may not
   * match the data). A new dataset is always fitted to; a panel edit on the same data is validated as it is.
   */
  fitToData?: boolean;
  /**
   * What the status line says instead of `reason` when settings were changed to fit the dataset
   * (the caller shows the changes); unset, `reason` is followed by the changes other than widths.
   */
  adjustedReason?: string;
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
  /** The run was forked (`kept` null), or a fork ended keeping branch `kept` (the branches' views follow). */
  forkChanged(kept: number | null): void;
}

/** One branch of a forked run, as the page shows it. */
export interface RunBranch {
  /** The loss it trains with. */
  loss: LossName;
  /** Its name: "MSE branch". */
  label: string;
  /** Its guarded session. */
  session: GuardedSession;
  /** Its history: the steps before the fork (a copy of the run's), then its own. */
  history: MetricsHistory;
}

/** A forked run: two branches from one state, trained in lockstep. */
interface RunFork {
  /** The engine's fork, which the loop trains. */
  run: ForkedRun;
  /** The step both branches started from. */
  step: number;
  /** The branches, in FORK_LOSSES order; the first is the session the run had. */
  branches: readonly [RunBranch, RunBranch];
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
  /** While the run is forked: the fork step and each branch's loss, name, step, parameters and recorded steps; else null. */
  fork: { step: number; branches: { loss: LossName; label: string; step: number; parameters: number[]; recordedSteps: number }[] } | null;
}

export class RunController implements ReactiveController {
  /** Issues steps to the session once per frame and collects their metrics. */
  readonly loop: TrainingLoop;

  private readonly _state: RunState;
  /** The run: every session the page opens is wrapped in a guard against divergence and device loss. */
  private _session: GuardedSession | null = null;
  private _history: MetricsHistory | null = null;
  /** The fork while the run is forked: its first branch is `_session` with `_history`. */
  private _fork: RunFork | null = null;
  /** Every dataset the run trains on is loaded through this. */
  private readonly datasets = new DatasetLoader();
  /** Where new sessions train: WebGPU, the WebAssembly workers without it, or the float64 worker after a GPU could not be recovered. */
  private pageBackend: Session['backend'] = 'wasm';
  /** Incremented per requested change, so a slow one that finishes after a newer one is dropped. */
  private applyToken = 0;
  /** Changes being applied (see apply). */
  private appliesInFlight = 0;
  /** Play was on when a change paused the loop (or pressed meanwhile): it resumes once the changes are done. */
  private holdingPlay = false;
  /** Device losses so far: an evaluation that fails across one failed because of it, which the guard reports itself. */
  private _deviceLosses = 0;
  /** Where GPU sessions keep the autotuner's choices: this browser's localStorage. */
  private readonly tuningStore = new LocalTuningStore();
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
      runProblems: [],
      loss: draft.spec.loss,
      stepPlan: null,
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
      onMetrics: (branches) => this._record(branches),
      onError: (error) => {
        // A train() refused because the guard stopped the run, or failing with the fault the page
        // shows (a failed worker), adds nothing to what the guard or the fault panel said.
        if (this._session?.condition === 'non-finite' || this._session?.condition === 'failed' || this._state.fault) return;
        this._show({ status: `Training stopped: ${errorText(error)}` });
      },
      beforeSteps: (from) => this._beforeSteps(from),
      onPauseStep: (step) => void this._pause(`Paused at step ${step}, as set under Run; press Play to go on.`),
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

  /** The branches while the run is forked (the first is `session` with `history`), else null. */
  get fork(): { step: number; branches: readonly RunBranch[] } | null {
    return this._fork;
  }

  /** What trains and is evaluated: the fork's branches, or the run alone; empty before the first run. */
  get branches(): readonly Pick<RunBranch, 'session' | 'history'>[] {
    if (this._fork) return this._fork.branches;
    return this._session && this._history ? [{ session: this._session, history: this._history }] : [];
  }

  /** GPU device losses the run has seen so far. */
  get deviceLosses(): number {
    return this._deviceLosses;
  }

  hostDisconnected(): void {
    // A fork's first branch is the run's session: disposing the fork disposes it.
    if (this._fork) this._fork.run.dispose();
    else this._session?.dispose();
    this._fork = null;
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
   * settings or a refused network leave the current run going and say why. Resolves with the
   * settings changed to fit the dataset (empty when none were, or when nothing was applied).
   *
   * A change pauses the loop while it builds the new run. If Play was on, it stays on: it is held
   * (`holdingPlay`) and turned back on once the last change in flight is done, whatever each did,
   * so changes in quick succession that replace each other never leave the run paused (a change
   * must not read the pause of the one before it as the user's).
   */
  async apply(next: PlaygroundConfig, how: ApplyOptions): Promise<ValidationProblem[]> {
    const token = ++this.applyToken;
    return this._asChange(() => this._apply(token, next, how));
  }

  /** Whether Play is on: training, or held paused by a change that is being applied and will train on. */
  get playing(): boolean {
    return this.loop.running || this.holdingPlay;
  }

  private async _apply(token: number, next: PlaygroundConfig, how: ApplyOptions): Promise<ValidationProblem[]> {
    this._show({ draft: next });
    let dataset = how.dataset ?? (sameJson(next.data, this._state.config?.data) ? this._state.dataset : null);
    if (!dataset) {
      this._show({ status: 'Loading the dataset…' });
      const loaded = await this.datasets.load(next.data);
      if (token !== this.applyToken) return [];
      if (!loaded.ok) {
        this._show({ dataProblems: loaded.problems, status: `The dataset could not be loaded; ${this._session ? 'the current network keeps running' : 'nothing to train yet'}.` });
        return [];
      }
      dataset = loaded.dataset;
    }
    let fitted: ValidationProblem[] = [];
    if (how.fitToData || dataset !== this._state.dataset) {
      const fit = fitSpecToData(next.spec, dataset);
      next = { ...next, spec: fit.spec };
      fitted = fit.changes;
      this._show({ draft: next });
    }
    const problems = [...validate(next.spec), ...validateForDataset(next.spec, dataset)];
    this._show({ dataProblems: [], specProblems: problems });
    if (problems.length > 0) {
      this._show({
        status: `Not applied: ${problems.length === 1 ? 'a setting needs' : `${problems.length} settings need`} fixing (shown next to ${problems.length === 1 ? 'it' : 'them'}). ${this._session ? 'The current network keeps running.' : ''}`,
      });
      return [];
    }
    const previous = this._state.config;
    if (!how.fresh && !how.from && previous && this._session && sameJson(previous, next)) {
      // An edit that undoes an invalid one: the running network already is this one.
      this._show({ status: 'Settings are back to those of the running network.' });
      return [];
    }
    const liveChange = !how.fresh && previous !== null && this._session !== null && sameJson(previous.data, next.data) && describeChange(previous.spec, next.spec).length === 0;
    const old = this._session;
    // The old run stands still while the new one is built, so nothing is issued to it in between
    // and a live change can carry its exact state over. Play is held until the last change in flight is done.
    await this._standStill();
    let snapshot = how.from ?? null;
    let reason = fitted.length === 0 ? how.reason : (how.adjustedReason ?? [how.reason, ...fitted.filter((change) => !isWidthChange(change)).map((change) => change.message)].join(' '));
    if (liveChange && old && !how.from) {
      const carried = await this._carryOver(old);
      if (carried) snapshot = carried;
      else {
        // Stopped at a non-finite metric, without a GPU, or its worker gone: the weights the guard kept are the ones to go on from.
        snapshot = old.lastGoodSnapshot;
        if (snapshot) reason += ` The run had stopped, so it goes on from the last good weights, of step ${snapshot.step}.`;
      }
    }
    let session: GuardedSession;
    try {
      session = await this._openSession(next.spec, dataset, next.run.tuneGpu);
      if (snapshot) await session.restore(snapshot);
    } catch (error) {
      if (token !== this.applyToken) return [];
      this._show({ status: `Refused: ${errorText(error)} ${old ? 'The previous network keeps running.' : ''}` });
      // The link keeps describing what runs, not what was refused.
      this._settleConfig();
      return [];
    }
    if (token !== this.applyToken) {
      session.dispose();
      return [];
    }
    this._session = session;
    const fork = this._fork;
    if (fork) {
      // The new run goes on from the first branch (a live change carried its weights over); the other is retired.
      this._fork = null;
      void this._retire(fork.branches[1].session);
      reason += snapshot ? ` The fork ended: the run goes on from the ${fork.branches[0].label}.` : ' The fork ended.';
      this.hooks.forkChanged(0);
    }
    const newDataset = dataset !== this._state.dataset;
    this._show({
      config: { spec: cloneSpec(next.spec), data: { ...next.data } as DataSource, run: { ...next.run } },
      draft: { spec: cloneSpec(next.spec), data: { ...next.data } as DataSource, run: { ...next.run } },
      runProblems: [],
      loss: session.spec.loss,
      stepPlan: stepPlanOf(session),
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
    this._drive(session);
    this.loop.setSpeed(next.run.speed);
    this.loop.setPauseAt(next.run.pauseAt);
    // Everything now points at the new run; the old one is disposed once its own work is done.
    if (old) void this._retire(old);
    this._settleConfig();
    this._show({ status: reason });
    this.hooks.runStarted({ newHistory, newDataset, step: snapshot?.step ?? 0 });
    this._show({ revision: this._state.revision + 1 });
    return fitted;
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
   * stopped, lost its device since the evaluation began (`deviceLossesBefore`), or has a fault
   * shown (a failed worker): the guard and the fault panel report those themselves.
   */
  reportFailure(what: string, error: unknown, session: GuardedSession, deviceLossesBefore: number): void {
    if (session === this._session && deviceLossesBefore === this._deviceLosses && session.condition === 'ready' && !this._state.fault) {
      this._show({ status: `${what} failed: ${errorText(error)}` });
    }
  }

  /** The history changed outside the training loop (a test evaluation was added): the curves redraw. */
  historyChanged(): void {
    if (this._history) this._show({ revision: this._state.revision + 1 });
  }

  playToggle(): void {
    if (!this._session) return;
    if (this.appliesInFlight > 0 && !this.loop.running) {
      // A change holds the loop paused while it builds its run: Play and Pause decide what happens once it is done.
      this.holdingPlay = !this.holdingPlay;
      this._show({ status: this.holdingPlay ? 'Training goes on once the change is applied.' : 'Paused: the change is applied without training on.' });
      return;
    }
    if (this.loop.running) void this._pause();
    else {
      if (!this._canTrain()) return;
      this._show({ fault: null });
      this.loop.play();
      if (this._state.config) this._show({ status: `Training with ${LOSSES[this._state.loss].label}.` });
    }
  }

  stepOnce(): void {
    if (!this._session || this.loop.running || this.appliesInFlight > 0 || !this._canTrain()) return;
    this._show({ fault: null });
    void this.loop.stepOnce();
  }

  reset(): void {
    const config = this._state.config;
    if (!config) return;
    void this.apply(config, { fresh: true, reason: `Reset: new weights from seed ${config.spec.seed}, step 0.` });
  }

  loadDemo(): void {
    const demo = saturationDemoConfig();
    const { speed, switchLossAt, pauseAt } = demo.run;
    void this.apply(demo, {
      fresh: true,
      reason:
        `Saturation demo loaded (new network): press Play. It trains ${speedLabel(speed)} with ${LOSSES[demo.spec.loss].label}, which stalls; ` +
        `at step ${switchLossAt} it switches to ${LOSSES[nextLoss(demo.spec.loss, demo.spec.outputActivation)].label} by itself (press L to switch sooner), and it pauses at step ${pauseAt}.`,
    });
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

  /**
   * After the GPU could not be recovered, or the CPU worker failed: the same network on a new CPU
   * worker, from the weights the guard kept.
   */
  continueOnCpu(): void {
    const config = this._state.config;
    const guard = this._session;
    if (!config || !guard) return;
    // After a lost GPU or a failed WebAssembly worker, the float64 worker: the path with the least that can fail.
    if (this.pageBackend !== 'cpu') {
      const lost = this.pageBackend === 'webgpu' ? 'The GPU was lost' : 'The WebAssembly worker failed';
      const retry = this.pageBackend === 'webgpu' ? 'the GPU' : 'the WebAssembly path';
      this.pageBackend = 'cpu';
      this._show({
        adapter: CPU_ADAPTER,
        banner: `${lost}, so the network now trains on the CPU in a Web Worker: the same maths in float64, only slower. Reload the page to try ${retry} again.`,
      });
    }
    const kept = guard.lastGoodSnapshot;
    void this.apply(
      config,
      kept
        ? { fresh: false, from: kept, reason: `Continuing on the CPU from the weights of step ${kept.step}: press Play.` }
        : { fresh: true, reason: 'Started again on the CPU from new weights: press Play.' },
    );
  }

  /**
   * Splits the run into two branches from its current state: the running session goes on with the
   * first of FORK_LOSSES, and a new session, opened and guarded as the first was and restored to
   * the same weights, optimizer state and step (so the same batches follow), trains with the
   * second; the loop then trains both in lockstep at the set speed, up to the pause step. A
   * scheduled switch is cancelled. Refused, with the reason in the status line, where the output
   * allows only one of the losses.
   */
  async forkRun(): Promise<void> {
    const session = this._session;
    const history = this._history;
    const { config, dataset } = this._state;
    if (!session || !history || !config || !dataset || this.appliesInFlight > 0) return;
    if (this._fork) {
      this._show({ status: 'The run is forked already: keep one branch to fork again.' });
      return;
    }
    const refusal = forkProblem(config.spec.outputActivation);
    if (refusal) {
      this._show({ status: `Cannot fork into ${LOSSES[FORK_LOSSES[0]].label} and ${LOSSES[FORK_LOSSES[1]].noun}: ${refusal} The run goes on unforked.` });
      return;
    }
    if (!this._canTrain()) return;
    const token = this.applyToken;
    await this._asChange(async () => {
      await this._standStill();
      await this._forkFrom(session, history, config, dataset, token);
    });
  }

  /** The fork itself, once the run stands still; says why in the status line when it fails. */
  private async _forkFrom(session: GuardedSession, history: MetricsHistory, config: PlaygroundConfig, dataset: Dataset, token: number): Promise<void> {
    try {
      await session.flush();
      if (session !== this._session || token !== this.applyToken) return;
      this._record([await session.takeMetrics()]);
      let made: GuardedSession | null = null;
      const run = await ForkedRun.create(session, async () => (made = await this._openSession(config.spec, dataset, config.run.tuneGpu)), FORK_LOSSES);
      const second = made as GuardedSession | null;
      if (!second) throw new Error('the second branch has no session');
      if (session !== this._session || token !== this.applyToken) {
        // The run was replaced meanwhile (a reset, an edit): the new branch has nothing to join.
        second.dispose();
        return;
      }
      const step = run.stepsTaken;
      const [first, other] = FORK_LOSSES;
      this._fork = {
        run,
        step,
        branches: [
          { loss: first, label: branchLabel(first), session, history },
          { loss: other, label: branchLabel(other), session: second, history: history.clone() },
        ],
      };
      const switchAt = this._state.config?.run.switchLossAt ?? null;
      if (switchAt !== null) this._showRun({ ...this._state.config!.run, switchLossAt: null });
      this._showLoss(first);
      this._drive(run);
      const cancelled = switchAt !== null && step < switchAt ? ` The switch scheduled for step ${switchAt} is cancelled.` : '';
      this._show({
        revision: this._state.revision + 1,
        status:
          `Forked at step ${step}: the ${branchLabel(first)} (solid lines) trains with ${LOSSES[first].label} and the ${branchLabel(other)} (dashed) with ${LOSSES[other].noun}, ` +
          `from the same weights, optimizer state and batches, in lockstep. Keep one branch to go on with it alone.${cancelled}`,
      });
      this.hooks.forkChanged(null);
    } catch (error) {
      if (session === this._session) this._show({ status: `Could not fork: ${errorText(error)} The run goes on unforked.` });
    }
  }

  /**
   * Ends the fork keeping branch `index`: its session and history go on as the run, the other
   * branch is dropped, and the page is an ordinary run again (loss switch, fork, link, export).
   */
  async keepBranch(index: 0 | 1): Promise<void> {
    const fork = this._fork;
    if (!fork || this.appliesInFlight > 0) return;
    await this._asChange(async () => {
      await this._standStill();
      await fork.run.flush().catch(() => undefined);
      if (fork !== this._fork) return;
      this._record(await fork.run.takeMetrics());
      // The branch dropped is disposed at once: not under an evaluation.
      await Promise.allSettled([...this.pendingEvaluations]);
      if (fork !== this._fork) return;
      const kept = this._endFork(index);
      this._show({
        status: `Kept the ${kept.label}: it goes on alone from step ${kept.session.stepsTaken} with ${LOSSES[kept.loss].label}; the ${fork.branches[1 - index].label} was dropped.`,
      });
    });
  }

  /** Switches to the next loss the output allows (the L key). */
  toggleLoss(): void {
    const spec = this._state.config?.spec;
    if (spec) this.setLoss(nextLoss(this._state.loss, spec.outputActivation));
  }

  /**
   * Switches the loss of the running session by hand: weights, optimizer state and batch order are
   * kept. A scheduled switch is cancelled: from now on the loss is the one chosen here, and the
   * link starts with it.
   */
  setLoss(loss: LossName): void {
    const session = this._session;
    const config = this._state.config;
    if (!session || !config || this._state.loss === loss) return;
    if (this._fork) {
      this._show({ status: `The run is forked: each branch keeps its loss. Keep one branch (the Keep buttons by the branches' views) to switch its loss.` });
      this.host.requestUpdate();
      return;
    }
    const refusal = lossProblem(loss, config.spec.outputActivation);
    if (refusal) {
      this._show({ status: `${refusal} The loss stays ${LOSSES[this._state.loss].label}.` });
      return;
    }
    const switchAt = config.run.switchLossAt;
    const cancelled = switchAt === null ? '' : session.stepsTaken < switchAt ? ` The switch scheduled for step ${switchAt} is cancelled.` : ' The scheduled switch is cleared, so a link now starts with this loss.';
    if (switchAt !== null) this._showRun({ ...config.run, switchLossAt: null });
    session.setLoss(loss);
    this._showLoss(loss);
    this._show({ status: `Loss switched to ${LOSSES[loss].label} from step ${session.stepsTaken}; weights and optimizer state kept.${cancelled}` });
  }

  /**
   * A run setting edited under Run: the speed and the pause step act on the running loop at once;
   * a scheduled switch goes from the loss running now to the next one, by the scripts' rule from
   * the current step on (a step already passed switches at once); turning GPU tuning on or off
   * rebuilds the network's step with the running weights. A value the settings refuse is named
   * next to its control and changes nothing.
   */
  editRunSettings(edited: RunSettings): void {
    const config = this._state.config;
    if (!config) return;
    const { settings, problems } = parseRunSettings(edited);
    if (problems.length > 0) {
      this._show({ runProblems: problems, status: 'Not applied: fix the run setting shown. Training goes on as before.' });
      return;
    }
    const before = config.run;
    if (this._fork && settings.switchLossAt !== before.switchLossAt) {
      this._show({
        runProblems: [{ field: 'run.switchLossAt', message: 'The run is forked: each branch keeps its loss. Keep one branch first to schedule a switch.' }],
        status: 'Not applied: fix the run setting shown. Training goes on as before.',
      });
      return;
    }
    this._show({ runProblems: [] });
    if (settings.tuneGpu !== before.tuneGpu && this._session?.backend === 'webgpu') {
      const how = settings.tuneGpu ? 'on: the products are timed on this adapter and the fastest run' : "off: the fixed rule's products run";
      void this.apply({ ...config, run: settings }, { fresh: false, reason: `GPU tuning turned ${how}; weights and optimizer state kept.` });
      return;
    }
    if (settings.switchLossAt !== before.switchLossAt) {
      // A new schedule (or none) starts from the loss running now: without one, the configuration's
      // loss is the running one; with one, the switch goes from it to the next, whatever came before.
      const loss = this._state.loss;
      this._showLoss(loss, { ...config, spec: { ...config.spec, loss }, run: settings });
    } else this._showRun(settings);
    this.loop.setSpeed(settings.speed);
    this.loop.setPauseAt(settings.pauseAt);
    const session = this._session;
    const step = session?.stepsTaken ?? 0;
    const said: string[] = [];
    if (settings.speed !== before.speed) said.push(`Speed: ${speedLabel(settings.speed)}.`);
    if (settings.tuneGpu !== before.tuneGpu) said.push(`GPU tuning turned ${settings.tuneGpu ? 'on' : 'off'}; it acts once the page trains on WebGPU.`);
    if (settings.pauseAt !== before.pauseAt) {
      said.push(settings.pauseAt === null ? 'No pause step.' : settings.pauseAt > step ? `Play pauses at step ${settings.pauseAt}.` : `The run is past step ${settings.pauseAt} already, so it does not pause there.`);
    }
    if (settings.switchLossAt !== before.switchLossAt) {
      if (settings.switchLossAt === null) said.push('No scheduled loss switch.');
      else {
        const schedule = lossSchedule(this._state.config!);
        const to = LOSSES[scheduledLoss(schedule, settings.switchLossAt)].label;
        said.push(settings.switchLossAt > step ? `The loss switches to ${to} at step ${settings.switchLossAt}.` : `The run is past step ${settings.switchLossAt}, so the loss switches to ${to} now.`);
        // From the current step on, the rule holds: a switch already due happens before the next step.
        if (session) this._beforeSteps(step);
      }
    }
    if (said.length > 0) this._show({ status: said.join(' ') });
  }

  /** Pauses training (if it runs) and resolves once the weights stand still; the self-check starts from them. */
  async pause(): Promise<void> {
    this.holdingPlay = false;
    if (this.loop.running) await this._pause();
    else {
      await this.loop.idle();
      await this._session?.flush().catch(() => undefined);
    }
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
    void this.apply({ ...this._state.draft, spec }, { fresh: !live, reason });
  }

  /** A data source edit: a new run on the new dataset, unless a synthetic generator refuses its options. */
  async editData(data: DataSource): Promise<void> {
    const reason = 'New dataset: the run restarted from step 0 with a network sized for it.';
    if (data.source !== 'synthetic') {
      void this.apply({ ...this._state.draft, data }, { fresh: true, reason });
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
    void this.apply({ ...this._state.draft, data }, { fresh: true, dataset: loaded.dataset, reason });
  }

  /** A CSV file the user chose: a new run on it, or why it could not be read. */
  async loadCsv(file: File): Promise<void> {
    const data = uploadedCsvSource(file.name);
    const loaded = await this.datasets.load(data, file);
    if (!loaded.ok) {
      // The reason, with its line and column, is shown once: under the file control, which keeps it in view.
      this._show({ dataProblems: loaded.problems, status: `The CSV file ${file.name} was not loaded (the reason is under the file control). ${this._session ? 'The current network keeps running.' : ''}` });
      return;
    }
    const warnings = loaded.warnings.length > 0 ? ` Note: ${loaded.warnings.join(' ')}` : '';
    void this.apply(
      { ...this._state.draft, data },
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
      fork: this._fork
        ? {
            step: this._fork.step,
            branches: await Promise.all(
              this._fork.branches.map(async (branch) => {
                const state = await branch.session.snapshot();
                return { loss: branch.loss, label: branch.label, step: state.step, parameters: Array.from(state.parameters), recordedSteps: branch.history.length };
              }),
            ),
          }
        : null,
    };
  }

  /** Changes what the page shows, and has the host render it. */
  private _show(change: Partial<RunState>): void {
    Object.assign(this._state, change);
    this.host.requestUpdate();
  }

  /**
   * Shows `loss` as the one driving the next step. Without a scheduled switch it is also the
   * configuration's loss, so the panels and the link follow it; with one, the configuration keeps
   * the loss of step 0 and the switch step, which the link needs to replay the run. `config`
   * replaces the running configuration first (a change of the run settings that goes with it).
   */
  private _showLoss(loss: LossName, config = this._state.config): void {
    if (!config) return;
    const { draft } = this._state;
    this._show({ loss });
    if (config.run.switchLossAt === null) {
      this._show({ config: { ...config, spec: { ...config.spec, loss } }, draft: { ...draft, spec: { ...draft.spec, loss }, run: { ...config.run } } });
    } else this._show({ config, draft: { ...draft, run: { ...config.run } } });
    this._settleConfig();
  }

  /** Makes `run` the running and the edited run settings, and puts them in the link. */
  private _showRun(run: RunSettings): void {
    const { config, draft } = this._state;
    if (!config) return;
    this._show({ config: { ...config, run: { ...run } }, draft: { ...draft, run: { ...run } } });
    this._settleConfig();
  }

  /**
   * Before steps are issued from step `from`: the loss the schedule gives that step drives it (a
   * switch it reaches is said in the status line), and the loop issues no step past the switch in
   * the same call, so the metrics' active loss changes exactly there.
   */
  private _beforeSteps(from: number): number {
    const session = this._session;
    const config = this._state.config;
    // A fork's branches keep their losses: forking cancels the schedule.
    if (!session || !config || this._fork) return Infinity;
    const schedule = lossSchedule(config);
    const loss = scheduledLoss(schedule, from);
    if (session.spec.loss !== loss) {
      session.setLoss(loss);
      this._showLoss(loss);
      this._show({ status: `Loss switched to ${LOSSES[loss].label} at step ${from}, as scheduled; weights and optimizer state kept.` });
    }
    return stepsBeforeSwitch(schedule, from);
  }

  private _settleConfig(): void {
    if (this._state.config) this.hooks.configSettled(this._state.config);
  }

  /**
   * Pauses, and once the last issued steps are done shows the test score and views of the weights
   * as they stand; the status line says `message`, or how many steps were taken.
   */
  private async _pause(message?: string): Promise<void> {
    const session = this._session;
    this.loop.pause();
    await this.loop.idle();
    if (!session || session !== this._session || this.loop.running) return;
    await (this._fork?.run ?? session).flush();
    if (session !== this._session) return;
    // A fault found while the last steps finished keeps its own message.
    if (session.condition !== 'ready') return;
    this._show({ status: message ?? `Paused after ${session.stepsTaken} steps.` });
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
    if (this._state.fault?.kind === 'worker-failed') {
      this._show({ status: 'The CPU worker has stopped: start a new one, or Reset.' });
      return false;
    }
    return true;
  }

  /** Metrics of finished steps, one list per branch (one for a run that is not forked), into the histories. */
  private _record(branches: readonly StepMetrics[][]): void {
    const histories = this.branches.map((branch) => branch.history);
    if (histories.length === 0 || branches.every((metrics) => metrics.length === 0)) return;
    branches.forEach((metrics, b) => histories[b]?.append(metrics));
    this._show({ revision: this._state.revision + 1 });
    this.hooks.stepsAdded();
  }

  /** Ends the fork keeping branch `index`: its session and history become the run's, and the other branch is disposed. */
  private _endFork(index: 0 | 1): RunBranch {
    const fork = this._fork!;
    this._fork = null;
    const kept = fork.branches[index];
    fork.run.keep(index);
    this._session = kept.session;
    this._history = kept.history;
    this._drive(kept.session);
    this._showLoss(kept.loss);
    this._show({ stepPlan: stepPlanOf(kept.session), revision: this._state.revision + 1 });
    this.hooks.forkChanged(index);
    return kept;
  }

  /** Has the loop train `target`, at the frame budget of where it runs. */
  private _drive(target: LoopTarget): void {
    const session = target instanceof ForkedRun ? target.branches[0].session : target;
    this.loop.setSession(target, session.backend === 'webgpu' ? MAIN_THREAD_FRAME_MS : WORKER_FRAME_MS);
  }

  /**
   * A guarded session on the page's backend. After a device loss the guard calls the factory again
   * for a new GPU session; the CPU path is offered only once that fails (the user chooses it).
   */
  private async _openSession(spec: NetworkSpec, dataset: Dataset, tuneGpu: boolean): Promise<GuardedSession> {
    const backend = this.pageBackend;
    // Off, a budget of 0: the fixed rule's variants run, and the report still names them.
    const tuning = tuneGpu ? { budgetMs: PAGE_TUNING_BUDGET_MS, store: this.tuningStore } : { budgetMs: 0, store: null };
    const open = async (): Promise<Session> => {
      if (backend === 'webgpu') return createSession({ spec, dataset, backend: 'webgpu', tuning });
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
        if (guard !== null && (guard === this._session || this._fork?.branches.some((branch) => branch.session === guard))) this._onGuardEvent(guard, event);
      },
    });
    return guard;
  }

  /** What the run's guard reports, turned into the status line, the fault panel and the loop's state. */
  private _onGuardEvent(guard: GuardedSession, event: GuardEvent): void {
    const branch = this._fork?.branches.findIndex((candidate) => candidate.session === guard) ?? -1;
    if (branch >= 0 && event.kind !== 'restored' && event.kind !== 'recovered') {
      // A fault in one branch stops the fork: that branch goes on alone, so the fault panel's ways out act on it.
      this.loop.pause();
      const dropped = this._fork!.branches[1 - branch].label;
      const kept = this._endFork(branch as 0 | 1);
      this._onGuardEvent(guard, event);
      const fault = this._state.fault;
      this._show({ status: `In the ${kept.label}: ${this._state.status} That stopped the fork: the ${dropped} was dropped.`, fault: fault && { ...fault, branch: kept.label } });
      return;
    }
    switch (event.kind) {
      case 'non-finite':
        // The diagnosis goes in the status line only; the fault panel heads it with the step and offers the way back.
        this.loop.pause();
        this._show({ status: `${event.message} It first showed at ${faultPlace(event.fault)}.`, fault: { kind: 'non-finite', step: event.fault.step, keptStep: event.keptStep } });
        return;
      case 'device-lost':
        this._deviceLosses++;
        this._show({ status: `${event.message} No reload is needed.` });
        return;
      case 'recovered':
        this._rewind(event.resumeStep);
        // A new session runs the step now: its plan (and the backend, should it have fallen back) is what the panel shows.
        this._show({ status: event.message, stepPlan: stepPlanOf(guard) });
        return;
      case 'recovery-failed':
        this.loop.pause();
        this._show({ status: event.message, fault: { kind: 'recovery-failed', keptStep: guard.lastGoodSnapshot?.step ?? null } });
        return;
      case 'restored': {
        this._rewind(event.step);
        this._show({ fault: null, status: `${event.message} Press Play to go on; lower the learning rate first if it diverged.` });
        // The restored snapshot brings its own loss back; the loss switch must show that one.
        if (this._state.loss !== guard.spec.loss) this._showLoss(guard.spec.loss);
        return;
      }
      case 'gpu-error':
        this.loop.pause();
        // The status line names the kind; the fault panel carries the backend's own words, said once there.
        if (guard.backend !== 'webgpu') {
          // A CPU or WebAssembly session reports an error only when its worker failed (src/train/worker-link.ts): it answers no more.
          this._show({
            status: 'The CPU worker stopped working, so training paused.',
            fault: { kind: 'worker-failed', message: event.error.message, keptStep: guard.lastGoodSnapshot?.step ?? null },
          });
        } else {
          this._show({ status: `The GPU reported ${event.error.kind === 'validation' ? 'a validation' : `an ${event.error.kind}`} error. Training paused.`, fault: { kind: 'gpu-error', message: event.error.message } });
        }
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

  /**
   * The running session's state for a live change, its last metrics recorded first; null when it
   * has none to give: stopped at a non-finite metric, without a GPU, or its worker gone (the
   * caller then goes on from the weights the guard kept).
   */
  private async _carryOver(session: GuardedSession): Promise<TrainerSnapshot | null> {
    try {
      await session.flush();
      if (session.condition !== 'ready') return null;
      this._record([await session.takeMetrics()]);
      return await session.snapshot();
    } catch {
      return null;
    }
  }

  /**
   * Runs `change` (a new configuration, a fork, keeping a branch) counted among the changes in
   * flight: once the last of them is done, whatever each did, Play goes on if a change held it.
   */
  private async _asChange<T>(change: () => Promise<T>): Promise<T> {
    this.appliesInFlight++;
    try {
      return await change();
    } finally {
      this.appliesInFlight--;
      if (this.appliesInFlight === 0) this._resumeHeldPlay();
    }
  }

  /** Stops the loop, holding Play on if it was on, and waits until nothing it issued is in flight. */
  private async _standStill(): Promise<void> {
    if (this.loop.running) this.holdingPlay = true;
    this.loop.pause();
    await this.loop.idle();
  }

  /** Once the changes in flight are done: Play again if it was held on, unless the run cannot train. */
  private _resumeHeldPlay(): void {
    if (!this.holdingPlay) return;
    this.holdingPlay = false;
    if (this._session?.condition === 'ready' && !this._state.fault) this.loop.play();
    else this.host.requestUpdate();
  }

  /** Disposes a replaced session once its issued steps and evaluations have finished (disposing under them makes the GPU report errors). */
  private async _retire(old: Session): Promise<void> {
    await old.flush().catch(() => undefined);
    await Promise.allSettled([...this.pendingEvaluations]);
    old.dispose();
  }
}
