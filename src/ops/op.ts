/**
 * One op = one record: its forward (a kernel call), its VJP rule (reverse mode)
 * and its JVP rule (forward mode), side by side — as tinygrad keeps gradient rules
 * in one table and JAX's Autodidax gives each primitive a JVP rule.
 *
 * `apply` runs the forward, and — when some input requires a gradient and grad
 * mode is on — records a node on the tape whose `vjp` closes over what the rule
 * needs. Under `jvp()` it also pushes tangents through the JVP rule. Rules are
 * written with ops, so they run on every backend; they run with recording off.
 */
import { AnomalyError, autogradState } from '../autograd/mode.js';
import { isFloat } from '../tensor/dtype.js';
import { Tensor, type GraphNode } from '../tensor/tensor.js';

export interface OpContext<Attrs, Saved> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
  readonly saved: Saved;
}

export type ForwardResult<Saved> = Tensor | { outputs: readonly Tensor[]; saved: Saved };

export interface OpDefinition<Attrs, Saved = undefined> {
  readonly name: string;
  /** Compute outputs with kernels only (never other ops, which would be recorded). */
  forward(inputs: readonly Tensor[], attrs: Attrs): ForwardResult<Saved>;
  /** Cotangents of the outputs (null = zero) → cotangents of the inputs (null = zero / not differentiable). */
  vjp(ctx: OpContext<Attrs, Saved>, grads: readonly (Tensor | null)[]): readonly (Tensor | null)[];
  /** Tangents of the inputs (null = zero) → tangents of the outputs. */
  jvp(ctx: OpContext<Attrs, Saved>, tangents: readonly (Tensor | null)[]): readonly (Tensor | null)[];
}

export function defineOp<Attrs, Saved = undefined>(definition: OpDefinition<Attrs, Saved>): OpDefinition<Attrs, Saved> {
  return definition;
}

/** Run an op and record it for reverse and forward mode as needed. */
export function applyOp<Attrs, Saved>(op: OpDefinition<Attrs, Saved>, inputs: readonly Tensor[], attrs: Attrs): Tensor[] {
  const result = op.forward(inputs, attrs);
  let outputs: readonly Tensor[];
  let saved: Saved;
  if (result instanceof Tensor) {
    outputs = [result];
    saved = undefined as Saved;
  } else {
    outputs = result.outputs;
    saved = result.saved;
  }
  const state = autogradState;
  let tracked = false;
  if (state.gradEnabled) {
    for (let i = 0; i < inputs.length; i++) if (inputs[i].requiresGrad) { tracked = true; break; }
  }
  let tangentsIn = false;
  if (state.forwardDepth > 0 && state.inTangentRule === 0) {
    for (let i = 0; i < inputs.length; i++) if (inputs[i].tangent) { tangentsIn = true; break; }
  }
  if (tracked || tangentsIn) {
    const ctx: OpContext<Attrs, Saved> = { inputs, outputs, attrs, saved };
    if (tracked) {
      const node: GraphNode = {
        opName: op.name,
        inputs,
        outputCount: outputs.length,
        vjp: (grads) => op.vjp(ctx, grads),
      };
      for (let i = 0; i < outputs.length; i++) if (isFloat(outputs[i].dtype)) outputs[i].markTracked(node, i);
    }
    if (tangentsIn) {
      state.inTangentRule++;
      const previousGrad = state.gradEnabled;
      state.gradEnabled = false;
      try {
        const tangentsOut = op.jvp(ctx, inputs.map((t) => t.tangent));
        for (let i = 0; i < outputs.length; i++) outputs[i].tangent = tangentsOut[i] ?? null;
      } finally {
        state.inTangentRule--;
        state.gradEnabled = previousGrad;
      }
    }
  }
  if (state.anomaly && state.inBackward === 0) {
    for (const out of outputs) {
      const bad = firstNonFinite(out);
      if (bad) throw new AnomalyError(op.name, 'forward', bad);
    }
  }
  return outputs as Tensor[];
}

/** Run a single-output op. */
export function apply1<Attrs, Saved>(op: OpDefinition<Attrs, Saved>, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  return applyOp(op, inputs, attrs)[0];
}

/** Describe the first NaN/Inf in a tensor, or null if all finite. */
export function firstNonFinite(t: Tensor): string | null {
  if (!isFloat(t.dtype)) return null;
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) return `${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'} at flat index ${i} of an output of shape [${t.shape.join(', ')}]`;
  }
  return null;
}
