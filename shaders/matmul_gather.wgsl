// The batch gather of the products that read the layer input (forward and weight gradient, every
// variant): the kernel that includes it declares `params` (with gatherRows), `rowIndex` and `step`.

// Input row of batch row r: through this step's row indices for the first layer, r itself after.
fn batchInputRow(r: u32) -> u32 {
  if (params.gatherRows != 0u) {
    return rowIndex[step.indexOffset + r];
  }
  return r;
}
