/** Gradient clipping against hand computations (torch.nn.utils.clip_grad_norm_ / clip_grad_value_). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clipGradNorm, clipGradValue, gradNorm, tensor, type DType, type Tensor } from '../../src/index.js';

/** Parameters whose grads are the given arrays (null = no grad). */
function withGrads(grads: (number[] | null)[], dtype: DType = 'float64'): Tensor[] {
  return grads.map((g) => {
    const p = tensor(new Array<number>(g?.length ?? 1).fill(0), { dtype, requiresGrad: true });
    p.grad = g === null ? null : tensor(g, { dtype });
    return p;
  });
}
const gradsOf = (params: Tensor[]): number[][] => params.map((p) => (p.grad ? Array.from(p.grad.data) : []));

describe('clipGradNorm (global norm over all gradients)', () => {
  test('scales every gradient by maxNorm/(total + 1e-6) and returns the total before clipping', () => {
    // Gradients (3, 4) and (12): global 2-norm √(9 + 16 + 144) = 13.
    const params = withGrads([[3, 4], [12], null]);
    const total = clipGradNorm(params, 6.5);
    assert.equal(total, 13);
    const scale = 6.5 / (13 + 1e-6); // just under ½
    const expected = [[3 * scale, 4 * scale], [12 * scale], []];
    gradsOf(params).forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-15, `grad ${i}[${j}] = ${v}`)));
    // The clipped gradients have norm maxNorm (up to the 1e-6 guard).
    assert.ok(Math.abs(gradNorm(params) - 6.5) < 1e-6);
  });

  test('keeps the direction: per-tensor clipping would not', () => {
    const params = withGrads([[3, 4], [12]]);
    clipGradNorm(params, 1);
    const [[a, b], [c]] = gradsOf(params);
    // Ratios between entries of different tensors are preserved.
    assert.ok(Math.abs(c / a - 4) < 1e-12 && Math.abs(b / a - 4 / 3) < 1e-12);
  });

  test('gradients already within maxNorm are untouched', () => {
    const params = withGrads([[3, 4], [12]]);
    assert.equal(clipGradNorm(params, 13.5), 13);
    assert.deepEqual(gradsOf(params), [[3, 4], [12]]);
  });

  test('other norms: max-abs (Infinity) and 1-norm', () => {
    const inf = withGrads([[3, -4], [-12]]);
    assert.equal(clipGradNorm(inf, 6, { normType: Infinity }), 12);
    assert.ok(Math.abs(gradsOf(inf)[1][0] - (-12 * 6) / (12 + 1e-6)) < 1e-14);
    const one = withGrads([[3, -4], [-12]]);
    assert.equal(clipGradNorm(one, 100, { normType: 1 }), 19);
    assert.equal(gradNorm(withGrads([[1, 1], [1, 1]]), 3), 4 ** (1 / 3));
  });

  test('float32 gradients, a single tensor, and no gradients at all', () => {
    const [p] = withGrads([[6, 8]], 'float32');
    assert.equal(clipGradNorm(p, 5), 10);
    assert.ok(p.grad instanceof Object && Math.abs(p.grad.data[0] - 3) < 1e-6 && Math.abs(p.grad.data[1] - 4) < 1e-6);
    assert.equal(clipGradNorm(withGrads([null, null]), 1), 0);
  });

  test('non-finite norms: propagate like PyTorch, or throw with errorIfNonfinite', () => {
    const params = withGrads([[NaN, 1]]);
    assert.ok(Number.isNaN(clipGradNorm(params, 1)));
    assert.ok(Number.isNaN(params[0].grad?.data[1] ?? 0), 'PyTorch scales by NaN');
    assert.throws(() => clipGradNorm(withGrads([[Infinity]]), 1, { errorIfNonfinite: true }), /clipGradNorm: the total 2-norm of the gradients is Infinity/);
    assert.throws(() => clipGradNorm(withGrads([[1]]), -1), /clipGradNorm: maxNorm must be ≥ 0, got -1/);
  });
});

describe('clipGradValue', () => {
  test('clamps each entry to [−v, v]', () => {
    const params = withGrads([[-3, 0.5, 2], [0.25], null]);
    clipGradValue(params, 1);
    assert.deepEqual(gradsOf(params), [[-1, 0.5, 1], [0.25], []]);
    assert.throws(() => clipGradValue(params, -1), /clipGradValue: clipValue must be a finite number ≥ 0, got -1/);
  });
});
