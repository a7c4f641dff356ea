/**
 * A Web Worker that runs the float64 CPU trainer off the main thread, for browsers without WebGPU.
 * It holds one CpuSession and answers the requests of WorkerSession (src/ui/worker-session.ts)
 * in the order they arrive, so a `takeMetrics` after a `train` sees that train's steps.
 */
import { CpuSession } from './cpu-session';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

let session: CpuSession | null = null;

function reply(message: WorkerReply, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

async function handle(request: WorkerRequest): Promise<{ result: unknown; transfer?: Transferable[] }> {
  if (request.method === 'create') {
    session?.dispose();
    session = new CpuSession(request.spec, request.dataset);
    return { result: null };
  }
  if (!session) throw new Error('the CPU worker has no session: create one first');
  switch (request.method) {
    case 'train':
      await session.train(request.steps);
      return { result: session.stepsTaken };
    case 'setLoss':
      session.setLoss(request.loss);
      return { result: null };
    case 'takeMetrics':
      return { result: await session.takeMetrics() };
    case 'snapshot':
      return { result: await session.snapshot() };
    case 'restore':
      await session.restore(request.snapshot);
      return { result: null };
    case 'evaluate': {
      const outputs = await session.evaluate(request.inputs, request.count);
      return { result: outputs, transfer: [outputs.buffer] };
    }
    case 'dispose':
      session.dispose();
      session = null;
      return { result: null };
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  handle(request).then(
    ({ result, transfer }) => reply({ id: request.id, ok: true, result }, transfer),
    (error: unknown) => reply({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
};
