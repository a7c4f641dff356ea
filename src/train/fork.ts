/**
 * A run split into two branches from one state, to compare two losses on the same network: the
 * second branch is a new session restored from a snapshot of the first, so both start from
 * bit-identical parameters, optimizer state and step (hence batch order, which follows the step),
 * then each trains with its own loss, in lockstep. Keeping one branch disposes the other.
 */
import { lossProblem, type LossName } from '../model/losses';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';

/** One branch of a forked run. */
export interface Branch {
  /** The loss this branch trains with. */
  loss: LossName;
  /** Its session. */
  session: Session;
}

export class ForkedRun {
  private disposed = false;

  private constructor(
    /** The two branches: the original session first, then the new one. */
    readonly branches: readonly [Branch, Branch],
    /** The state both started from. */
    readonly forkedFrom: TrainerSnapshot,
  ) {}

  /**
   * Forks `session` (after its issued steps are done) into itself, training with `losses[0]`, and a
   * session `makeSession` creates for the same network and data, restored to the same state and
   * training with `losses[1]`. Refuses a loss the output does not allow, before anything is made.
   * Take the session's metrics before forking: what it holds then is reported by branch 0 after.
   */
  static async create(session: Session, makeSession: () => Promise<Session>, losses: readonly [LossName, LossName]): Promise<ForkedRun> {
    for (const loss of losses) {
      const refusal = lossProblem(loss, session.spec.outputActivation);
      if (refusal) throw new Error(`cannot fork with ${loss}: ${refusal}`);
    }
    await session.flush();
    const state = await session.snapshot();
    const other = await makeSession();
    try {
      if (JSON.stringify(other.spec.widths) !== JSON.stringify(session.spec.widths) || other.spec.optimizer.kind !== session.spec.optimizer.kind) {
        throw new Error(`the new branch is [${other.spec.widths.join(', ')}] with ${other.spec.optimizer.kind}, the run [${session.spec.widths.join(', ')}] with ${session.spec.optimizer.kind}: a branch must be the same network`);
      }
      await other.restore(state);
      session.setLoss(losses[0]);
      other.setLoss(losses[1]);
    } catch (error) {
      other.dispose();
      throw error;
    }
    return new ForkedRun([{ loss: losses[0], session }, { loss: losses[1], session: other }], state);
  }

  /** Steps both branches have issued (always equal: they train in lockstep). */
  get stepsTaken(): number {
    return this.branches[0].session.stepsTaken;
  }

  /** Issues `steps` steps on both branches. */
  async train(steps: number): Promise<void> {
    this.assertLive();
    await Promise.all(this.branches.map((branch) => branch.session.train(steps)));
  }

  /** Each branch's metrics completed since the previous call, in branch order. */
  async takeMetrics(): Promise<[StepMetrics[], StepMetrics[]]> {
    this.assertLive();
    const [first, second] = await Promise.all(this.branches.map((branch) => branch.session.takeMetrics()));
    return [first, second];
  }

  /** Waits until both branches' issued steps are done. */
  async flush(): Promise<void> {
    this.assertLive();
    await Promise.all(this.branches.map((branch) => branch.session.flush()));
  }

  /** Ends the fork keeping branch `index`: the other branch's session is disposed, the kept one is returned to train on alone. */
  keep(index: 0 | 1): Session {
    this.assertLive();
    this.disposed = true;
    this.branches[1 - index].session.dispose();
    return this.branches[index].session;
  }

  /** Disposes both branches. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const branch of this.branches) branch.session.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('this fork has ended (a branch was kept, or it was disposed)');
  }
}
