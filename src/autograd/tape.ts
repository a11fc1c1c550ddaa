/**
 * Reverse mode (seed 000's backward pass over the computation graph): order the
 * nodes topologically from the output, visit them in reverse, call each node's
 * VJP and accumulate (+=) cotangents — a tensor used twice receives both
 * contributions (the seeds' "Version B"). Leaves that require grad collect the
 * result in `.grad`.
 */
import { kernels } from '../backend/index.js';
import { add } from '../ops/binary.js';
import { firstNonFinite } from '../ops/op.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, type GraphNode } from '../tensor/tensor.js';
import { AnomalyError, autogradState } from './mode.js';

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (default false frees saved tensors). */
  retainGraph?: boolean;
}

/** Nodes reachable from `root`, in topological order (inputs before the nodes that use them). */
function topologicalOrder(root: GraphNode): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>([root]);
  // Iterative DFS (deep graphs, e.g. long unrolled RNNs, would overflow the call stack).
  const stack: [GraphNode, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.inputs.length) {
      top[1]++;
      const child = node.inputs[next].node;
      if (child && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

/** Compute gradients of `root` with respect to every leaf that requires grad. */
export function backward(root: Tensor, gradient?: Tensor | null, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward: this tensor does not require grad — none of its inputs requires grad, or the graph was cut (detach(), noGrad(), or an integer op)',
    );
  }
  let seed: Tensor;
  if (gradient) {
    if (gradient.ndim !== root.ndim || gradient.shape.some((d, i) => d !== root.shape[i])) {
      throw new Error(`backward: gradient of shape ${formatShape(gradient.shape)} does not match the output's shape ${formatShape(root.shape)}`);
    }
    seed = gradient;
  } else {
    if (root.size !== 1) {
      throw new Error(`backward: the output has shape ${formatShape(root.shape)}; pass a gradient of that shape (implicit gradients exist only for one-element outputs)`);
    }
    const ones = new Tensor(root.data.slice().fill(1), root.shape);
    seed = ones;
  }
  if (!root.node) {
    accumulateLeaf(root, seed);
    return;
  }
  const order = topologicalOrder(root.node);
  const pending = new Map<GraphNode, (Tensor | null)[]>();
  const rootGrads = new Array<Tensor | null>(root.node.outputCount).fill(null);
  rootGrads[root.outputIndex] = seed;
  pending.set(root.node, rootGrads);
  const previous = autogradState.gradEnabled;
  autogradState.gradEnabled = false;
  autogradState.inBackward++;
  try {
    for (let n = order.length - 1; n >= 0; n--) {
      const node = order[n];
      const grads = pending.get(node);
      if (!grads) continue;
      pending.delete(node);
      if (!node.vjp) {
        throw new Error(`backward: the graph through '${node.opName}' was already freed by an earlier backward(); pass { retainGraph: true } to the first call`);
      }
      const inputGrads = node.vjp(grads);
      if (!options.retainGraph) node.vjp = null;
      for (let i = 0; i < node.inputs.length; i++) {
        const input = node.inputs[i];
        const g = inputGrads[i];
        if (!g || !input.requiresGrad) continue;
        if (autogradState.anomaly) {
          const bad = firstNonFinite(g);
          if (bad) throw new AnomalyError(node.opName, 'backward', `${bad} (gradient for input ${i})`);
        }
        if (g.size !== input.size) {
          throw new Error(`backward: internal error: '${node.opName}' returned a gradient of shape ${formatShape(g.shape)} for an input of shape ${formatShape(input.shape)}`);
        }
        if (input.node) {
          let slots = pending.get(input.node);
          if (!slots) {
            slots = new Array<Tensor | null>(input.node.outputCount).fill(null);
            pending.set(input.node, slots);
          }
          const current = slots[input.outputIndex];
          slots[input.outputIndex] = current ? add(current, g) : g;
        } else {
          accumulateLeaf(input, g);
        }
      }
    }
  } finally {
    autogradState.gradEnabled = previous;
    autogradState.inBackward--;
  }
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.grad) {
    kernels.addScaled(leaf.grad.data, g.data, 1);
  } else {
    // Own copy: `g` may be shared with other tensors' gradients or be a view of a saved value.
    const data = leaf.dtype === g.dtype ? g.data.slice() : leaf.data.constructor === Float32Array ? Float32Array.from(g.data) : Float64Array.from(g.data);
    leaf.grad = new Tensor(data, leaf.shape);
  }
}
