/**
 * Embedding: a lookup table of row vectors (seed 003's embedding matrix; row i
 * is the vector of token i). The gradient scatter-adds into the used rows.
 *
 * `paddingIdx` (PyTorch's padding_idx): that row starts at zero and never
 * receives gradient, so padding positions of a batch do not train it. Lookups
 * that hit it read the row through a detached view of the table.
 *
 * `maxNorm` (PyTorch's max_norm): before each lookup, every looked-up row whose
 * `normType`-norm exceeds maxNorm is rescaled IN PLACE to norm maxNorm (by
 * maxNorm / (norm + 1e-7), as torch.embedding_renorm_), outside autograd — the
 * weight itself changes, and the gradient is that of a plain lookup of the
 * renormalized rows. As in PyTorch, do not renormalize a weight that an
 * earlier, not yet backpropagated part of the graph still reads.
 *
 * `scaleGradByFreq`: the gradient of each row is divided by how often its id
 * occurs in the batch (see ops/embedding.ts).
 */
import { eq } from '../ops/binary.js';
import { embedding } from '../ops/embedding.js';
import { rejectUnknownOptions } from '../options.js';
import { where } from '../ops/indexing.js';
import { unsqueeze } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { normal } from './init.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameter.js';
import { emptyParameter, requirePositiveInteger } from './util.js';

export interface EmbeddingOptions extends ModuleOptions {
  /** Row whose vector starts at zero and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** Renormalize looked-up rows whose norm exceeds this, in place (default null = never). */
  maxNorm?: number | null;
  /** The p of the p-norm compared with maxNorm (default 2). */
  normType?: number;
  /** Divide each row's gradient by the frequency of its id in the batch (default false). */
  scaleGradByFreq?: boolean;
}

const EMBEDDING_OPTIONS: readonly (keyof EmbeddingOptions)[] = ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'dtype', 'generator'];

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    rejectUnknownOptions('Embedding', options, EMBEDDING_OPTIONS);
    requirePositiveInteger('Embedding', 'numEmbeddings', numEmbeddings);
    requirePositiveInteger('Embedding', 'embeddingDim', embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = options.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx ${pad} is out of range for ${numEmbeddings} embeddings`);
    }
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    const maxNorm = options.maxNorm ?? null;
    if (maxNorm !== null && !(maxNorm >= 0)) throw new RangeError(`Embedding: maxNorm must be a non-negative number or null, got ${maxNorm}`);
    const normType = options.normType ?? 2;
    if (!(normType > 0)) throw new RangeError(`Embedding: normType must be positive, got ${normType}`);
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    // PyTorch: N(0, 1), then the padding row zeroed.
    this.weight = emptyParameter([numEmbeddings, embeddingDim], options.dtype);
    normal(this.weight, 0, 1, options);
    if (this.paddingIdx !== null) this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
  }

  /** int32 ids of any shape → (…ids, embeddingDim). */
  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'int32') throw new TypeError(`Embedding: ids must be an int32 tensor, got ${ids.dtype}`);
    if (this.maxNorm !== null) renormRows(this.weight, ids, this.maxNorm, this.normType);
    const looked = embedding(this.weight, ids, { scaleGradByFreq: this.scaleGradByFreq });
    const pad = this.paddingIdx;
    if (pad === null || ids.data.indexOf(pad) < 0) return looked;
    // Padding positions take the row from a detached table: same values, no gradient into it.
    const isPad = unsqueeze(eq(ids, pad), -1);
    return where(isPad, embedding(this.weight.detach(), ids), looked);
  }

  protected override extraRepr(): string {
    const parts = [`${this.numEmbeddings}, ${this.embeddingDim}`];
    if (this.paddingIdx !== null) parts.push(`paddingIdx=${this.paddingIdx}`);
    if (this.maxNorm !== null) parts.push(`maxNorm=${this.maxNorm}${this.normType !== 2 ? `, normType=${this.normType}` : ''}`);
    if (this.scaleGradByFreq) parts.push('scaleGradByFreq=true');
    return parts.join(', ');
  }
}

/**
 * torch.embedding_renorm_: each distinct looked-up row with ‖row‖_p > maxNorm
 * is scaled by maxNorm / (‖row‖_p + 1e-7), in place and outside autograd.
 * Out-of-range ids are left for the lookup to report.
 */
function renormRows(weight: Tensor, ids: Tensor, maxNorm: number, p: number): void {
  const [rows, dim] = weight.shape;
  const data = weight.data;
  const seen = new Set<number>();
  for (const id of ids.data) {
    if (id < 0 || id >= rows || seen.has(id)) continue;
    seen.add(id);
    const start = id * dim;
    let norm = 0;
    if (p === Infinity) {
      for (let j = start; j < start + dim; j++) norm = Math.max(norm, Math.abs(data[j]));
    } else {
      for (let j = start; j < start + dim; j++) norm += Math.abs(data[j]) ** p;
      norm **= 1 / p;
    }
    if (norm <= maxNorm) continue;
    const scale = maxNorm / (norm + 1e-7);
    for (let j = start; j < start + dim; j++) data[j] *= scale;
  }
}
