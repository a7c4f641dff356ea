/**
 * The training loop: a Lit ReactiveController that, once per animation frame, issues a batch of
 * steps to the Session (or to both branches of a forked run, in lockstep) and collects the metrics
 * of steps that have finished. It never waits for the
 * GPU inside a frame: `train` only encodes and submits, `takeMetrics` returns what is ready. The
 * number of steps per frame adapts so the main thread spends a few milliseconds per frame on it;
 * at a set speed the loop issues no more steps than the time since Play allows, and it pauses by
 * itself at a set step. Before each batch it asks its owner how far it may go (a scheduled loss
 * switch lies ahead), so a batch never crosses a step where the run changes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Session, StepMetrics } from '../model/session';
import { ForkedRun } from '../train/fork';
import type { Speed } from './run-settings';

/** Main-thread time per frame the loop aims at, leaving the rest of the frame to drawing and input. */
export const MAIN_THREAD_FRAME_MS = 6;
/**
 * For a session that trains in a worker, train() time is the worker's, not the main thread's: it
 * may then fill most of a 60 Hz frame, and the page stays as responsive.
 */
export const WORKER_FRAME_MS = 14;
/** Never issue more steps per frame than this, however cheap they are. */
const MAX_STEPS_PER_FRAME = 256;
/**
 * Steps that may be issued but not yet finished, in frames' worth. The GPU queue would otherwise
 * grow without bound when the GPU is slower than encoding; this is back-pressure without waiting.
 */
const MAX_FRAMES_IN_FLIGHT = 2;

/** Steps per second measured over this window. */
const RATE_WINDOW_MS = 1000;
/**
 * At a set speed, steps owed for at most this long are kept: a frame that came late (a busy main
 * thread, a slow session) is caught up with, but a tab that slept does not burst on waking.
 */
const MAX_OWED_SECONDS = 0.5;

/** What the loop trains: one session, or the two branches of a forked run in lockstep. */
export type LoopTarget = Session | ForkedRun;

export interface TrainingLoopCallbacks {
  /**
   * Metrics of finished steps, in step order, one list per branch (one list for a session, two for
   * a fork; a list may be empty when its branch finished nothing new). Called at most once per frame.
   */
  onMetrics(metrics: StepMetrics[][]): void;
  /** An error from the session; the loop has paused. */
  onError(error: unknown): void;
  /**
   * Steps are about to be issued from step `from` (Play or Step): does what the run's schedule
   * says for that step (a loss switch) and returns how many steps may be issued before the
   * schedule next changes something (Infinity when nothing).
   */
  beforeSteps(from: number): number;
  /** Play reached the pause step (`pauseAt` steps issued) and the loop paused itself. */
  onPauseStep(step: number): void;
}

export class TrainingLoop implements ReactiveController {
  /** Whether Play is on. */
  running = false;
  /** Steps issued per frame at the moment (adapted every frame). */
  stepsPerFrame = 1;
  /** Finished steps per second over the last second. */
  stepsPerSecond = 0;

