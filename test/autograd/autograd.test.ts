import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { tensor, Tensor } from '../../src/index.js';

const f64 = (v: lm.NestedArray, requiresGrad = false): Tensor => tensor(v, { dtype: 'float64', requiresGrad });

describe('seed 002: forward-mode trace of y = log x1 + x1·x2 − sin x2 at (2, 5)', () => {
  const f = (x1: Tensor, x2: Tensor): Tensor => lm.sub(lm.add(lm.log(x1), lm.mul(x1, x2)), lm.sin(x2));
  test('primal and tangent match the seed (y = 11.652, ∂y/∂x1 = 5.5)', () => {
    // Tangent seed ẋ1 = 1, ẋ2 = 0: ẏ = 1/x1 + x2 = 0.5 + 5 = 5.5.
    const [y, dy] = lm.jvp(f, [f64(2), f64(5)], [f64(1), f64(0)]);
    assert.equal(Number(y.item().toFixed(3)), 11.652);
    assert.equal(dy.item(), 5.5);
    // ∂y/∂x2 = x1 − cos x2.
    const [, dy2] = lm.jvp(f, [f64(2), f64(5)], [f64(0), f64(1)]);
    assert.ok(Math.abs(dy2.item() - (2 - Math.cos(5))) < 1e-15);
  });
  test('reverse mode gives the same gradient', () => {
    const [g1, g2] = lm.grad(f, { argnums: [0, 1] })(f64(2), f64(5)) as Tensor[];
    assert.equal(g1.item(), 5.5);
    assert.ok(Math.abs(g2.item() - (2 - Math.cos(5))) < 1e-15);
  });
});

describe('reverse mode', () => {
  test('a tensor used twice accumulates both contributions (seed Version B)', () => {
    // y = x·x + 3x ⇒ dy/dx = 2x + 3 = 7 at x = 2.
    const x = f64(2, true);
    lm.add(lm.mul(x, x), lm.mul(x, 3)).backward();
    assert.equal(x.grad?.item(), 7);
  });
  test('gradients accumulate across backward calls until zeroed', () => {
    const x = f64([1, 2], true);
    lm.sum(lm.mul(x, x)).backward();
    lm.sum(lm.mul(x, x)).backward();
    assert.deepEqual(x.grad?.toArray(), [4, 8]);
  });
  test('backward on a non-scalar without a gradient is an error', () => {
    const x = f64([1, 2], true);
    assert.throws(() => lm.mul(x, 2).backward(), /pass a gradient of that shape/);
  });
  test('backward through a cut graph is an error, not a silent zero', () => {
    const x = f64([1, 2], true);
    const y = lm.sum(lm.mul(x, 2).detach());
    assert.throws(() => y.backward(), /does not require grad/);
    const z = lm.noGrad(() => lm.sum(lm.mul(x, 2)));
    assert.throws(() => z.backward(), /does not require grad/);
  });
  test('a freed graph cannot be traversed twice unless retained', () => {
    const x = f64([1, 2], true);
    const y = lm.sum(lm.exp(x));
    y.backward();
    assert.throws(() => y.backward(), /already freed/);
    const w = f64([1, 2], true);
    const v = lm.sum(lm.exp(w));
    v.backward(null, { retainGraph: true });
    v.backward();
    assert.ok(Math.abs((w.grad?.data[0] ?? 0) - 2 * Math.E) < 1e-12);
  });
  test('explicit upstream gradient for a non-scalar output', () => {
    const x = f64([1, 2, 3], true);
    lm.mul(x, x).backward(f64([1, 0, 2]));
    assert.deepEqual(x.grad?.toArray(), [2, 0, 12]);
  });
  test('int tensors cannot require grad', () => {
    assert.throws(() => { lm.arange(3).requiresGrad = true; }, /only float tensors/);
  });
  test('deep graphs do not overflow the stack', () => {
    const x = f64(1, true);
    let y: Tensor = x;
    for (let i = 0; i < 20000; i++) y = lm.mul(y, 1);
    y.backward();
    assert.equal(x.grad?.item(), 1);
  });
});

