/**
 * The snapshot keeper of a guarded run (GuardedSession, src/train/guarded-session.ts): decides when
 * a snapshot is due, and which snapshot is good to go back to.
 *
 * A snapshot is due every `everySteps` steps, but no sooner than `minIntervalMs` after the previous
 * one, and never while a candidate is unconfirmed. The snapshot of step S is a candidate while every
 * value in it is finite, and becomes the last good snapshot once the metrics of steps 0…S (S being
 * computed with exactly these parameters) have all been seen finite. A new candidate is taken only
 * after the previous one was confirmed, so at most two snapshots are held.
 */
import type { Session, TrainerSnapshot } from '../model/session';

/** When snapshots are taken. */
export interface SnapshotSchedule {
  /** Steps between snapshots, counted from the last good one (whole number ≥ 1). */
  everySteps: number;
  /** Milliseconds between snapshots at least (≥ 0), so a fast GPU run is not drained every frame. */
  minIntervalMs: number;
}

export class SnapshotKeeper {
  /** Newest snapshot whose own step's metrics were seen finite. */
  private confirmed: TrainerSnapshot | null = null;
  /** Newest snapshot with finite values whose step's metrics have not arrived yet. */
  private candidate: TrainerSnapshot | null = null;
  /** Steps since the run started or was restored whose metrics were all finite end here (exclusive). */
  private nextUnseenStep: number;
  /** performance.now() when the last snapshot was taken. */
  private lastSnapshotTime = -Infinity;

  /** Keeps snapshots of a run whose metrics from `firstStep` on are still to be seen. */
  constructor(
    private readonly schedule: SnapshotSchedule,
    firstStep: number,
  ) {
    this.nextUnseenStep = firstStep;
  }

  /** The newest snapshot whose parameters gave finite metrics, or null. */
  get lastGood(): TrainerSnapshot | null {
    return this.confirmed;
  }

  /** Whether a snapshot should be taken before a session that has issued `stepsTaken` steps trains on. */
  due(stepsTaken: number): boolean {
    // An unconfirmed candidate is kept until its metrics arrive, so a slow readback cannot leave the guard without one.
    if (this.candidate) return false;
    const since = this.confirmed ? this.confirmed.step : 0;
    return stepsTaken - since >= this.schedule.everySteps && performance.now() - this.lastSnapshotTime >= this.schedule.minIntervalMs;
  }

  /** Takes a snapshot of `session` and keeps it as the candidate when every value in it is finite. */
  async take(session: Session): Promise<void> {
    this.lastSnapshotTime = performance.now();
    const snapshot = await session.snapshot();
    // Parameters that already overflowed cannot be a point to go back to; the metrics will say why.
    if (firstNonFiniteValue(snapshot) === null) this.candidate = snapshot;
    this.confirm();
  }

  /** The metrics of `step` were all finite (call in step order). */
  sawFinite(step: number): void {
    this.nextUnseenStep = step + 1;
  }

  /** Whether the metrics of every step up to `step` were seen finite. */
  sawFiniteThrough(step: number): boolean {
    return this.nextUnseenStep > step;
  }

  /** Makes the candidate the last good snapshot once the metrics of its own step were seen finite. */
  confirm(): void {
    // nextUnseenStep only passes steps whose metrics were finite, so this never confirms past a fault.
    if (this.candidate && this.candidate.step < this.nextUnseenStep) {
      this.confirmed = this.candidate;
      this.candidate = null;
    }
  }

  /** The metrics of `step` were not finite: a candidate from before it is good, one from it or after is not. */
  faultAt(step: number): void {
    this.confirm();
    if (this.candidate && this.candidate.step >= step) this.candidate = null;
  }

  /**
   * The snapshot a new session continues from after a device loss: the newest one, the unconfirmed
   * candidate too (a device loss says nothing against its numbers); after a non-finite stop
   * (`stopped`), only the last good one. Null when there is none.
   */
  resumePoint(stopped: boolean): TrainerSnapshot | null {
    return stopped ? this.confirmed : (this.candidate ?? this.confirmed);
  }

  /** A new session continues at `step` from `from` (resumePoint's answer); metrics from `step` on are to be seen again. */
  resumed(from: TrainerSnapshot | null, step: number): void {
    this.nextUnseenStep = step;
    // A restored candidate still awaits its own step's metrics, which the new session will produce.
    if (from !== this.candidate) this.candidate = null;
  }

  /** The run was restored to `snapshot`, which becomes the last good one. */
  restored(snapshot: TrainerSnapshot): void {
    this.nextUnseenStep = snapshot.step;
    this.confirmed = snapshot;
    this.candidate = null;
  }

  /** Lets go of every snapshot (the guard was disposed). */
  clear(): void {
    this.confirmed = null;
    this.candidate = null;
  }
}

/** Where a snapshot holds a value that is not finite, e.g. "parameter 12 = NaN"; null when every value is finite. */
export function firstNonFiniteValue(snapshot: TrainerSnapshot): string | null {
  const arrays: [string, Float64Array][] = [['parameter', snapshot.parameters], ...snapshot.optimizerSlots.map((slot, i): [string, Float64Array] => [`optimizer slot ${i} value`, slot])];
  for (const [name, values] of arrays) {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return `${name} ${i} = ${values[i]}`;
  }
  return null;
}
