/**
 * The headless page behind `npm run bench` on the Chromium runtime: the measurements of
 * scripts/lib/bench-measure.ts, run in this page. Node calls one at a time and assembles the table.
 *
 * TF.js's wasm backend can start only once in a page, with a fixed number of threads, so the page
 * takes that number from its address: bench.html?tfjs-wasm-threads=N (N = 1: its one-thread SIMD
 * binary; more: its threaded binary, which needs the cross-origin isolation the dev server's
 * headers give). Without it TF.js picks its own default.
 */
import { fetchMnistAsset } from '../../src/data/mnist';
import type { MatmulVariant } from '../../src/gpu/kernels';
import type { BenchPairRequest, BenchRequest, BenchResult, CpuMatmulResult, FirstStepRequest, FirstStepResult, MatmulResult, TuningRequest, TuningResult } from '../lib/bench-types';
import { matmulVariants, measureCpuMatmul, measureFirstStep, measureMatmul, measurePair, measureReplicas, measureThreadScaling, measureTrainer, measureTuning } from '../lib/bench-measure';
import type { ReplicaBenchRequest, ReplicaBenchResult } from '../lib/replica-bench-types';
import { adapterLabel } from './adapter';
import { setTfjsWasmThreads, tfjsWasmThreads } from './tfjs-wasm';

declare global {
  interface Window {
    pageReady: boolean;
    benchAdapter(): Promise<string>;
    benchTrainer(request: BenchRequest): Promise<BenchResult>;
    benchPair(request: BenchPairRequest): Promise<{ ours: BenchResult; tfjs: BenchResult }>;
    /** Our WebAssembly path on one thread against request.threads, in alternating windows. */
    benchThreadScaling(request: BenchPairRequest): Promise<{ one: BenchResult; several: BenchResult }>;
    benchMatmulVariants(size: number): Promise<MatmulVariant[]>;
    benchMatmul(size: number, variant: MatmulVariant, windows: number, windowSeconds: number): Promise<MatmulResult>;
    benchFirstStep(request: FirstStepRequest): Promise<FirstStepResult>;
    /** Replica-steps per second of the GPU replica trainer (`npm run bench:sweep`). */
    benchReplicas(request: ReplicaBenchRequest): Promise<ReplicaBenchResult>;
    /** The autotuner against the fixed rule on one config (`npm run bench`). */
    benchTuning(request: TuningRequest): Promise<TuningResult>;
    benchTfjsWasmThreads(): Promise<number>;
    benchCpuMatmul(implementation: 'ours' | 'tfjs', size: number, threads: number, windows: number, windowSeconds: number): Promise<CpuMatmulResult>;
  }
}

const requestedTfjsThreads = new URLSearchParams(location.search).get('tfjs-wasm-threads');
if (requestedTfjsThreads !== null) setTfjsWasmThreads(Number(requestedTfjsThreads));

const mnistAsset = () => fetchMnistAsset();

window.benchAdapter = adapterLabel;
window.benchTrainer = (request) => measureTrainer(request, mnistAsset);
window.benchPair = (request) => measurePair(request, mnistAsset);
window.benchThreadScaling = (request) => measureThreadScaling(request, mnistAsset);
window.benchMatmulVariants = matmulVariants;
window.benchMatmul = measureMatmul;
window.benchFirstStep = (request) => measureFirstStep(request, mnistAsset);
window.benchReplicas = (request) => measureReplicas(request, mnistAsset);
window.benchTuning = (request) => measureTuning(request, mnistAsset);
window.benchTfjsWasmThreads = tfjsWasmThreads;
window.benchCpuMatmul = measureCpuMatmul;
window.pageReady = true;
