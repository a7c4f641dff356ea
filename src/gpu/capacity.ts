/**
 * What a network needs from the device, checked against the adapter's limits BEFORE anything is
 * allocated, so a network that does not fit is refused with the buffer, its size and the limit.
 */
import { layerCount, type NetworkSpec } from '../model/spec';
import { parameterLayout } from '../model/layout';
import { OPTIMIZERS } from '../model/optimizers';

/** One buffer the trainer will allocate. */
export interface PlannedBuffer {
  /** What it holds, e.g. "activations of layer 2 [1024 × 1024]". */
  name: string;
  /** Size in bytes. */
  bytes: number;
}

/** The sizes that decide whether a network fits. */
export interface CapacityInput {
  /** The network. */
  spec: NetworkSpec;
  /** Training samples uploaded once. */
  trainCount: number;
  /** Steps encoded per submission (size of the row-index buffer and the metrics ring). */
  stepsPerSubmission: number;
  /** Rows evaluated per submission by `evaluate`. */
  evaluationRows: number;
}

const FLOAT_BYTES = 4;

/** Floats per step in the metrics ring: four loss sums, then ‖∂L/∂W_l‖² and ‖∂L/∂b_l‖² per layer. */
export function metricsStride(layers: number): number {
  return 4 + 2 * layers;
}

/** Every storage buffer the trainer allocates for `input`, largest concerns first. */
function planBuffers(input: CapacityInput): PlannedBuffer[] {
  const { spec, trainCount, stepsPerSubmission, evaluationRows } = input;
  const { widths, batchSize } = spec;
  const parameters = parameterLayout(widths).totalParameters;
  const slots = OPTIMIZERS[spec.optimizer.kind].slots;
  const planned: PlannedBuffer[] = [
    { name: `training inputs [${trainCount} × ${widths[0]}]`, bytes: trainCount * widths[0] * FLOAT_BYTES },
    { name: `training targets [${trainCount} × ${widths[widths.length - 1]}]`, bytes: trainCount * widths[widths.length - 1] * FLOAT_BYTES },
    { name: `parameters [${parameters}]`, bytes: parameters * FLOAT_BYTES },
    { name: `gradient [${parameters}]`, bytes: parameters * FLOAT_BYTES },
    { name: `optimizer state [${slots} × ${parameters}]`, bytes: slots * parameters * FLOAT_BYTES },
    { name: `row indices [${stepsPerSubmission} steps × ${batchSize}]`, bytes: stepsPerSubmission * batchSize * 4 },
    { name: `metrics ring [${stepsPerSubmission} steps]`, bytes: stepsPerSubmission * metricsStride(layerCount(spec)) * FLOAT_BYTES },
  ];
  for (let l = 1; l < widths.length; l++) {
    planned.push({ name: `activations of layer ${l} [${batchSize} × ${widths[l]}]`, bytes: batchSize * widths[l] * FLOAT_BYTES });
    planned.push({ name: `deltas of layer ${l} [${batchSize} × ${widths[l]}]`, bytes: batchSize * widths[l] * FLOAT_BYTES });
  }
  for (let l = 0; l < widths.length; l++) {
    planned.push({ name: `evaluation activations of layer ${l} [${evaluationRows} × ${widths[l]}]`, bytes: evaluationRows * widths[l] * FLOAT_BYTES });
  }
  return planned;
}

/** The limits the check reads (a GPUSupportedLimits has them all). */
export type CapacityLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/**
 * Throws, naming the buffer, its size and the limit, when any planned buffer exceeds what one
 * binding or one buffer may hold on this device.
 */
export function checkCapacity(input: CapacityInput, limits: CapacityLimits): void {
  const bindingLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const limitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  for (const buffer of planBuffers(input)) {
    if (buffer.bytes > bindingLimit) {
      throw new Error(
        `the network [${input.spec.widths.join(', ')}] with batch ${input.spec.batchSize} does not fit this GPU: ` +
          `${buffer.name} needs ${buffer.bytes} bytes but ${limitName} is ${bindingLimit} bytes; ` +
          'use narrower layers, a smaller batch or a smaller dataset',
      );
    }
  }
}
