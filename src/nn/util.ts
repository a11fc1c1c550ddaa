/** Small helpers shared by the layers: parameter creation and input-shape checks with clear errors. */
import type { FloatDType } from '../tensor/dtype.js';
import { zeros } from '../tensor/creation.js';
import { formatShape, ShapeError, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

/** A zero-filled parameter; the layer's initializer fills it. */
export function emptyParameter(shape: Shape, dtype: FloatDType = 'float32'): Parameter {
  return new Parameter(zeros(shape, { dtype }));
}

/** Throw a ShapeError naming the module, the input's shape and the expected one. */
export function shapeError(module: string, role: string, actual: Tensor, expected: string): ShapeError {
  return new ShapeError(`${module}: ${role} has shape ${formatShape(actual.shape)}, expected ${expected}`);
}

export function requirePositiveInteger(module: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${module}: ${name} must be a positive integer, got ${value}`);
}

export function requireProbability(module: string, name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${module}: ${name} must be in [0, 1], got ${value}`);
}
