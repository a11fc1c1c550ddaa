/**
 * The GPT configuration: the numbers that fix a Transformer language model's
 * shape (seed 000's Transformer-LM and its "GPT sizes" table; seed 001's Pre-LN
 * vs Post-LN layers), with nanoGPT's defaults. It is plain JSON, so a checkpoint
 * stores it verbatim as config.json.
 */

/** Where LayerNorm sits in each layer (seed 001): 'pre' = GPT-2, 'post' = the original Transformer. */
export type GPTNorm = 'pre' | 'post';
/** Position information (seed 000: learned p_t added to w_t; seed 002: fixed sinusoids). */
export type GPTPositions = 'learned' | 'sinusoidal';
/** MLP nonlinearity: exact GELU x·Φ(x) (nanoGPT's nn.GELU()) or GPT-2's tanh approximation ("gelu_new"). */
export type GPTActivation = 'gelu' | 'geluTanh';
/**
 * How attention is computed — the same function either way (equal to rounding):
 * 'fused' (the default) is the packedSelfAttention kernel over the (B, T, 3C)
 * projection, nanoGPT's flash path; 'plain' is nanoGPT's non-flash path op by op —
 * split heads, softmax(maskedFill(q·kᵀ/√hs, future, −∞))·v, merge heads — slower,
 * and the formula in the code.
 */
export type GPTAttention = 'fused' | 'plain';

export interface GPTConfig {
  /** Number of token ids (rows of wte, columns of the logits). */
  vocabSize: number;
  /** Longest context the model attends over (rows of wpe); longer contexts are cropped to the last blockSize tokens. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Width of the residual stream; must be divisible by nHead (head size nEmbd / nHead). */
  nEmbd: number;
  /** Dropout on embeddings, attention probabilities and residual branches, in training mode (default 0). */
  dropout: number;
  /** Biases in Linear layers and LayerNorms (default true, as GPT-2; nanoGPT's bias=False drops them). */
  bias: boolean;
  /** Default 'pre' (GPT-2). */
  norm: GPTNorm;
  /** Default 'learned' (GPT-2's wpe). */
  positions: GPTPositions;
  /** lm_head.weight is the same Parameter as transformer.wte.weight (default true; Press & Wolf 2017). */
  tieWeights: boolean;
  /** Default 'gelu' (exact, nanoGPT); GPT-2 checkpoints use 'geluTanh'. */
  activation: GPTActivation;
  /** LayerNorm ε (default 1e-5, as GPT-2). */
  layerNormEps: number;
  /**
   * Absent means 'fused'. Optional, unlike the other fields, so configs and
   * config.json files written before it existed stay what they were.
   */
  attention?: GPTAttention;
}

/** The sizes are required; everything else has nanoGPT's default. */
export type GPTConfigInput = Pick<GPTConfig, 'vocabSize' | 'blockSize' | 'nLayer' | 'nHead' | 'nEmbd'> & Partial<GPTConfig>;

export const GPT_CONFIG_DEFAULTS: Readonly<Omit<GPTConfig, 'vocabSize' | 'blockSize' | 'nLayer' | 'nHead' | 'nEmbd'>> = Object.freeze({
  dropout: 0,
  bias: true,
  norm: 'pre',
  positions: 'learned',
  tieWeights: true,
  activation: 'gelu',
  layerNormEps: 1e-5,
});

const SIZE_KEYS = ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const;
const KNOWN_KEYS = new Set<string>([...SIZE_KEYS, ...Object.keys(GPT_CONFIG_DEFAULTS), 'attention']);

/** Hugging Face / nanoGPT spellings people are likely to paste, mapped to ours (for the error message only). */
const FOREIGN_KEYS: Record<string, string> = {
  vocab_size: 'vocabSize', block_size: 'blockSize', n_positions: 'blockSize', n_ctx: 'blockSize',
  n_layer: 'nLayer', n_head: 'nHead', n_embd: 'nEmbd', layer_norm_epsilon: 'layerNormEps', activation_function: 'activation',
};

export class GPTConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GPTConfigError';
  }
}

/**
 * Fill defaults and validate. Every problem is reported at once, each saying
 * what to change; unknown keys are errors (a typo would otherwise be silently
 * ignored). Accepts a parsed config.json (`unknown` values are checked).
 */
