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

/** What the Node side calls through page.evaluate. */
export interface WasmHarness {
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

window.wasmHarness = {
  isolated: () => crossOriginIsolated,
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
