/** Colours the panels share, so one loss or one layer looks the same in every chart. */
import { LOSSES, type LossName } from '../model/losses';

/** Loss colours by loss id (src/model/losses.ts): orange for the first (MSE), blue for the second (cross-entropy). */
const LOSS_PALETTE = ['#d9480f', '#1c64d9', '#2f9e44', '#ae3ec9', '#f59f00'];

/** The colour of `loss` in every chart and legend. */
export function lossColor(loss: LossName): string {
  return LOSS_PALETTE[LOSSES[loss].id % LOSS_PALETTE.length];
}

/** Colours of the per-layer gradient-norm curves, input side first, repeating for deeper networks. */
export const LAYER_COLORS = ['#2b8a3e', '#7048e8', '#e67700', '#0b7285', '#c2255c', '#5c940d', '#1864ab', '#862e9c'];