export function resolveGPTConfig(input: GPTConfigInput): GPTConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GPTConfigError(`GPT config: expected an object like { vocabSize, blockSize, nLayer, nHead, nEmbd }, got ${input === null ? 'null' : typeof input}`);
  }
  const raw = input as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (KNOWN_KEYS.has(key) || raw[key] === undefined) continue;
    const hint = FOREIGN_KEYS[key] ? ` (lmkit calls it '${FOREIGN_KEYS[key]}'; use gptConfigFromGPT2 for a Hugging Face config)` : '';
    problems.push(`unknown key '${key}'${hint}; known keys: ${[...KNOWN_KEYS].join(', ')}`);
  }
  const config = { ...GPT_CONFIG_DEFAULTS } as GPTConfig;
  const record = config as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) if (KNOWN_KEYS.has(key) && value !== undefined) record[key] = value;

  for (const key of SIZE_KEYS) {
    const value = raw[key];
    if (value === undefined) problems.push(`${key} is required (a positive integer)`);
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) problems.push(`${key} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  if (Number.isInteger(config.nEmbd) && Number.isInteger(config.nHead) && config.nHead >= 1 && config.nEmbd >= 1 && config.nEmbd % config.nHead !== 0) {
    const divisors = [];
    for (let h = 1; h <= config.nEmbd && divisors.length < 8; h++) if (config.nEmbd % h === 0) divisors.push(h);
    const nearest = Math.max(config.nHead, 1) * Math.ceil(config.nEmbd / Math.max(config.nHead, 1));
    problems.push(
      `nEmbd ${config.nEmbd} is not divisible by nHead ${config.nHead} (each head gets nEmbd / nHead dims): ` +
      `change nHead to a divisor of ${config.nEmbd} (e.g. ${divisors.join(', ')}) or nEmbd to a multiple of ${config.nHead} (e.g. ${nearest})`,
    );
  }
  if (typeof config.dropout !== 'number' || !(config.dropout >= 0 && config.dropout < 1)) {
    problems.push(`dropout must be a probability in [0, 1), got ${JSON.stringify(config.dropout)} (0 disables dropout)`);
  }
  if (typeof config.bias !== 'boolean') problems.push(`bias must be true or false, got ${JSON.stringify(config.bias)}`);
  if (typeof config.tieWeights !== 'boolean') problems.push(`tieWeights must be true or false, got ${JSON.stringify(config.tieWeights)}`);
  if (config.norm !== 'pre' && config.norm !== 'post') problems.push(`norm must be 'pre' (GPT-2) or 'post' (original Transformer), got ${JSON.stringify(config.norm)}`);
  if (config.positions !== 'learned' && config.positions !== 'sinusoidal') {
    problems.push(`positions must be 'learned' (GPT-2's wpe) or 'sinusoidal', got ${JSON.stringify(config.positions)}`);
  }
  if (config.activation !== 'gelu' && config.activation !== 'geluTanh') {
    problems.push(`activation must be 'gelu' (exact, nanoGPT) or 'geluTanh' (GPT-2's tanh approximation), got ${JSON.stringify(config.activation)}`);
  }
  if (typeof config.layerNormEps !== 'number' || !(config.layerNormEps > 0) || !Number.isFinite(config.layerNormEps)) {
    problems.push(`layerNormEps must be a positive number, got ${JSON.stringify(config.layerNormEps)}`);
  }
  if (config.attention !== undefined && config.attention !== 'fused' && config.attention !== 'plain') {
    problems.push(`attention must be 'fused' (the packed attention kernel, the default) or 'plain' (nanoGPT's op-by-op maths), got ${JSON.stringify(config.attention)}`);
  }
  if (problems.length) throw new GPTConfigError(`GPT config is invalid:\n  ${problems.join('\n  ')}`);
  return config;
}

/** A plain-JSON copy of a resolved config (every field written out; `attention` when set), for config.json. */
export function gptConfigToJSON(config: GPTConfig): GPTConfig {
  const resolved = resolveGPTConfig(config);
  return {
    vocabSize: resolved.vocabSize, blockSize: resolved.blockSize, nLayer: resolved.nLayer, nHead: resolved.nHead, nEmbd: resolved.nEmbd,
    dropout: resolved.dropout, bias: resolved.bias, norm: resolved.norm, positions: resolved.positions,
    tieWeights: resolved.tieWeights, activation: resolved.activation, layerNormEps: resolved.layerNormEps,
    ...(resolved.attention === undefined ? {} : { attention: resolved.attention }),
  };
}
