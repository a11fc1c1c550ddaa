/** Every op as a free function (importing this also attaches the Tensor methods). */
import './methods.js';

export * from './activations.js';
export * from './attention.js';
export { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge } from './binary.js';
export * from './cast.js';
export * from './conv.js';
export * from './dropout.js';
export * from './einsum.js';
export * from './embedding.js';
export * from './indexing.js';
export * from './losses.js';
export { linear, matmul, matmulT } from './matmul.js';
export * from './norm.js';
export { defineOp, applyOp, apply1, type OpDefinition, type OpContext } from './op.js';
export * from './reduce.js';
export * from './reorder.js';
export * from './scatter.js';
export * from './shape.js';
export * from './unary.js';
export type { TensorLike } from './util.js';
