/**
 * 1-D convolution (PyTorch layout (N, Cin, L) or unbatched (Cin, L)), with
 * stride, zero padding (a number or 'same'), dilation and groups — seed 003's
 * Collobert & Weston window convolution over word embeddings is conv1d with
 * kernel = window size.
 */
import { kernels, type Conv1dArgs, type FloatArray } from '../backend/index.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { add } from './arithmetic.js';
import { applyOp, defineOp } from './op.js';
import { cat, split, squeeze, unsqueeze } from './shape.js';
import { requireFloat } from './util.js';
import { rejectUnknownOptions } from '../options.js';

export interface Conv1dOptions {
  stride?: number;
  /** Zeros added on both sides, or 'same' (output length = input length; stride must be 1). */
  padding?: number | 'same' | 'valid';
  dilation?: number;
  /**
   * Split the channels into this many independent convolutions (PyTorch's
   * `groups`): group g maps input channels g·Cin/groups … to output channels
   * g·Cout/groups …, and the weight is (Cout, Cin/groups, K). Default 1.
   */
  groups?: number;
}

const CONV1D_OPTIONS: readonly (keyof Conv1dOptions)[] = ['stride', 'padding', 'dilation', 'groups'];

interface ConvAttrs { geometry: Conv1dArgs; hasBias: boolean }

const conv1dOp = defineOp<ConvAttrs>({
  name: 'conv1d',
  forward: (inputs, { geometry, hasBias }) => {
    const [x, weight] = inputs;
    const bias = hasBias ? inputs[2] : null;
    const out = emptyTensor([geometry.batch, geometry.outChannels, geometry.outLength], x.dtype);
    kernels.conv1dForward(geometry, x.data as FloatArray, weight.data as FloatArray, (bias?.data ?? null) as FloatArray | null, out.data as FloatArray);
    return out;
  },
  vjp: ({ inputs, attrs: { geometry, hasBias } }, [g]) => {
    if (!g) return inputs.map(() => null);
    const [x, weight] = inputs;
    const gx = x.requiresGrad ? emptyTensor(x.shape, x.dtype) : null;
    const gw = weight.requiresGrad ? emptyTensor(weight.shape, weight.dtype) : null;
    const gb = hasBias && inputs[2].requiresGrad ? emptyTensor(inputs[2].shape, x.dtype) : null;
    kernels.conv1dBackward(
      geometry, x.data as FloatArray, weight.data as FloatArray, g.data as FloatArray,
      (gx?.data ?? null) as FloatArray | null, (gw?.data ?? null) as FloatArray | null, (gb?.data ?? null) as FloatArray | null,
    );
    return hasBias ? [gx, gw, gb] : [gx, gw];
  },
  // Bilinear in (x, w) plus the bias: t_y = conv(t_x, w) + conv(x, t_w) + t_b.
  jvp: ({ inputs, attrs }, tangents) => {
    const [x, weight] = inputs;
    const noBias = { geometry: attrs.geometry, hasBias: false };
    const parts: Tensor[] = [];
    if (tangents[0]) parts.push(applyOp(conv1dOp, [tangents[0], weight], noBias)[0]);
    if (tangents[1]) parts.push(applyOp(conv1dOp, [x, tangents[1]], noBias)[0]);
    if (attrs.hasBias && tangents[2]) {
      const zeroInput = emptyTensor(x.shape, x.dtype), zeroWeight = emptyTensor(weight.shape, weight.dtype);
      parts.push(applyOp(conv1dOp, [zeroInput, zeroWeight, tangents[2]], attrs)[0]);
    }
    return [parts.length ? parts.reduce((a, b) => add(a, b)) : null];
  },
});

