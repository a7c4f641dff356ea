/**
 * The Session calls a trainer's Web Worker offers its page-side adapter through Comlink (the CPU
 * worker, src/train/cpu-worker.ts, and the WebAssembly worker, src/train/wasm-worker.ts), each
 * forwarded to the worker's current session. The arrays a call returns are transferred, not
 * copied: the sessions hand out copies, so the page can own them.
 */
import * as Comlink from 'comlink';
import type { LossName } from '../model/losses';
import type { Session, StepMetrics, TrainerSnapshot } from '../model/session';

/** The calls, over whatever session `current` returns when each call arrives (it throws when there is none). */
export function sessionCalls(current: () => Session) {
  return {
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
}
