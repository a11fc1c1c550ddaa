/**
 * `torch.einsum(equation, ...operands)` (https://pytorch.org/docs/1.13/generated/torch.einsum.html),
 * reduced to differentiable ops — diagonals by indexSelect, sums, expand, permute,
 * reshape and batched matmul — so both autodiff modes come from those ops' rules.
 *
 * Semantics follow PyTorch: subscripts are letters [a-zA-Z]; a subscript repeated
 * in one operand takes the diagonal; subscripts missing from the output are
 * summed; `...` stands for broadcast dims (right-aligned across operands, size 1
 * stretches); sizes of a shared subscript must be equal or 1. Without `->` the
 * output is the ellipsis dims, then the subscripts that appear exactly once, in
 * ASCII order (upper case first). With `->` and no `...` in the output, the
 * ellipsis dims are summed. Operands are contracted left to right.
 */
import { formatShape, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { expand, reshape, sum } from './broadcast.js';
import { indexSelect } from './indexing.js';
import { matmul } from './matmul.js';
import { permute } from './shape.js';

/** An operand with one label per dim: a letter, or `.k` for the k-th ellipsis dim (counted over the widest operand). */
interface Labeled { tensor: Tensor; labels: string[] }

interface ParsedTerm { letters: string[]; ellipsisAt: number } // ellipsisAt = -1 if no `...`

function einsumError(equation: string, problem: string): Error {
  return new RangeError(`einsum('${equation}'): ${problem}`);
}

// ---------------------------------------------------------------- parsing
function parseTerm(equation: string, term: string, start: number): ParsedTerm {
  const letters: string[] = [];
  let ellipsisAt = -1;
  for (let i = 0; i < term.length; i++) {
    if (term[i] === ' ') continue; // PyTorch ignores spaces
    if (term.startsWith('...', i)) {
      if (ellipsisAt >= 0) throw einsumError(equation, `'...' appears more than once in the term '${term}'`);
      ellipsisAt = letters.length;
      i += 2;
    } else if (/^[a-zA-Z]$/.test(term[i])) {
      letters.push(term[i]);
    } else {
      throw einsumError(equation, `invalid subscript '${term[i]}' at index ${start + i}; subscripts must be letters a-z or A-Z (or '...')`);
    }
  }
  return { letters, ellipsisAt };
}

/** Split "ab,bc->ac" into parsed input terms and an output term (null when implicit), keeping character positions for errors. */
function parseEquation(equation: string): { inputs: ParsedTerm[]; output: ParsedTerm | null } {
  const arrow = equation.indexOf('->');
  const lhs = arrow < 0 ? equation : equation.slice(0, arrow);
  const inputs: ParsedTerm[] = [];
  let start = 0;
  for (const term of lhs.split(',')) {
    inputs.push(parseTerm(equation, term, start));
    start += term.length + 1;
  }
  const output = arrow < 0 ? null : parseTerm(equation, equation.slice(arrow + 2), arrow + 2);
  return { inputs, output };
}

/** Give every dim of every operand its label, checking ranks and that shared labels broadcast. */
function labelOperands(equation: string, terms: ParsedTerm[], operands: readonly Tensor[]): { labeled: Labeled[]; ellipsisRank: number; sizes: Map<string, number> } {
  if (terms.length !== operands.length) {
    throw einsumError(equation, `the equation has ${terms.length} operand term(s) but ${operands.length} tensor(s) were given`);
  }
  const ellipsisRanks = terms.map((term, k) => {
    const x = operands[k], extra = x.ndim - term.letters.length;
    if (term.ellipsisAt < 0 ? extra !== 0 : extra < 0) {
      throw einsumError(equation, `operand ${k} has shape ${formatShape(x.shape)} (${x.ndim} dims) but its term has ${term.letters.length} subscript(s)${term.ellipsisAt < 0 ? ' and no ellipsis' : ''}`);
    }
    return term.ellipsisAt < 0 ? 0 : extra;
  });
  const ellipsisRank = Math.max(0, ...ellipsisRanks);
  const sizes = new Map<string, number>();
  const labeled = terms.map((term, k) => {
    const e = ellipsisRanks[k];
    const dots = Array.from({ length: e }, (_, j) => `.${ellipsisRank - e + j}`);
    const labels = term.ellipsisAt < 0 ? term.letters : [...term.letters.slice(0, term.ellipsisAt), ...dots, ...term.letters.slice(term.ellipsisAt)];
    labels.forEach((label, d) => recordSize(equation, sizes, label, operands[k], d, labels));
    return { tensor: operands[k], labels };
  });
  return { labeled, ellipsisRank, sizes };
}

function recordSize(equation: string, sizes: Map<string, number>, label: string, x: Tensor, d: number, labels: readonly string[]): void {
  const size = x.shape[d];
  const first = labels.indexOf(label);
  const name = label.startsWith('.') ? 'an ellipsis dim' : `subscript ${label}`;
  if (first < d && x.shape[first] !== size) {
    throw einsumError(equation, `${name} is repeated in one operand with different sizes ${x.shape[first]} and ${size}`);
  }
  const seen = sizes.get(label);
  if (seen !== undefined && seen !== size && seen !== 1 && size !== 1) {
    throw einsumError(equation, `${name} has size ${size} in an operand of shape ${formatShape(x.shape)}, which does not broadcast with size ${seen} seen before`);
  }
  if (seen === undefined || seen === 1) sizes.set(label, size);
}

/** The output labels: explicit (checked) or PyTorch's implicit order. */
function outputLabels(equation: string, output: ParsedTerm | null, labeled: readonly Labeled[], ellipsisRank: number): string[] {
  const dots = Array.from({ length: ellipsisRank }, (_, j) => `.${j}`);
  if (output === null) {
    const counts = new Map<string, number>();
    for (const { labels } of labeled) for (const l of labels) if (!l.startsWith('.')) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, c]) => c === 1).map(([l]) => l).sort();
    return [...dots, ...once];
  }
  const seen = new Set<string>();
  for (const l of output.letters) {
    if (seen.has(l)) throw einsumError(equation, `output subscript ${l} appears more than once`);
    if (!labeled.some(({ labels }) => labels.includes(l))) throw einsumError(equation, `output subscript ${l} does not appear in any operand`);
    seen.add(l);
  }
  if (output.ellipsisAt < 0) return output.letters;
  return [...output.letters.slice(0, output.ellipsisAt), ...dots, ...output.letters.slice(output.ellipsisAt)];
}

