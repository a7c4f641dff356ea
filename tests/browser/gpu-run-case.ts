/**
 * One GPU test case run on the GPU session: evaluation, the step-0 gradient, every step's metrics
 * (with the loss switch) and the final parameters, returned in the wire format. It computes no
 * expected values. Plain module: the Chromium harness page (gpu-harness.ts) calls it in the page,
 * the Node-runtime tests call it in Node on Dawn.
 */
import { GpuSession } from '../../src/train/gpu-session';
import type { TuningStore } from '../../src/gpu/tuner';
import { datasetOf, decodeFloat64, type HarnessCase, type HarnessResult } from './gpu-wire';
import { runSessionCase } from './session-case';

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
    const result = await runSessionCase(session, input, () => session.trainer.readGradient());
    if (failures.length > 0) throw new Error(`the GPU reported: ${failures.join('; ')}`);
    return {
      ...result,
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
