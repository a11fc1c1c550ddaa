/**
 * lmkit — language models from first principles. This entry point is
 * browser-safe: nothing here imports Node modules (those live in 'lmkit/node').
 */
export * from './tensor/random.js';
export type { DType, FloatDType, TypedArray } from './tensor/dtype.js';
export { ShapeError, type Shape } from './tensor/shape.js';
export { Tensor, type NestedArray } from './tensor/tensor.js';
export * from './tensor/creation.js';
export * from './ops/index.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, detectAnomaly, setDetectAnomaly, AnomalyError } from './autograd/mode.js';
export { backward, type BackwardOptions } from './autograd/tape.js';
export * from './autograd/functional.js';
export * from './autograd/gradcheck.js';
export { setBackend, getBackend, registerBackend, availableBackends } from './backend/index.js';
export type { LanguageModel } from './lm/model.js';
