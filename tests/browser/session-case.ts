/**
 * One case run on any Session that hands out its step-0 gradient, the same way on every backend:
 * outputs of the evaluation rows, one step and its gradient, then the remaining steps with the
 * case's loss switch, the metrics and the final parameters. The GPU harness page and the float32
 * WebAssembly tests (in Node and in the page) all run cases through this.
 */
import type { LossName } from '../../src/model/losses';
import type { Session } from '../../src/model/session';
import { decodeFloat32, encodeArray, type HarnessCase, type SessionCaseResult } from './gpu-wire';

export async function runSessionCase(session: Session, input: HarnessCase, readGradient: () => Promise<Float64Array>): Promise<SessionCaseResult> {
  const outputs = await session.evaluate(decodeFloat32(input.evaluationInputs), input.evaluationRows);
  await session.train(1);
  const gradient = await readGradient();
  const switchAt = input.switchLossAt ?? input.steps;
  await session.train(Math.max(0, Math.min(switchAt, input.steps) - 1));
  if (switchAt < input.steps) {
    session.setLoss(session.spec.loss === 'mse' ? 'cross_entropy' : 'mse');
    await session.train(input.steps - switchAt);
  }
  await session.flush();
  const metrics = await session.takeMetrics();
  const snapshot = await session.snapshot();
  return {
    outputs: encodeArray(outputs),
    gradient: encodeArray(gradient),
    metrics: metrics.map((m) => ({ ...m, losses: Object.fromEntries(Object.entries(m.losses).map(([loss, value]) => [loss, Number.isNaN(value) ? null : value])) as Record<LossName, number | null> })),
    parameters: encodeArray(snapshot.parameters),
  };
}
