/**
 * 1-D convolution (cross-correlation, as in PyTorch's Conv1d; groups = 1) over
 * x (N, Cin, Lin) with weight (Cout, Cin, K):
 *   out[n, o, t] = bias[o] + Σ_c Σ_κ weight[o, c, κ] · x[n, c, t·stride + κ·dilation − padLeft]
 * with zeros outside [0, Lin) (the seeds' zero padding of sentences).
 *
 * Lowered to the blocked matmul through im2col (Chellapilla et al. 2006): per
 * sample, columns[(c·K + κ), t] holds the input each output position sees, so
 *   out_n = W · columns_n                     (Cout × CinK)·(CinK × Lout)
 *   gW   += gOut_n · columns_nᵀ
 *   gColumns = Wᵀ · gOut_n, scattered back onto gx (col2im).
 * The column matrix is a reused Float64Array scratch, one sample at a time.
 */
import type { Conv1dArgs, FloatArray } from '../backend.js';
import { matmul } from './matmul.js';

let columnScratch = new Float64Array(0);
let columnGradScratch = new Float64Array(0);
let biasSums = new Float64Array(0);

function checkConv1d(op: string, args: Conv1dArgs, arrays: Record<string, [FloatArray | null, number]>): void {
  const fields = ['batch', 'inChannels', 'outChannels', 'inLength', 'outLength', 'kernelSize', 'stride', 'padLeft', 'dilation'] as const;
  for (const name of fields) {
    const value = args[name];
    const min = name === 'stride' || name === 'dilation' || name === 'kernelSize' ? 1 : 0;
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${op}: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
  for (const [name, [array, size]] of Object.entries(arrays)) {
    if (array && array.length < size) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${size}`);
  }
}

function sizesOf(args: Conv1dArgs): Record<string, number> {
  const { batch, inChannels, outChannels, inLength, outLength, kernelSize } = args;
  return {
    x: batch * inChannels * inLength,
    weight: outChannels * inChannels * kernelSize,
    out: batch * outChannels * outLength,
    columns: inChannels * kernelSize * outLength,
  };
}

/** columns[(c·K + κ)·Lout + t] = x[n, c, t·stride + κ·dilation − padLeft], 0 in the padding. */
function im2col(args: Conv1dArgs, x: FloatArray, sample: number, columns: Float64Array): void {
  const { inChannels, inLength, outLength, kernelSize, stride, padLeft, dilation } = args;
  for (let c = 0; c < inChannels; c++) {
    const xRow = (sample * inChannels + c) * inLength;
    for (let kappa = 0; kappa < kernelSize; kappa++) {
      const dest = (c * kernelSize + kappa) * outLength;
      const shift = kappa * dilation - padLeft;
      for (let t = 0; t < outLength; t++) {
        const position = t * stride + shift;
        columns[dest + t] = position >= 0 && position < inLength ? x[xRow + position] : 0;
      }
    }
  }
}

export function conv1dForward(args: Conv1dArgs, x: FloatArray, weight: FloatArray, bias: FloatArray | null, out: FloatArray): void {
  const sizes = sizesOf(args);
  checkConv1d('conv1dForward', args, {
    x: [x, sizes.x], weight: [weight, sizes.weight], bias: [bias, args.outChannels], out: [out, sizes.out],
  });
  const { batch, inChannels, outChannels, outLength, kernelSize } = args;
  const inner = inChannels * kernelSize;
  if (columnScratch.length < sizes.columns) columnScratch = new Float64Array(sizes.columns);
  const columns = columnScratch;
  const outSample = outChannels * outLength;
  for (let n = 0; n < batch; n++) {
    const outView = out.subarray(n * outSample, (n + 1) * outSample);
    if (bias) {
      for (let o = 0; o < outChannels; o++) outView.fill(bias[o], o * outLength, (o + 1) * outLength);
    }
    im2col(args, x, n, columns);
    matmul({
      a: weight, b: columns, out: outView, m: outChannels, n: outLength, k: inner,
      transA: false, transB: false, accumulate: bias !== null,
    });
  }
}

export function conv1dBackward(
  args: Conv1dArgs, x: FloatArray, weight: FloatArray, gOut: FloatArray,
  gx: FloatArray | null, gWeight: FloatArray | null, gBias: FloatArray | null,
): void {
  const sizes = sizesOf(args);
  checkConv1d('conv1dBackward', args, {
    x: [x, sizes.x], weight: [weight, sizes.weight], gOut: [gOut, sizes.out],
    gx: [gx, sizes.x], gWeight: [gWeight, sizes.weight], gBias: [gBias, args.outChannels],
  });
  const { batch, inChannels, outChannels, inLength, outLength, kernelSize, stride, padLeft, dilation } = args;
  const inner = inChannels * kernelSize;
  const outSample = outChannels * outLength;

  if (gBias) {
    // Σ over samples and positions in doubles, added once.
    if (biasSums.length < outChannels) biasSums = new Float64Array(outChannels);
    biasSums.fill(0, 0, outChannels);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < outChannels; o++) {
        const start = n * outSample + o * outLength;
        let sum = 0;
        for (let t = 0; t < outLength; t++) sum += gOut[start + t];
        biasSums[o] += sum;
      }
    }
    for (let o = 0; o < outChannels; o++) gBias[o] += biasSums[o];
  }

  if (gWeight) {
    if (columnScratch.length < sizes.columns) columnScratch = new Float64Array(sizes.columns);
    const columns = columnScratch;
    for (let n = 0; n < batch; n++) {
      im2col(args, x, n, columns);
      matmul({
        a: gOut.subarray(n * outSample, (n + 1) * outSample), b: columns, out: gWeight,
        m: outChannels, n: inner, k: outLength, transA: false, transB: true, accumulate: true,
      });
    }
  }

  if (gx) {
    if (columnGradScratch.length < sizes.columns) columnGradScratch = new Float64Array(sizes.columns);
    const gColumns = columnGradScratch;
    gx.fill(0, 0, sizes.x);
    for (let n = 0; n < batch; n++) {
      matmul({
        a: weight, b: gOut.subarray(n * outSample, (n + 1) * outSample), out: gColumns,
        m: inner, n: outLength, k: outChannels, transA: true, transB: false,
      });
      // col2im: every column entry flows back to the input position it was read from.
      for (let c = 0; c < inChannels; c++) {
        const xRow = (n * inChannels + c) * inLength;
        for (let kappa = 0; kappa < kernelSize; kappa++) {
          const src = (c * kernelSize + kappa) * outLength;
          const shift = kappa * dilation - padLeft;
          for (let t = 0; t < outLength; t++) {
            const position = t * stride + shift;
            if (position >= 0 && position < inLength) gx[xRow + position] += gColumns[src + t];
          }
        }
      }
    }
  }
}
