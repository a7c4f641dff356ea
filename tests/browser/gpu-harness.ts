/**
 * The page the GPU tests drive: it builds GPU sessions from cases sent by Node, runs them, and
 * returns what they computed. It computes no expected values; Node compares with the CPU path.
 */
import { describeGpuAdapter, type GpuAdapterReport } from '../../src/gpu/device';
import { GpuSession } from '../../src/train/gpu-session';
import type { Dataset } from '../../src/data/dataset';
import { decodeFloat32, decodeFloat64, encodeArray, type HarnessCase, type HarnessResult } from './gpu-wire';

async function runCase(input: HarnessCase): Promise<HarnessResult> {
  const trainX = decodeFloat32(input.trainX);
  const trainY = decodeFloat32(input.trainY);
  const dataset: Dataset = {
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
  const session = await GpuSession.create({ spec: input.spec, dataset, initialParameters: decodeFloat64(input.initialParameters) });
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
      metrics: metrics.map((m) => ({ ...m, crossEntropy: Number.isNaN(m.crossEntropy) ? null : m.crossEntropy })),
      parameters: encodeArray(snapshot.parameters),
      dispatchesPerStep: session.trainer.dispatchesPerStep,
      stepsPerSubmission: session.trainer.stepsPerSubmission,
    };
  } finally {
    session.dispose();
  }
}

/** What the Node side calls through page.evaluate. */
export interface GpuHarness {
  /** The adapter the sessions run on. */
  adapter(): Promise<GpuAdapterReport | null>;
  /** Runs the cases one after another. */
  runCases(cases: HarnessCase[]): Promise<HarnessResult[]>;
}

declare global {
  interface Window {
    gpuHarness: GpuHarness;
  }
}

window.gpuHarness = {
  adapter: describeGpuAdapter,
  async runCases(cases) {
    const results: HarnessResult[] = [];
    for (const testCase of cases) {
      try {
        results.push(await runCase(testCase));
      } catch (error) {
        throw new Error(`case ${testCase.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return results;
  },
};