  private session: LoopTarget | null = null;
  /** Steps per second to keep to, or null for as many as fit each frame. */
  private speedLimit: number | null = null;
  /** At a set speed: steps owed since the last frame (a fraction carries over), and when that was counted. */
  private owedSteps = 0;
  private owedSince = 0;
  /** The step count Play pauses at, or null. */
  private pauseAt: number | null = null;
  /** Whether this Play pauses at `pauseAt`: it lay ahead when Play was pressed or the step was set. */
  private pauseArmed = false;
  private targetFrameMs = MAIN_THREAD_FRAME_MS;
  private frameHandle = 0;
  private training = false;
  /** The train() call in progress, so a caller can wait for it before retiring the session. */
  private trainingDone: Promise<unknown> = Promise.resolve();
  private takingMetrics = false;
  /** The newest step every branch has finished: what the back-pressure and the rate count. */
  private lastFinishedStep = -1;
  /** Per branch, the newest step it has finished (a branch missing here has finished lastFinishedStep). */
  private branchFinished: number[] = [];
  private readonly finishTimes: { time: number; steps: number }[] = [];

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly callbacks: TrainingLoopCallbacks,
  ) {
    host.addController(this);
  }

  /**
   * The session (or forked run) to drive, and how long one frame's train() may take
   * (MAIN_THREAD_FRAME_MS, or WORKER_FRAME_MS when the steps run in a worker). Replacing it forgets
   * the rate measurements.
   */
  setSession(session: LoopTarget | null, targetFrameMs = MAIN_THREAD_FRAME_MS): void {
    this.session = session;
    this.targetFrameMs = targetFrameMs;
    this.lastFinishedStep = session ? session.stepsTaken - 1 : -1;
    this.branchFinished = [];
    this.finishTimes.length = 0;
    this.stepsPerSecond = 0;
    this.stepsPerFrame = 1;
    this.armPause();
    this.schedule();
  }

  /** The speed to keep to from now on ('max': as many steps as fit each frame). */
  setSpeed(speed: Speed): void {
    const limit = speed === 'max' ? null : speed;
    if (limit === this.speedLimit) return;
    this.speedLimit = limit;
    this.restartOwed();
  }

  /** The step count Play pauses at (null: none); it acts when it lies ahead of the steps issued. */
  setPauseAt(step: number | null): void {
    this.pauseAt = step;
    this.armPause();
  }

  /**
   * The session went back to an earlier step (a restored snapshot, or a device-loss recovery that
   * replayed from one): steps from there on are issued and reported again, so forget which had
   * finished and the rate measured over them.
   */
  rewound(): void {
    this.lastFinishedStep = this.session ? this.session.stepsTaken - 1 : -1;
    this.branchFinished = [];
    this.finishTimes.length = 0;
    this.stepsPerSecond = 0;
    this.armPause();
    this.schedule();
  }

  /** Starts training; at a set pause step that lies ahead, it pauses there by itself. */
  play(): void {
    this.running = true;
    this.armPause();
    this.restartOwed();
    this.schedule();
    this.host.requestUpdate();
  }

  pause(): void {
    this.running = false;
    this.host.requestUpdate();
  }

  /** Resolves once no train() call of this loop is in progress (call after pause()). */
  async idle(): Promise<void> {
    while (this.training) await this.trainingDone.catch(() => undefined);
  }

  /** Issues exactly one step (while paused), and collects its metrics once it has finished. */
  async stepOnce(): Promise<void> {
    const session = this.session;
    if (!session || this.training) return;
    this.training = true;
    try {
      this.callbacks.beforeSteps(session.stepsTaken);
      const done = session.train(1);
      this.trainingDone = done;
      await done;
      await session.flush();
    } catch (error) {
      this.fail(error);
    } finally {
      this.training = false;
    }
    this.schedule();
  }

  hostConnected(): void {
    this.schedule();
  }

  hostDisconnected(): void {
    cancelAnimationFrame(this.frameHandle);
    this.frameHandle = 0;
  }

  private schedule(): void {
    if (this.frameHandle === 0) this.frameHandle = requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    this.frameHandle = 0;
    const session = this.session;
    if (!session) return;
    this.collect(session);
    if (this.running && !this.training) {
      if (this.pauseArmed && this.pauseAt !== null && session.stepsTaken >= this.pauseAt) this.reachPauseStep(this.pauseAt);
      else {
        const inFlight = session.stepsTaken - 1 - this.lastFinishedStep;
        const allowed = this.stepsAllowedNow();
        if (inFlight < MAX_FRAMES_IN_FLIGHT * this.stepsPerFrame && allowed >= 1) this.issue(session, allowed);
      }
    }
    // Keep polling while steps are in flight even after Pause, so their metrics still arrive.
    if (this.running || session.stepsTaken - 1 > this.lastFinishedStep) this.schedule();
  }

  /** Steps the speed allows this frame: what is owed since Play at a set speed, else any number. */
  private stepsAllowedNow(): number {
    if (this.speedLimit === null) return Infinity;
    const now = performance.now();
    const most = Math.max(1, this.speedLimit * MAX_OWED_SECONDS);
    this.owedSteps = Math.min(most, this.owedSteps + (this.speedLimit * (now - this.owedSince)) / 1000);
    this.owedSince = now;
    return Math.floor(this.owedSteps);
  }

  /** From now on, steps are owed at the set speed; one is owed at once, so Play answers without delay. */
  private restartOwed(): void {
    this.owedSteps = 1;
    this.owedSince = performance.now();
  }

  /** Whether Play should pause at the pause step: only when that step lies ahead. */
  private armPause(): void {
    this.pauseArmed = this.pauseAt !== null && this.session !== null && this.pauseAt > this.session.stepsTaken;
  }

  /** The pause step is reached: the loop stops issuing, and its owner shows it once the steps have finished. */
  private reachPauseStep(step: number): void {
    this.running = false;
    this.pauseArmed = false;
    this.host.requestUpdate();
    this.callbacks.onPauseStep(step);
  }

  /** Issues this frame's steps, at most `allowed` (the speed's share), up to the pause step and the schedule's next change. */
  private issue(session: LoopTarget, allowed: number): void {
    const from = session.stepsTaken;
    const untilPause = this.pauseArmed && this.pauseAt !== null ? this.pauseAt - from : Infinity;
    const count = Math.max(1, Math.min(this.stepsPerFrame, allowed, untilPause, this.callbacks.beforeSteps(from)));
    if (this.speedLimit !== null) this.owedSteps -= count;
    const started = performance.now();
    this.training = true;
    const done = session.train(count);
    this.trainingDone = done;
    done.then(
      () => {
        this.training = false;
        if (session !== this.session) return;
        this.adapt(count, performance.now() - started);
      },
      (error: unknown) => {
        this.training = false;
        if (session === this.session) this.fail(error);
      },
    );
  }

  /** Grows or shrinks the steps per frame towards the target time per frame. */
  private adapt(count: number, elapsedMs: number): void {
    if (count !== this.stepsPerFrame) return;
    const target = this.targetFrameMs;
    if (elapsedMs < target * 0.6) this.stepsPerFrame = Math.min(MAX_STEPS_PER_FRAME, Math.ceil(count * 1.25));
    else if (elapsedMs > target * 1.5) this.stepsPerFrame = Math.max(1, Math.floor(count / 1.5));
  }

  private collect(session: LoopTarget): void {
    if (this.takingMetrics) return;
    this.takingMetrics = true;
    const taken = session instanceof ForkedRun ? session.takeMetrics() : session.takeMetrics().then((metrics) => [metrics]);
    taken.then(
      (branches) => {
        this.takingMetrics = false;
        if (session !== this.session || branches.every((metrics) => metrics.length === 0)) return;
        const before = this.lastFinishedStep;
        branches.forEach((metrics, b) => {
          if (metrics.length > 0) this.branchFinished[b] = metrics[metrics.length - 1].step;
        });
        this.lastFinishedStep = Math.min(...branches.map((_, b) => this.branchFinished[b] ?? before));
        if (this.lastFinishedStep > before) this.measureRate(this.lastFinishedStep - before);
        this.callbacks.onMetrics(branches);
        this.schedule();
      },
      (error: unknown) => {
        this.takingMetrics = false;
        if (session === this.session) this.fail(error);
      },
    );
  }

  private measureRate(finished: number): void {
    const now = performance.now();
    this.finishTimes.push({ time: now, steps: finished });
    while (this.finishTimes.length > 1 && now - this.finishTimes[0].time > RATE_WINDOW_MS) this.finishTimes.shift();
    if (this.finishTimes.length < 2) return;
    const span = now - this.finishTimes[0].time;
    const steps = this.finishTimes.slice(1).reduce((sum, entry) => sum + entry.steps, 0);
    this.stepsPerSecond = span > 0 ? (steps * 1000) / span : 0;
  }

  private fail(error: unknown): void {
    this.running = false;
    this.callbacks.onError(error);
    this.host.requestUpdate();
  }
}
