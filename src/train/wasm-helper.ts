/**
 * A helper thread of the WebAssembly trainer: a Web Worker started by the trainer's worker
 * (src/train/wasm-worker.ts), given the kernel module and the shared memory in one message. It
 * answers "ready" and from then on only does the parts of tasks (products, activations, updates)
 * the trainer hands it through the shared memory (src/wasm/threads.ts); it handles no further
 * messages.
 */
import { serveTasks, type HelperSetup } from '../wasm/threads';

self.addEventListener(
  'message',
  (event: MessageEvent<HelperSetup>) => {
    serveTasks(event.data, () => self.postMessage('ready')).catch((error: unknown) => {
      self.postMessage(`helper thread ${event.data.helper} could not start: ${error instanceof Error ? error.message : String(error)}`);
    });
  },
  { once: true },
);
