/**
 * The "native" backend: the C kernels of native/ built as a Node N-API addon by
 * node-gyp at install time (build/Release/lmkit_native.node), with runtime CPU
 * dispatch (AVX-512 / AVX2+FMA / generic) and a thread pool.
 *
 * Arrays cross into C without copying. Scalar arguments go through one shared
 * Float64Array (`params`) that the addon reads directly, so a call costs one
 * N-API transition plus one typed-array lookup per array.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writeAttentionLayout } from '../../backend/attention-layout.js';
import type { Backend } from '../../backend/backend.js';
import { createCompiledBackend } from '../../backend/compiled/create-backend.js';
import type { RawKernels } from '../../backend/compiled/raw-kernels.js';

/** Where node-gyp puts the addon, from dist/src/node/backend/ (or any dist-*): the package root's build/. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../../../build/Release/lmkit_native.node', import.meta.url));

/**
 * Binary ops, sum reductions and addScaled go native from this many elements:
 * below it the N-API call (≈0.2 µs) costs more than V8's loop.
 */
const ELEMENTWISE_MIN_SIZE = 2048;

type F32 = Float32Array;
type I32 = Int32Array;
type Fn<A extends unknown[]> = (...args: A) => void;

/** The addon's exports (native/src/addon.c). Scalars are read from the params block. */
interface NativeAddon {
  init(params: Float64Array, isa?: string): { isa: string; threads: number; cpus: number };
  setThreads(threads: number): number;
  getThreads(): number;
  matmul: Fn<[F32, F32, F32]>;
  /** The bias (cols) is optional: GELU(x + bias) broadcast over rows. */
  geluForward: Fn<[F32, F32, F32 | null]>;
  geluBackward: Fn<[F32, F32, F32, F32 | null]>;
  layerNormForward: Fn<[F32, F32 | null, F32 | null, F32, F32, F32]>;
  layerNormBackward: Fn<[F32, F32 | null, F32, F32, F32, F32, F32 | null, F32 | null]>;
  softmaxForward: Fn<[F32, F32]>;
  softmaxBackward: Fn<[F32, F32, F32]>;
  crossEntropyForward: Fn<[F32, I32, F32, F32]>;
  crossEntropyBackward: Fn<[F32, I32, F32, F32, F32]>;
  attentionForward: Fn<[F32, F32, F32, F32 | null, F32, F32]>;
  attentionBackward: Fn<[F32, F32, F32, F32 | null, F32, F32, F32, F32, F32, F32]>;
  embeddingForward: Fn<[F32, I32, F32]>;
  embeddingBackward: Fn<[I32, F32, F32]>;
  adamwUpdate: Fn<[F32, F32, F32, F32]>;
  binary: Fn<[F32, F32, F32]>;
  reduceSum: Fn<[F32, F32]>;
  addScaled: Fn<[F32, F32]>;
  /** Writes Σ x·y to params[0]. */
  dot: Fn<[F32, F32]>;
}

export interface NativeInfo {
  /** Instruction set in use: 'avx512', 'avx2' or 'generic'. */
  isa: string;
  /** Threads the large kernels use (the caller's included). */
  threads: number;
  /** Logical CPUs the addon sees. */
  cpus: number;
  /** The addon file. */
  path: string;
}

export interface NativeBackend {
  backend: Backend;
  info: NativeInfo;
  /** Set the thread count (clamped to [1, 64]); returns the count in effect. */
  setThreads(threads: number): number;
}

export interface LoadNativeOptions {
  /** Force an instruction set ('generic', 'avx2', 'avx512'), e.g. to test a slower path; default: the best this CPU has. */
  isa?: string;
  /** Threads for large kernels; default: every logical CPU. */
  threads?: number;
  /** Addon file (default NATIVE_ADDON_PATH). */
  path?: string;
}

/**
 * Load the addon and wrap it as the 'native' backend (not registered). Throws
 * an Error saying why when the addon is missing or cannot be loaded.
 */
export function loadNativeBackend(options: LoadNativeOptions = {}): NativeBackend {
  const path = options.path ?? NATIVE_ADDON_PATH;
  if (!existsSync(path)) throw new Error(`the addon was not built (no ${path})`);
  const addon = createRequire(import.meta.url)(path) as NativeAddon;
  const params = new Float64Array(32);
  const { isa, cpus } = addon.init(params, options.isa);
  const threads = options.threads === undefined ? addon.getThreads() : addon.setThreads(options.threads);
  const info: NativeInfo = { isa, threads, cpus, path };
  const backend = createCompiledBackend('native', nativeRawKernels(addon, params), { elementwiseMinSize: ELEMENTWISE_MIN_SIZE });
  return {
    backend,
    info,
    setThreads(count: number): number {
      info.threads = addon.setThreads(count);
      return info.threads;
    },
  };
}

