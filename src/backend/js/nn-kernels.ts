/**
 * The heavy ("nn") kernels of the js backend: every member of `Kernels` except
 * `name`. The backend entry merges them with the elementwise kernels.
 */
import type { Kernels } from '../backend.js';
import { adamwUpdate } from './adamw.js';
import { attentionBackward, attentionForward } from './attention.js';
import { conv1dBackward, conv1dForward } from './conv1d.js';
import { crossEntropyBackward, crossEntropyForward } from './cross-entropy.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { geluBackward, geluForward } from './gelu.js';
import { layerNormBackward, layerNormForward } from './layer-norm.js';
import { matmul } from './matmul.js';
import { logSoftmaxBackward, logSoftmaxForward, softmaxBackward, softmaxForward } from './softmax.js';

export const nnKernels: Omit<Kernels, 'name'> = {
  matmul,
  softmaxForward,
  softmaxBackward,
  logSoftmaxForward,
  logSoftmaxBackward,
  crossEntropyForward,
  crossEntropyBackward,
  layerNormForward,
  layerNormBackward,
  geluForward,
  geluBackward,
  attentionForward,
  attentionBackward,
  embeddingForward,
  embeddingBackward,
  conv1dForward,
  conv1dBackward,
  adamwUpdate,
};
