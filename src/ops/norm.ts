/**
 * Layer normalization (Ba et al. 2016; seed 000's LayerNorm): normalize over the
 * trailing `normalizedShape` dims, then scale and shift. Fused forward saves the
 * per-row mean and 1/σ; the fused backward uses them (llm.c's layernorm pair).
 */
import { kernels, type FloatArray } from '../backend/index.js';
import { formatShape, ShapeError, sizeOf } from '../tensor/shape.js';
import { emptyTensor, outputTensor, Tensor } from '../tensor/tensor.js';
import { add, mul, sub } from './arithmetic.js';
import { applyOp, defineOp } from './op.js';
import { mean } from './reduce.js';
import { reshape } from './shape.js';
import { requireFloat } from './util.js';

interface LayerNormAttrs { cols: number; eps: number; hasWeight: boolean; hasBias: boolean }
interface LayerNormSaved { mean: Tensor; rstd: Tensor }

const layerNormOp = defineOp<LayerNormAttrs, LayerNormSaved>({
  name: 'layerNorm',
  forward: (inputs, { cols, eps, hasWeight, hasBias }) => {
    const x = inputs[0];
    const weight = hasWeight ? inputs[1] : null;
    const bias = hasBias ? inputs[hasWeight ? 2 : 1] : null;
    const rows = cols === 0 ? 0 : x.size / cols;
    const out = outputTensor(x.shape, x.dtype);
    const meanT = emptyTensor([rows, 1], x.dtype), rstdT = emptyTensor([rows, 1], x.dtype);
    kernels.layerNormForward(
      x.data as FloatArray, (weight?.data ?? null) as FloatArray | null, (bias?.data ?? null) as FloatArray | null,
      out.data as FloatArray, meanT.data as FloatArray, rstdT.data as FloatArray, rows, cols, eps,
    );
    return { outputs: [out], saved: { mean: meanT, rstd: rstdT } };
  },
  vjp: ({ inputs, attrs: { cols, hasWeight, hasBias }, saved }, [g]) => {
    if (!g) return inputs.map(() => null);
    const x = inputs[0];
    const weight = hasWeight ? inputs[1] : null;
    const rows = cols === 0 ? 0 : x.size / cols;
    const gx = outputTensor(x.shape, x.dtype);
    const gWeight = weight ? emptyTensor(weight.shape, weight.dtype) : null;
    const gBias = hasBias ? emptyTensor([cols], x.dtype) : null;
    kernels.layerNormBackward(
      x.data as FloatArray, (weight?.data ?? null) as FloatArray | null, saved.mean.data as FloatArray, saved.rstd.data as FloatArray,
      g.data as FloatArray, gx.data as FloatArray, (gWeight?.data ?? null) as FloatArray | null, (gBias?.data ?? null) as FloatArray | null, rows, cols,
    );
    const grads: (Tensor | null)[] = [gx];
    if (weight) grads.push(gWeight);
    if (hasBias) grads.push(gBias && reshape(gBias, inputs[inputs.length - 1].shape));
    return grads;
  },
  // ŷ = (x − μ)·r;  dŷ = r·(t − mean(t) − ŷ·mean(t·ŷ));  ty = dŷ·w + ŷ·t_w + t_b.
  jvp: ({ inputs, attrs: { cols, hasWeight, hasBias }, saved }, tangents) => {
    const x = inputs[0];
    const rowsShape = [x.size / cols, cols];
    const x2 = reshape(x, rowsShape);
    const xHat = mul(sub(x2, saved.mean), saved.rstd);
    let ty: Tensor | null = null;
    const tx = tangents[0];
    if (tx) {
      const t2 = reshape(tx, rowsShape);
      const dHat = mul(saved.rstd, sub(sub(t2, mean(t2, -1, true)), mul(xHat, mean(mul(t2, xHat), -1, true))));
      ty = hasWeight ? mul(dHat, reshape(inputs[1], [cols])) : dHat;
    }
    const tw = hasWeight ? tangents[1] : null;
    if (tw) ty = ty ? add(ty, mul(xHat, reshape(tw, [cols]))) : mul(xHat, reshape(tw, [cols]));
    const tb = hasBias ? tangents[hasWeight ? 2 : 1] : null;
    if (tb) ty = ty ? add(ty, reshape(tb, [cols])) : add(mul(xHat, 0), reshape(tb, [cols]));
    return [ty && reshape(ty, x.shape)];
  },
});

/**
 * LayerNorm over the trailing dims given by `normalizedShape` (a number means the
 * last dim). `weight`/`bias` have shape `normalizedShape` and may be null.
 */
export function layerNorm(
  x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5,
): Tensor {
  requireFloat('layerNorm', x);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const trailing = x.shape.slice(x.ndim - shape.length);
  if (shape.length > x.ndim || trailing.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`layerNorm: normalizedShape ${formatShape(shape)} does not match the trailing dims of input ${formatShape(x.shape)}`);
  }
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p && (p.ndim !== shape.length || p.shape.some((d, i) => d !== shape[i]))) {
      throw new ShapeError(`layerNorm: ${name} has shape ${formatShape(p.shape)}, expected ${formatShape(shape)}`);
    }
  }
  const inputs = [x];
  if (weight) inputs.push(weight);
  if (bias) inputs.push(bias);
  return applyOp(layerNormOp, inputs, { cols: sizeOf(shape), eps, hasWeight: !!weight, hasBias: !!bias })[0];
}
