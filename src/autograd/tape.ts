/**
 * Reverse mode (seed 000's backward pass over the computation graph): order the
 * nodes topologically from the output, visit them in reverse, call each node's
 * VJP and accumulate (+=) cotangents — a tensor used twice receives both
 * contributions (the seeds' "Version B"). Leaves that require grad collect the
 * result in `.grad`.
 */
import { kernels } from '../backend/index.js';
import { add } from '../ops/arithmetic.js';
import { firstNonFinite } from '../ops/op.js';
import { formatShape } from '../tensor/shape.js';
import { releaseBuffer, startRecording, stopRecording } from '../tensor/buffer-pool.js';
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
  // Gradient buffers allocated by this pass go back to the pool once no pending gradient refers to them
  // (../tensor/buffer-pool.ts). With retainGraph a VJP may run again and could keep what it made, so nothing is recycled.
  const recycler = options.retainGraph ? null : new GradientRecycler();
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
        if (!g) continue;
        if (!input.requiresGrad) {
          recycler?.consumed(g);
          continue;
        }
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
          const stored = current ? add(current, g) : g;
          slots[input.outputIndex] = stored;
          recycler?.retain(stored);
          if (current) {
            recycler?.release(current);
            recycler?.consumed(g);
          }
        } else {
          accumulateLeaf(input, g);
          recycler?.consumed(g);
        }
      }
      if (recycler) {
        // This node's own gradients have left their slots.
        for (const g of grads) if (g) recycler.release(g);
        recycler.recycle();
      }
    }
  } finally {
    recycler?.finish();
    autogradState.gradEnabled = previous;
    autogradState.inBackward--;
  }
}

/**
 * Counts, per buffer (views share one), how many pending gradient slots refer to
 * it; after each node, a used-up gradient whose buffer this backward pass
 * allocated and that no slot refers to any more goes back to the pool.
 */
class GradientRecycler {
  private readonly recorded = startRecording();
  private readonly references = new Map<ArrayBufferLike, number>();
  private readonly candidates: Tensor[] = [];

  /** g now sits in a pending slot. */
  retain(g: Tensor): void {
    const buffer = g.data.buffer;
    this.references.set(buffer, (this.references.get(buffer) ?? 0) + 1);
  }

  /** g has left its pending slot (run through its node's VJP, or replaced by a sum). */
  release(g: Tensor): void {
    const buffer = g.data.buffer;
    const count = this.references.get(buffer);
    if (count !== undefined) this.references.set(buffer, count - 1);
    this.candidates.push(g);
  }

  /** g was used without entering a slot (summed into another, added to a leaf's .grad, or not needed). */
  consumed(g: Tensor): void {
    this.candidates.push(g);
  }

  /** After a node has run: pool the candidates' buffers that nothing pending refers to. */
  recycle(): void {
    for (const g of this.candidates) {
      const buffer = g.data.buffer;
      if ((this.references.get(buffer) ?? 0) > 0) continue;
      const whole = this.recorded.get(buffer);
      if (!whole) continue;
      this.recorded.delete(buffer);
      this.references.delete(buffer);
      releaseBuffer(whole);
    }
    this.candidates.length = 0;
  }

  finish(): void {
    stopRecording();
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
