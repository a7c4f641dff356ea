/** What Node asks the bench page (scripts/pages/bench-page.ts) to measure, and what it gets back. */
import type { MatmulVariant } from '../../src/gpu/step-plan';
import type { NetworkSpec } from '../../src/model/spec';
import type { DataSource } from '../../src/data/source';

/** One throughput measurement: our trainer (createSession) and TensorFlow.js's, on one network and loss. */
export interface BenchRequest {
  /** WebGPU, the CPU (our float64 path; TF.js's cpu backend), or WebAssembly on the CPU (our float32 path; TF.js's wasm backend). */
  backend: 'webgpu' | 'cpu' | 'wasm';
  /** Threads of our WebAssembly path (TF.js's follow the page: see scripts/pages/bench-page.ts); null for the other backends. */
  threads: number | null;
  spec: NetworkSpec;
  dataset: DataSource;
  /** Steps run and synchronised before anything is timed (pipeline compilation, first uploads). */
  warmupSteps: number;
  /** Timed windows; the result is their median. */
  windows: number;
  /** Target length of a window when `windowSteps` is null. */
  windowSeconds: number;
  /** Steps per window, or null to calibrate them to `windowSeconds`. */
  windowSteps: number | null;
}

export interface BenchResult {
  /** How our GPU trainer laid out the step (fused or layered, which matmul variant); null for the other trainers. */
  plan: string | null;
  /** Steps in each timed window. */
  stepsPerWindow: number;
  /** Samples per second of each window (steps · batch / seconds). */
  windowSamplesPerSecond: number[];
  /** Their median. */
  medianSamplesPerSecond: number;
}

export interface MatmulResult {
  /** The product is size × size times size × size. */
  size: number;
  /** Which of the engine's matmul variants ran. */
  variant: MatmulVariant;
  /** Products dispatched per window, one submission and one wait each window. */
  productsPerWindow: number;
  /** GFLOP/s of each window, 2·size³ FLOPs per product. */
  windowGflops: number[];
  /** Their median. */
  medianGflops: number;
}

/** GFLOP/s of one implementation's square matrix product on the CPU, as the bench page times it. */
export interface CpuMatmulResult {
  /** The product is size × size times size × size. */
  size: number;
  /** Threads it ran on. */
  threads: number;
  /** Products per window. */
  productsPerWindow: number;
  /** GFLOP/s of each window, 2·size³ FLOPs per product. */
  windowGflops: number[];
  /** Their median. */
  medianGflops: number;
}
