/**
 * Function transforms over tensors: grad, valueAndGrad, vjp (reverse mode),
 * jvp (forward mode — tangents pushed through each op's JVP rule, not finite
 * differences and not reverse mode in disguise) and jacobian, which picks the
 * mode by shape as seed 002 argues: forward mode costs one pass per input
 * element, reverse one per output element, so forward wins for N ≪ M.
 */
import { cast } from '../ops/cast.js';
import { isFloat } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { autogradState, enableGrad } from './mode.js';
import { backward } from './tape.js';

type Fn = (...inputs: Tensor[]) => Tensor;

function list(x: Tensor | readonly Tensor[]): Tensor[] {
  return x instanceof Tensor ? [x] : [...x];
}

/** Fresh leaves sharing the inputs' storage, so transforms never touch the caller's `.grad`. */
function freshLeaves(inputs: readonly Tensor[], requireGrad: readonly boolean[]): Tensor[] {
  return inputs.map((x, i) => {
    const leaf = new Tensor(x.data, x.shape);
    if (requireGrad[i]) leaf.requiresGrad = true;
    return leaf;
  });
}

function zerosLikeOf(t: Tensor): Tensor {
  return new Tensor(t.data.slice().fill(0), t.shape);
}

/** Reverse-mode pass: returns f's output and the VJP uᵀ·J for each input. */
export function vjp(f: Fn, inputs: Tensor | readonly Tensor[], cotangent?: Tensor): [Tensor, Tensor | Tensor[]] {
  const xs = list(inputs);
  const leaves = freshLeaves(xs, xs.map((x) => isFloat(x.dtype)));
  const output = enableGrad(() => f(...leaves));
  if (output.requiresGrad) backward(output, cotangent ?? null);
  else if (!cotangent && output.size !== 1) throw new Error(`vjp: output of shape ${formatShape(output.shape)} needs a cotangent`);
  const grads = leaves.map((leaf) => leaf.grad ?? zerosLikeOf(leaf));
  return [output.detach(), inputs instanceof Tensor ? grads[0] : grads];
}

/** Forward-mode pass: returns f's output and the JVP J·v. */
export function jvp(f: Fn, primals: Tensor | readonly Tensor[], tangents: Tensor | readonly Tensor[]): [Tensor, Tensor] {
  const xs = list(primals), ts = list(tangents);
  if (xs.length !== ts.length) throw new Error(`jvp: ${xs.length} primals but ${ts.length} tangents`);
  const duals = xs.map((x, i) => {
    const t = ts[i];
    if (t.ndim !== x.ndim || t.shape.some((d, k) => d !== x.shape[k])) {
      throw new Error(`jvp: tangent ${i} has shape ${formatShape(t.shape)}, primal has ${formatShape(x.shape)}`);
    }
    const dual = new Tensor(x.data, x.shape);
    if (isFloat(x.dtype)) dual.tangent = cast(t, x.dtype);
    return dual;
  });
  autogradState.forwardDepth++;
  let output: Tensor;
  try {
    output = f(...duals);
  } finally {
    autogradState.forwardDepth--;
  }
  const tangent = output.tangent ?? zerosLikeOf(output);
  output.tangent = null;
  return [output.detach(), tangent];
}

export interface GradOptions {
  /** Which arguments to differentiate with respect to (default 0). */
  argnums?: number | readonly number[];
}

/** `grad(f)(…args)`: gradient of a scalar-valued f with respect to args[argnums]. */
export function grad(f: Fn, options: GradOptions = {}): (...args: Tensor[]) => Tensor | Tensor[] {
  const transformed = valueAndGrad(f, options);
  return (...args) => transformed(...args)[1];
}

/** Like `grad`, also returning f's value (one forward pass for both). */
export function valueAndGrad(f: Fn, options: GradOptions = {}): (...args: Tensor[]) => [Tensor, Tensor | Tensor[]] {
  const argnums = options.argnums ?? 0;
  const wanted = typeof argnums === 'number' ? [argnums] : [...argnums];
  return (...args) => {
    for (const i of wanted) {
      if (i < 0 || i >= args.length) throw new RangeError(`grad: argnums ${i} is out of range for ${args.length} arguments`);
      if (!isFloat(args[i].dtype)) throw new TypeError(`grad: argument ${i} is ${args[i].dtype}; only float arguments can be differentiated`);
    }
    const leaves = freshLeaves(args, args.map((_, i) => wanted.includes(i)));
    const value = enableGrad(() => f(...leaves));
    if (value.size !== 1) throw new Error(`grad: f must return a one-element tensor, got shape ${formatShape(value.shape)}`);
    if (value.requiresGrad) backward(value);
    const grads = wanted.map((i) => leaves[i].grad ?? zerosLikeOf(leaves[i]));
    return [value.detach(), typeof argnums === 'number' ? grads[0] : grads];
  };
}

export interface JacobianOptions {
  /** 'forward' (one JVP per input element), 'reverse' (one VJP per output element) or 'auto' (fewer passes). */
  strategy?: 'auto' | 'forward' | 'reverse';
}

/** Full Jacobian of f at x, shaped [...output.shape, ...input.shape] (one tensor per input when given a list). */
export function jacobian(f: Fn, inputs: Tensor | readonly Tensor[], options: JacobianOptions = {}): Tensor | Tensor[] {
  const xs = list(inputs);
  const output = f(...xs.map((x) => x.detach()));
  const outSize = output.size;
  const inSize = xs.reduce((s, x) => s + x.size, 0);
  const strategy = options.strategy ?? 'auto';
  const useForward = strategy === 'forward' || (strategy === 'auto' && inSize < outSize);
  const dtype = output.dtype === 'float64' || xs.some((x) => x.dtype === 'float64') ? 'float64' : 'float32';
  const blocks = xs.map((x) => new Tensor(dtype === 'float64' ? new Float64Array(outSize * x.size) : new Float32Array(outSize * x.size), [...output.shape, ...x.shape]));
  if (useForward) {
    xs.forEach((x, i) => {
      for (let j = 0; j < x.size; j++) {
        const tangents = xs.map((y) => new Tensor(y.data.slice().fill(0), y.shape));
        tangents[i].data[j] = 1;
        const [, column] = jvp(f, xs, tangents);
        for (let r = 0; r < outSize; r++) blocks[i].data[r * x.size + j] = column.data[r];
      }
    });
  } else {
    for (let r = 0; r < outSize; r++) {
      const u = new Tensor(output.data.slice().fill(0), output.shape);
      u.data[r] = 1;
      const [, rows] = vjp(f, xs, u);
      const rowList = rows instanceof Tensor ? [rows] : rows;
      xs.forEach((x, i) => blocks[i].data.set(rowList[i].data, r * x.size));
    }
  }
  return inputs instanceof Tensor ? blocks[0] : blocks;
}
