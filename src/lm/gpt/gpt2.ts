/**
 * Moving weights between lmkit's GPT and Hugging Face's GPT-2 (GPT2LMHeadModel).
 *
 * The architectures are the same (GPT-2 = Pre-LN, learned positions, biases,
 * tied lm_head, tanh-approximated GELU "gelu_new"), and so are the names —
 * nanoGPT kept them — with two differences in a Hugging Face state dict:
 *   1. c_attn, attn.c_proj, c_fc and mlp.c_proj are `Conv1D` layers computing
 *      y = x W + b with W stored (in, out), the transpose of nn.Linear's (out, in);
 *      attn.c_proj is square, so the layout cannot be guessed from shapes —
 *      it is always transposed here (nanoGPT's from_pretrained does the same).
 *   2. Names may lack the `transformer.` prefix (GPT2Model, and the files on the
 *      Hub), lm_head.weight is usually absent (tied to wte), and the attention
 *      buffers `attn.bias` / `attn.masked_bias` (the causal mask) are saved too.
 * Everything else — LayerNorm ε, vocabulary size, context length — comes from
 * config.json (n_embd, n_head, n_layer, n_positions, vocab_size,
 * layer_norm_epsilon, activation_function) or from the weight shapes.
 */
import { noGrad } from '../../autograd/mode.js';
import { transpose } from '../../ops/shape.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { resolveGPTConfig, type GPTActivation, type GPTConfig, type GPTConfigInput } from './config.js';

/** The fields of a Hugging Face GPT-2 config.json that matter here (others are ignored). */
export interface GPT2HFConfig {
  vocab_size?: number;
  n_positions?: number;
  n_ctx?: number;
  n_embd?: number;
  n_layer?: number;
  n_head?: number;
  layer_norm_epsilon?: number;
  activation_function?: string;
  tie_word_embeddings?: boolean;
  [key: string]: unknown;
}

export class GPT2WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GPT2WeightsError';
  }
}

/** Hugging Face's Conv1D weights, stored (in, out). */
const CONV1D_SUFFIXES = ['.attn.c_attn.weight', '.attn.c_proj.weight', '.mlp.c_fc.weight', '.mlp.c_proj.weight'];
/** Buffers (the causal mask) that GPT2LMHeadModel saves and lmkit does not need. */
const IGNORED_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;

const HF_ACTIVATIONS: Record<string, GPTActivation> = {
  gelu: 'gelu',
  gelu_new: 'geluTanh',
  gelu_pytorch_tanh: 'geluTanh',
  gelu_fast: 'geluTanh', // 0.5x(1 + tanh(0.79788456x(1 + 0.044715x²))): the same tanh formula, factored
};

/** Hugging Face config.json → the GPTConfig fields it determines. */
export function gptConfigFromGPT2(hf: GPT2HFConfig): Partial<GPTConfig> {
  const out: Partial<GPTConfig> = { norm: 'pre', positions: 'learned', bias: true };
  if (hf.vocab_size !== undefined) out.vocabSize = hf.vocab_size;
  const positions = hf.n_positions ?? hf.n_ctx;
  if (positions !== undefined) out.blockSize = positions;
  if (hf.n_embd !== undefined) out.nEmbd = hf.n_embd;
  if (hf.n_layer !== undefined) out.nLayer = hf.n_layer;
  if (hf.n_head !== undefined) out.nHead = hf.n_head;
  if (hf.layer_norm_epsilon !== undefined) out.layerNormEps = hf.layer_norm_epsilon;
  if (hf.tie_word_embeddings !== undefined) out.tieWeights = hf.tie_word_embeddings;
  const activation = hf.activation_function ?? 'gelu_new';
  const mapped = HF_ACTIVATIONS[activation];
  if (!mapped) {
    throw new GPT2WeightsError(`GPT-2 config: activation_function '${activation}' is not supported; lmkit's GPT has ${Object.keys(HF_ACTIVATIONS).join(', ')}`);
  }
  out.activation = mapped;
  return out;
}

/** GPTConfig → a Hugging Face GPT-2 config.json object (GPT-2 is Pre-LN with learned positions and biases). */
export function gptConfigToGPT2(config: GPTConfig): GPT2HFConfig {
  const c = resolveGPTConfig(config);
  requireGPT2Architecture('gptConfigToGPT2', c);
  if (!c.bias) throw new GPT2WeightsError(`gptConfigToGPT2: Hugging Face's GPT-2 always has biases; this model has bias: false`);
  return {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: c.vocabSize,
    n_positions: c.blockSize,
    n_ctx: c.blockSize,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: null,
    layer_norm_epsilon: c.layerNormEps,
    activation_function: c.activation === 'gelu' ? 'gelu' : 'gelu_new',
    resid_pdrop: c.dropout,
    embd_pdrop: c.dropout,
    attn_pdrop: c.dropout,
    tie_word_embeddings: c.tieWeights,
  };
}

