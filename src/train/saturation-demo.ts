/**
 * The saturation demo: one setup shared by the page's "Load the saturation demo" button and the
 * `xor-saturated` preset of the headless runs (and so the experiment's figure), so the page and the
 * figure in the README always show the same network.
 *
 * Sigmoid layers whose weights start 12× the Glorot limit, on XOR: every unit begins pinned near
 * 0 or 1; with MSE the output delta carries o(1−o) ≈ 0 and the loss sits still; switched to
 * cross-entropy it falls within a hundred steps.
 */
import type { SyntheticOptions } from '../data/synthetic';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../model/spec';

/** The network: DEFAULT_SPEC's shape and optimizer with sigmoid units and a saturated start. */
export function saturationDemoSpec(): NetworkSpec {
  const spec = cloneSpec(DEFAULT_SPEC);
  spec.hiddenActivations = ['sigmoid', 'sigmoid'];
  spec.outputActivation = 'sigmoid';
  spec.loss = 'mse';
  spec.init = { kind: 'glorot', scale: 12 };
  spec.seed = 3;
  return spec;
}

/**
 * How long the demo runs and where it switches: the page plays it to `steps` and pauses there, and
 * the headless preset trains that many steps; both switch from MSE to cross-entropy at `switchLossAt`.
 */
export const SATURATION_DEMO_SCHEDULE = { steps: 2000, switchLossAt: 1000 } as const;

/** The data: XOR with every option stated, so a change of the dataset defaults cannot move the demo. */
export const SATURATION_DEMO_DATA: Required<Pick<SyntheticOptions, 'kind' | 'samples' | 'noise' | 'seed'>> = {
  kind: 'xor',
  samples: 500,
  noise: 0.1,
  seed: 1,
};