function nativeRawKernels(addon: NativeAddon, p: Float64Array): RawKernels {
  const flag = (value: boolean): number => (value ? 1 : 0);
  const setAttention = (s: Parameters<RawKernels['attentionForward']>[0]): void => {
    p[0] = s.batchHeads; p[1] = s.queryLength; p[2] = s.keyLength; p[3] = s.headDim; p[4] = s.valueDim;
    p[5] = s.scale; p[6] = flag(s.causal); p[7] = s.maskStride; p[8] = s.headsPerMask;
    writeAttentionLayout(s.layout, p, 9);
  };
  return {
    matmul(a, b, out, m, n, k, transA, transB, batch, aStride, bStride, outStride, accumulate) {
      p[0] = m; p[1] = n; p[2] = k; p[3] = flag(transA); p[4] = flag(transB);
      p[5] = batch; p[6] = aStride; p[7] = bStride; p[8] = outStride; p[9] = flag(accumulate);
      addon.matmul(a, b, out);
    },
    geluForward(x, out, tanh, bias) {
      p[0] = flag(tanh);
      addon.geluForward(x, out, bias);
    },
    geluBackward(x, gy, gx, tanh, bias) {
      p[0] = flag(tanh);
      addon.geluBackward(x, gy, gx, bias);
    },
    layerNormForward(x, weight, bias, out, mean, rstd, rows, cols, eps) {
      p[0] = rows; p[1] = cols; p[2] = eps;
      addon.layerNormForward(x, weight, bias, out, mean, rstd);
    },
    layerNormBackward(x, weight, mean, rstd, gy, gx, gWeight, gBias, rows, cols) {
      p[0] = rows; p[1] = cols;
      addon.layerNormBackward(x, weight, mean, rstd, gy, gx, gWeight, gBias);
    },
    softmaxForward(x, out, rows, cols, log) {
      p[0] = rows; p[1] = cols; p[2] = flag(log);
      addon.softmaxForward(x, out);
    },
    softmaxBackward(y, gy, gx, rows, cols, log) {
      p[0] = rows; p[1] = cols; p[2] = flag(log);
      addon.softmaxBackward(y, gy, gx);
    },
    crossEntropyForward(logits, targets, rows, classes, ignoreIndex, labelSmoothing, lossPerRow, logSumExp) {
      p[0] = rows; p[1] = classes; p[2] = ignoreIndex; p[3] = labelSmoothing;
      addon.crossEntropyForward(logits, targets, lossPerRow, logSumExp);
    },
    crossEntropyBackward(logits, targets, logSumExp, rows, classes, ignoreIndex, labelSmoothing, rowScale, gLogits) {
      p[0] = rows; p[1] = classes; p[2] = ignoreIndex; p[3] = labelSmoothing;
      addon.crossEntropyBackward(logits, targets, logSumExp, rowScale, gLogits);
    },
    attentionForward(shape, q, k, v, mask, out, logSumExp) {
      setAttention(shape);
      addon.attentionForward(q, k, v, mask, out, logSumExp);
    },
    attentionBackward(shape, q, k, v, mask, out, logSumExp, gOut, gq, gk, gv) {
      setAttention(shape);
      addon.attentionBackward(q, k, v, mask, out, logSumExp, gOut, gq, gk, gv);
    },
    embeddingForward(table, ids, out, dim) {
      p[0] = dim;
      addon.embeddingForward(table, ids, out);
    },
    embeddingBackward(ids, gOut, gTable, dim) {
      p[0] = dim;
      addon.embeddingBackward(ids, gOut, gTable);
    },
    adamwUpdate(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, bc1, bc2) {
      p[0] = lr; p[1] = beta1; p[2] = beta2; p[3] = eps; p[4] = weightDecay; p[5] = bc1; p[6] = bc2;
      addon.adamwUpdate(param, grad, expAvg, expAvgSq);
    },
    binary(op, a, aStrides, b, bStrides, out, shape) {
      const rank = shape.length;
      p[0] = op; p[1] = rank;
      for (let d = 0; d < rank; d++) {
        p[2 + d] = shape[d];
        p[2 + rank + d] = aStrides[d];
        p[2 + 2 * rank + d] = bStrides[d];
      }
      addon.binary(a, b, out);
    },
    reduceSum(x, outer, n, inner, out) {
      p[0] = outer; p[1] = n; p[2] = inner;
      addon.reduceSum(x, out);
    },
    addScaled(dst, src, alpha) {
      p[0] = alpha;
      addon.addScaled(dst, src);
    },
    dot(x, y) {
      addon.dot(x, y);
      return p[0];
    },
  };
}
