/**
 * The page the GPU replica tests drive: it builds GPU replica sessions from cases sent by Node,
 * trains them, and returns what they computed. It computes no expected values; Node compares each
 * replica with the CPU path.
 */
import { describeGpuAdapter, type GpuAdapterReport } from '../../src/gpu/device';
import type { ReplicaForm } from '../../src/gpu/kernels';
import type { Dataset } from '../../src/model/dataset';
import type { LossName } from '../../src/model/losses';
import { replicaStep, type ReplicaSettings } from '../../src/model/replicas';
import type { NetworkSpec } from '../../src/model/spec';
import { GpuReplicaSession } from '../../src/train/replica-session';
import { decodeFloat32, encodeArray, type HarnessResult } from './gpu-wire';

/** One replica run the page performs. */
export interface ReplicaCase {
  /** Name used in failure messages. */
  name: string;
  /** The shape every replica shares. */
  shape: NetworkSpec;
  /** Each replica's settings. */
  replicas: ReplicaSettings[];
  /** Features per sample. */
  inputSize: number;
  /** Targets per sample. */
  outputSize: number;
  /** Training samples. */
  trainCount: number;
  /** Training inputs, base64 of a Float32Array [trainCount, inputSize]. */
  trainX: string;
  /** Training targets, base64 of a Float32Array [trainCount, outputSize]. */
  trainY: string;
  /** Steps in all. */
  steps: number;
  /** The form to force, or null to let the trainer choose. */
  form: ReplicaForm | null;
  /** A loss switch of one replica, from step `at` on; null for none. */
  switchLoss: { replica: number; at: number; loss: LossName } | null;
}

/** What the page measured for a case. */
export interface ReplicaResult {
  /** The form that ran. */
  form: ReplicaForm;
  /** Steps per submission. */
  stepsPerSubmission: number;
  /** Every replica's metrics of every step, replica by replica (losses NaN → null). */
  metrics: HarnessResult['metrics'][];
  /** Every replica's parameters before the first step: base64 Float64Array of R·P, replica after replica. */
  initialParameters: string;
  /** Every replica's parameters after the last step, laid out the same. */
  finalParameters: string;
}

/** What the Node side calls through page.evaluate. */
export interface ReplicaHarness {
  /** The adapter the sessions run on. */
  adapter(): Promise<GpuAdapterReport | null>;
  /** Trains the case and reports every replica's metrics and parameters. */
  run(input: ReplicaCase): Promise<ReplicaResult>;
  /** The error GpuReplicaSession.create throws for the case, or null when it builds. */
  creationError(input: ReplicaCase): Promise<string | null>;
}

declare global {
  interface Window {
    replicaHarness: ReplicaHarness;
  }
}

function datasetOf(input: ReplicaCase): Dataset {
  return {
    name: input.name,
    inputSize: input.inputSize,
    outputSize: input.outputSize,
    trainX: decodeFloat32(input.trainX),
    trainY: decodeFloat32(input.trainY),
    trainCount: input.trainCount,
    testX: new Float32Array(0),
    testY: new Float32Array(0),
    testCount: 0,
  };
}

function open(input: ReplicaCase): Promise<GpuReplicaSession> {
  return GpuReplicaSession.create({ shape: input.shape, replicas: input.replicas, dataset: datasetOf(input), ...(input.form ? { form: input.form } : {}) });
}

/** Every replica's parameters, replica after replica. */
async function allParameters(session: GpuReplicaSession): Promise<Float64Array> {
  return session.trainer.readParameters();
}

window.replicaHarness = {
  adapter: describeGpuAdapter,
  async run(input) {
    const session = await open(input);
    const failures: string[] = [];
    session.onError = (error) => failures.push(`${error.kind}: ${error.message}`);
    try {
      const initial = await allParameters(session);
      const switchAt = input.switchLoss ? Math.min(input.switchLoss.at, input.steps) : input.steps;
      await session.train(switchAt);
      if (input.switchLoss) {
        session.setLoss(input.switchLoss.replica, input.switchLoss.loss);
        await session.train(input.steps - switchAt);
      }
      await session.flush();
      const blocks = await session.takeMetrics();
      const final = await allParameters(session);
      if (failures.length > 0) throw new Error(`the GPU reported: ${failures.join('; ')}`);
      const metrics = input.replicas.map((_, r) =>
        blocks.map((block) => {
          const m = replicaStep(block, r);
          return { ...m, losses: Object.fromEntries(Object.entries(m.losses).map(([loss, value]) => [loss, Number.isNaN(value) ? null : value])) as Record<LossName, number | null> };
        }),
      );
      return { form: session.trainer.plan.form, stepsPerSubmission: session.trainer.stepsPerSubmission, metrics, initialParameters: encodeArray(initial), finalParameters: encodeArray(final) };
    } finally {
      session.dispose();
    }
  },
  async creationError(input) {
    try {
      (await open(input)).dispose();
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
};
