/**
 * Every uniform struct the kernels read, declared once: the WGSL struct text (PipelineCache puts it
 * in each module that binds it) and the host-side packing (packStruct, by field name) both come
 * from these declarations.
 */
import { MAX_LAYERS } from '../model/validate';
import { OPTIMIZER_UNIFORMS } from '../model/optimizers';
import { defineStruct, type FieldDeclaration } from './wgsl-struct';

const u32 = (doc: string): FieldDeclaration => ({ type: 'u32', doc });
const f32 = (doc: string): FieldDeclaration => ({ type: 'f32', doc });

/**
 * What changes from one step to the next inside a submission. One copy per step sits in a uniform
 * buffer bound with a dynamic offset (group 1), so many steps share one submission without a
 * uniform being overwritten before the GPU reads it.
 */
export const STEP_PARAMS = defineStruct('StepParams', {
  indexOffset: u32("Offset of this step's batch in the row-index buffer (step-in-submission × batch size)."),
  lossId: u32('LOSS_<NAME> id of the loss whose gradient this step follows.'),
  metricsOffset: u32("Offset (in floats) of this step's slot in the metrics ring."),
  optimizerStepSize: f32("The optimizer's step size for this step's update number (OPTIMIZERS[kind].stepSize), in float64 on the host."),
});

/** The forward product of one layer (matmul_forward*.wgsl). */
export const FORWARD_PARAMS = defineStruct('ForwardParams', {
  rows: u32('Rows of A and of the output (batch size).'),
  cols: u32('Columns of W and of the output (fan-out).'),
  inner: u32('Columns of A, rows of W (fan-in).'),
  weightOffset: u32('Index of W[0][0] in the parameter buffer.'),
  biasOffset: u32('Index of b[0] in the parameter buffer.'),
  activation: u32('ACT_<NAME> id applied to the output; ACT_LINEAR for the logits of the last layer.'),
  gatherRows: u32('1: row r of A is input row rowIndex[step.indexOffset + r] (batch gather); 0: row r itself.'),
});

/** The weight-and-bias gradient product of one layer (matmul_weight_grad*.wgsl). */
export const WEIGHT_GRAD_PARAMS = defineStruct('WeightGradParams', {
  batch: u32('Rows of A and dZ (batch size): the length of the sum.'),
  inner: u32('Columns of A (fan-in); G has inner + 1 rows.'),
  cols: u32('Columns of dZ and G (fan-out).'),
  weightOffset: u32('Index of ∂L/∂W[0][0] in the gradient buffer (∂L/∂b follows).'),
  gatherRows: u32('1: row r of A is input row rowIndex[step.indexOffset + r]; 0: row r itself.'),
});

/** The input-gradient product of one layer (matmul_input_grad*.wgsl). */
export const INPUT_GRAD_PARAMS = defineStruct('InputGradParams', {
  rows: u32('Rows of dZ and dZ_prev (batch size).'),
  cols: u32('Columns of dZ (fan-out of this layer): the length of the sum.'),
  inner: u32('Columns of dZ_prev (fan-in of this layer).'),
  weightOffset: u32('Index of W[0][0] in the parameter buffer.'),
  activation: u32('ACT_<NAME> id of the previous layer, whose derivative multiplies the product.'),
});

/** The batch the loss is taken over (loss.wgsl, fused_step.wgsl). */
export const LOSS_PARAMS = defineStruct('LossParams', {
  batch: u32('Rows of the batch.'),
  outputs: u32('Outputs per row (K).'),
  outputActivation: u32('OUTPUT_<NAME> id of the output activation.'),
});

/** Evaluated rows whose output activation is applied (output_activation.wgsl). */
export const OUTPUT_PARAMS = defineStruct('OutputParams', {
  rows: u32('Rows to activate.'),
  outputs: u32('Outputs per row (K).'),
  outputActivation: u32('OUTPUT_<NAME> id of the output activation.'),
});

/** The optimizer update over the flat parameters: sizes, then every f32 uniform some optimizer of the table reads. */
export const OPTIMIZER_PARAMS = defineStruct('OptimizerParams', {
  count: u32('Number of parameters.'),
  rowPitch: u32('Invocations per row of the dispatch grid (workgroups in x × WORKGROUP_SIZE), for grids wider than the per-dimension limit.'),
  ...Object.fromEntries(OPTIMIZER_UNIFORMS.map((name) => [name, f32(`${name} of src/model/optimizers.ts (OPTIMIZERS[kind].uniforms).`)])),
});

/** One weight layer of the fused step (fused_step.wgsl). */
export const LAYER_SHAPE = defineStruct('LayerShape', {
  fanIn: u32("Width of the layer's input."),
  fanOut: u32("Width of the layer's output."),
  weightOffset: u32('Index of W[0][0] in the parameter and gradient buffers.'),
  biasOffset: u32('Index of b[0] in the parameter and gradient buffers.'),
  activation: u32('ACT_<NAME> id; ACT_LINEAR for the last layer, whose scratch holds the logits.'),
  activationOffset: u32("Index in `scratch` of the layer's activations [batch, fanOut]."),
  deltaOffset: u32("Index in `scratch` of the layer's deltas ∂L/∂Z [batch, fanOut]."),
  inputOffset: u32("Index in `scratch` of the layer's input [batch, fanIn]: the gathered batch for the first layer."),
});

/** The whole network of the fused step. */
export const NETWORK_SHAPE = defineStruct('NetworkShape', {
  layerCount: u32('Number of weight layers L.'),
  batch: u32('Rows per batch.'),
  layers: { type: LAYER_SHAPE, length: { constant: 'MAX_LAYERS', value: MAX_LAYERS }, doc: 'The first layerCount entries are used.' },
});
