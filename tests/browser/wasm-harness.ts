/**
 * The page the WebAssembly worker tests drive: it opens WasmWorkerSessions (the trainer's worker
 * and its helper workers) from cases sent by Node, runs them, and returns what they computed. It
 * computes no expected values; Node compares with the float64 reference.
 */
import { WasmWorkerSession } from '../../src/train/wasm-worker-session';
import { datasetOf, decodeFloat64, type HarnessCase, type SessionCaseResult } from './gpu-wire';
import { runSessionCase } from './session-case';

/** One case as the workers computed it. */
export interface WorkerCaseResult {
  /** What the session computed. */
  result: SessionCaseResult;
  /** Threads the session computed with. */
  threads: number;
  /** Why it ran on one thread although more were asked for, or null. */
  singleThreadReason: string | null;
}

/** What a session saw of a worker that failed after create() (see WasmHarness.crashAfterCreate). */
export interface CrashOutcome {
  /** Metrics records of the steps before the crash. */
  before: number;
  /** What onError received, in order. */
  reported: { kind: string; message: string }[];
  /** How a train() sent after the crash settled: its rejection's message, or 'resolved'. */
  pending: string;
  /** How takeMetrics, snapshot, evaluate and flush settled after it. */
  later: string[];
}

/**
 * A Worker constructor that loads the real script plus a listener that lets an error escape the
 * worker (outside any call) when it receives "crash", as a bug in it would; `created` collects the
 * workers it made. Only the page's own workers go through it: the trainer's worker starts its
 * helpers with its own constructor.
 */
function crashableWorker(created: Worker[]): typeof Worker {
  const Real = Worker;
  return class extends Real {
    constructor(url: string | URL, options?: WorkerOptions) {
      const script = `import '${new URL(url, location.href).href}';
self.addEventListener('message', (event) => { if (event.data === 'crash') throw new Error('worker crashed on purpose'); });`;
      super(URL.createObjectURL(new Blob([script], { type: 'text/javascript' })), options);
      created.push(this);
    }
  };
}

/** What the Node side calls through page.evaluate. */
export interface WasmHarness {
  /**
   * Opens a session of `input` on `threads` workers whose trainer's worker fails after three steps
   * (an error escapes it), with an onError listener, and reports what the session did.
   */
  crashAfterCreate(input: HarnessCase, threads: number): Promise<CrashOutcome>;
  /** The message create() rejects with when the trainer's worker script does not load. */
  createWithoutScript(input: HarnessCase): Promise<string>;
  /** Whether this page is cross-origin isolated (SharedArrayBuffer available). */
  isolated(): boolean;
  /** Runs the cases one after another, each in a new session asking for `threads` threads (null: the default). */
  runCases(cases: HarnessCase[], threads: number | null): Promise<WorkerCaseResult[]>;
}

declare global {
  interface Window {
    wasmHarness: WasmHarness;
  }
}

async function runCase(input: HarnessCase, threads: number | null): Promise<WorkerCaseResult> {
  const session = await WasmWorkerSession.create(input.spec, datasetOf(input), {
    ...(threads === null ? {} : { threads }),
    initialParameters: decodeFloat64(input.initialParameters),
  });
  try {
    const result = await runSessionCase(session, input, () => session.readGradient());
    return { result, threads: session.threads, singleThreadReason: session.singleThreadReason };
  } finally {
    session.dispose();
  }
}

/** Runs `body` with `replacement` as the page's Worker constructor, then puts the real one back. */
async function withWorker<T>(replacement: typeof Worker, body: () => Promise<T>): Promise<T> {
  const real = window.Worker;
  window.Worker = replacement;
  try {
    return await body();
  } finally {
    window.Worker = real;
  }
}

const settle = (promise: Promise<unknown>): Promise<string> => promise.then(
  () => 'resolved',
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);

window.wasmHarness = {
  isolated: () => crossOriginIsolated,
  async crashAfterCreate(input, threads) {
    const created: Worker[] = [];
    const session = await withWorker(crashableWorker(created), () => WasmWorkerSession.create(input.spec, datasetOf(input), { threads }));
    const reported: CrashOutcome['reported'] = [];
    session.onError = (error) => reported.push({ ...error });
    try {
      await session.train(3);
      const before = (await session.takeMetrics()).length;
      created.at(-1)!.postMessage('crash');
      const pending = await settle(session.train(1_000_000));
      const later = [
        await settle(session.takeMetrics()),
        await settle(session.snapshot()),
        await settle(session.evaluate(new Float32Array(input.inputSize), 1)),
        await settle(session.flush()),
      ];
      return { before, reported, pending, later };
    } finally {
      session.dispose();
    }
  },
  createWithoutScript(input) {
    class MissingScript extends Worker {
      constructor(_url: string | URL, options?: WorkerOptions) {
        super(`${location.origin}/no-such-worker-script-for-this-test.js`, options);
      }
    }
    return withWorker(MissingScript, () => settle(WasmWorkerSession.create(input.spec, datasetOf(input), { threads: 1 })));
  },
  async runCases(cases, threads) {
    const results: WorkerCaseResult[] = [];
    for (const testCase of cases) {
      try {
        results.push(await runCase(testCase, threads));
      } catch (error) {
        throw new Error(`case ${testCase.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return results;
  },
};
