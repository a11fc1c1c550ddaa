// Conv1d against the direct definition
//   out[n, o, t] = bias[o] + Σ_c Σ_κ w[o, c, κ]·x[n, c, t·stride + κ·dilation − padLeft]  (0 outside)
// and its gradients against central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Conv1dArgs, FloatArray } from '../../src/backend/backend.js';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
import { assertClose, finiteDifferenceGrad, randomArray } from './helpers.js';

function referenceConv(args: Conv1dArgs, x: FloatArray, w: FloatArray, bias: FloatArray | null): Float64Array {
  const { batch, inChannels, outChannels, inLength, outLength, kernelSize, stride, padLeft, dilation } = args;
  const out = new Float64Array(batch * outChannels * outLength);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outChannels; o++) {
      for (let t = 0; t < outLength; t++) {
        let sum = bias ? bias[o] : 0;
        for (let c = 0; c < inChannels; c++) {
          for (let kappa = 0; kappa < kernelSize; kappa++) {
            const position = t * stride + kappa * dilation - padLeft;
            if (position >= 0 && position < inLength) {
              sum += w[(o * inChannels + c) * kernelSize + kappa] * x[(n * inChannels + c) * inLength + position];
            }
          }
        }
        out[(n * outChannels + o) * outLength + t] = sum;
      }
    }
  }
  return out;
}

function makeArgs(batch: number, inChannels: number, outChannels: number, inLength: number, kernelSize: number, stride: number, padLeft: number, padRight: number, dilation: number): Conv1dArgs {
  const outLength = Math.floor((inLength + padLeft + padRight - dilation * (kernelSize - 1) - 1) / stride) + 1;
  return { batch, inChannels, outChannels, inLength, outLength, kernelSize, stride, padLeft, dilation };
}

const configs: Conv1dArgs[] = [
  makeArgs(1, 1, 1, 1, 1, 1, 0, 0, 1),
  makeArgs(2, 3, 4, 10, 3, 1, 1, 1, 1), // 'same' padding
  makeArgs(3, 2, 5, 11, 3, 2, 0, 0, 1), // stride 2
  makeArgs(2, 4, 3, 9, 2, 1, 2, 0, 3), // dilation, causal left padding
  makeArgs(1, 5, 7, 20, 5, 3, 2, 4, 2),
  makeArgs(0, 2, 2, 5, 3, 1, 0, 0, 1),
];

for (const backend of testBackends()) {
  test(`${backend.name}: conv1d forward matches the direct definition (float64 and float32, with and without bias)`, () => {
    const generator = new Generator(70);
    for (const args of configs) {
      for (const type of [Float64Array, Float32Array]) {
        const x = randomArray(generator, args.batch * args.inChannels * args.inLength, type);
        const w = randomArray(generator, args.outChannels * args.inChannels * args.kernelSize, type);
        const bias = randomArray(generator, args.outChannels, type);
        for (const b of [bias, null]) {
          const out = new type(args.batch * args.outChannels * args.outLength).fill(99);
          backend.conv1dForward(args, x, w, b, out);
          const tol = type === Float64Array ? 1e-13 : 1e-6;
          assertClose(out, referenceConv(args, x, w, b), tol, tol, `${type.name} ${JSON.stringify(args)}`);
        }
      }
    }
  });

  test(`${backend.name}: conv1d backward matches finite differences; gWeight and gBias accumulate`, () => {
    const generator = new Generator(71);
    for (const args of configs) {
      const x = randomArray(generator, args.batch * args.inChannels * args.inLength, Float64Array) as Float64Array;
      const w = randomArray(generator, args.outChannels * args.inChannels * args.kernelSize, Float64Array) as Float64Array;
      const bias = randomArray(generator, args.outChannels, Float64Array) as Float64Array;
      const gOut = randomArray(generator, args.batch * args.outChannels * args.outLength, Float64Array);
      const forward = (): Float64Array => {
        const out = new Float64Array(gOut.length);
        backend.conv1dForward(args, x, w, bias, out);
        return out;
      };
      const gx = new Float64Array(x.length).fill(3);
      const gw = new Float64Array(w.length).fill(0.5);
      const gb = new Float64Array(bias.length).fill(-1);
      backend.conv1dBackward(args, x, w, gOut, gx, gw, gb);
      const label = JSON.stringify(args);
      assertClose(gx, finiteDifferenceGrad(x, gOut, forward), 1e-6, 1e-8, `gx ${label}`);
      assertClose(gw, finiteDifferenceGrad(w, gOut, forward).map((g) => g + 0.5), 1e-6, 1e-8, `gWeight ${label}`);
      assertClose(gb, finiteDifferenceGrad(bias, gOut, forward).map((g) => g - 1), 1e-6, 1e-8, `gBias ${label}`);
    }
  });

  test(`${backend.name}: conv1d backward computes only the requested gradients`, () => {
    const generator = new Generator(72);
    const args = configs[1];
    const x = randomArray(generator, args.batch * args.inChannels * args.inLength, Float64Array);
    const w = randomArray(generator, args.outChannels * args.inChannels * args.kernelSize, Float64Array);
    const gOut = randomArray(generator, args.batch * args.outChannels * args.outLength, Float64Array);
    const gw = new Float64Array(w.length);
    backend.conv1dBackward(args, x, w, gOut, null, gw, null);
    const gwBoth = new Float64Array(w.length);
    backend.conv1dBackward(args, x, w, gOut, new Float64Array(x.length), gwBoth, new Float64Array(args.outChannels));
    assert.deepEqual(Array.from(gw), Array.from(gwBoth));
  });

  test(`${backend.name}: conv1d names a short buffer`, () => {
    const args = configs[1];
    assert.throws(() => backend.conv1dForward(args, new Float32Array(3), new Float32Array(36), null, new Float32Array(80)), /conv1dForward: x has 3 elements, needs 60/);
    assert.throws(() => backend.conv1dForward({ ...args, stride: 0 }, new Float32Array(60), new Float32Array(36), null, new Float32Array(80)), /stride must be an integer ≥ 1/);
  });
}
