/**
 * Every op against PyTorch on the same inputs (test/fixtures/ops.json, written by
 * scripts/fixtures/ops.py): outputs and vector–Jacobian products in float64 and
 * float32, then gradcheck (finite differences, both modes, and the adjoint
 * identity) on every case whose inputs are not deliberately extreme.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Tensor, type DType } from '../../src/index.js';
import { assertClose, decodeNumber, fitsFloat32, readFixture, toTensor, TOLERANCE, type FixtureTensor, type OpFixtureCase } from '../helpers/fixtures.js';
import { describeEachBackend } from '../backend/backends.js';

type OpCase = OpFixtureCase;

type Attrs = Record<string, unknown>;
type Runner = (inputs: Tensor[], attrs: Attrs) => Tensor | Tensor[];

const num = (v: unknown): number => decodeNumber(v as number | string);
const dims = (v: unknown): number[] | null => (v === null || v === undefined ? null : (v as number[]));

/** How each fixture op name maps onto lmkit's API. */
const runners: Record<string, Runner> = {
  neg: ([x]) => lm.neg(x), exp: ([x]) => lm.exp(x), log: ([x]) => lm.log(x), sqrt: ([x]) => lm.sqrt(x),
  rsqrt: ([x]) => lm.rsqrt(x), abs: ([x]) => lm.abs(x), sin: ([x]) => lm.sin(x), cos: ([x]) => lm.cos(x),
  sigmoid: ([x]) => lm.sigmoid(x), tanh: ([x]) => lm.tanh(x), relu: ([x]) => lm.relu(x), erf: ([x]) => lm.erf(x),
  gelu: ([x], a) => lm.gelu(x, a.approximate as 'none' | 'tanh'),
  clamp: ([x], a) => lm.clamp(x, a.min === undefined ? null : num(a.min), a.max === undefined ? null : num(a.max)),
  powScalar: ([x], a) => lm.powScalar(x, num(a.exponent)),
  add: ([a, b]) => lm.add(a, b), sub: ([a, b]) => lm.sub(a, b), mul: ([a, b]) => lm.mul(a, b), div: ([a, b]) => lm.div(a, b),
  pow: ([a, b]) => lm.pow(a, b), maximum: ([a, b]) => lm.maximum(a, b), minimum: ([a, b]) => lm.minimum(a, b),
  sum: ([x], a) => lm.sum(x, dims(a.dim), a.keepdim as boolean),
  mean: ([x], a) => lm.mean(x, dims(a.dim), a.keepdim as boolean),
  max: ([x], a) => lm.max(x, dims(a.dim), a.keepdim as boolean),
  min: ([x], a) => lm.min(x, dims(a.dim), a.keepdim as boolean),
  logsumexp: ([x], a) => lm.logsumexp(x, dims(a.dim), a.keepdim as boolean),
  var: ([x], a) => lm.variance(x, dims(a.dim), { keepdim: a.keepdim as boolean, correction: a.correction as number }),
  std: ([x], a) => lm.std(x, dims(a.dim), { keepdim: a.keepdim as boolean, correction: a.correction as number }),
  matmul: ([a, b]) => lm.matmul(a, b),
  linear: ([x, w, b]) => lm.linear(x, w, b ?? null),
  softmax: ([x], a) => lm.softmax(x, a.dim as number),
  logSoftmax: ([x], a) => lm.logSoftmax(x, a.dim as number),
  crossEntropy: ([x, t], a) => lm.crossEntropy(x, t, { reduction: a.reduction as lm.Reduction, ignoreIndex: a.ignoreIndex as number, labelSmoothing: a.labelSmoothing as number }),
  nllLoss: ([x, t], a) => lm.nllLoss(x, t, { reduction: a.reduction as lm.Reduction, ignoreIndex: a.ignoreIndex as number }),
  mseLoss: ([x, t], a) => lm.mseLoss(x, t, { reduction: a.reduction as lm.Reduction }),
  l1Loss: ([x, t], a) => lm.l1Loss(x, t, { reduction: a.reduction as lm.Reduction }),
  binaryCrossEntropy: ([x, t], a) => lm.binaryCrossEntropy(x, t, { reduction: a.reduction as lm.Reduction }),
  binaryCrossEntropyWithLogits: ([x, t], a) => lm.binaryCrossEntropyWithLogits(x, t, { reduction: a.reduction as lm.Reduction }),
  layerNorm: ([x, w, b], a) => lm.layerNorm(x, a.normalizedShape as number[], w ?? null, b ?? null, a.eps as number),
  embedding: ([w, ids]) => lm.embedding(w, ids),
  conv1d: ([x, w, b], a) => lm.conv1d(x, w, b ?? null, { stride: a.stride as number, padding: a.padding as number | 'same', dilation: a.dilation as number }),
  scaledDotProductAttention: ([q, k, v, mask], a) =>
    lm.scaledDotProductAttention(q, k, v, { isCausal: a.isCausal as boolean, attnMask: mask ?? null, scale: a.scale === undefined ? undefined : num(a.scale) }),
  reshape: ([x], a) => lm.reshape(x, a.shape as number[]),
  permute: ([x], a) => lm.permute(x, a.dims as number[]),
  transpose: ([x], a) => lm.transpose(x, a.dim0 as number, a.dim1 as number),
  squeeze: ([x], a) => lm.squeeze(x, a.dim as number | undefined),
  unsqueeze: ([x], a) => lm.unsqueeze(x, a.dim as number),
  expand: ([x], a) => lm.expand(x, a.shape as number[]),
  slice: ([x], a) => lm.slice(x, a.dim as number, a.start as number | null, a.end as number | null, a.step as number),
  cat: (xs, a) => lm.cat(xs, a.dim as number),
  stack: (xs, a) => lm.stack(xs, a.dim as number),
  split: ([x], a) => lm.split(x, a.splitSize as number | number[], a.dim as number),
  chunk: ([x], a) => lm.chunk(x, a.chunks as number, a.dim as number),
  gather: ([x, i], a) => lm.gather(x, a.dim as number, i),
  indexSelect: ([x, i], a) => lm.indexSelect(x, a.dim as number, i),
  where: ([c, x, y]) => lm.where(c, x, y),
  maskedFill: ([x, m], a) => lm.maskedFill(x, m, num(a.value)),
  triu: ([x], a) => lm.triu(x, a.diagonal as number),
  tril: ([x], a) => lm.tril(x, a.diagonal as number),
  cumsum: ([x], a) => lm.cumsum(x, a.dim as number),
  argmax: ([x], a) => lm.argmax(x, a.dim as number | null, a.keepdim as boolean),
  argmin: ([x], a) => lm.argmin(x, a.dim as number | null, a.keepdim as boolean),
  topk: ([x], a) => { const r = lm.topk(x, a.k as number, a.dim as number, a.largest as boolean); return [r.values, r.indices]; },
  sort: ([x], a) => { const r = lm.sort(x, a.dim as number, a.descending as boolean); return [r.values, r.indices]; },
  eq: ([a, b]) => lm.eq(a, b), ne: ([a, b]) => lm.ne(a, b), lt: ([a, b]) => lm.lt(a, b),
  le: ([a, b]) => lm.le(a, b), gt: ([a, b]) => lm.gt(a, b), ge: ([a, b]) => lm.ge(a, b),
};

