/** Messages between WorkerSession (main thread) and the CPU worker. */
import type { Dataset } from '../model/dataset';
import type { LossName } from '../model/losses';
import type { NetworkSpec } from '../model/spec';
import type { TrainerSnapshot } from '../model/session';

/** A call on the worker's session; `id` pairs it with its reply. */
export type WorkerRequest = { id: number } & (
  | { method: 'create'; spec: NetworkSpec; dataset: Dataset }
  | { method: 'train'; steps: number }
  | { method: 'setLoss'; loss: LossName }
  | { method: 'takeMetrics' }
  | { method: 'snapshot' }
  | { method: 'restore'; snapshot: TrainerSnapshot }
  | { method: 'evaluate'; inputs: Float32Array; count: number }
  | { method: 'dispose' }
);

/** The answer to request `id`: its result, or the message of the error it threw. */
export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string };
