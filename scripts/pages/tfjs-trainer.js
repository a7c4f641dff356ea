// The benchmark network in TensorFlow.js, and its wasm backend's matrix product alone, for
// scripts/pages/bench-page.ts.
//
// Plain JavaScript on purpose: importing @tensorflow/tfjs-core from TypeScript pulls in its type
// declarations, which need @types/long and carry their own older @webgpu/types, and `tsc` (with
// skipLibCheck off) then fails on duplicate WebGPU identifiers. The signature lives in
// tfjs-trainer.d.ts, written against the project's own types only.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; optimizer.minimize needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';
import { BatchSchedule, shuffleSeed } from '../../src/model/batches';
import { initParameters } from '../../src/model/init';
import { parameterLayout } from '../../src/model/layout';

/** Starts TF.js on `backend`, or says it could not. */
async function useBackend(backend) {
  // The wasm backend loads only when asked for: its CommonJS build does not load in Node, where the
  // benchmark's WebGPU and cpu figures also run (scripts/pages/tfjs-wasm.js).
  if (backend === 'wasm') await import('./tfjs-wasm.js');
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  await tf.ready();
}

/**
 * Products of `values` (size × size, row-major) with itself on the wasm backend, the result of the
 * last product of a run read back, as a training step would.
 *
 * @param {Float32Array} values
 * @param {number} size
 */
export async function createTfjsWasmMatmul(values, size) {
  await useBackend('wasm');
  const a = tf.tensor2d(values, [size, size]);
  const b = tf.tensor2d(values, [size, size]);
  return {
    async run(count) {
      for (let i = 0; i < count; i++) {
        const product = tf.matMul(a, b);
        if (i === count - 1) await product.data();
        product.dispose();
      }
    },
    dispose() {
      tf.dispose([a, b]);
    },
  };
}

/**
 * The same network as our trainer's: tf.variable weights from our initial parameters, sigmoid
 * hidden layers, tf.losses for the loss, tf.train.sgd, and batches gathered on the device through
 * the same BatchSchedule our trainers use.
 *
 * @param {import('../../src/model/spec').NetworkSpec} spec
 * @param {import('../../src/model/dataset').Dataset} dataset
 * @param {'webgpu' | 'cpu' | 'wasm'} backend
 */
export async function createTfjsTrainer(spec, dataset, backend) {
  if (spec.hiddenActivations.some((activation) => activation !== 'sigmoid')) {
    throw new Error(`the TF.js side of the benchmark builds sigmoid hidden layers only, got ${spec.hiddenActivations.join(', ')}`);
  }
  await useBackend(backend);
  const initial = initParameters(spec);
  const layers = parameterLayout(spec.widths).layers.map((layer) => ({
    weights: tf.variable(tf.tensor2d(Float32Array.from(initial.subarray(layer.weightOffset, layer.biasOffset)), [layer.fanIn, layer.fanOut])),
    bias: tf.variable(tf.tensor1d(Float32Array.from(initial.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut)))),
  }));
  const variables = layers.flatMap((layer) => [layer.weights, layer.bias]);
  const trainX = tf.tensor2d(dataset.trainX, [dataset.trainCount, dataset.inputSize]);
  const trainY = tf.tensor2d(dataset.trainY, [dataset.trainCount, dataset.outputSize]);
  const optimizer = tf.train.sgd(spec.optimizer.learningRate);
  const schedule = new BatchSchedule(dataset.trainCount, spec.batchSize, shuffleSeed(spec.seed));
  const indices = new Uint32Array(spec.batchSize);
  let step = 0;
  const loss = () => {
    schedule.indicesForStep(step, indices);
    const batchIndices = tf.tensor1d(Int32Array.from(indices), 'int32');
    const y = tf.gather(trainY, batchIndices);
    let activation = tf.gather(trainX, batchIndices);
    layers.forEach((layer, l) => {
      const z = tf.add(tf.matMul(activation, layer.weights), layer.bias);
      activation = l < layers.length - 1 ? tf.sigmoid(z) : z;
    });
    const logits = activation;
    if (spec.loss === 'mse') {
      return tf.losses.meanSquaredError(y, spec.outputActivation === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits));
    }
    return spec.outputActivation === 'softmax' ? tf.losses.softmaxCrossEntropy(y, logits) : tf.losses.sigmoidCrossEntropy(y, logits);
  };
  const last = layers[layers.length - 1].bias;
  return {
    async run(steps) {
      // tidy frees each step's batch and intermediates; minimize updates the variables in place.
      for (let s = 0; s < steps; s++, step++) tf.tidy(() => void optimizer.minimize(loss, false, variables));
      // The last step wrote this variable; reading it waits for every queued kernel.
      await last.data();
    },
    dispose() {
      tf.dispose([...variables, trainX, trainY]);
      optimizer.dispose();
    },
  };
}
