/**
 * What the GPU test harness page and the Vitest files in Node pass to each other through
 * page.evaluate: plain JSON, with typed arrays as base64 of their bytes (exact, and far smaller
 * than number lists).
 */
import type { Dataset } from '../../src/model/dataset';
import type { NetworkSpec } from '../../src/model/spec';
import type { LossName } from '../../src/model/losses';
import type { StepMetrics } from '../../src/model/session';
import type { MatmulVariant } from '../../src/gpu/kernels';
import type { TuningReport } from '../../src/gpu/tuner';

/** One GPU run the page performs. */
export interface HarnessCase {
  /** Name used in failure messages. */
  name: string;
  /** The network. */
  spec: NetworkSpec;
  /** Features per sample. */
  inputSize: number;
  /** Targets per sample. */
  outputSize: number;
  /** Training samples. */
  trainCount: number;
  /** Training inputs, base64 of a Float32Array [trainCount, inputSize]. */
  trainX: string;
  /** Training targets, base64 of a Float32Array [trainCount, outputSize]. */
  trainY: string;
  /** Initial parameters, base64 of a Float64Array in the flat layout; '' for the seeded ones. */
  initialParameters: string;
  /** Rows to evaluate before training, base64 of a Float32Array [evaluationRows, inputSize]. */
  evaluationInputs: string;
  /** Number of rows in `evaluationInputs`. */
  evaluationRows: number;
  /** Training steps in all. */
  steps: number;
  /** Step index from which the other loss is selected, or null for no switch. */
  switchLossAt: number | null;
  /** Step layout to force, or null to let the trainer choose. */
  stepKernel: 'fused' | 'layered' | null;
  /** Matrix-product variant to force, or null to let the trainer choose. */
  matmul: MatmulVariant | null;
}

/** What any session computed for one case, the float64 reference's counterpart of each (gpu-check.ts). */
export interface SessionCaseResult {
  /** Outputs of `evaluationInputs` before any step, base64 of a Float32Array. */
  outputs: string;
  /** Gradient of step 0, base64 of a Float64Array in the flat layout. */
  gradient: string;
  /** Metrics of every step (a loss is null where it was NaN: JSON has no NaN). */
  metrics: (Omit<StepMetrics, 'losses'> & { losses: Record<LossName, number | null> })[];
  /** Parameters after all steps, base64 of a Float64Array. */
  parameters: string;
  /** The GPU's step layout, where the session has one. */
  stepKernel?: 'fused' | 'layered';
  /** The GPU's matrix-product variant, where the session has one. */
  matmul?: MatmulVariant;
}

/** What the GPU page measured for one case. */
export interface HarnessResult extends SessionCaseResult {
  /** Compute dispatches per training step. */
  dispatchesPerStep: number;
  /** Steps per queue submission. */
  stepsPerSubmission: number;
  /** The step layout used. */
  stepKernel: 'fused' | 'layered';
  /** The matrix-product variant of the products the tuner did not choose for. */
  matmul: MatmulVariant;
  /** The variant tuned for each product shape. */
  tuned: Readonly<Record<string, MatmulVariant>>;
  /** What the autotuner measured, or null when it did not run. */
  tuning: TuningReport | null;
}

/** Base64 of the bytes of a typed array. */
export function encodeArray(array: Float32Array | Float64Array): string {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let text = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) text += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(text);
}

function decodeBytes(text: string): ArrayBuffer {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** The Float32Array that `encodeArray` encoded. */
export function decodeFloat32(text: string): Float32Array {
  return new Float32Array(decodeBytes(text));
}

/** The Float64Array that `encodeArray` encoded. */
export function decodeFloat64(text: string): Float64Array {
  return new Float64Array(decodeBytes(text));
}

/** The training set a case carries, as a Dataset (no test rows). */
export function datasetOf(input: HarnessCase): Dataset {
  return {
    name: input.name,
    inputSize: input.inputSize,
    outputSize: input.outputSize,
    trainX: decodeFloat32(input.trainX),
    trainY: decodeFloat32(input.trainY),
    trainCount: input.trainCount,
    testX: new Float32Array(0),
    testY: new Float32Array(0),
    testCount: 0,
  };
}
