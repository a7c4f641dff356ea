/**
 * GuardedSession: a Session around any Session (GPU or CPU) that survives numerical blow-ups and
 * GPU device loss, built only on the Session interface.
 *
 * Usage (UI and scripts):
 *
 *   const guard = await GuardedSession.create({
 *     createSession: () => createSession({ spec, dataset }),  // now, and again after a device loss
 *     onStatus: (event) => { liveLine.textContent = event.message; },
 *     snapshotEverySteps: 200,                                // optional, 200 when omitted
 *     minSnapshotIntervalMs: 1000,                            // optional, 1000 when omitted
 *   });
 *   await guard.train(64); const metrics = await guard.takeMetrics(); …   // as any Session
 *
 * What it adds to Session:
 * - `condition`: 'ready' | 'non-finite' | 'recovering' | 'failed' | 'disposed'.
 * - `fault`: the NonFiniteFault that stopped training, or null.
 * - `lastGoodSnapshot`: the newest snapshot known to be good (see below), or null.
 * - `restoreLastGood()`: restore(lastGoodSnapshot); training may continue afterwards.
 * - `onStatus(event: GuardEvent)`: one sentence per event for an aria-live line, with details.
 *
 * Numerical extremes. Every StepMetrics the wrapped session produces passes through the guard
 * (train, flush and takeMetrics collect them; takeMetrics hands them on in step order). At the first
 * metric that is not finite (a loss, the output-delta norm, a layer's gradient norm, the global
 * norm) training stops: train() is refused until restore() or restoreLastGood(), the 'non-finite'
 * event names the step, the figure and the layer, and metrics of later steps are dropped (they
 * continue a diverged run). takeMetrics still returns the faulty step, so a chart can end where
 * the run broke. Cross-entropy of a linear output is NaN by definition and is not a fault.
 *
 * Snapshots. Every `snapshotEverySteps` steps, but no sooner than `minSnapshotIntervalMs` after the
 * previous one, at the start of a train() call (between frames, never inside the wrapped session's
 * step loop), the guard takes a snapshot: on the GPU a readback that waits for the queued steps.
 * The snapshot of step S is a candidate while every value in it is finite, and becomes the last
 * good snapshot once the metrics of steps 0…S (S being computed with exactly these parameters)
 * have all been seen finite. A new candidate is taken only after the
 * previous one was confirmed, so at most two snapshots are held. A snapshot is also taken when the
 * guard is created (step 0 of a fresh run).
 *
 * Device loss. On a 'device-lost' SessionError the guard reports 'device-lost', disposes the dead
 * session, calls `createSession` again, restores the newest snapshot (the unconfirmed candidate too:
 * a device loss says nothing against its numbers), which brings back parameters, optimizer state,
 * step count and loss, re-selects the loss chosen with setLoss since (the UI's toggle shows that
 * one), reports 'recovered' and carries on: calls made meanwhile wait for the new session. Steps
 * after the snapshot are trained again, so metrics of those steps arrive a second time; the
 * 'recovered' event says from which step. A factory that falls back to the CPU (createSession's
 * backend 'auto') keeps a page training on a machine whose GPU went away. If the factory fails, or
 * the new device is lost again before completing a step, the guard gives up ('failed'): train()
 * throws the reason and onError receives it; lastGoodSnapshot stays available to start afresh.
 *
 * Other GPU errors (validation, out-of-memory, internal) are reported as 'gpu-error' events and
 * passed to `onError` (console.error when unset), as Session promises.
 */
