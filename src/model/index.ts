export * from './activations';
export * from './batches';
export * from './init';
export * from './layout';
export * from './rng';
export * from './spec';
export * from './validate';