describe('functional transforms', () => {
  test('vjp and jvp satisfy ⟨vjp(u), v⟩ = ⟨u, jvp(v)⟩ on a matrix function', () => {
    const w = lm.randn([4, 3], { dtype: 'float64', generator: new lm.Generator(1) });
    const f = (x: Tensor): Tensor => lm.tanh(lm.matmul(w, x));
    const x = lm.randn([3], { dtype: 'float64', generator: new lm.Generator(2) });
    const u = lm.randn([4], { dtype: 'float64', generator: new lm.Generator(3) });
    const v = lm.randn([3], { dtype: 'float64', generator: new lm.Generator(4) });
    const [, vj] = lm.vjp(f, x, u);
    const [, jv] = lm.jvp(f, x, v);
    const left = lm.sum(lm.mul(vj as Tensor, v)).item(), right = lm.sum(lm.mul(u, jv)).item();
    assert.ok(Math.abs(left - right) < 1e-12);
  });
  test('jacobian: forward and reverse strategies agree with the analytic Jacobian', () => {
    // f(x) = [x0·x1, sin x0, x1²] ⇒ J = [[x1, x0], [cos x0, 0], [0, 2x1]].
    const f = (x: Tensor): Tensor => lm.stack([lm.mul(lm.select(x, 0, 0), lm.select(x, 0, 1)), lm.sin(lm.select(x, 0, 0)), lm.square(lm.select(x, 0, 1))]);
    const x = f64([0.5, -2]);
    const expected = [[-2, 0.5], [Math.cos(0.5), 0], [0, -4]];
    for (const strategy of ['forward', 'reverse', 'auto'] as const) {
      const jac = lm.jacobian(f, x, { strategy }) as Tensor;
      assert.deepEqual(jac.shape, [3, 2]);
      const got = jac.toArray() as number[][];
      got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-15, `${strategy} J[${i}][${j}]`)));
    }
  });
  test('grad does not touch the caller\'s tensors', () => {
    const x = f64([1, 2], true);
    const g = lm.grad((t) => lm.sum(lm.mul(t, t)))(x) as Tensor;
    assert.deepEqual(g.toArray(), [2, 4]);
    assert.equal(x.grad, null);
  });
  test('gradcheck catches a wrong gradient rule', () => {
    // An op whose VJP is deliberately off by a factor 2.
    const wrong = lm.defineOp<null>({
      name: 'wrongSquare',
      forward: ([x]) => new Tensor(x.data.map((v) => v * v), x.shape),
      vjp: ({ inputs: [x] }, [g]) => [g ? lm.mul(g, lm.mul(x, 4)) : null],
      jvp: ({ inputs: [x] }, [t]) => [t ? lm.mul(t, lm.mul(x, 2)) : null],
    });
    const f = (x: Tensor): Tensor => lm.apply1(wrong, [x], null);
    assert.throws(() => lm.gradcheck(f, [f64([1, 2])]), /reverse mode/);
    assert.throws(() => lm.gradcheck(f, [f64([1, 2])], { checkReverse: false, checkForward: true }) && lm.gradcheck(f, [f64([1, 2])]), lm.GradcheckError);
  });
  test('gradcheck requires float64', () => {
    assert.throws(() => lm.gradcheck((x) => lm.exp(x), [tensor([1, 2])]), /float64/);
  });
});

describe('anomaly mode', () => {
  test('names the op whose forward first produced NaN', () => {
    const x = f64([-1, 2], true);
    assert.throws(() => lm.detectAnomaly(() => lm.sqrt(x)), (err: Error) => err instanceof lm.AnomalyError && /'sqrt'/.test(err.message) && /forward/.test(err.message));
  });
  test('names the op whose backward first produced Inf', () => {
    // d/dx √x at 0 is +Inf although the forward value 0 is finite.
    const x = f64([0, 4], true);
    assert.throws(() => lm.detectAnomaly(() => lm.sum(lm.sqrt(x)).backward()), (err: Error) => /backward of op 'sqrt'/.test(err.message));
  });
});

describe('split is one op with several outputs', () => {
  test('unbind pieces share one backward concatenation and are gradient-correct', () => {
    // y = Σ_t t·x_t over unbound rows ⇒ dy/dx_t = t (each row gets its own index as gradient).
    const x = lm.zeros([5, 3], { dtype: 'float64', requiresGrad: true });
    const rows = lm.unbind(x, 0);
    assert.equal(rows.length, 5);
    assert.equal(rows[0].node, rows[4].node, 'all pieces come from one node');
    rows.reduce<Tensor | null>((acc, r, t) => { const term = lm.sum(lm.mul(r, t)); return acc ? lm.add(acc, term) : term; }, null)?.backward();
    assert.deepEqual(x.grad?.toArray(), [0, 1, 2, 3, 4].map((t) => [t, t, t]));
    lm.gradcheck((a) => lm.stack(lm.unbind(a, 1).map((p, i) => lm.mul(p, i + 1)), 0), [lm.randn([2, 3], { dtype: 'float64' })]);
  });
});
