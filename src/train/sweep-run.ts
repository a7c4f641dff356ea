/**
 * Training a sweep (src/model/sweep.ts): its runs split into groups of one network shape, each
 * group one replica session (GPU or CPU), the groups trained one after the other, every run's batch
 * MSE recorded in the sweep's summaries as its metrics come back. Nothing waits for the GPU but the
 * end of a group. The page's Sweep view advances it a little every frame; the headless script
 * advances it until it is done.
 */
import type { Dataset } from '../model/dataset';
import type { ReplicaSession } from '../model/replicas';
import type { SessionError } from '../model/session';
import type { NetworkSpec } from '../model/spec';
import {
  SweepSummaries,
  sweepCells,
  sweepGroups,
  sweepRuns,
  validateSweepFor,
  validateSweepSetup,
  type SweepCell,
  type SweepGroup,
  type SweepRunPlan,
  type SweepSetup,
} from '../model/sweep';
import type { ValidationProblem } from '../model/validate';
import { ReplicaCapacityError } from '../gpu/replica-trainer';
import { checkReplicaSession, createReplicaSession } from './replica-session';

/** What a sweep trains, and where. */
export interface SweepRunOptions {
  /** The grid, steps, seeds per cell and threshold. */
  setup: SweepSetup;
  /** The network every cell varies. */
  base: NetworkSpec;
  /** The data every run trains on. */
  dataset: Dataset;
  /** Where the replicas train. */
  backend: 'webgpu' | 'cpu';
}

/** A sweep refused before anything trained: every problem, each under the field of the sweep form it concerns. */
export class SweepRefusal extends Error {
  constructor(readonly problems: ValidationProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
    this.name = 'SweepRefusal';
  }
}

/** Main-thread milliseconds one advance aims at: the CPU path trains inside train(), the GPU path only encodes. */
const ADVANCE_BUDGET_MS = 8;

export class SweepRun {
  /** The grid's cells, row by row. */
  readonly cells: SweepCell[];
  /** Every run, in run order. */
  readonly runs: SweepRunPlan[];
  /** The runs by network shape: each trained by one replica session. */
  readonly groups: SweepGroup[];
  /** What every run's batch MSE has shown so far. */
  readonly summaries: SweepSummaries;
  /** Receives failures the GPU reports after the call that caused them (device loss, validation errors); unset, they are logged. */
  onError: ((error: SessionError) => void) | undefined = undefined;
  private groupIndex = 0;
  /** The advance in progress, so dispose waits for it. */
  private inFlight: Promise<void> = Promise.resolve();
  private session: ReplicaSession | null;
  private stepsIssued = 0;
  private stepsPerAdvance = 1;
  private recordedSteps = 0;
  private disposed = false;

  private constructor(
    /** What it trains, and where. */
    readonly options: SweepRunOptions,
    cells: SweepCell[],
    runs: SweepRunPlan[],
    groups: SweepGroup[],
    first: ReplicaSession,
  ) {
    this.cells = cells;
    this.runs = runs;
    this.groups = groups;
    this.session = this.watched(first);
    this.summaries = new SweepSummaries(runs.length, options.setup.steps, options.setup.threshold);
  }

  /**
   * Checks the setup, its cells against the network and data, and every group against the
   * backend's limits, then opens the first group's session. Throws a SweepRefusal naming each
   * problem's field (a group over the limits under seedsPerCell, which sets the replica count),
   * having trained and kept nothing.
   */
  static async start(options: SweepRunOptions): Promise<SweepRun> {
    const { setup, base, dataset, backend } = options;
    const problems = validateSweepSetup(setup);
    if (problems.length === 0) problems.push(...validateSweepFor(setup, base, dataset));
    if (problems.length > 0) throw new SweepRefusal(problems);
    const cells = sweepCells(setup, base);
    const runs = sweepRuns(setup, cells);
    const groups = sweepGroups(runs);
    const sessionOptions = (group: SweepGroup) => ({ shape: group.shape, replicas: group.replicas, dataset, backend });
    try {
      for (const group of groups) await checkReplicaSession(sessionOptions(group));
    } catch (error) {
      // Too large a network is the axis that sets its size (or the network itself); too many replicas, the seeds per cell that multiply them.
      const sizeAxis = (['x', 'y'] as const).find((axis) => setup[axis].setting === 'hiddenWidth' || setup[axis].setting === 'batchSize');
      const field = error instanceof ReplicaCapacityError && error.exceeds === 'network' ? (sizeAxis ? `${sizeAxis}.to` : 'network') : 'seedsPerCell';
      throw new SweepRefusal([{ field, message: `${error instanceof Error ? error.message : String(error)}.` }]);
    }
    const first = await createReplicaSession(sessionOptions(groups[0]));
    return new SweepRun(options, cells, runs, groups, first);
  }

