// TF.js's wasm backend for the benchmark page, apart from scripts/pages/tfjs-trainer.js so that
// the trainer still loads in Node (the Node runtime's figures), where this backend's CommonJS
// build does not. Loaded by the bench page, and by the trainer when it is asked for wasm.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

// The wasm backend picks one of its three binaries by what the page allows (SIMD; threads when
// cross-origin isolated); Vite serves each from the package.
setWasmPaths({
  'tfjs-backend-wasm.wasm': plainWasmUrl,
  'tfjs-backend-wasm-simd.wasm': simdWasmUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdWasmUrl,
});

/**
 * Sets the threads of the wasm backend in this page, before it starts: 1 runs its one-thread SIMD
 * binary (what a page without cross-origin isolation gets); more run its threaded binary on up to
 * that many threads (it never takes more than half of navigator.hardwareConcurrency, counting two
 * logical cores per physical one, nor more than 8).
 *
 * @param {number} count
 */
export function setTfjsWasmThreads(count) {
  if (count === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  else setThreadsCount(count);
}

/** Threads the wasm backend runs on in this page (starting it if needed). */
export async function tfjsWasmThreads() {
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend');
  await tf.ready();
  return getThreadsCount();
}