function requireGPT2Architecture(op: string, c: GPTConfig): void {
  if (c.norm !== 'pre') throw new GPT2WeightsError(`${op}: GPT-2 is a Pre-LN model; this model has norm: '${c.norm}'`);
  if (c.positions !== 'learned') throw new GPT2WeightsError(`${op}: GPT-2 has learned position embeddings (wpe); this model has positions: '${c.positions}'`);
}

type TensorSource = ReadonlyMap<string, Tensor> | Record<string, Tensor>;

function entriesOf(tensors: TensorSource): [string, Tensor][] {
  return tensors instanceof Map ? [...(tensors as ReadonlyMap<string, Tensor>).entries()] : Object.entries(tensors as Record<string, Tensor>);
}

/** Checkpoint names → names without the `transformer.` prefix (keeping the original for messages); buffers dropped. */
function normalizeNames(tensors: TensorSource): Map<string, { original: string; tensor: Tensor }> {
  const out = new Map<string, { original: string; tensor: Tensor }>();
  for (const [original, tensor] of entriesOf(tensors)) {
    const name = original.startsWith('transformer.') ? original.slice('transformer.'.length) : original;
    if (IGNORED_BUFFER.test(name)) continue;
    const previous = out.get(name);
    if (previous) throw new GPT2WeightsError(`GPT-2 weights: '${previous.original}' and '${original}' are the same parameter; keep one`);
    out.set(name, { original, tensor });
  }
  return out;
}

export interface InferGPT2ConfigOptions {
  /** Hugging Face config.json (n_head, layer_norm_epsilon, activation_function, …). */
  hfConfig?: GPT2HFConfig;
  /** Explicit GPTConfig fields; they win over config.json and the shapes. nHead is needed when there is no config.json. */
  config?: Partial<GPTConfig>;
}

/**
 * The GPTConfig a GPT-2 state dict describes: vocabSize and nEmbd from wte,
 * blockSize from wpe, nLayer from the h.{i} names, bias from the presence of
 * biases, tieWeights from whether lm_head.weight is absent or equal to wte.
 * nHead cannot be read from shapes (every divisor of nEmbd fits) and must come
 * from `hfConfig.n_head` or `config.nHead`. Activation defaults to GPT-2's
 * tanh-approximated GELU.
 */
