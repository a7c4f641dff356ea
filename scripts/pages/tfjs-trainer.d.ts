// Types of tfjs-trainer.js (see there why it is JavaScript).
import type { Dataset } from '../../src/model/dataset';
import type { NetworkSpec } from '../../src/model/spec';

/** A TF.js training loop over one network. */
export interface TfjsTrainer {
  /** Trains `steps` steps and waits until the device has finished them. */
  run(steps: number): Promise<void>;
  /** Frees the variables, the data tensors and the optimizer. */
  dispose(): void;
}

/** The benchmark network (sigmoid hidden layers) in TensorFlow.js on `backend`. */
export function createTfjsTrainer(spec: NetworkSpec, dataset: Dataset, backend: 'webgpu' | 'cpu' | 'wasm'): Promise<TfjsTrainer>;

/** Products of two fixed size × size matrices on TF.js's wasm backend. */
export interface TfjsMatmul {
  /** Computes `count` products and waits for the last one's values. */
  run(count: number): Promise<void>;
  /** Frees the two matrices. */
  dispose(): void;
}

/** Products of `values` (size × size) with itself on TF.js's wasm backend, for comparing its matrix product with ours. */
export function createTfjsWasmMatmul(values: Float32Array, size: number): Promise<TfjsMatmul>;
