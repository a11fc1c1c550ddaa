/*
 * Internal interfaces between the ISA-independent driver (dispatch.c: argument
 * handling, work splitting across threads) and the kernels, which are written
 * once in kernels-impl.h and compiled once per instruction set (isa-*.c).
 */
#ifndef LMKIT_INTERNAL_H
#define LMKIT_INTERNAL_H

#include "../include/lmkit.h"

/* One un-batched GEMM on general strides: op(A)(i, p) = a[i·a_row + p·a_col],
 * op(B)(p, j) = b[p·b_row + j·b_col], C(i, j) = c[i·ldc + j]. k ≥ 1, m, n ≥ 1. */
typedef struct {
  const float *a;
  long a_row, a_col;
  const float *b;
  long b_row, b_col;
  float *c;
  long ldc;
  long m, n, k;
  int accumulate;
  /* Row-at-a-time path for a few rows or one column, decided once for the whole
   * product so that a split into pieces does not change the arithmetic. */
  int direct;
} lmk_gemm;

/* Per-thread work buffers for the kernels; grown on demand, kept across calls. */
enum { LMK_SLOT_PACK_A = 0, LMK_SLOT_PACK_B = 1, LMK_SLOT_WORK = 2, LMK_SLOT_COUNT = 3 };
/** A 64-byte-aligned buffer of at least `bytes` for `thread`'s `slot` (contents undefined). Never NULL. */
void *lmk_buffer(int thread, int slot, size_t bytes);

/* The kernels of one instruction set. Ranges are half-open [begin, end). */
typedef struct {
  const char *name;
  /** Packed-panel geometry, so the driver can split GEMMs on tile boundaries. */
  int mr, nr;
  void (*gemm)(const lmk_gemm *g, int thread);
  /** GELU of elements [offset, offset + n) of a (rows, cols) input, plus bias[i mod cols] when bias is not NULL. */
  void (*gelu_forward)(const float *x, const float *bias, long cols, long offset, float *out, long n, int tanh_approx);
  void (*gelu_backward)(const float *x, const float *bias, long cols, long offset, const float *gy, float *gx, long n, int tanh_approx);
  void (*layer_norm_forward)(const float *x, const float *weight, const float *bias, float *out,
                             float *mean, float *rstd, long row_begin, long row_end, long cols, float eps);
  /** Writes gx for the rows; adds Σ_rows gy·x̂ and Σ_rows gy into the double column sums (length 2·cols). */
  void (*layer_norm_backward)(const float *x, const float *weight, const float *mean, const float *rstd,
                              const float *gy, float *gx, double *column_sums, long row_begin, long row_end, long cols);
  void (*softmax_forward)(const float *x, float *out, long row_begin, long row_end, long cols, int log_softmax);
  void (*softmax_backward)(const float *y, const float *gy, float *gx, long row_begin, long row_end, long cols, int log_softmax);
  void (*cross_entropy_forward)(const float *logits, const int32_t *targets, long row_begin, long row_end, long classes,
                                int32_t ignore_index, float label_smoothing, float *loss, float *lse);
  void (*cross_entropy_backward)(const float *logits, const int32_t *targets, const float *lse, long row_begin, long row_end,
                                 long classes, int32_t ignore_index, float label_smoothing, const float *row_scale, float *g);
  void (*attention_forward)(const lmk_attention_shape *s, const float *q, const float *k, const float *v, const float *mask,
                            float *out, float *lse, long bh_begin, long bh_end, int thread);
  void (*attention_backward)(const lmk_attention_shape *s, const float *q, const float *k, const float *v, const float *mask,
                             const float *out, const float *lse, const float *g_out, float *gq, float *gk, float *gv,
                             long bh_begin, long bh_end, int thread);
  void (*adamw_update)(float *param, const float *grad, float *m, float *v, long n, const double *hyper);
  void (*binary_row)(int op, const float *a, long sa, const float *b, long sb, float *out, long n);
  void (*add_scaled)(float *dst, const float *src, long n, float alpha);
  /** out[0:n] += x[0:n] (the inner > 1 reduction step). */
  void (*accumulate_row)(float *out, const float *x, long n);
  /** Σ x[0:n] in float lanes combined in double. */
  double (*sum_row)(const float *x, long n);
  /** Σ x[i]·y[i], float lanes over blocks combined in double. */
  double (*dot_row)(const float *x, const float *y, long n);
} lmk_isa_kernels;

extern const lmk_isa_kernels lmk_kernels_generic;
#if defined(__x86_64__) || defined(__i386__)
extern const lmk_isa_kernels lmk_kernels_avx2;
extern const lmk_isa_kernels lmk_kernels_avx512;
#endif

/* Scalar log shared by the builds: libm natively, JavaScript's Math under wasm (no libc there). */
double lmk_log(double x);

/* Thread pool (threads.c): runs fn(ctx, task, thread) for task in [0, tasks) on up to
 * lmk_get_threads() threads, the caller included as thread 0; returns when all are done. */
typedef void (*lmk_task_fn)(void *ctx, long task, int thread);
void lmk_parallel(long tasks, lmk_task_fn fn, void *ctx);

#endif
