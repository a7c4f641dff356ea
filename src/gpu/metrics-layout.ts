/**
 * Where each figure of a step sits in its slot of the metrics ring (floats from the slot's start):
 * first what the loss kernel sums over the batch's rows (each loss of the table by its id, then
 * Σ(∂L/∂z)² and the saturated count), then ‖∂L/∂W_l‖² and ‖∂L/∂b_l‖² per weight layer. The shaders
 * read the same offsets as generated constants (src/gpu/wgsl-tables.ts); the trainer reads them
 * from here.
 */
import { LOSS_NAMES, LOSSES, type LossName } from '../model/losses';

/** The row sums' offsets: each loss's sum at its id. */
export function lossSumOffset(loss: LossName): number {
  return LOSSES[loss].id;
}

/** Σ over the batch of (∂L/∂z)², of the loss that drives the step. */
export const OUTPUT_DELTA_SQUARES_OFFSET = LOSS_NAMES.length;

/** Saturated elements (or rows, for softmax) of the batch. */
export const SATURATED_COUNT_OFFSET = LOSS_NAMES.length + 1;

/** Values the loss kernel writes per step: the row sums above. */
export const ROW_SUM_COUNT = LOSS_NAMES.length + 2;

/** ‖∂L/∂W_l‖² of weight layer l (0-based); ‖∂L/∂b_l‖² follows it. */
export function layerNormOffset(l: number): number {
  return ROW_SUM_COUNT + 2 * l;
}

/** Floats per step in the metrics ring for a network of `layers` weight layers. */
export function metricsStride(layers: number): number {
  return ROW_SUM_COUNT + 2 * layers;
}