// ---------------------------------------------------------------- building blocks
/** The diagonal over dims i < j (equal sizes): drops both, appends one dim. */
function diagonal(x: Tensor, i: number, j: number): Tensor {
  const rest = x.shape.map((_, d) => d).filter((d) => d !== i && d !== j);
  const n = x.shape[i];
  const square = permute(x, [...rest, i, j]);
  const flat = reshape(square, [...rest.map((d) => x.shape[d]), n * n]);
  const positions = new Int32Array(n);
  for (let k = 0; k < n; k++) positions[k] = k * (n + 1);
  return indexSelect(flat, rest.length, new Tensor(positions, [n]));
}

/** Collapse every repeated label of one operand to its diagonal. */
function takeDiagonals({ tensor, labels }: Labeled): Labeled {
  for (let j = 0; j < labels.length; j++) {
    const i = labels.indexOf(labels[j]);
    if (i < j) {
      const rest = labels.filter((_, d) => d !== i && d !== j);
      return takeDiagonals({ tensor: diagonal(tensor, i, j), labels: [...rest, labels[i]] });
    }
  }
  return { tensor, labels };
}

/** Sum away the labels not in `needed`. */
function sumUnneeded({ tensor, labels }: Labeled, needed: ReadonlySet<string>): Labeled {
  const drop = labels.map((l, d) => (needed.has(l) ? -1 : d)).filter((d) => d >= 0);
  if (drop.length === 0) return { tensor, labels };
  return { tensor: sum(tensor, drop), labels: labels.filter((l) => needed.has(l)) };
}

/** Stretch size-1 dims to the label's broadcast size. */
function broadcastTo({ tensor, labels }: Labeled, sizes: ReadonlyMap<string, number>): Labeled {
  const target = labels.map((l) => sizes.get(l) as number);
  return { tensor: target.every((s, d) => s === tensor.shape[d]) ? tensor : expand(tensor, target), labels };
}

/** Arrange dims as the given label groups and merge each group into one dim. */
function grouped({ tensor, labels }: Labeled, groups: readonly string[][]): Tensor {
  const order = groups.flat().map((l) => labels.indexOf(l));
  return reshape(permute(tensor, order), groups.map((g) => sizeOf(g.map((l) => tensor.shape[labels.indexOf(l)]))));
}

/**
 * Contract two operands with one batched matmul: labels in both that are still
 * needed are batch dims, labels in both that are not are summed by the product.
 */
function contractPair(a: Labeled, b: Labeled, needed: ReadonlySet<string>, sizes: ReadonlyMap<string, number>): Labeled {
  const shared = new Set(a.labels.filter((l) => b.labels.includes(l)));
  const left = broadcastTo(sumUnneeded(a, new Set([...needed, ...shared])), sizes);
  const right = broadcastTo(sumUnneeded(b, new Set([...needed, ...shared])), sizes);
  const batch = left.labels.filter((l) => shared.has(l) && needed.has(l));
  const contracted = left.labels.filter((l) => shared.has(l) && !needed.has(l));
  const leftOnly = left.labels.filter((l) => !shared.has(l));
  const rightOnly = right.labels.filter((l) => !shared.has(l));
  const product = matmul(grouped(left, [batch, leftOnly, contracted]), grouped(right, [batch, contracted, rightOnly]));
  const labels = [...batch, ...leftOnly, ...rightOnly];
  return { tensor: reshape(product, labels.map((l) => sizes.get(l) as number)), labels };
}

// ---------------------------------------------------------------- einsum
/** Einstein summation, as `torch.einsum`: e.g. einsum('bij,bjk->bik', a, b) is a batched matmul. */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (operands.length === 0) throw einsumError(equation, 'expected at least one operand');
  const parsed = parseEquation(equation);
  const { labeled, ellipsisRank, sizes } = labelOperands(equation, parsed.inputs, operands);
  const output = outputLabels(equation, parsed.output, labeled, ellipsisRank);
  const prepared = labeled.map(takeDiagonals);
  // A label is needed after step k if the output or a later operand uses it.
  const neededAfter = (k: number): Set<string> => new Set([...output, ...prepared.slice(k + 1).flatMap((p) => p.labels)]);
  let result = sumUnneeded(prepared[0], new Set([...neededAfter(0)]));
  for (let k = 1; k < prepared.length; k++) result = contractPair(result, prepared[k], neededAfter(k), sizes);
  result = broadcastTo(sumUnneeded(result, new Set(output)), sizes);
  return permute(result.tensor, output.map((l) => result.labels.indexOf(l)));
}