/**
 * conv1d(x (N, Cin, L), weight (Cout, Cin/groups, K), bias (Cout) | null) → (N, Cout, Lout);
 * an unbatched x (Cin, L) gives (Cout, Lout), as torch.nn.functional.conv1d.
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv1dOptions = {}): Tensor {
  rejectUnknownOptions('conv1d', options, CONV1D_OPTIONS);
  requireFloat('conv1d', x);
  requireFloat('conv1d', weight, 'weight');
  if (x.ndim === 2) return squeeze(conv1d(unsqueeze(x, 0), weight, bias, options), 0);
  if (x.ndim !== 3) throw new ShapeError(`conv1d: input must be (N, Cin, L) or unbatched (Cin, L), got ${formatShape(x.shape)}`);
  if (weight.ndim !== 3) throw new ShapeError(`conv1d: weight must be (Cout, Cin/groups, K), got ${formatShape(weight.shape)}`);
  const inChannels = x.shape[1];
  const [outChannels, weightIn] = weight.shape;
  const groups = options.groups ?? 1;
  if (!(Number.isInteger(groups) && groups >= 1)) throw new RangeError(`conv1d: groups must be a positive integer, got ${groups}`);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new RangeError(`conv1d: groups ${groups} must divide both the input channels (${inChannels}) and the output channels (${outChannels})`);
  }
  if (weightIn * groups !== inChannels) {
    throw new ShapeError(`conv1d: input ${formatShape(x.shape)} has ${inChannels} channels but weight ${formatShape(weight.shape)} with groups ${groups} expects ${weightIn * groups}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(`conv1d: bias must have shape [${outChannels}], got ${formatShape(bias.shape)}`);
  }
  if (groups === 1) return singleConv1d(x, weight, bias, options);
  // Independent convolutions over channel blocks, joined on the channel dim:
  // composed from ops, so both autodiff modes come from split/cat and conv1d.
  const xs = split(x, inChannels / groups, 1);
  const ws = split(weight, outChannels / groups, 0);
  const bs = bias ? split(bias, outChannels / groups, 0) : null;
  return cat(xs.map((xg, g) => singleConv1d(xg, ws[g], bs ? bs[g] : null, options)), 1);
}

/** One convolution with every input channel feeding every output channel (checked shapes). */
function singleConv1d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv1dOptions): Tensor {
  const [batch, inChannels, inLength] = x.shape;
  const [outChannels, , kernelSize] = weight.shape;
  const stride = options.stride ?? 1, dilation = options.dilation ?? 1;
  if (!(Number.isInteger(stride) && stride >= 1)) throw new RangeError(`conv1d: stride must be a positive integer, got ${stride}`);
  if (!(Number.isInteger(dilation) && dilation >= 1)) throw new RangeError(`conv1d: dilation must be a positive integer, got ${dilation}`);
  const span = dilation * (kernelSize - 1);
  const [padLeft, padRight] = conv1dPadding(options.padding ?? 0, span, stride);
  const outLength = Math.floor((inLength + padLeft + padRight - span - 1) / stride) + 1;
  if (outLength < 1) {
    throw new ShapeError(`conv1d: input length ${inLength} (padded ${inLength + padLeft + padRight}) is shorter than the dilated kernel (${span + 1})`);
  }
  const geometry: Conv1dArgs = { batch, inChannels, outChannels, inLength, outLength, kernelSize, stride, padLeft, dilation };
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return applyOp(conv1dOp, inputs, { geometry, hasBias: !!bias })[0];
}

/**
 * [left, right] padding for a kernel spanning `span` + 1 positions: 'same'
 * pads span in total with the odd extra position on the right (as PyTorch).
 */
export function conv1dPadding(padding: number | 'same' | 'valid', span: number, stride: number): [number, number] {
  if (padding === 'same') {
    if (stride !== 1) throw new RangeError("conv1d: padding 'same' needs stride 1 (as in PyTorch)");
    const left = Math.floor(span / 2);
    return [left, span - left];
  }
  if (padding === 'valid') return [0, 0];
  if (!(Number.isInteger(padding) && padding >= 0)) throw new RangeError(`conv1d: padding must be a non-negative integer, 'same' or 'valid', got ${padding}`);
  return [padding, padding];
}
