// The uniforms of the three layer products, shared by their scalar (matmul_*_io.wgsl) and vec4
// (matmul_*_vec4.wgsl) interfaces; packed in this field order by src/gpu/trainer.ts.

struct ForwardParams {
  // Rows of A and of the output (batch size).
  rows: u32,
  // Columns of W and of the output (fan-out).
  cols: u32,
  // Columns of A, rows of W (fan-in).
  inner: u32,
  // Index of W[0][0] in the parameter buffer.
  weightOffset: u32,
  // Index of b[0] in the parameter buffer.
  biasOffset: u32,
  // Activation id (common.wgsl) applied to the output; ACT_LINEAR for the logits of the last layer.
  activation: u32,
  // 1: row r of A is input row rowIndex[step.indexOffset + r] (batch gather); 0: row r itself.
  gatherRows: u32,
  _pad: u32,
}

struct WeightGradParams {
  // Rows of A and dZ (batch size): the length of the sum.
  batch: u32,
  // Columns of A (fan-in); G has inner + 1 rows.
  inner: u32,
  // Columns of dZ and G (fan-out).
  cols: u32,
  // Index of ∂L/∂W[0][0] in the gradient buffer (∂L/∂b follows).
  weightOffset: u32,
  // 1: row r of A is input row rowIndex[step.indexOffset + r]; 0: row r itself.
  gatherRows: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

struct InputGradParams {
  // Rows of dZ and dZ_prev (batch size).
  rows: u32,
  // Columns of dZ (fan-out of this layer): the length of the sum.
  cols: u32,
  // Columns of dZ_prev (fan-in of this layer).
  inner: u32,
  // Index of W[0][0] in the parameter buffer.
  weightOffset: u32,
  // Activation id of the previous layer, whose derivative multiplies the product.
  activation: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}
