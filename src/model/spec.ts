/**
 * What a network is: the JSON-serialisable description both trainers and the UI read.
 * No WebGPU and no DOM here.
 */
import type { HiddenActivation, OutputActivation } from './activations';
import type { LossName } from './losses';
import { defaultHyperparameters, type HyperparameterValues, type OptimizerKind } from './optimizers';

/**
 * Optimizer and its hyperparameters (src/model/optimizers.ts: what each one means and which
 * optimizer reads it). Every hyperparameter is kept whatever the kind, so switching the kind in the
 * UI does not forget them.
 */
export type OptimizerSpec = { kind: OptimizerKind } & HyperparameterValues;

export type InitKind = 'glorot' | 'he';
export const INIT_KINDS: readonly InitKind[] = ['glorot', 'he'];

/** Weight initialisation: biases start at 0; weights are uniform in ±scale·limit. */
export interface InitSpec {
  /** glorot: limit √(6/(fanIn+fanOut)); he: limit √(6/fanIn). */
  kind: InitKind;
  /** Multiplier on the limit; a large value (e.g. 8) gives a saturated start. */
  scale: number;
}

/** A whole network and how it trains. */
export interface NetworkSpec {
  /** Layer widths from input to output, e.g. [2, 8, 8, 1]: inputs, hidden layers, outputs. */
  widths: number[];
  /** One activation per hidden layer (widths.length − 2 entries). */
  hiddenActivations: HiddenActivation[];
  /** Activation of the output layer. */
  outputActivation: OutputActivation;
  /** The loss that drives the gradient; every loss is evaluated every step regardless. */
  loss: LossName;
  /** Update rule and hyperparameters. */
  optimizer: OptimizerSpec;
  /** Samples per step. */
  batchSize: number;
  /** Initial weights. */
  init: InitSpec;
  /** Seeds initial weights and batch order (datasets take their own seed). */
  seed: number;
}

export const DEFAULT_OPTIMIZER: OptimizerSpec = { kind: 'sgd', ...defaultHyperparameters() };

/** The network the playground opens with: a small sigmoid net on a 2-D binary task. */
export const DEFAULT_SPEC: NetworkSpec = {
  widths: [2, 8, 8, 1],
  hiddenActivations: ['tanh', 'tanh'],
  outputActivation: 'sigmoid',
  loss: 'mse',
  optimizer: { ...DEFAULT_OPTIMIZER },
  batchSize: 32,
  init: { kind: 'glorot', scale: 1 },
  seed: 1,
};

/** A deep copy, so callers can edit a spec without touching the one they were given. */
export function cloneSpec(spec: NetworkSpec): NetworkSpec {
  return JSON.parse(JSON.stringify(spec)) as NetworkSpec;
}

/** Number of weight layers (one fewer than widths). */
export function layerCount(spec: Pick<NetworkSpec, 'widths'>): number {
  return spec.widths.length - 1;
}

/** Activation of weight layer l (0-based), the last being the output layer. */
export function layerActivation(spec: NetworkSpec, l: number): HiddenActivation | OutputActivation {
  return l === layerCount(spec) - 1 ? spec.outputActivation : spec.hiddenActivations[l];
}