const asList = (r: Tensor | Tensor[]): Tensor[] => (r instanceof Tensor ? [r] : r);

/** Run a case: outputs, then backward of Σ sum(out ⊙ upstream) for the float inputs PyTorch differentiated. */
function runCase(c: OpCase, dtype: DType): { outputs: Tensor[]; grads: (Tensor | null)[] } {
  const inputs = c.inputs.map((t, i) => {
    const x = toTensor(t, dtype);
    if (c.grads[i]) x.requiresGrad = true;
    return x;
  });
  const outputs = asList(runners[c.op](inputs, c.attrs));
  let total: Tensor | null = null;
  c.upstream.forEach((u, o) => {
    if (!u || !outputs[o].requiresGrad) return;
    const term = lm.sum(lm.mul(outputs[o], toTensor(u, dtype)));
    total = total ? lm.add(total, term) : term;
  });
  if (total) (total as Tensor).backward();
  return { outputs, grads: inputs.map((x, i) => (c.grads[i] ? x.grad : null)) };
}

/** Cases chosen to probe numerical edges: finite differences are not meaningful there. */
const extreme = /extreme|huge|negInf|clampedLog|constantRow/;

const { cases } = readFixture<{ cases: OpCase[] }>('ops.json');

// Every suite below runs once per available backend (js, and native / wasm when
// they load): the same PyTorch references for every set of kernels.
describeEachBackend(() => {
  describe('ops match PyTorch', () => {
    test('every fixture op has a runner', () => {
      const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !runners[op]);
      assert.deepEqual(missing, []);
    });
    for (const dtype of ['float64', 'float32'] as const) {
      describe(dtype, () => {
        for (const c of cases) {
          const all = [...c.inputs, ...c.outputs, ...c.grads.filter((g): g is FixtureTensor => !!g)];
          if (dtype === 'float32' && !all.every(fitsFloat32)) continue;
          test(c.name, () => {
            const tol = TOLERANCE[dtype];
            const { outputs, grads } = runCase(c, dtype);
            assert.equal(outputs.length, c.outputs.length, 'number of outputs');
            c.outputs.forEach((expected, o) => assertClose(outputs[o], expected, tol, `output ${o}`));
            c.grads.forEach((expected, i) => {
              if (!expected) return;
              const got = grads[i];
              assert.ok(got, `input ${i} received no gradient`);
              assertClose(got, expected, tol, `grad of input ${i}`);
            });
          });
        }
      });
    }
  });

  describe('gradcheck (finite differences, forward and reverse mode)', () => {
    for (const c of cases) {
      if (extreme.test(c.name) || !c.grads.some((g) => g)) continue;
      test(c.name, () => {
        const inputs = c.inputs.map((t) => toTensor(t, 'float64'));
        const differentiable = c.grads.map((g) => !!g);
        // Check the op as a function of its differentiable inputs; the rest are constants.
        const fixed = inputs.map((x, i) => (differentiable[i] ? null : x));
        const f = (...xs: Tensor[]): Tensor => {
          let k = 0;
          const args = fixed.map((x) => x ?? xs[k++]);
          const outs = asList(runners[c.op](args, c.attrs));
          if (outs.length === 1) return outs[0];
          // Several outputs (split, topk, …): check the scalar Σ sum(out ⊙ upstream).
          let total: Tensor | null = null;
          outs.forEach((o, idx) => {
            const u = c.upstream[idx];
            if (!u) return;
            const term = lm.sum(lm.mul(o, toTensor(u, 'float64')));
            total = total ? lm.add(total, term) : term;
          });
          return total as unknown as Tensor;
        };
        lm.gradcheck(f, inputs.filter((_, i) => differentiable[i]), { eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
      });
    }
  });
});