export function inferGPT2Config(tensors: TensorSource, options: InferGPT2ConfigOptions = {}): GPTConfig {
  const named = normalizeNames(tensors);
  const wte = named.get('wte.weight')?.tensor;
  if (!wte || wte.ndim !== 2) {
    throw new GPT2WeightsError(`GPT-2 weights: no 2-D token embedding 'wte.weight' or 'transformer.wte.weight' (found ${[...named.values()].slice(0, 6).map((e) => e.original).join(', ')}${named.size > 6 ? ', …' : ''})`);
  }
  const inferred: Partial<GPTConfig> = { vocabSize: wte.shape[0], nEmbd: wte.shape[1], norm: 'pre', positions: 'learned', activation: 'geluTanh' };
  const wpe = named.get('wpe.weight')?.tensor;
  if (wpe && wpe.ndim === 2) inferred.blockSize = wpe.shape[0];
  let nLayer = 0;
  for (const name of named.keys()) {
    const match = /^h\.(\d+)\./.exec(name);
    if (match) nLayer = Math.max(nLayer, Number(match[1]) + 1);
  }
  if (nLayer > 0) inferred.nLayer = nLayer;
  inferred.bias = named.has('h.0.attn.c_attn.bias') || named.has('ln_f.bias');
  const lmHead = named.get('lm_head.weight')?.tensor;
  inferred.tieWeights = !lmHead || sameValues(lmHead, wte);
  const merged = { ...inferred, ...(options.hfConfig ? gptConfigFromGPT2(options.hfConfig) : {}), ...withoutUndefined(options.config ?? {}) };
  if (merged.nHead === undefined) {
    throw new GPT2WeightsError(
      `GPT-2 weights: the number of heads cannot be read from the weight shapes (any divisor of nEmbd ${merged.nEmbd} fits); ` +
      `pass { nHead } (GPT-2 small: 12) or the model's config.json (n_head)`,
    );
  }
  return resolveGPTConfig(merged as GPTConfigInput);
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) return false;
  if (a.data === b.data) return true;
  for (let i = 0; i < a.size; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** name (without prefix) → shape in Hugging Face's layout, for a config. */
function expectedGPT2Shapes(c: GPTConfig): Map<string, number[]> {
  const C = c.nEmbd;
  const shapes = new Map<string, number[]>();
  shapes.set('wte.weight', [c.vocabSize, C]);
  shapes.set('wpe.weight', [c.blockSize, C]);
  const layerNorm = (name: string): void => {
    shapes.set(`${name}.weight`, [C]);
    if (c.bias) shapes.set(`${name}.bias`, [C]);
  };
  const conv1d = (name: string, inFeatures: number, outFeatures: number): void => {
    shapes.set(`${name}.weight`, [inFeatures, outFeatures]);
    if (c.bias) shapes.set(`${name}.bias`, [outFeatures]);
  };
  for (let i = 0; i < c.nLayer; i++) {
    layerNorm(`h.${i}.ln_1`);
    conv1d(`h.${i}.attn.c_attn`, C, 3 * C);
    conv1d(`h.${i}.attn.c_proj`, C, C);
    layerNorm(`h.${i}.ln_2`);
    conv1d(`h.${i}.mlp.c_fc`, C, 4 * C);
    conv1d(`h.${i}.mlp.c_proj`, 4 * C, C);
  }
  layerNorm('ln_f');
  shapes.set('lm_head.weight', [c.vocabSize, C]);
  return shapes;
}

/**
 * A Hugging Face GPT-2 state dict → lmkit/nanoGPT names and (out, in) layout for
 * `config`, ready for `gpt.loadStateDict`. Checks everything first and reports
 * every problem at once: each key whose shape differs from what the config
 * implies (expected vs actual, in the checkpoint's layout), missing keys, and
 * keys the model has no place for. lm_head.weight may be absent when tied; if
 * present with tied weights it must equal wte.weight.
 */
export function gpt2ToStateDict(tensors: TensorSource, config: GPTConfig): Map<string, Tensor> {
  const c = resolveGPTConfig(config);
  requireGPT2Architecture('gpt2ToStateDict', c);
  const named = normalizeNames(tensors);
  const expected = expectedGPT2Shapes(c);
  const mismatched: string[] = [], missing: string[] = [], unexpected: string[] = [];
  for (const [name, shape] of expected) {
    const entry = named.get(name);
    if (!entry) {
      if (name !== 'lm_head.weight' || !c.tieWeights) missing.push(`${name} ${formatShape(shape)}`);
      continue;
    }
    const actual = entry.tensor.shape;
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      mismatched.push(`${entry.original}: checkpoint has ${formatShape(actual)}, config expects ${formatShape(shape)}`);
    }
  }
  for (const [name, entry] of named) if (!expected.has(name)) unexpected.push(`${entry.original} ${formatShape(entry.tensor.shape)}`);
  const problems: string[] = [];
  if (mismatched.length) problems.push(`shape mismatches (Hugging Face layout, Conv1D weights (in, out)):\n    ${mismatched.join('\n    ')}`);
  if (missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
  if (unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
  if (problems.length) {
    const summary = `vocabSize ${c.vocabSize}, blockSize ${c.blockSize}, nLayer ${c.nLayer}, nHead ${c.nHead}, nEmbd ${c.nEmbd}, bias ${c.bias}, tieWeights ${c.tieWeights}`;
    throw new GPT2WeightsError(`GPT-2 weights do not match the config (${summary}):\n  ${problems.join('\n  ')}`);
  }
  const lmHead = named.get('lm_head.weight');
  if (lmHead && c.tieWeights && !sameValues(lmHead.tensor, (named.get('wte.weight') as { tensor: Tensor }).tensor)) {
    throw new GPT2WeightsError(`GPT-2 weights: '${lmHead.original}' differs from wte.weight but the config ties them; use tieWeights: false`);
  }
  const out = new Map<string, Tensor>();
  noGrad(() => {
    for (const [name, { tensor }] of named) {
      if (name === 'lm_head.weight' && c.tieWeights) continue;
      const target = name === 'lm_head.weight' ? name : `transformer.${name}`;
      out.set(target, CONV1D_SUFFIXES.some((s) => `.${name}`.endsWith(s)) ? transpose(tensor, 0, 1) : tensor);
    }
  });
  return out;
}

export interface ToGPT2Options {
  /** Prefix names with `transformer.` as GPT2LMHeadModel does (default true; false gives GPT2Model's names). */
  prefix?: boolean;
  /**
   * Include lm_head.weight when it is tied to wte (default false — Hugging Face's
   * save_pretrained drops it, and safetensors refuses shared tensors). An untied
   * lm_head is always included.
   */
  includeTiedHead?: boolean;
}

/**
 * lmkit/nanoGPT state dict (`gpt.stateDict()`) → Hugging Face GPT-2 names with
 * Conv1D weights transposed to (in, out). Feed it to `serializeSafetensors` and
 * write `gptConfigToGPT2(config)` as config.json next to it.
 */
export function stateDictToGPT2(stateDict: TensorSource, config: GPTConfig, options: ToGPT2Options = {}): Map<string, Tensor> {
  const c = resolveGPTConfig(config);
  requireGPT2Architecture('stateDictToGPT2', c);
  const prefix = options.prefix ?? true ? 'transformer.' : '';
  const out = new Map<string, Tensor>();
  noGrad(() => {
    for (const [name, tensor] of entriesOf(stateDict)) {
      if (name === 'lm_head.weight') {
        if (!c.tieWeights || options.includeTiedHead) out.set(name, tensor);
        continue;
      }
      if (!name.startsWith('transformer.')) throw new GPT2WeightsError(`stateDictToGPT2: unexpected key '${name}' (not a GPT parameter)`);
      const short = name.slice('transformer.'.length);
      out.set(prefix + short, CONV1D_SUFFIXES.some((s) => `.${short}`.endsWith(s)) ? transpose(tensor, 0, 1) : tensor);
    }
  });
  return out;
}
