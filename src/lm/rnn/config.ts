/**
 * The RNN-LM configuration: the numbers that fix a recurrent language model's
 * shape (seed 000's RNN-LM; seed 002's LSTM/GRU and stacked LSTMs), with the
 * defaults of PyTorch's word_language_model example where it has one. Plain
 * JSON, so a checkpoint stores it verbatim as config.json.
 */

/** The recurrent cell (seed 002's equations; see src/nn/rnn.ts). */
export type RNNLMCell = 'rnn' | 'lstm' | 'gru';
/**
 * Elman cell nonlinearity (cell 'rnn' only): 'tanh' (PyTorch's default, seed
 * 002's "original RNN"), 'relu', or 'sigmoid' (seed 000's Elman network; not in
 * PyTorch's nn.RNN, so such weights do not run there).
 */
export type RNNLMNonlinearity = 'tanh' | 'relu' | 'sigmoid';

export interface RNNLMConfig {
  /** Number of token ids (rows of encoder.weight, columns of the logits). */
  vocabSize: number;
  /** Default 'lstm'. */
  cell: RNNLMCell;
  /** Width of the token embeddings (the input of the first recurrent layer). */
  embeddingSize: number;
  /** Width of the hidden state h (and the LSTM cell state c) of every layer. */
  hiddenSize: number;
  /** Stacked recurrent layers (default 1); layer k > 0 reads layer k−1's outputs. */
  numLayers: number;
  /**
   * Dropout probability in training mode (default 0), Zaremba et al. 2014's
   * non-recurrent dropout: on the embeddings, between stacked layers and on the
   * top layer's outputs — never on the recurrent connections h_{t−1} → h_t.
   */
  dropout: number;
  /** Elman nonlinearity (default 'tanh'); LSTM and GRU have fixed σ/tanh gates. */
  nonlinearity: RNNLMNonlinearity;
  /**
   * decoder.weight is the same Parameter as encoder.weight (default false; Press &
   * Wolf 2017, Inan et al. 2017). Requires embeddingSize === hiddenSize.
   */
  tieWeights: boolean;
}

/** vocabSize and hiddenSize are required; embeddingSize defaults to hiddenSize; the rest as RNN_LM_CONFIG_DEFAULTS. */
export type RNNLMConfigInput = Pick<RNNLMConfig, 'vocabSize' | 'hiddenSize'> & Partial<RNNLMConfig>;

export const RNN_LM_CONFIG_DEFAULTS: Readonly<Omit<RNNLMConfig, 'vocabSize' | 'hiddenSize' | 'embeddingSize'>> = Object.freeze({
  cell: 'lstm',
  numLayers: 1,
  dropout: 0,
  nonlinearity: 'tanh',
  tieWeights: false,
});

const SIZE_KEYS = ['vocabSize', 'embeddingSize', 'hiddenSize', 'numLayers'] as const;
const KNOWN_KEYS = new Set<string>(['vocabSize', 'embeddingSize', 'hiddenSize', ...Object.keys(RNN_LM_CONFIG_DEFAULTS)]);

/** Spellings from PyTorch's word_language_model / torch.nn people are likely to paste, mapped to ours (for the error message only). */
const FOREIGN_KEYS: Record<string, string> = {
  ntoken: 'vocabSize', vocab_size: 'vocabSize', ninp: 'embeddingSize', emsize: 'embeddingSize', embedding_size: 'embeddingSize',
  nhid: 'hiddenSize', hidden_size: 'hiddenSize', nlayers: 'numLayers', num_layers: 'numLayers', tied: 'tieWeights', tie: 'tieWeights',
  tie_weights: 'tieWeights', rnn_type: 'cell', model: 'cell', type: 'cell',
};

export class RNNLMConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RNNLMConfigError';
  }
}

