/**
 * The cases the float32 WebAssembly path is checked on against the float64 reference, the same in
 * Node (one thread, tests/unit/wasm-vs-cpu.test.ts) and in the page's workers (one and several,
 * tests/browser/wasm-vs-cpu.test.ts). They loop over the tables, so a new activation, output, loss
 * or optimizer is checked as soon as it exists.
 */
import { HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS } from '../../src/model/activations';
import { LOSS_NAMES, lossAllows } from '../../src/model/losses';
import { OPTIMIZER_KINDS } from '../../src/model/optimizers';
import type { CaseRecipe } from './gpu-cases';

/**
 * Shapes off every grain of the product kernel (panels of 8 columns, blocks of 64 columns and of 4
 * rows): widths 1, 3, 17, 785; batches 1, 7, 100. Every product of the last one's first two layers
 * (100·7·785 multiply-adds) is just above MIN_PARALLEL_MULTIPLY_ADDS, so with several threads it is
 * split between them (src/wasm/products.ts): by columns (785 = 98 panels + 1) or by rows.
 */
const SHAPES = [
  { inputs: 3, hidden: [17], batchSize: 7 },
  { inputs: 17, hidden: [1, 3], batchSize: 1 },
  { inputs: 1, hidden: [3, 17], batchSize: 100 },
  { inputs: 7, hidden: [785, 7], batchSize: 100 },
] as const;

/** A recipe with the defaults of these tests: 20 steps, no switch, normal inputs, no GPU overrides. */
export function wasmRecipe(partial: Partial<CaseRecipe> & Pick<CaseRecipe, 'name' | 'widths' | 'hidden' | 'output' | 'loss' | 'optimizer' | 'batchSize'>): CaseRecipe {
  return { trainCount: 3 * partial.batchSize + 5, steps: 20, switchLossAt: null, initScale: 1, inputs: 'normal', seed: 7, stepKernel: null, matmul: null, ...partial };
}

/** Every hidden activation × output × loss it allows × optimizer, cycling through SHAPES. */
export function combinationRecipes(): CaseRecipe[] {
  const recipes: CaseRecipe[] = [];
  let index = 0;
  for (const hidden of HIDDEN_ACTIVATIONS) {
    for (const output of OUTPUT_ACTIVATIONS) {
      for (const loss of LOSS_NAMES) {
        if (!lossAllows(loss, output)) continue;
        for (const optimizer of OPTIMIZER_KINDS) {
          const shape = SHAPES[index % SHAPES.length];
          const outputs = output === 'softmax' ? (index % 2 === 0 ? 3 : 17) : [1, 3, 17][index % 3];
          const widths = [shape.inputs, ...shape.hidden, outputs];
          recipes.push(
            wasmRecipe({ name: `${hidden}/${output}/${loss}/${optimizer} [${widths.join('-')}] B=${shape.batchSize}`, widths, hidden, output, loss, optimizer, batchSize: shape.batchSize, seed: 100 + index }),
          );
          index++;
        }
      }
    }
  }
  return recipes;
}

/** MNIST-shaped layers: 784 inputs of digit-like pixels (mostly 0) into a hidden layer. */
export function mnistShapedRecipes(): CaseRecipe[] {
  return [
    wasmRecipe({ name: 'mnist-shaped relu/softmax/cross_entropy/adam', widths: [784, 33, 10], hidden: 'relu', output: 'softmax', loss: 'cross_entropy', optimizer: 'adam', batchSize: 100, inputs: 'digits', seed: 11 }),
    wasmRecipe({ name: 'mnist-shaped sigmoid/sigmoid/mse/momentum', widths: [784, 17, 3], hidden: 'sigmoid', output: 'sigmoid', loss: 'mse', optimizer: 'momentum', batchSize: 7, inputs: 'digits', seed: 12 }),
  ];
}

/**
 * Every optimizer on a network with more parameters than MIN_PARALLEL_ELEMENTS at batch 1: with
 * several threads its update is split between them while its products are too small to be.
 */
export function wideRecipes(): CaseRecipe[] {
  return OPTIMIZER_KINDS.map((optimizer, i) =>
    wasmRecipe({ name: `wide tanh/softmax/cross_entropy/${optimizer} [17-2049-17] B=1`, widths: [17, 2049, 17], hidden: 'tanh', output: 'softmax', loss: 'cross_entropy', optimizer, batchSize: 1, seed: 61 + i }),
  );
}

/** A switch of the loss at step 10 of 20, each way. */
export function lossSwitchRecipes(): CaseRecipe[] {
  return [
    wasmRecipe({ name: 'switch mse→ce tanh/sigmoid/sgd', widths: [3, 17, 3], hidden: 'tanh', output: 'sigmoid', loss: 'mse', optimizer: 'sgd', batchSize: 7, switchLossAt: 10, seed: 21 }),
    wasmRecipe({ name: 'switch ce→mse relu/softmax/adam', widths: [17, 17, 3], hidden: 'relu', output: 'softmax', loss: 'cross_entropy', optimizer: 'adam', batchSize: 100, switchLossAt: 10, seed: 22 }),
    // Products split between threads on both sides of the switch.
    wasmRecipe({ name: 'switch mse→ce leaky_relu/sigmoid/momentum', widths: [7, 785, 7, 3], hidden: 'leaky_relu', output: 'sigmoid', loss: 'mse', optimizer: 'momentum', batchSize: 100, switchLossAt: 10, seed: 23 }),
  ];
}

/** Saturated starts whose logits reach |z| of about 100, for both losses on both probability outputs. */
export function extremeRecipes(): CaseRecipe[] {
  return (['sigmoid', 'softmax'] as const).flatMap((output) =>
    (['mse', 'cross_entropy'] as const).map((loss) =>
      wasmRecipe({ name: `extreme tanh/${output}/${loss}/sgd`, widths: [3, 17, 3], hidden: 'tanh', output, loss, optimizer: 'sgd', batchSize: 7, initScale: 30, seed: 31 }),
    ),
  );
}
