/**
 * What a network needs from the device, checked against the adapter's limits BEFORE anything is
 * allocated, so a network that does not fit is refused with the buffer, its size and the limit.
 * The buffers are the very ones the trainer would allocate (layoutTrainer).
 */
import type { TrainerLayout } from './trainer-layout';

/** The limits the check reads (a GPUSupportedLimits has them all). */
export type CapacityLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/**
 * Throws, naming the buffer, its size and the limit, when any storage buffer of `layout` exceeds
 * what one binding or one buffer may hold on this device.
 */
export function checkCapacity(layout: TrainerLayout, network: { widths: readonly number[]; batchSize: number }, limits: CapacityLimits): void {
  const bindingLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const limitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  for (const buffer of layout.allBuffers) {
    if (buffer.kind === 'storage' && buffer.bytes > bindingLimit) {
      throw new Error(
        `the network [${network.widths.join(', ')}] with batch ${network.batchSize} does not fit this GPU: ` +
          `${buffer.name} needs ${buffer.bytes} bytes but ${limitName} is ${bindingLimit} bytes; ` +
          'use narrower layers, a smaller batch or a smaller dataset',
      );
    }
  }
}