/**
 * Fill defaults and validate. Every problem is reported at once, each saying
 * what to change; unknown keys are errors (a typo would otherwise be silently
 * ignored). Accepts a parsed config.json (`unknown` values are checked).
 */
export function resolveRNNLMConfig(input: RNNLMConfigInput): RNNLMConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RNNLMConfigError(`RNN-LM config: expected an object like { vocabSize, hiddenSize, cell, … }, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  }
  const raw = input as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (KNOWN_KEYS.has(key) || raw[key] === undefined) continue;
    const hint = FOREIGN_KEYS[key] ? ` (lmkit calls it '${FOREIGN_KEYS[key]}')` : '';
    problems.push(`unknown key '${key}'${hint}; known keys: ${[...KNOWN_KEYS].join(', ')}`);
  }
  const config = { ...RNN_LM_CONFIG_DEFAULTS } as RNNLMConfig;
  const record = config as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) if (KNOWN_KEYS.has(key) && value !== undefined) record[key] = value;
  if (raw.embeddingSize === undefined) config.embeddingSize = config.hiddenSize;

  for (const key of SIZE_KEYS) {
    // An embeddingSize copied from hiddenSize shares hiddenSize's problem: report it once.
    if (key === 'embeddingSize' && raw.embeddingSize === undefined) continue;
    const value = record[key];
    if (value === undefined) problems.push(`${key} is required (a positive integer)`);
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) problems.push(`${key} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  const cellOk = config.cell === 'rnn' || config.cell === 'lstm' || config.cell === 'gru';
  if (!cellOk) problems.push(`cell must be 'lstm', 'gru' or 'rnn' (Elman), got ${JSON.stringify(config.cell)}`);
  if (config.nonlinearity !== 'tanh' && config.nonlinearity !== 'relu' && config.nonlinearity !== 'sigmoid') {
    problems.push(`nonlinearity must be 'tanh', 'relu' or 'sigmoid' (cell 'rnn' only), got ${JSON.stringify(config.nonlinearity)}`);
  } else if (cellOk && config.cell !== 'rnn' && config.nonlinearity !== 'tanh') {
    problems.push(
      `nonlinearity '${config.nonlinearity}' applies only to cell 'rnn' (Elman); an ${config.cell.toUpperCase()} has fixed sigmoid/tanh gates — ` +
      `remove nonlinearity or set cell: 'rnn'`,
    );
  }
  if (typeof config.dropout !== 'number' || !(config.dropout >= 0 && config.dropout < 1)) {
    problems.push(`dropout must be a probability in [0, 1), got ${JSON.stringify(config.dropout)} (0 disables dropout)`);
  }
  if (typeof config.tieWeights !== 'boolean') {
    problems.push(`tieWeights must be true or false, got ${JSON.stringify(config.tieWeights)}`);
  } else if (config.tieWeights && Number.isInteger(config.embeddingSize) && Number.isInteger(config.hiddenSize) && config.embeddingSize !== config.hiddenSize) {
    problems.push(
      `tieWeights needs embeddingSize === hiddenSize (decoder.weight (vocabSize, hiddenSize) is encoder.weight (vocabSize, embeddingSize)), ` +
      `got embeddingSize ${config.embeddingSize} and hiddenSize ${config.hiddenSize}: make them equal or set tieWeights: false`,
    );
  }
  if (problems.length) throw new RNNLMConfigError(`RNN-LM config is invalid:\n  ${problems.join('\n  ')}`);
  return config;
}

/** A plain-JSON copy of a resolved config (every field written out), for config.json. */
export function rnnLMConfigToJSON(config: RNNLMConfig): RNNLMConfig {
  const c = resolveRNNLMConfig(config);
  return {
    vocabSize: c.vocabSize, cell: c.cell, embeddingSize: c.embeddingSize, hiddenSize: c.hiddenSize,
    numLayers: c.numLayers, dropout: c.dropout, nonlinearity: c.nonlinearity, tieWeights: c.tieWeights,
  };
}
