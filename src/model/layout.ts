/**
 * The flat parameter layout shared by both trainers, export files and the UI: for each weight layer
 * l in order, W_l as row-major [fanIn, fanOut] followed by b_l [fanOut].
 */

/** Where one weight layer's parameters sit in the flat vector. */
export interface LayerLayout {
  /** Width of the layer's input, n_(l−1). */
  fanIn: number;
  /** Width of the layer's output, n_l. */
  fanOut: number;
  /** Index of W_l[0][0] in the flat vector. */
  weightOffset: number;
  /** Index of b_l[0] in the flat vector. */
  biasOffset: number;
}

export interface ParameterLayout {
  /** One entry per weight layer, input side first. */
  layers: LayerLayout[];
  /** Length of the flat parameter vector. */
  totalParameters: number;
}

export function parameterLayout(widths: readonly number[]): ParameterLayout {
  const layers: LayerLayout[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l];
    const fanOut = widths[l + 1];
    layers.push({ fanIn, fanOut, weightOffset: offset, biasOffset: offset + fanIn * fanOut });
    offset += fanIn * fanOut + fanOut;
  }
  return { layers, totalParameters: offset };
}
