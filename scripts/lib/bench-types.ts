/** What the benchmark asks its measurements (scripts/lib/bench-measure.ts) for, and what it gets back. */
import type { MatmulVariant } from '../../src/gpu/kernels';
import type { TuningReport } from '../../src/gpu/tuner';
import type { NetworkSpec } from '../../src/model/spec';
import type { DataSource } from '../../src/data/source';

/** One throughput measurement: one trainer, one network and loss. */
export interface BenchRequest {
  /** Our trainer (createSession) or TensorFlow.js. */
  implementation: 'ours' | 'tfjs';
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

/** Our trainer and TF.js's on one network and loss, their windows taken in turn. */
export type BenchPairRequest = Omit<BenchRequest, 'implementation'>;

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

/** The network whose first step is timed from nothing. */
export interface FirstStepRequest {
  spec: NetworkSpec;
  dataset: DataSource;
}

/** Milliseconds of each phase before a first finished step of our GPU trainer. */
export interface FirstStepResult {
  /** Building the dataset (MNIST: reading and decoding the digits). */
  datasetMs: number;
  /** createSession: the device on a runtime's first session, pipelines, buffers, the data upload. */
  sessionMs: number;
  /** One step, issued and flushed. */
  stepMs: number;
}

/** The autotuner's plan against the fixed rule's, on one network: a fresh tuning, then both plans trained in alternating windows. */
export interface TuningRequest {
  spec: NetworkSpec;
  dataset: DataSource;
  /** Milliseconds the tuner may spend timing candidates (TuneOptions.budgetMs); no stored choice is read or written. */
  budgetMs: number;
  /** Steps each plan runs and synchronises before anything is timed. */
  warmupSteps: number;
  /** Timed windows of each plan; each result is their median. */
  windows: number;
  /** Target length of a window when `windowSteps` is null. */
  windowSeconds: number;
  /** Steps per window, or null to calibrate them on the rule's plan to `windowSeconds`. */
  windowSteps: number | null;
}

export interface TuningResult {
  /** How the step is laid out: 'fused' has no products, so both plans are the same plan. */
  kernel: 'fused' | 'layered';
  /** The variant the fixed rule (chooseStepPlan) gives every product on this adapter. */
  ruleVariant: MatmulVariant;
  /** The variants the tuner may choose from on this device, the rule's first (candidateVariants). */
  candidates: MatmulVariant[];
  /** The tuner's own report: every candidate's GFLOP/s per product shape, the choice, the time it took; null for a fused step. */
  report: TuningReport | null;
  /** The rule's plan, timed in windows alternating with the tuned plan's; its `plan` names the variants its products run in. */
  rule: BenchResult;
  /** The tuned plan, timed in the same run; its `plan` names the variants its products run in. */
  tuned: BenchResult;
}
