/**
 * One GPU test case run on the GPU session: evaluation, the step-0 gradient, every step's metrics
 * (with the loss switch) and the final parameters, returned in the wire format. It computes no
 * expected values. Plain module: the Chromium harness page (gpu-harness.ts) calls it in the page,
 * the Node-runtime tests call it in Node on Dawn.
 */
import { GpuSession } from '../../src/train/gpu-session';
import type { TuningStore } from '../../src/gpu/tuner';
import type { Dataset } from '../../src/model/dataset';
import type { LossName } from '../../src/model/losses';
import { decodeFloat32, decodeFloat64, encodeArray, type HarnessCase, type HarnessResult } from './gpu-wire';

/** The case's training data as a Dataset. */
export function datasetOf(input: HarnessCase): Dataset {
  const trainX = decodeFloat32(input.trainX);
  const trainY = decodeFloat32(input.trainY);
  return {
    name: input.name,
    inputSize: input.inputSize,
    outputSize: input.outputSize,
    trainX,
    trainY,
    trainCount: input.trainCount,
    testX: new Float32Array(0),
    testY: new Float32Array(0),
    testCount: 0,
  };
}

/** How a case's products are tuned: within `budgetMs`, with choices kept in `store`. */
interface CaseTuning {
  /** Milliseconds the autotuner may spend. */
  budgetMs: number;
  /** Where its choices are kept. */
  store: TuningStore;
}

/** A GPU session of the case, with its forced step layout and product variant, its products tuned when `tuning` is given. */
export function openSession(input: HarnessCase, tuning?: CaseTuning): Promise<GpuSession> {
  const dataset = datasetOf(input);
  const overrides = { ...(input.stepKernel ? { kernel: input.stepKernel } : {}), ...(input.matmul ? { matmul: input.matmul } : {}) };
  // An empty string asks for the seeded initial parameters.
  const initialParameters = input.initialParameters === '' ? undefined : decodeFloat64(input.initialParameters);
  return GpuSession.create({ spec: input.spec, dataset, overrides, ...(initialParameters ? { initialParameters } : {}), ...(tuning ? { tuning } : {}) });
}

/** Runs the case (its products tuned when `tuning` is given) and returns what the GPU computed. */
export async function runCase(input: HarnessCase, tuning?: CaseTuning): Promise<HarnessResult> {
  const session = await openSession(input, tuning);
  const failures: string[] = [];
  session.onError = (error) => failures.push(`${error.kind}: ${error.message}`);
  try {
    const outputs = await session.evaluate(decodeFloat32(input.evaluationInputs), input.evaluationRows);
    await session.train(1);
    const gradient = await session.trainer.readGradient();
    const switchAt = input.switchLossAt ?? input.steps;
    await session.train(Math.max(0, Math.min(switchAt, input.steps) - 1));
    if (switchAt < input.steps) {
      session.setLoss(session.spec.loss === 'mse' ? 'cross_entropy' : 'mse');
      await session.train(input.steps - switchAt);
    }
    await session.flush();
    const metrics = await session.takeMetrics();
    const snapshot = await session.snapshot();
    if (failures.length > 0) throw new Error(`the GPU reported: ${failures.join('; ')}`);
    return {
      outputs: encodeArray(outputs),
      gradient: encodeArray(gradient),
      metrics: metrics.map((m) => ({ ...m, losses: Object.fromEntries(Object.entries(m.losses).map(([loss, value]) => [loss, Number.isNaN(value) ? null : value])) as Record<LossName, number | null> })),
      parameters: encodeArray(snapshot.parameters),
      dispatchesPerStep: session.trainer.dispatchesPerStep,
      stepsPerSubmission: session.trainer.stepsPerSubmission,
      stepKernel: session.trainer.plan.kernel,
      matmul: session.trainer.plan.matmul,
      tuned: session.trainer.plan.tuned,
      tuning: session.trainer.tuning,
    };
  } finally {
    session.dispose();
  }
}
