/*
 * lmkit's C kernels: the public entry points shared by the two builds of this
 * source (see native/README.md):
 *   - native: a Node N-API addon (src/addon.c) built by node-gyp, with runtime
 *     CPU dispatch (AVX-512 / AVX2+FMA / generic) and a pthread pool;
 *   - wasm:   clang --target=wasm32 -msimd128 (src/wasm.c), one thread.
 *
 * Every kernel works on float32 arrays that the caller has already validated
 * (the TypeScript glue checks sizes, ids and targets and throws the same errors
 * as the js backend), so nothing here reports errors. Semantics match the
 * reference kernels in src/backend/js/ exactly; only rounding differs (float32
 * accumulation with FMA where the js kernels accumulate in doubles).
 */
#ifndef LMKIT_H
#define LMKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Picks the kernel set for this CPU (idempotent). `force` = NULL, "generic", "avx2" or "avx512". Returns 0 on success. */
int lmk_init(const char *force);
/** "avx512", "avx2" or "generic" (wasm: "wasm-simd128"). */
const char *lmk_isa_name(void);
/** Threads used by large kernels, the caller's included (1 = no pool). Clamped to [1, LMK_MAX_THREADS]. */
int lmk_set_threads(int threads);
int lmk_get_threads(void);
/** Logical CPUs online (1 under wasm). */
int lmk_cpu_count(void);

#define LMK_MAX_THREADS 64

/* Batched GEMM, MatmulArgs of src/backend/backend.ts. */
void lmk_matmul(const float *a, const float *b, float *out, long m, long n, long k,
                int trans_a, int trans_b, long batch, long a_stride, long b_stride, long out_stride,
                int accumulate);

/** out = GELU(x + bias) with bias (cols) broadcast over rows of x (n = rows·cols), or GELU(x) when bias is NULL. */
void lmk_gelu_forward(const float *x, const float *bias, long cols, float *out, long n, int tanh_approx);
/** gx = gy·GELU'(x + bias) (bias as in forward). */
void lmk_gelu_backward(const float *x, const float *bias, long cols, const float *gy, float *gx, long n, int tanh_approx);

/* weight, bias, g_weight, g_bias may be NULL. */
void lmk_layer_norm_forward(const float *x, const float *weight, const float *bias, float *out,
                            float *mean, float *rstd, long rows, long cols, double eps);
void lmk_layer_norm_backward(const float *x, const float *weight, const float *mean, const float *rstd,
                             const float *gy, float *gx, float *g_weight, float *g_bias, long rows, long cols);

/* log_softmax = 0: softmax; 1: log-softmax. */
void lmk_softmax_forward(const float *x, float *out, long rows, long cols, int log_softmax);
void lmk_softmax_backward(const float *y, const float *gy, float *gx, long rows, long cols, int log_softmax);

/* Targets are validated by the caller (in range or equal to ignore_index). */
void lmk_cross_entropy_forward(const float *logits, const int32_t *targets, long rows, long classes,
                               int32_t ignore_index, double label_smoothing, float *loss_per_row, float *log_sum_exp);
void lmk_cross_entropy_backward(const float *logits, const int32_t *targets, const float *log_sum_exp,
                                long rows, long classes, int32_t ignore_index, double label_smoothing,
                                const float *row_scale, float *g_logits);

/** Row i of batch·head bh = b·heads + h starts at offset + b·batch + h·head + i·row (elements); the row is contiguous. */
typedef struct {
  long offset, batch, head, row;
} lmk_operand_layout;

/** AttentionGeometry, with the mask and operand layouts resolved (and validated) by the caller. */
typedef struct {
  long batch_heads, query_length, key_length, head_dim, value_dim;
  float scale;
  int causal;
  /** Elements between the masks of consecutive mask batches (0: one mask for all). */
  long mask_stride;
  /** Consecutive batch·head indices sharing one mask batch (≥ 1). */
  long heads_per_mask;
  /** Heads per batch; gq, gk, gv and g_out share the layouts of q, k, v and out; the log-sum-exp is contiguous (BH·Tq). */
  long heads;
  lmk_operand_layout q_layout, k_layout, v_layout, out_layout;
} lmk_attention_shape;

void lmk_attention_forward(const lmk_attention_shape *shape, const float *q, const float *k, const float *v,
                           const float *mask, float *out, float *log_sum_exp);
void lmk_attention_backward(const lmk_attention_shape *shape, const float *q, const float *k, const float *v,
                            const float *mask, const float *out, const float *log_sum_exp, const float *g_out,
                            float *gq, float *gk, float *gv);

/* Ids validated by the caller. */
void lmk_embedding_forward(const float *table, const int32_t *ids, long count, float *out, long dim);
void lmk_embedding_backward(const int32_t *ids, long count, const float *g_out, float *g_table, long dim);

void lmk_adamw_update(float *param, const float *grad, float *exp_avg, float *exp_avg_sq, long n,
                      double lr, double beta1, double beta2, double eps, double weight_decay,
                      double bias_correction1, double bias_correction2);

enum { LMK_ADD = 0, LMK_SUB = 1, LMK_MUL = 2, LMK_DIV = 3, LMK_COPY = 4 };
#define LMK_MAX_RANK 8
/**
 * out = a ∘ b over `shape` (rank ≤ LMK_MAX_RANK) with broadcast strides (0 = broadcast); out contiguous.
 * LMK_COPY gathers a strided view of a into out (b is not read): permute/contiguous/slice copies.
 */
void lmk_binary(int op, const float *a, const long *a_strides, const float *b, const long *b_strides,
                float *out, const long *shape, int rank);
/** Σ x[i]·y[i] for i < n, accumulated in double across blocks (deterministic for a given thread count). */
double lmk_dot(const float *x, const float *y, long n);
/** Sum over the middle axis of an (outer, n, inner) view. */
void lmk_reduce_sum(const float *x, long outer, long n, long inner, float *out);
/** dst[i] += alpha·src[i]. */
void lmk_add_scaled(float *dst, const float *src, long n, float alpha);

#ifdef __cplusplus
}
#endif
#endif
