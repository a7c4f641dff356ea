/**
 * The evaluations beside training: the loss and accuracy on test rows (for the test curves), and
 * the views of the network's outputs (the saturation batch, the decision boundary or the digit
 * strip). Each is a ThrottledEvaluator with its own rate rule; both evaluate through the run, which
 * keeps a session alive until they are done. A forked run has both evaluated for each branch, at
 * the same steps, each test evaluation going into its branch's history.
 */
import type { ReactiveControllerHost } from 'lit';
import type { Dataset } from '../model/dataset';
import type { GuardedSession } from '../train/guarded-session';
import { boundaryGrid, DIGIT_STRIP_COUNT } from './boundary-panel';
import { scoreOutputs } from '../model/scoring';
import type { MetricsHistory, TestEvaluation } from './metrics-history';
import type { RunController, RunStart } from './run-controller';
import { ThrottledEvaluator } from './throttled-evaluator';

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

/**
 * Whether the branches an evaluation captured are still the run's: the same sessions, and the same
 * histories when `histories` (a test evaluation belongs to a history; a view only to the weights).
 */
function sameBranches(captured: readonly BranchContext[], now: readonly BranchContext[], histories: boolean): boolean {
  return captured.length === now.length && captured.every((branch, b) => branch.session === now[b].session && (!histories || branch.history === now[b].history));
}

/** Rows [0, count) of a row-major array of `width` columns. */
function firstRows(values: Float32Array, width: number, count: number): Float32Array {
  return values.subarray(0, count * width);
}

/** One branch as an evaluation found it (the run itself when it is not forked). */
interface BranchContext {
  /** The session it evaluates. */
  session: GuardedSession;
  /** The branch's history, where a test evaluation is recorded. */
  history: MetricsHistory;
}

/** The run as an evaluation found it when it started. */
interface RunContext {
  /** What is evaluated: the run, or a fork's branches in order. */
  branches: BranchContext[];
  /** Steps the sessions had taken: the weights evaluated. */
  step: number;
  /** The sessions' dataset. */
  dataset: Dataset;
  /** Device losses the run had seen: a failure after another one is the guard's news, not the evaluation's. */
  deviceLosses: number;
}

/** What the views show of one branch (of the run, when it is not forked). */
export interface BranchViews {
  /** The branch's newest test evaluation; null before the first. */
  latestTest: TestEvaluation | null;
  /** Outputs and targets of the saturation batch; null until a run's first refresh. */
  saturation: ViewOutputs['saturation'] | null;
  /** Outputs on the decision-boundary grid; null until drawn for the current dataset. */
  gridOutputs: Float32Array | null;
  /** Outputs for the digit strip; null until drawn for the current dataset. */
  digitOutputs: Float32Array | null;
}

function emptyViews(): BranchViews {
  return { latestTest: null, saturation: null, gridOutputs: null, digitOutputs: null };
}

/** The network's outputs the views draw. */
interface ViewOutputs {
  /** Outputs and targets of the saturation batch. */
  saturation: { outputs: Float32Array; targets: Float32Array };
  /** Outputs on the decision-boundary grid, for 2-D inputs. */
  gridOutputs: Float32Array | null;
  /** Outputs for the digit strip, for image inputs. */
  digitOutputs: Float32Array | null;
}

/**
 * Both evaluations of the run and what they last showed. The controllers on the host are their
 * @lit/task Tasks, which re-render it as each evaluation starts and lands.
 */
export class RunEvaluation {
  /** What the views show, per branch of a forked run (one entry for a run that is not forked). */
  branchViews: BranchViews[] = [emptyViews()];

