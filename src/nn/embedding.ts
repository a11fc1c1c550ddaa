/**
 * Embedding: a lookup table of row vectors (seed 003's embedding matrix; row i
 * is the vector of token i). The gradient scatter-adds into the used rows.
 *
 * `paddingIdx` (PyTorch's padding_idx): that row starts at zero and never
 * receives gradient, so padding positions of a batch do not train it. Lookups
 * that hit it read the row through a detached view of the table.
 */
import { eq } from '../ops/binary.js';
import { embedding } from '../ops/embedding.js';
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
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    requirePositiveInteger('Embedding', 'numEmbeddings', numEmbeddings);
    requirePositiveInteger('Embedding', 'embeddingDim', embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = options.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx ${pad} is out of range for ${numEmbeddings} embeddings`);
    }
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    // PyTorch: N(0, 1), then the padding row zeroed.
    this.weight = emptyParameter([numEmbeddings, embeddingDim], options.dtype);
    normal(this.weight, 0, 1, options);
    if (this.paddingIdx !== null) this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
  }

  /** int32 ids of any shape → (…ids, embeddingDim). */
  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'int32') throw new TypeError(`Embedding: ids must be an int32 tensor, got ${ids.dtype}`);
    const looked = embedding(this.weight, ids);
    const pad = this.paddingIdx;
    if (pad === null || ids.data.indexOf(pad) < 0) return looked;
    // Padding positions take the row from a detached table: same values, no gradient into it.
    const isPad = unsqueeze(eq(ids, pad), -1);
    return where(isPad, embedding(this.weight.detach(), ids), looked);
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
