/**
 * An evaluation that runs beside training at a limited rate: one at a time, as an @lit/task Task
 * (which re-renders the host when it starts and when it lands). An unforced request runs only when
 * the job's rate rule says it is due; a forced one (a new run, a pause, a rewind) always runs, and
 * when one is already running it runs right after it. A result whose run was replaced meanwhile is
 * dropped, and a failure is handed to the job to report.
 */
import { Task, TaskStatus } from '@lit/task';
import type { ReactiveControllerHost } from 'lit';

/** When the last evaluation started, and how long the last unforced one took. */
interface LastEvaluation {
  /** Steps the session had taken when it started (-Infinity before the first, or once forgotten). */
  step: number;
  /** performance.now() when it started (0 before the first). */
  time: number;
  /** Milliseconds the last unforced one took until its result was shown (0 before one has). */
  duration: number;
}

/** What one kind of evaluation does; `C` is what it evaluates (the session and its data), `R` its result. */
interface EvaluationJob<C, R> {
  /** What to evaluate now, or null when there is nothing to (no run yet, no test rows). */
  capture(): C | null;
  /** Steps the session in `context` has taken. */
  stepOf(context: C): number;
  /** The rate rule: whether an unforced evaluation at `step`, at time `now`, is due after `last`. */
  isDue(last: Readonly<LastEvaluation>, step: number, now: number): boolean;
  /** The evaluation itself. */
  evaluate(context: C): Promise<R>;
  /** Whether `context` still is the page's run; a result for a replaced one is dropped. */
  isCurrent(context: C): boolean;
  /** Shows a result of the page's run. */
  show(result: R, context: C): void;
  /** Reports a failed evaluation (or stays silent where the failure is someone else's news). */
  fail(error: unknown, context: C): void;
}

export class ThrottledEvaluator<C, R> {
  private readonly last: LastEvaluation = { step: -Infinity, time: 0, duration: 0 };
  /** A forced request arrived while one was running: run it as soon as that one ends. */
  private forcedWaiting = false;
  private readonly task: Task<[C, boolean, number], R | null>;

  constructor(
    host: ReactiveControllerHost,
    private readonly job: EvaluationJob<C, R>,
  ) {
    this.task = new Task(host, {
      autoRun: false,
      task: async ([context, force, started]) => {
        try {
          const result = await job.evaluate(context);
          if (!job.isCurrent(context)) return null;
          job.show(result, context);
          // A forced evaluation (a new run) includes compiling the evaluation pipelines: not its usual cost.
          if (!force) this.last.duration = performance.now() - started;
          return result;
        } catch (error) {
          job.fail(error, context);
          throw error;
        }
      },
    });
  }

  /** Evaluates now if forced or due (see the file comment); resolves once this request's evaluation has landed. */
  async request(force: boolean): Promise<void> {
    const context = this.job.capture();
    if (!context) return;
    if (this.task.status === TaskStatus.PENDING) {
      this.forcedWaiting ||= force;
      return;
    }
    const now = performance.now();
    const step = this.job.stepOf(context);
    if (!force && !this.job.isDue(this.last, step, now)) return;
    this.last.step = step;
    this.last.time = now;
    await this.task.run([context, force, now]);
    if (this.forcedWaiting) {
      this.forcedWaiting = false;
      void this.request(true);
    }
  }

  /** Forgets the steps evaluated from `step` on (the run went back there; every step when none is given), so they count as new again. */
  forgetFrom(step = -Infinity): void {
    this.last.step = Math.min(this.last.step, step);
  }
}
