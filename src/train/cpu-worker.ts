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
import type { LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { StepMetrics, TrainerSnapshot } from '../model/session';
import { CpuSession } from './cpu-session';

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
  train(steps: number): Promise<void> {
    return current().train(steps);
  },
  setLoss(loss: LossName): void {
    current().setLoss(loss);
  },
  takeMetrics(): Promise<StepMetrics[]> {
    return current().takeMetrics();
  },
  flush(): Promise<void> {
    return current().flush();
  },
  async snapshot(): Promise<TrainerSnapshot> {
    // The trainer hands out copies, so the page can own them without a second copy.
    const snapshot = await current().snapshot();
    return Comlink.transfer(snapshot, [snapshot.parameters.buffer, ...snapshot.optimizerSlots.map((slot) => slot.buffer)]);
  },
  restore(snapshot: TrainerSnapshot): Promise<void> {
    return current().restore(snapshot);
  },
  async evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    const outputs = await current().evaluate(inputs, count);
    return Comlink.transfer(outputs, [outputs.buffer]);
  },
};

/** The worker's calls as WorkerSession sees them (Comlink.Remote of this type). */
export type CpuWorker = typeof cpuWorker;

Comlink.expose(cpuWorker);
