/** The "js" reference backend: pure TypeScript kernels over typed arrays. */
import type { Backend } from '../backend.js';
import { addScaled, affine, binary, clamp, dot, powScalar, stridedAdd, stridedCopy, unary, where } from './elementwise.js';
import { nnKernels } from './nn-kernels.js';
import { argReduce, cumsum, reduce } from './reduce.js';

export const jsBackend: Backend = {
  name: 'js',
  ...nnKernels,
  unary, binary, where, clamp, powScalar, affine, addScaled, reduce, argReduce, cumsum, stridedCopy, stridedAdd, dot,
};
