/**
 * A Web Worker that runs the float64 CPU trainer off the main thread: the page's path after a lost GPU,
 * and where the WebAssembly path cannot start.
 * It holds one CpuSession and exposes it through Comlink to WorkerSession (src/train/worker-session.ts).
 * Comlink calls each method as its message arrives, and every CpuSession method does its work before
 * it returns, so calls are handled in the order they were made: a `takeMetrics` after a `train` sees
 * that train's steps.
 */
import * as Comlink from 'comlink';
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import { CpuSession } from './cpu-session';
import { sessionCalls } from './worker-calls';

let session: CpuSession | null = null;

function current(): CpuSession {
  if (!session) throw new Error('the CPU worker has no session: create one first');
  return session;
}

/** What the worker offers the page: the Session calls of its CpuSession, after `create`. */
const cpuWorker = {
  /** Starts a run of `spec` on `dataset`, replacing any earlier one; throws the trainer's message when the spec does not fit. */
  create(spec: NetworkSpec, dataset: Dataset): void {
    session?.dispose();
    session = new CpuSession(spec, dataset);
  },
  ...sessionCalls(current),
};

/** The worker's calls as WorkerSession sees them (Comlink.Remote of this type). */
export type CpuWorker = typeof cpuWorker;

Comlink.expose(cpuWorker);