import { LOSSES, LOSS_NAMES, lossAllows, type LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { Dataset } from '../model/dataset';
import type { Session, SessionError, StepMetrics, TrainerSnapshot } from '../model/session';

/** How to start a guarded run. */
export interface GuardedSessionOptions {
  /** Makes the session to guard; called once by create() and once more after each device loss. */
  createSession: () => Promise<Session>;
  /** Receives every event, each with a sentence for the user; unset, events are not reported anywhere but the return values. */
  onStatus?: (event: GuardEvent) => void;
  /** Steps between snapshots (whole number ≥ 1); 200 when omitted. Each GPU snapshot waits for the queued steps, so keep it modest. */
  snapshotEverySteps?: number;
  /** Milliseconds between snapshots at least (≥ 0); 1000 when omitted, so a fast GPU run is not drained every frame. */
  minSnapshotIntervalMs?: number;
}

/** The StepMetrics figures the guard checks, in the order a non-finite value would arise in a step. */
/** A loss (by name, StepMetrics.losses) or another figure of StepMetrics. */
export type GuardedMetric = LossName | 'outputDeltaNorm' | 'gradNormW' | 'gradNormB' | 'globalGradNorm';

/** The first non-finite figure of a run. */
export interface NonFiniteFault {
  /** The step whose metrics held it. */
  step: number;
  /** Which figure of StepMetrics. */
  metric: GuardedMetric;
  /** 1-based weight layer (1 = inputs to the first hidden layer) for gradNormW and gradNormB; null for the others. */
  layer: number | null;
  /** Number of weight layers of the network, to read `layer` against. */
  layerCount: number;
  /** The value: NaN, Infinity or -Infinity. */
  value: number;
}

/** What the guard is doing. */
export type GuardCondition =
  /** Training may go on. */
  | 'ready'
  /** Stopped at a non-finite metric; restore() or restoreLastGood() continues. */
  | 'non-finite'
  /** The device was lost; a new session is being created and restored. Calls wait for it. */
  | 'recovering'
  /** A device loss could not be recovered from; the session cannot train. */
  | 'failed'
  /** dispose() was called. */
  | 'disposed';

/** One event, each with `message`: one sentence for the page's aria-live status line. */
export type GuardEvent =
  | {
      /** Training stopped at the first non-finite metric. */
      kind: 'non-finite';
      /** What happened, at which step and layer, what is kept and what the user can do. */
      message: string;
      /** The figure that stopped training. */
      fault: NonFiniteFault;
      /** Step of the last good snapshot that restoreLastGood() goes back to; null when there is none. */
      keptStep: number | null;
    }
  | {
      /** The GPU device was lost; recovery has started. */
      kind: 'device-lost';
      /** What was lost and what will be restored. */
      message: string;
      /** Steps the lost session had issued. */
      lostAtStep: number;
      /** Step of the snapshot being restored; null when there is none and the run starts over. */
      restoreStep: number | null;
    }
  | {
      /** A new session replaced the lost one and training can continue. */
      kind: 'recovered';
      /** Which step training continues from. */
      message: string;
      /** Step the new session continues from: metrics of this step on arrive again; a chart should drop its later points. */
      resumeStep: number;
      /** Backend of the new session. */
      backend: Session['backend'];
    }
  | {
      /** Recovery from a device loss failed; the guard is 'failed'. */
      kind: 'recovery-failed';
      /** Why, and what the user can do. */
      message: string;
    }
  | {
      /** restore() or restoreLastGood() replaced the parameters. */
      kind: 'restored';
      /** Which step training continues from. */
      message: string;
      /** Step the session continues from; a chart should drop its points from this step on. */
      step: number;
    }
  | {
      /** The wrapped session reported a validation, out-of-memory or internal error (also passed to onError). */
      kind: 'gpu-error';
      /** The error, as the session reported it. */
      message: string;
      /** The error itself. */
      error: SessionError;
    };

const DEFAULT_SNAPSHOT_EVERY_STEPS = 200;
const DEFAULT_MIN_SNAPSHOT_INTERVAL_MS = 1000;
/** A gradient norm that grew by more than this factor before the fault points at divergence, not at the data. */
const DIVERGENCE_GROWTH = 100;

export class GuardedSession implements Session {
  /** Receives errors the guard cannot handle: validation, out-of-memory and internal GPU errors, and a device loss it could not recover from. Unset, they go to console.error. */
  onError: ((error: SessionError) => void) | undefined = undefined;

  private inner: Session;
  private readonly createInner: () => Promise<Session>;
  private readonly onStatus: ((event: GuardEvent) => void) | undefined;
  private readonly snapshotEverySteps: number;
  private readonly minSnapshotIntervalMs: number;
  /** performance.now() when the last snapshot was taken. */
  private lastSnapshotTime = -Infinity;
  private currentCondition: GuardCondition = 'ready';
  private currentFault: NonFiniteFault | null = null;
  private failureMessage = '';
  /** The loss chosen last through setLoss or restore; re-applied after a device loss. */
  private selectedLoss: LossName;
  /** Newest snapshot whose own step's metrics were seen finite. */
  private lastGood: TrainerSnapshot | null = null;
  /** Newest snapshot with finite values whose step's metrics have not arrived yet. */
  private candidate: TrainerSnapshot | null = null;
  /** Steps since the last restore whose metrics were all finite end here (exclusive). */
  private nextUnseenStep: number;
  /** Metrics checked and waiting for takeMetrics. */
  private readonly collected: StepMetrics[] = [];
  /** First and latest finite global gradient norm since the last restore, to tell divergence from bad data. */
  private firstNorm: { step: number; norm: number } | null = null;
  private latestNorm: { step: number; norm: number } | null = null;
  /** Serialises calls that change the wrapped session's history (train, restore, recovery). */
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  /** Set while a device loss is being recovered from; calls wait on it. */
  private recovery: Promise<void> | null = null;
  /** Sessions whose device was lost: their late errors and metrics are ignored. */
  private readonly lostSessions = new WeakSet<Session>();
  /** The latest session made by a recovery and the step it resumed at; losing it again before a step completes means recovery does not help. */
  private recovered: { session: Session; step: number } | null = null;

  private constructor(inner: Session, options: GuardedSessionOptions, snapshotEverySteps: number, minSnapshotIntervalMs: number) {
    this.inner = inner;
    this.createInner = options.createSession;
    this.onStatus = options.onStatus;
    this.snapshotEverySteps = snapshotEverySteps;
    this.minSnapshotIntervalMs = minSnapshotIntervalMs;
    this.selectedLoss = inner.spec.loss;
    this.nextUnseenStep = inner.stepsTaken;
    this.attach(inner);
  }

  /** Creates the session through `options.createSession`, takes the first snapshot and starts guarding it. */
  static async create(options: GuardedSessionOptions): Promise<GuardedSession> {
    const every = options.snapshotEverySteps ?? DEFAULT_SNAPSHOT_EVERY_STEPS;
    if (!(Number.isInteger(every) && every >= 1)) {
      throw new Error(`snapshotEverySteps must be a whole number of at least 1, got ${every}`);
    }
    const interval = options.minSnapshotIntervalMs ?? DEFAULT_MIN_SNAPSHOT_INTERVAL_MS;
    if (!(Number.isFinite(interval) && interval >= 0)) {
      throw new Error(`minSnapshotIntervalMs must be a finite number of at least 0, got ${interval}`);
    }
    const inner = await options.createSession();
    const guard = new GuardedSession(inner, options, every, interval);
    try {
      await guard.takeCandidate();
    } catch (error) {
      guard.dispose();
      throw error;
    }
    return guard;
  }

  get backend(): Session['backend'] {
    return this.inner.backend;
  }

  /** The wrapped session's network; its `loss` follows setLoss. */
  get spec(): NetworkSpec {
    return this.inner.spec;
  }

  get dataset(): Dataset {
    return this.inner.dataset;
  }

  get stepsTaken(): number {
    return this.inner.stepsTaken;
  }

  /** What the guard is doing (see GuardCondition). */
  get condition(): GuardCondition {
    return this.currentCondition;
  }

  /** The non-finite figure that stopped training, or null while training may go on. */
  get fault(): NonFiniteFault | null {
    return this.currentFault;
  }

  /** The newest snapshot whose parameters gave finite metrics; restoreLastGood() goes back to it. Do not modify it. */
  get lastGoodSnapshot(): TrainerSnapshot | null {
    return this.lastGood;
  }

  /**
   * Issues `steps` steps on the wrapped session, after taking a snapshot when one is due. Throws
   * while stopped at a non-finite metric (restore first) or after a failed recovery.
   */
  train(steps: number): Promise<void> {
    return this.exclusive(async () => {
      await this.settleRecovery();
      this.assertCanTrain();
      const session = this.inner;
      try {
        if (this.snapshotDue()) await this.takeCandidate();
        await session.train(steps);
      } catch (error) {
        // A device loss is reported through onError, which may come a task after the failing call.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (!this.lostSessions.has(session)) throw error;
        await this.settleRecovery();
        this.assertCanTrain();
        await this.inner.train(steps);
      }
      await this.collect();
    });
  }

  setLoss(loss: LossName): void {
    this.assertUsable();
    // During a recovery the lost session may already be disposed; the new one gets the loss when it is ready.
    if (!this.lostSessions.has(this.inner)) this.inner.setLoss(loss);
    this.selectedLoss = loss;
  }

  /** Checked metrics of completed steps, in step order; after a non-finite step, none from later steps. */
  async takeMetrics(): Promise<StepMetrics[]> {
    await this.settleRecovery();
    await this.collect();
    return this.collected.splice(0, this.collected.length);
  }

  async flush(): Promise<void> {
    await this.settleRecovery();
    await this.inner.flush();
    await this.collect();
  }

  async snapshot(): Promise<TrainerSnapshot> {
    await this.settleRecovery();
    this.assertUsable();
    return this.inner.snapshot();
  }

  /**
   * Continues from `snapshot` (same network and optimizer): parameters, optimizer state, step and
   * loss. Clears a non-finite stop, and the snapshot becomes the last good one. Refuses a snapshot
   * holding a value that is not finite, since training from it cannot give finite metrics.
   */
  restore(snapshot: TrainerSnapshot): Promise<void> {
    return this.exclusive(async () => {
      await this.settleRecovery();
      this.assertUsable();
      const bad = firstNonFiniteValue(snapshot);
      if (bad) {
        throw new Error(`the snapshot of step ${snapshot.step} holds ${bad}; restore a snapshot taken before the run diverged (lastGoodSnapshot)`);
      }
      await this.inner.restore(snapshot);
      this.selectedLoss = snapshot.loss;
      this.restartHistory(snapshot);
      this.lastGood = snapshot;
      this.candidate = null;
      this.currentFault = null;
      this.currentCondition = 'ready';
      this.emit({
        kind: 'restored',
        step: snapshot.step,
        message: `Restored the parameters of step ${snapshot.step}; training continues from there with the ${LOSSES[snapshot.loss].label} loss.`,
      });
    });
  }

  /** Goes back to lastGoodSnapshot (see restore); throws when there is none. */
  restoreLastGood(): Promise<void> {
    if (!this.lastGood) {
      throw new Error('no snapshot with finite metrics was kept; change the learning rate, the network or the data and start a new run');
    }
    return this.restore(this.lastGood);
  }

  async evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    await this.settleRecovery();
    this.assertUsable();
    return this.inner.evaluate(inputs, count);
  }

  dispose(): void {
    if (this.currentCondition === 'disposed') return;
    this.currentCondition = 'disposed';
    this.inner.onError = undefined;
    this.inner.dispose();
    this.lastGood = null;
    this.candidate = null;
    this.collected.length = 0;
  }

  /** Runs `task` after every earlier exclusive task has settled. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.exclusiveTail.then(task);
    this.exclusiveTail = result.catch(() => undefined);
    return result;
  }

  private async settleRecovery(): Promise<void> {
    while (this.recovery) await this.recovery;
  }

  private assertUsable(): void {
    if (this.currentCondition === 'disposed') throw new Error('this guarded session was disposed; create a new one to keep training');
    if (this.currentCondition === 'failed') throw new Error(this.failureMessage);
  }

  private assertCanTrain(): void {
    this.assertUsable();
    if (this.currentFault) {
      throw new Error(`training is stopped: ${describeFault(this.currentFault)} at step ${this.currentFault.step}; restore a snapshot (restoreLastGood) to continue`);
    }
  }

  private attach(session: Session): void {
    session.onError = (error) => this.handleSessionError(session, error);
  }

  private emit(event: GuardEvent): void {
    this.onStatus?.(event);
  }

  private reportError(error: SessionError): void {
    if (this.onError) this.onError(error);
    else console.error(`${error.kind}: ${error.message}`);
  }

  private handleSessionError(session: Session, error: SessionError): void {
    // Errors of a session already replaced (e.g. its readbacks failing after the loss) change nothing.
    if (session !== this.inner || this.lostSessions.has(session) || this.currentCondition === 'disposed') return;
    if (error.kind === 'device-lost') {
      this.lostSessions.add(session);
      this.currentCondition = 'recovering';
      // Not an exclusive task: a train() holding the turn may be waiting for this very recovery.
      const recovery: Promise<void> = this.recover(session, error).finally(() => {
        if (this.recovery === recovery) this.recovery = null;
      });
      this.recovery = recovery;
      return;
    }
    this.emit({ kind: 'gpu-error', error, message: `The GPU reported a ${error.kind} error: ${error.message}` });
    this.reportError(error);
  }

  /** Replaces a session whose device was lost by a new one restored from the newest snapshot. */
  private async recover(lost: Session, error: SessionError): Promise<void> {
    const lostAtStep = lost.stepsTaken;
    // After a non-finite stop only the confirmed snapshot is trustworthy; otherwise the newest one is.
    const from = this.currentFault ? this.lastGood : (this.candidate ?? this.lastGood);
    const restoreStep = from ? from.step : null;
    this.emit({
      kind: 'device-lost',
      lostAtStep,
      restoreStep,
      message:
        `The GPU device was lost at step ${lostAtStep} (${error.message}); starting a new session` +
        (from ? ` and restoring the parameters of step ${from.step}.` : ' from the initial parameters.'),
    });
    lost.onError = undefined;
    lost.dispose();
    if (this.recovered && this.recovered.session === lost && this.nextUnseenStep <= this.recovered.step && !this.currentFault) {
      this.fail(`The GPU device was lost again before the recovered run completed a step (step ${this.recovered.step}); reload the page or train on the CPU backend.`, error);
      return;
    }
    let fresh: Session | null = null;
    try {
      fresh = await this.createInner();
      if (from) await fresh.restore(from);
      if (fresh.spec.loss !== this.selectedLoss) fresh.setLoss(this.selectedLoss);
    } catch (cause) {
      fresh?.dispose();
      this.fail(`Could not continue after the GPU device was lost: ${errorText(cause)}; reload the page or train on the CPU backend.`, error);
      return;
    }
    if (this.currentCondition === 'disposed') {
      fresh.dispose();
      return;
    }
    this.inner = fresh;
    this.attach(fresh);
    const resumeStep = fresh.stepsTaken;
    this.recovered = { session: fresh, step: resumeStep };
    // Metrics of steps the new session will train again would otherwise reach the caller twice.
    this.dropCollectedFrom(resumeStep);
    this.nextUnseenStep = resumeStep;
    // A restored candidate still awaits its own step's metrics, which the new session will produce.
    if (from !== this.candidate) this.candidate = null;
    this.currentCondition = this.currentFault ? 'non-finite' : 'ready';
    this.emit({
      kind: 'recovered',
      resumeStep,
      backend: fresh.backend,
      message:
        `Recovered on a new ${fresh.backend === 'webgpu' ? 'GPU' : 'CPU'} session: training continues from step ${resumeStep}` +
        (resumeStep < lostAtStep ? `; steps ${resumeStep}–${lostAtStep - 1} are trained again.` : '.') +
        (this.currentFault ? ' Training stays stopped at the non-finite metric until you restore.' : ''),
    });
  }

  private fail(message: string, error: SessionError): void {
    if (this.currentCondition === 'disposed') return;
    this.currentCondition = 'failed';
    this.failureMessage = message;
    this.emit({ kind: 'recovery-failed', message });
    this.reportError({ kind: error.kind, message });
  }

  private snapshotDue(): boolean {
    // An unconfirmed candidate is kept until its metrics arrive, so a slow readback cannot leave the guard without one.
    if (this.candidate) return false;
    const since = this.lastGood ? this.lastGood.step : 0;
    return this.inner.stepsTaken - since >= this.snapshotEverySteps && performance.now() - this.lastSnapshotTime >= this.minSnapshotIntervalMs;
  }

  private async takeCandidate(): Promise<void> {
    this.lastSnapshotTime = performance.now();
    const snapshot = await this.inner.snapshot();
    // Parameters that already overflowed cannot be a point to go back to; the metrics will say why.
    if (firstNonFiniteValue(snapshot) === null) this.candidate = snapshot;
    this.confirmCandidate();
  }

  private confirmCandidate(): void {
    // nextUnseenStep only passes steps whose metrics were finite, so this never confirms past a fault.
    if (this.candidate && this.candidate.step < this.nextUnseenStep) {
      this.lastGood = this.candidate;
      this.candidate = null;
    }
  }

  /** Takes the wrapped session's new metrics, checks each, and keeps them for takeMetrics. */
  private async collect(): Promise<void> {
    const session = this.inner;
    if (this.lostSessions.has(session) || this.currentCondition === 'disposed') return;
    const metrics = await session.takeMetrics();
    if (session !== this.inner) return;
    for (const step of metrics) {
      // Later steps continue from diverged parameters; they would only repeat the fault.
      if (this.currentFault) break;
      this.collected.push(step);
      const fault = findNonFinite(step, this.inner.spec);
      if (fault) {
        // Snapshots whose own step came before the fault are good; settle that before reporting what is kept.
        this.confirmCandidate();
        this.stop(fault);
        break;
      }
      this.nextUnseenStep = step.step + 1;
      const norm = { step: step.step, norm: step.globalGradNorm };
      this.firstNorm ??= norm;
      this.latestNorm = norm;
    }
    this.confirmCandidate();
  }

  private stop(fault: NonFiniteFault): void {
    this.currentFault = fault;
    this.currentCondition = 'non-finite';
    // A candidate from after the fault, or confirmed only by the faulty step itself, is not good.
    if (this.candidate && this.candidate.step >= fault.step) this.candidate = null;
    const kept = this.lastGood
      ? `training stopped, the parameters of step ${this.lastGood.step} are kept — Restore to go back`
      : 'training stopped, and no earlier state gave finite metrics — change the learning rate, the network or the data and start again';
    this.emit({
      kind: 'non-finite',
      fault,
      keptStep: this.lastGood ? this.lastGood.step : null,
      message: `Step ${fault.step}: ${describeFault(fault)}; ${kept}. ${this.likelyCause()}`,
    });
  }

  /** The advice after a fault, from what the gradient norm did before it. */
  private likelyCause(): string {
    const lr = this.inner.spec.optimizer.learningRate;
    const first = this.firstNorm;
    const latest = this.latestNorm;
    if (first && latest && first.norm > 0 && latest.norm > DIVERGENCE_GROWTH * first.norm) {
      return (
        `The gradient norm grew from ${formatNumber(first.norm)} at step ${first.step} to ${formatNumber(latest.norm)} at step ${latest.step}: ` +
        `the updates overshot and the weights diverged; lower the learning rate (now ${lr}).`
      );
    }
    return `The gradient norm did not grow beforehand, so look for extreme values in the data, or lower the learning rate (now ${lr}).`;
  }

  /** Resets what the guard knows of the run to a restored snapshot. */
  private restartHistory(snapshot: TrainerSnapshot): void {
    this.dropCollectedFrom(snapshot.step);
    this.nextUnseenStep = snapshot.step;
    this.firstNorm = null;
    this.latestNorm = null;
  }

  private dropCollectedFrom(step: number): void {
    const keep = this.collected.filter((metrics) => metrics.step < step);
    this.collected.splice(0, this.collected.length, ...keep);
  }
}

