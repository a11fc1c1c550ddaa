/** dtype conversion as a differentiable op (float ↔ float); casting to int32 truncates and cuts gradients. */
import { allocate, isFloat, type DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { apply1, defineOp } from './op.js';

function convert(x: Tensor, dtype: DType): Tensor {
  const out = allocate(dtype, x.size);
  if (dtype === 'int32') for (let i = 0; i < x.size; i++) out[i] = Math.trunc(x.data[i]);
  else out.set(x.data);
  return new Tensor(out, x.shape);
}

const castOp = defineOp<{ dtype: DType }>({
  name: 'cast',
  forward: ([x], { dtype }) => convert(x, dtype),
  vjp: ({ inputs: [x] }, [g]) => [g ? cast(g, x.dtype) : null],
  jvp: ({ attrs }, [t]) => [t ? cast(t, attrs.dtype) : null],
});

/** The same values as another dtype (returns `x` itself when the dtype already matches). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  if (!isFloat(dtype)) return convert(x, dtype);
  return apply1(castOp, [x], { dtype });
}
