// Types of tfjs-wasm.js (JavaScript for the reason tfjs-trainer.js gives).

/**
 * Sets the threads of TF.js's wasm backend in this page, before the backend starts: 1 runs its
 * one-thread SIMD binary, more its threaded binary on up to that many threads.
 */
export function setTfjsWasmThreads(count: number): void;

/** Threads TF.js's wasm backend runs on in this page (starting the backend if needed). */
export function tfjsWasmThreads(): Promise<number>;