/** The first non-finite figure of one step's metrics, looked for in the order the step computes them. */
function findNonFinite(metrics: StepMetrics, spec: NetworkSpec): NonFiniteFault | null {
  const layerCount = metrics.gradNormW.length;
  const fault = (metric: GuardedMetric, value: number, layer: number | null): NonFiniteFault => ({ step: metrics.step, metric, layer, layerCount, value });
  for (const loss of LOSS_NAMES) {
    // A loss the output does not allow (cross-entropy of a linear output) is NaN by definition (StepMetrics.losses).
    if (lossAllows(loss, spec.outputActivation) && !Number.isFinite(metrics.losses[loss])) return fault(loss, metrics.losses[loss], null);
  }
  if (!Number.isFinite(metrics.outputDeltaNorm)) return fault('outputDeltaNorm', metrics.outputDeltaNorm, null);
  // Backpropagation runs from the output layer to the input, so the output side is where it starts.
  for (let l = layerCount - 1; l >= 0; l--) {
    if (!Number.isFinite(metrics.gradNormW[l])) return fault('gradNormW', metrics.gradNormW[l], l + 1);
    if (!Number.isFinite(metrics.gradNormB[l])) return fault('gradNormB', metrics.gradNormB[l], l + 1);
  }
  if (!Number.isFinite(metrics.globalGradNorm)) return fault('globalGradNorm', metrics.globalGradNorm, null);
  return null;
}

