import { createRng, deriveSeed } from './rng';
import { parameterLayout } from './layout';
import type { NetworkSpec } from './spec';

/**
 * Seeded initial parameters in the flat layout. Every value is rounded to float32 so the float64
 * CPU path and the float32 GPU path start from exactly the same weights.
 */
export function initParameters(spec: NetworkSpec): Float64Array {
  const layout = parameterLayout(spec.widths);
  const params = new Float64Array(layout.totalParameters);
  const rng = createRng(deriveSeed(spec.seed, 'weights'));
  for (const layer of layout.layers) {
    const fanSum = spec.init.kind === 'glorot' ? layer.fanIn + layer.fanOut : layer.fanIn;
    const limit = spec.init.scale * Math.sqrt(6 / fanSum);
    const count = layer.fanIn * layer.fanOut;
    for (let i = 0; i < count; i++) params[layer.weightOffset + i] = Math.fround((2 * rng.next() - 1) * limit);
    // Biases stay 0.
  }
  return params;
}
