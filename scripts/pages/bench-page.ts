/**
 * The headless page behind `npm run bench` on the Chromium runtime: the measurements of
 * scripts/lib/bench-measure.ts, run in this page. Node calls one at a time and assembles the table.
 */
import { fetchMnistAsset } from '../../src/data/mnist';
import type { MatmulVariant } from '../../src/gpu/kernels';
import { matmulVariants, measureFirstStep, measureMatmul, measureReplicas, measureTrainer, measureTuning } from '../lib/bench-measure';
import type { BenchRequest, BenchResult, FirstStepRequest, FirstStepResult, MatmulResult, TuningRequest, TuningResult } from '../lib/bench-types';
import type { ReplicaBenchRequest, ReplicaBenchResult } from '../lib/replica-bench-types';
import { adapterLabel } from './adapter';

declare global {
  interface Window {
    pageReady: boolean;
    benchAdapter(): Promise<string>;
    benchTrainer(request: BenchRequest): Promise<BenchResult>;
    benchMatmulVariants(size: number): Promise<MatmulVariant[]>;
    benchMatmul(size: number, variant: MatmulVariant, windows: number, windowSeconds: number): Promise<MatmulResult>;
    benchFirstStep(request: FirstStepRequest): Promise<FirstStepResult>;
    /** Replica-steps per second of the GPU replica trainer (`npm run bench:sweep`). */
    benchReplicas(request: ReplicaBenchRequest): Promise<ReplicaBenchResult>;
    /** The autotuner against the fixed rule on one config (`npm run bench`). */
    benchTuning(request: TuningRequest): Promise<TuningResult>;
  }
}

const mnistAsset = () => fetchMnistAsset();

window.benchAdapter = adapterLabel;
window.benchTrainer = (request) => measureTrainer(request, mnistAsset);
window.benchMatmulVariants = matmulVariants;
window.benchMatmul = measureMatmul;
window.benchFirstStep = (request) => measureFirstStep(request, mnistAsset);
window.benchReplicas = (request) => measureReplicas(request, mnistAsset);
window.benchTuning = (request) => measureTuning(request, mnistAsset);
window.pageReady = true;
