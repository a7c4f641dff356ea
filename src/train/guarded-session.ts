/**
 * GuardedSession: a Session around any Session (GPU or CPU) that survives numerical blow-ups and
 * GPU device loss, built only on the Session interface. This file is the recovery wrapper; it
 * composes the divergence check (src/train/divergence-check.ts: which figure is not finite, in what
 * words, divergence or bad data) and the snapshot keeper (src/train/snapshot-keeper.ts: when to
 * snapshot, which snapshot is good).
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
 * good snapshot once the metrics of steps 0…S have all been seen finite. A snapshot is also taken when the guard is created (step 0 of a fresh run).
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
import { LOSSES, type LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { Dataset } from '../model/dataset';
import type { Session, SessionError, StepMetrics, TrainerSnapshot } from '../model/session';
import { describeFault, findNonFinite, GradientNormTrend, type NonFiniteFault } from './divergence-check';
import { firstNonFiniteValue, SnapshotKeeper, type SnapshotSchedule } from './snapshot-keeper';

// The fault is part of the guard's own API (GuardedSession.fault, the 'non-finite' event).
export type { NonFiniteFault } from './divergence-check';

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

export class GuardedSession implements Session {
  /** Receives errors the guard cannot handle: validation, out-of-memory and internal GPU errors, and a device loss it could not recover from. Unset, they go to console.error. */
  onError: ((error: SessionError) => void) | undefined = undefined;

  private inner: Session;
  private readonly createInner: () => Promise<Session>;
  private readonly onStatus: ((event: GuardEvent) => void) | undefined;
  /** When snapshots are taken, and which one is good to go back to. */
  private readonly snapshots: SnapshotKeeper;
  /** The gradient norms since the last restore, to tell divergence from bad data. */
  private readonly normTrend = new GradientNormTrend();
  private currentCondition: GuardCondition = 'ready';
  private currentFault: NonFiniteFault | null = null;
  private failureMessage = '';
  /** The loss chosen last through setLoss or restore; re-applied after a device loss. */
  private selectedLoss: LossName;
  /** Metrics checked and waiting for takeMetrics. */
  private readonly collected: StepMetrics[] = [];
  /** Serialises calls that change the wrapped session's history (train, restore, recovery). */
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  /** Set while a device loss is being recovered from; calls wait on it. */
  private recovery: Promise<void> | null = null;
  /** Sessions whose device was lost: their late errors and metrics are ignored. */
  private readonly lostSessions = new WeakSet<Session>();
  /** The latest session made by a recovery and the step it resumed at; losing it again before a step completes means recovery does not help. */
  private recovered: { session: Session; step: number } | null = null;

  private constructor(inner: Session, options: GuardedSessionOptions, schedule: SnapshotSchedule) {
    this.inner = inner;
    this.createInner = options.createSession;
    this.onStatus = options.onStatus;
    this.snapshots = new SnapshotKeeper(schedule, inner.stepsTaken);
    this.selectedLoss = inner.spec.loss;
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
    const guard = new GuardedSession(inner, options, { everySteps: every, minIntervalMs: interval });
    try {
      await guard.snapshots.take(inner);
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

  /**
   * The session the guard wraps at present (a new one after each device loss), for reading what a
   * backend reports about itself (src/train/product-plan.ts); training goes through the guard.
   */
  get wrapped(): Session {
    return this.inner;
  }

  /** The newest snapshot whose parameters gave finite metrics; restoreLastGood() goes back to it. Do not modify it. */
  get lastGoodSnapshot(): TrainerSnapshot | null {
    return this.snapshots.lastGood;
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
        if (this.snapshots.due(session.stepsTaken)) await this.snapshots.take(session);
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
      this.dropCollectedFrom(snapshot.step);
      this.snapshots.restored(snapshot);
      this.normTrend.clear();
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
    const lastGood = this.snapshots.lastGood;
    if (!lastGood) {
      throw new Error('no snapshot with finite metrics was kept; change the learning rate, the network or the data and start a new run');
    }
    return this.restore(lastGood);
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
    this.snapshots.clear();
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
    const from = this.snapshots.resumePoint(this.currentFault !== null);
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
    if (this.recovered && this.recovered.session === lost && !this.snapshots.sawFiniteThrough(this.recovered.step) && !this.currentFault) {
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
    this.snapshots.resumed(from, resumeStep);
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
        this.snapshots.faultAt(fault.step);
        this.stop(fault);
        break;
      }
      this.snapshots.sawFinite(step.step);
      this.normTrend.record(step.step, step.globalGradNorm);
    }
    this.snapshots.confirm();
  }

  private stop(fault: NonFiniteFault): void {
    this.currentFault = fault;
    this.currentCondition = 'non-finite';
    const lastGood = this.snapshots.lastGood;
    const kept = lastGood
      ? `training stopped, the parameters of step ${lastGood.step} are kept — Restore to go back`
      : 'training stopped, and no earlier state gave finite metrics — change the learning rate, the network or the data and start again';
    this.emit({
      kind: 'non-finite',
      fault,
      keptStep: lastGood ? lastGood.step : null,
      message: `Step ${fault.step}: ${describeFault(fault)}; ${kept}. ${this.normTrend.likelyCause(this.inner.spec.optimizer.learningRate)}`,
    });
  }

  private dropCollectedFrom(step: number): void {
    const keep = this.collected.filter((metrics) => metrics.step < step);
    this.collected.splice(0, this.collected.length, ...keep);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
