/**
 * What a fork compares and how the page names it: the two losses of the table's first two entries
 * (MSE and cross-entropy), each branch named after its loss. One place, so the button, the key, the
 * legend, the views and the status line all say the same.
 */
import type { OutputActivation } from '../model/activations';
import { LOSS_NAMES, LOSSES, lossProblem, type LossName } from '../model/losses';

/** The two losses a fork compares, in branch order: the first branch is the session the run had. */
export const FORK_LOSSES = [LOSS_NAMES[0], LOSS_NAMES[1]] as const;

/** A branch's name in the legend, the views and the status line: "MSE branch". */
export function branchLabel(loss: LossName): string {
  return `${LOSSES[loss].label} branch`;
}

/** The fork action's name: the button's, and the key's in the list of shortcuts. */
export const FORK_ACTION = `Fork: ${LOSSES[FORK_LOSSES[0]].label} and ${LOSSES[FORK_LOSSES[1]].noun} from here`;

/** Why a run with `output` cannot be forked (the table's refusal of a loss it does not allow), or null when it can. */
export function forkProblem(output: OutputActivation): string | null {
  for (const loss of FORK_LOSSES) {
    const refusal = lossProblem(loss, output);
    if (refusal) return refusal;
  }
  return null;
}

/** How each branch's curves are drawn, in branch order: its line style in words, and uPlot's dash (none: solid). */
export const BRANCH_LINES: readonly { words: string; dash: number[] | undefined }[] = [
  { words: 'solid', dash: undefined },
  { words: 'dashed', dash: [6, 4] },
];