  /** Steps of every run, summed, that have reported. */
  get replicaStepsDone(): number {
    return this.recordedSteps;
  }

  /** Steps of every run the whole sweep trains. */
  get totalReplicaSteps(): number {
    return this.runs.length * this.options.setup.steps;
  }

  /** Whether every run has trained and reported every step. */
  get finished(): boolean {
    return this.recordedSteps === this.totalReplicaSteps;
  }

  /** Which group trains now (0-based), and of how many. */
  get groupProgress(): { group: number; of: number } {
    return { group: Math.min(this.groupIndex, this.groups.length - 1), of: this.groups.length };
  }

  /**
   * Issues the next steps of the group in training (as many as fit ADVANCE_BUDGET_MS, measured as
   * it goes) and records the metrics that have come back. A group whose steps are all issued is
   * waited for, recorded, disposed, and the next one opened. Does nothing once finished.
   */
  async advance(): Promise<void> {
    const advancing = this.inFlight.then(() => this.advanceOnce());
    this.inFlight = advancing.catch(() => undefined);
    await advancing;
  }

  private async advanceOnce(): Promise<void> {
    const session = this.session;
    if (this.disposed || this.finished || !session) return;
    const steps = Math.min(this.stepsPerAdvance, this.options.setup.steps - this.stepsIssued);
    const start = performance.now();
    await session.train(steps);
    const elapsed = performance.now() - start;
    this.stepsIssued += steps;
    if (elapsed < ADVANCE_BUDGET_MS / 2) this.stepsPerAdvance = Math.min(this.stepsPerAdvance * 2, 1024);
    else if (elapsed > ADVANCE_BUDGET_MS && this.stepsPerAdvance > 1) this.stepsPerAdvance = Math.ceil(this.stepsPerAdvance / 2);
    await this.collect(session);
    if (this.stepsIssued < this.options.setup.steps || this.disposed) return;
    await session.flush();
    await this.collect(session);
    session.dispose();
    this.session = null;
    this.groupIndex++;
    this.stepsIssued = 0;
    if (this.groupIndex < this.groups.length) {
      const group = this.groups[this.groupIndex];
      this.session = this.watched(await createReplicaSession({ shape: group.shape, replicas: group.replicas, dataset: this.options.dataset, backend: this.options.backend }));
    }
  }

  /** `session`, its asynchronous failures passed on to onError. */
  private watched(session: ReplicaSession): ReplicaSession {
    session.onError = (error) => {
      if (this.onError) this.onError(error);
      else console.error(`WebGPU ${error.kind}: ${error.message}`);
    };
    return session;
  }

  /** Records the batch MSE of every step the group in training has completed. */
  private async collect(session: ReplicaSession): Promise<void> {
    const runs = this.groups[this.groupIndex].runs;
    for (const block of await session.takeMetrics()) {
      const mse = block.losses.mse;
      for (let replica = 0; replica < runs.length; replica++) this.summaries.record(runs[replica], mse[replica]);
      this.recordedSteps += runs.length;
    }
  }

  /** Waits for the steps in flight and frees the group in training; the sweep cannot go on afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.inFlight;
    const session = this.session;
    this.session = null;
    if (session) {
      await session.flush().catch(() => undefined);
      session.dispose();
    }
  }
}