  private readonly test: ThrottledEvaluator<RunContext, TestEvaluation[]>;
  private readonly views: ThrottledEvaluator<RunContext, ViewOutputs[]>;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly run: RunController,
  ) {
    const isCurrent = (context: RunContext) => sameBranches(context.branches, run.branches, true);
    this.test = new ThrottledEvaluator(host, {
      capture: () => {
        const context = this.capture();
        return context && context.dataset.testCount > 0 ? context : null;
      },
      stepOf: (context) => context.step,
      isDue: (last, step, now) => step - last.step >= TEST_EVERY_STEPS && now - last.time >= TEST_MIN_MS,
      evaluate: ({ branches, step, dataset }) =>
        Promise.all(
          branches.map(async ({ session }) => {
            const rows = Math.min(TEST_ROWS, dataset.testCount);
            const outputs = await run.evaluate(session, firstRows(dataset.testX, dataset.inputSize, rows), rows);
            return { step, ...scoreOutputs(session.spec.outputActivation, outputs, dataset.testY, rows, dataset.outputSize, dataset.classNames !== undefined) };
          }),
        ),
      isCurrent,
      show: (evaluations, { branches }) => {
        evaluations.forEach((evaluation, b) => {
          this.viewsOf(b).latestTest = evaluation;
          branches[b].history.addTest(evaluation);
        });
        run.historyChanged();
      },
      fail: (error, { branches, deviceLosses }) => run.reportFailure('Test evaluation', error, branches[0].session, deviceLosses),
    });
    this.views = new ThrottledEvaluator(host, {
      capture: () => this.capture(),
      stepOf: (context) => context.step,
      isDue: (last, step, now) => step !== last.step && now - last.time >= Math.max(VIEW_REFRESH_MS, Math.min(VIEW_REFRESH_MAX_MS, EVALUATION_DUTY_FACTOR * last.duration)),
      evaluate: ({ branches, dataset }) =>
        Promise.all(
          branches.map(async ({ session }): Promise<ViewOutputs> => {
            const rows = Math.min(SATURATION_ROWS, dataset.trainCount);
            const outputs = await run.evaluate(session, firstRows(dataset.trainX, dataset.inputSize, rows), rows);
            const saturation = { outputs, targets: firstRows(dataset.trainY, dataset.outputSize, rows) };
            if (dataset.imageShape) {
              const count = Math.min(DIGIT_STRIP_COUNT, dataset.testCount);
              return { saturation, gridOutputs: null, digitOutputs: await run.evaluate(session, firstRows(dataset.testX, dataset.inputSize, count), count) };
            }
            if (dataset.inputSize === 2) {
              const { inputs } = boundaryGrid(dataset);
              return { saturation, gridOutputs: await run.evaluate(session, inputs, inputs.length / 2), digitOutputs: null };
            }
            return { saturation, gridOutputs: null, digitOutputs: null };
          }),
        ),
      // The views draw the weights, whatever became of the history since.
      isCurrent: (context) => sameBranches(context.branches, run.branches, false),
      show: (outputs) => {
        outputs.forEach((output, b) => {
          const views = this.viewsOf(b);
          views.saturation = output.saturation;
          // A dataset draws either a boundary or digits; the other view keeps what it had.
          views.gridOutputs = output.gridOutputs ?? views.gridOutputs;
          views.digitOutputs = output.digitOutputs ?? views.digitOutputs;
        });
      },
      fail: (error, { branches, deviceLosses }) => run.reportFailure("Drawing the network's outputs", error, branches[0].session, deviceLosses),
    });
  }

  /** New steps were recorded: evaluate whichever is due. */
  stepsAdded(): void {
    void this.test.request(false);
    void this.views.request(false);
  }

  /**
   * A run started: a new history forgets the test evaluations and the views, a new dataset the
   * boundary and digits; a history that goes on forgets what came after the step it goes on from.
   * Then both evaluate the new run's weights.
   */
  runStarted(start: RunStart): void {
    const views = this.branchViews[0];
    this.branchViews = [views];
    if (start.newDataset) {
      views.gridOutputs = null;
      views.digitOutputs = null;
    }
    if (start.newHistory) {
      views.latestTest = null;
      views.saturation = null;
      this.test.forgetFrom();
    } else {
      views.latestTest = this.run.history?.tests.at(-1) ?? null;
      this.test.forgetFrom(start.step);
    }
    this.views.forgetFrom();
    this.host.requestUpdate();
    void this.views.request(true);
    void this.test.request(true);
  }

  /** The run went back to `step`: the test curve keeps what was evaluated up to there, and both evaluate the weights there. */
  rewound(step: number): void {
    this.branchViews[0].latestTest = this.run.history?.tests.at(-1) ?? null;
    this.test.forgetFrom(step);
    this.host.requestUpdate();
    void this.views.request(true);
    void this.test.request(true);
  }

  /**
   * The run was forked (`kept` null): the second branch shows what the first did until its own
   * views land (both have the same weights). Or a fork ended keeping branch `kept`: its views stay.
   * Both evaluations then run for the branches as they are now.
   */
  forkChanged(kept: number | null): void {
    this.branchViews = kept === null ? [this.branchViews[0], { ...this.branchViews[0] }] : [this.viewsOf(kept)];
    this.host.requestUpdate();
    void this.views.request(true);
    void this.test.request(true);
  }

  /** Training paused: the test score and the views of the weights as they stand. */
  async refreshNow(): Promise<void> {
    await Promise.all([this.test.request(true), this.views.request(true)]);
  }

  private capture(): RunContext | null {
    const branches = this.run.branches.map(({ session, history }) => ({ session, history }));
    const dataset = this.run.state.dataset;
    return branches.length > 0 && dataset ? { branches, step: branches[0].session.stepsTaken, dataset, deviceLosses: this.run.deviceLosses } : null;
  }

  /** The views of branch b, made empty when it has none yet. */
  private viewsOf(b: number): BranchViews {
    return (this.branchViews[b] ??= emptyViews());
  }
}