function describeFault(fault: NonFiniteFault): string {
  const value = String(fault.value);
  switch (fault.metric) {
    case 'outputDeltaNorm':
      return `the output delta ∂L/∂z is ${value}`;
    case 'gradNormW':
      return `the gradient of layer ${fault.layer}'s weights (of ${fault.layerCount} weight layers) is ${value}`;
    case 'gradNormB':
      return `the gradient of layer ${fault.layer}'s biases (of ${fault.layerCount} weight layers) is ${value}`;
    case 'globalGradNorm':
      return `the global gradient norm is ${value}`;
    default:
      return `the ${LOSSES[fault.metric].noun} is ${value}`;
  }
}

/** Where a snapshot holds a value that is not finite, e.g. "parameter 12 = NaN"; null when every value is finite. */
function firstNonFiniteValue(snapshot: TrainerSnapshot): string | null {
  const arrays: [string, Float64Array][] = [['parameter', snapshot.parameters], ...snapshot.optimizerSlots.map((slot, i): [string, Float64Array] => [`optimizer slot ${i} value`, slot])];
  for (const [name, values] of arrays) {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return `${name} ${i} = ${values[i]}`;
  }
  return null;
}

function formatNumber(value: number): string {
  return value >= 1e4 || value < 1e-3 ? value.toExponential(2) : value.toPrecision(3);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
