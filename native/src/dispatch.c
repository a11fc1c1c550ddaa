/*
 * The public entry points (include/lmkit.h): pick the kernel set for this CPU
 * once, then for each call decide how to split the work into tasks for the
 * thread pool and call the per-ISA kernels on each piece.
 *
 * Splits never change the arithmetic of any output element (each element is
 * computed by the same sequence of operations whichever task computes it, and
 * per-task partial sums are combined in task order), so results do not depend
 * on the thread count — only on the instruction set.
 */
#include "internal.h"

#if !defined(__wasm__)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

static const lmk_isa_kernels *kernels = &lmk_kernels_generic;
static int initialized;

#if !defined(__wasm__)
double lmk_log(double x) { return log(x); }
#endif

int lmk_init(const char *force) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const int has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const int has_avx512 = has_avx2 && __builtin_cpu_supports("avx512f");
  if (force && force[0]) {
    if (!strcmp(force, "generic")) kernels = &lmk_kernels_generic;
    else if (!strcmp(force, "avx2") && has_avx2) kernels = &lmk_kernels_avx2;
    else if (!strcmp(force, "avx512") && has_avx512) kernels = &lmk_kernels_avx512;
    else return -1;
  } else {
    kernels = has_avx512 ? &lmk_kernels_avx512 : has_avx2 ? &lmk_kernels_avx2 : &lmk_kernels_generic;
  }
#else
  if (force && force[0] && !(force[0] == 'g' && force[1] == 'e')) return -1;
  kernels = &lmk_kernels_generic;
#endif
  if (!initialized) {
    initialized = 1;
    lmk_set_threads(lmk_cpu_count());
  }
  return 0;
}

const char *lmk_isa_name(void) { return kernels->name; }

/* ---------------------------------------------------------- buffers ---- */

#if !defined(__wasm__)
static struct {
  void *data;
  size_t size;
} buffers[LMK_MAX_THREADS][LMK_SLOT_COUNT];

void *lmk_buffer(int thread, int slot, size_t bytes) {
  if (buffers[thread][slot].size >= bytes && buffers[thread][slot].data) return buffers[thread][slot].data;
  size_t size = buffers[thread][slot].size * 2;
  if (size < bytes) size = bytes;
  if (size < 4096) size = 4096;
  size = (size + 63) & ~(size_t)63;
  free(buffers[thread][slot].data);
  void *data = aligned_alloc(64, size);
  if (!data) {
    fprintf(stderr, "lmkit native: out of memory allocating a %zu-byte work buffer\n", size);
    abort();
  }
  buffers[thread][slot].data = data;
  buffers[thread][slot].size = size;
  return data;
}
#endif

/* Work below this many floating-point operations runs on the caller alone:
 * waking a worker costs a few microseconds. */
#define PARALLEL_MIN_FLOPS (1L << 20)

static long tasks_for(double work, long max_tasks) {
  const int threads = lmk_get_threads();
  if (threads <= 1 || work < PARALLEL_MIN_FLOPS) return 1;
  return max_tasks < threads ? max_tasks : threads;
}

/* [begin, end) of part `index` of `parts` equal pieces of `total`, each a multiple of `unit`. */
static void split_range(long total, long parts, long index, long unit, long *begin, long *end) {
  long chunk = (total + parts - 1) / parts;
  chunk = (chunk + unit - 1) / unit * unit;
  *begin = index * chunk < total ? index * chunk : total;
  *end = *begin + chunk < total ? *begin + chunk : total;
}

/* ------------------------------------------------------------- GEMM ---- */

typedef struct {
  lmk_gemm whole;
  long batch, a_stride, b_stride, c_stride;
  /* Tasks: batch ranges (parts = 1 per batch range) or parts of each batch's product. */
  long parts;
  int split_rows;
  long tasks;
} matmul_job;

static void gemm_piece(const matmul_job *job, long batch_index, long part, int thread) {
  lmk_gemm g = job->whole;
  g.a += batch_index * job->a_stride;
  g.b += batch_index * job->b_stride;
  g.c += batch_index * job->c_stride;
  if (job->parts > 1) {
    long begin, end;
    if (job->split_rows) {
      split_range(g.m, job->parts, part, kernels->mr, &begin, &end);
      g.a += begin * g.a_row;
      g.c += begin * g.ldc;
      g.m = end - begin;
    } else {
      split_range(g.n, job->parts, part, kernels->nr, &begin, &end);
      g.b += begin * g.b_col;
      g.c += begin;
      g.n = end - begin;
    }
    if (end <= begin) return;
  }
  kernels->gemm(&g, thread);
}

static void matmul_task(void *ctx, long task, int thread) {
  const matmul_job *job = (const matmul_job *)ctx;
  if (job->parts == 1) {
    long begin, end;
    split_range(job->batch, job->tasks, task, 1, &begin, &end);
    for (long b = begin; b < end; b++) gemm_piece(job, b, 0, thread);
  } else {
    gemm_piece(job, task / job->parts, task % job->parts, thread);
  }
}

void lmk_matmul(const float *a, const float *b, float *out, long m, long n, long k,
                int trans_a, int trans_b, long batch, long a_stride, long b_stride, long out_stride,
                int accumulate) {
  if (batch == 0 || m == 0 || n == 0) return;
  /* A shared right operand over contiguous untransposed left operands (a Linear
   * layer on (B, T, C)) is one tall product: fold the batch into M. */
  if (batch > 1 && b_stride == 0 && !trans_a && a_stride == m * k && out_stride == m * n) {
    m *= batch;
    batch = 1;
  }
  if (k == 0) {
    if (!accumulate) {
      for (long t = 0; t < batch; t++) {
        float *c = out + t * out_stride;
        for (long e = 0; e < m * n; e++) c[e] = 0.0f;
      }
    }
    return;
  }
  matmul_job job;
  job.whole.a = a;
  job.whole.a_row = trans_a ? 1 : k;
  job.whole.a_col = trans_a ? m : 1;
  job.whole.b = b;
  job.whole.b_row = trans_b ? 1 : n;
  job.whole.b_col = trans_b ? k : 1;
  job.whole.c = out;
  job.whole.ldc = n;
  job.whole.m = m;
  job.whole.n = n;
  job.whole.k = k;
  job.whole.accumulate = accumulate;
  job.whole.direct = m <= 2 || n == 1;
  job.batch = batch;
  job.a_stride = a_stride;
  job.b_stride = b_stride;
  job.c_stride = out_stride;
  const int threads = lmk_get_threads();
  const double flops = 2.0 * batch * m * n * k;
  const long row_tiles = (m + kernels->mr - 1) / kernels->mr, col_tiles = (n + kernels->nr - 1) / kernels->nr;
  if (threads <= 1 || flops < PARALLEL_MIN_FLOPS) {
    job.parts = 1;
    job.tasks = 1;
  } else if (batch >= threads) {
    job.parts = 1;
    job.tasks = threads;
  } else {
    /* Split each product along the dimension with more register tiles (for the
     * few-row GEMV path, always along columns: its rows are few). */
    job.split_rows = row_tiles >= col_tiles && !job.whole.direct;
    const long tiles = job.split_rows ? row_tiles : col_tiles;
    job.parts = tiles < threads ? tiles : threads;
    job.tasks = batch * job.parts;
  }
  lmk_parallel(job.tasks, matmul_task, &job);
}

/* ------------------------------------------------------------- GELU ---- */

typedef struct {
  const float *x, *gy, *bias;
  float *out;
  long n, tasks, cols;
  int tanh_approx, backward;
} elementwise_job;

static void gelu_task(void *ctx, long task, int thread) {
  (void)thread;
  const elementwise_job *job = (const elementwise_job *)ctx;
  long begin, end;
  split_range(job->n, job->tasks, task, 64, &begin, &end);
  if (end <= begin) return;
  if (job->backward) {
    kernels->gelu_backward(job->x + begin, job->bias, job->cols, begin, job->gy + begin, job->out + begin, end - begin, job->tanh_approx);
  } else {
    kernels->gelu_forward(job->x + begin, job->bias, job->cols, begin, job->out + begin, end - begin, job->tanh_approx);
  }
}

void lmk_gelu_forward(const float *x, const float *bias, long cols, float *out, long n, int tanh_approx) {
  elementwise_job job = { x, 0, bias, out, n, tasks_for(30.0 * n, 64), cols, tanh_approx, 0 };
  lmk_parallel(job.tasks, gelu_task, &job);
}

void lmk_gelu_backward(const float *x, const float *bias, long cols, const float *gy, float *gx, long n, int tanh_approx) {
  elementwise_job job = { x, gy, bias, gx, n, tasks_for(40.0 * n, 64), cols, tanh_approx, 1 };
  lmk_parallel(job.tasks, gelu_task, &job);
}

/* -------------------------------------------------------- LayerNorm ---- */

typedef struct {
  const float *x, *weight, *bias, *mean, *rstd, *gy;
  float *out, *mean_out, *rstd_out, *gx;
  double *sums;
  long rows, cols, tasks;
  float eps;
} layer_norm_job;

static void layer_norm_forward_task(void *ctx, long task, int thread) {
  (void)thread;
  const layer_norm_job *job = (const layer_norm_job *)ctx;
  long begin, end;
  split_range(job->rows, job->tasks, task, 1, &begin, &end);
  kernels->layer_norm_forward(job->x, job->weight, job->bias, job->out, job->mean_out, job->rstd_out, begin, end, job->cols, job->eps);
}

void lmk_layer_norm_forward(const float *x, const float *weight, const float *bias, float *out,
                            float *mean, float *rstd, long rows, long cols, double eps) {
  layer_norm_job job = { 0 };
  job.x = x; job.weight = weight; job.bias = bias; job.out = out; job.mean_out = mean; job.rstd_out = rstd;
  job.rows = rows; job.cols = cols; job.eps = (float)eps;
  job.tasks = tasks_for(8.0 * rows * cols, rows);
  lmk_parallel(job.tasks, layer_norm_forward_task, &job);
}

static void layer_norm_backward_task(void *ctx, long task, int thread) {
  (void)thread;
  const layer_norm_job *job = (const layer_norm_job *)ctx;
  long begin, end;
  split_range(job->rows, job->tasks, task, 1, &begin, &end);
  double *sums = job->sums + task * 2 * job->cols;
  for (long j = 0; j < 2 * job->cols; j++) sums[j] = 0.0;
  kernels->layer_norm_backward(job->x, job->weight, job->mean, job->rstd, job->gy, job->gx, sums, begin, end, job->cols);
}

void lmk_layer_norm_backward(const float *x, const float *weight, const float *mean, const float *rstd,
                             const float *gy, float *gx, float *g_weight, float *g_bias, long rows, long cols) {
  layer_norm_job job = { 0 };
  job.x = x; job.weight = weight; job.mean = mean; job.rstd = rstd; job.gy = gy; job.gx = gx;
  job.rows = rows; job.cols = cols;
  job.tasks = tasks_for(12.0 * rows * cols, rows);
  /* One double column-sum row pair per task, combined below in task order. */
  job.sums = (double *)lmk_buffer(0, LMK_SLOT_WORK, (size_t)(job.tasks * 2 * cols) * sizeof(double));
  lmk_parallel(job.tasks, layer_norm_backward_task, &job);
  for (long j = 0; j < cols; j++) {
    double weight_sum = 0, bias_sum = 0;
    for (long t = 0; t < job.tasks; t++) {
      weight_sum += job.sums[t * 2 * cols + j];
      bias_sum += job.sums[t * 2 * cols + cols + j];
    }
    if (g_weight) g_weight[j] = (float)(g_weight[j] + weight_sum);
    if (g_bias) g_bias[j] = (float)(g_bias[j] + bias_sum);
  }
}

/* ------------------------------------------- softmax, cross-entropy ---- */

typedef struct {
  const float *x, *gy, *lse_in, *row_scale;
  const int32_t *targets;
  float *out, *lse_out;
  long rows, cols, tasks;
  int log_softmax;
  int32_t ignore_index;
  float label_smoothing;
} row_job;

static void softmax_forward_task(void *ctx, long task, int thread) {
  (void)thread;
  const row_job *job = (const row_job *)ctx;
  long begin, end;
  split_range(job->rows, job->tasks, task, 1, &begin, &end);
  kernels->softmax_forward(job->x, job->out, begin, end, job->cols, job->log_softmax);
}

void lmk_softmax_forward(const float *x, float *out, long rows, long cols, int log_softmax) {
  row_job job = { 0 };
  job.x = x; job.out = out; job.rows = rows; job.cols = cols; job.log_softmax = log_softmax;
  job.tasks = tasks_for(20.0 * rows * cols, rows);
  lmk_parallel(job.tasks, softmax_forward_task, &job);
}

static void softmax_backward_task(void *ctx, long task, int thread) {
  (void)thread;
  const row_job *job = (const row_job *)ctx;
  long begin, end;
  split_range(job->rows, job->tasks, task, 1, &begin, &end);
  kernels->softmax_backward(job->x, job->gy, job->out, begin, end, job->cols, job->log_softmax);
}

void lmk_softmax_backward(const float *y, const float *gy, float *gx, long rows, long cols, int log_softmax) {
  row_job job = { 0 };
  job.x = y; job.gy = gy; job.out = gx; job.rows = rows; job.cols = cols; job.log_softmax = log_softmax;
  job.tasks = tasks_for(20.0 * rows * cols, rows);
  lmk_parallel(job.tasks, softmax_backward_task, &job);
}

static void cross_entropy_forward_task(void *ctx, long task, int thread) {
  (void)thread;
  const row_job *job = (const row_job *)ctx;
  long begin, end;
  split_range(job->rows, job->tasks, task, 1, &begin, &end);
  kernels->cross_entropy_forward(job->x, job->targets, begin, end, job->cols, job->ignore_index, job->label_smoothing,
                                 job->out, job->lse_out);
}

void lmk_cross_entropy_forward(const float *logits, const int32_t *targets, long rows, long classes,
                               int32_t ignore_index, double label_smoothing, float *loss_per_row, float *log_sum_exp) {
  row_job job = { 0 };
  job.x = logits; job.targets = targets; job.rows = rows; job.cols = classes; job.ignore_index = ignore_index;
  job.label_smoothing = (float)label_smoothing; job.out = loss_per_row; job.lse_out = log_sum_exp;
  job.tasks = tasks_for(20.0 * rows * classes, rows);
  lmk_parallel(job.tasks, cross_entropy_forward_task, &job);
}

static void cross_entropy_backward_task(void *ctx, long task, int thread) {
  (void)thread;
  const row_job *job = (const row_job *)ctx;
  long begin, end;
  split_range(job->rows, job->tasks, task, 1, &begin, &end);
  kernels->cross_entropy_backward(job->x, job->targets, job->lse_in, begin, end, job->cols, job->ignore_index,
                                  job->label_smoothing, job->row_scale, job->out);
}

void lmk_cross_entropy_backward(const float *logits, const int32_t *targets, const float *log_sum_exp,
                                long rows, long classes, int32_t ignore_index, double label_smoothing,
                                const float *row_scale, float *g_logits) {
  row_job job = { 0 };
  job.x = logits; job.targets = targets; job.lse_in = log_sum_exp; job.rows = rows; job.cols = classes;
  job.ignore_index = ignore_index; job.label_smoothing = (float)label_smoothing; job.row_scale = row_scale; job.out = g_logits;
  job.tasks = tasks_for(20.0 * rows * classes, rows);
  lmk_parallel(job.tasks, cross_entropy_backward_task, &job);
}

/* -------------------------------------------------------- attention ---- */

typedef struct {
  const lmk_attention_shape *shape;
  const float *q, *k, *v, *mask, *out_in, *lse_in, *g_out;
  float *out, *lse, *gq, *gk, *gv;
  long tasks;
} attention_job;

static void attention_forward_task(void *ctx, long task, int thread) {
  const attention_job *job = (const attention_job *)ctx;
  long begin, end;
  split_range(job->shape->batch_heads, job->tasks, task, 1, &begin, &end);
  if (end > begin) kernels->attention_forward(job->shape, job->q, job->k, job->v, job->mask, job->out, job->lse, begin, end, thread);
}

static double attention_flops(const lmk_attention_shape *s) {
  return 2.0 * s->batch_heads * s->query_length * s->key_length * (s->head_dim + s->value_dim);
}

void lmk_attention_forward(const lmk_attention_shape *shape, const float *q, const float *k, const float *v,
                           const float *mask, float *out, float *log_sum_exp) {
  attention_job job = { 0 };
  job.shape = shape; job.q = q; job.k = k; job.v = v; job.mask = mask; job.out = out; job.lse = log_sum_exp;
  job.tasks = tasks_for(attention_flops(shape), shape->batch_heads);
  lmk_parallel(job.tasks, attention_forward_task, &job);
}

static void attention_backward_task(void *ctx, long task, int thread) {
  const attention_job *job = (const attention_job *)ctx;
  long begin, end;
  split_range(job->shape->batch_heads, job->tasks, task, 1, &begin, &end);
  if (end > begin) {
    kernels->attention_backward(job->shape, job->q, job->k, job->v, job->mask, job->out_in, job->lse_in, job->g_out,
                                job->gq, job->gk, job->gv, begin, end, thread);
  }
}

void lmk_attention_backward(const lmk_attention_shape *shape, const float *q, const float *k, const float *v,
                            const float *mask, const float *out, const float *log_sum_exp, const float *g_out,
                            float *gq, float *gk, float *gv) {
  attention_job job = { 0 };
  job.shape = shape; job.q = q; job.k = k; job.v = v; job.mask = mask; job.out_in = out; job.lse_in = log_sum_exp;
  job.g_out = g_out; job.gq = gq; job.gk = gk; job.gv = gv;
  job.tasks = tasks_for(2.5 * attention_flops(shape), shape->batch_heads);
  lmk_parallel(job.tasks, attention_backward_task, &job);
}

/* ------------------------------------------------------- embedding ---- */

void lmk_embedding_forward(const float *table, const int32_t *ids, long count, float *out, long dim) {
  for (long i = 0; i < count; i++) {
    const float *src = table + (long)ids[i] * dim;
    float *dst = out + i * dim;
    for (long d = 0; d < dim; d++) dst[d] = src[d];
  }
}

void lmk_embedding_backward(const int32_t *ids, long count, const float *g_out, float *g_table, long dim) {
  /* Sequential: repeated ids accumulate in position order, as in the js kernel. */
  for (long i = 0; i < count; i++) kernels->add_scaled(g_table + (long)ids[i] * dim, g_out + i * dim, dim, 1.0f);
}

/* ------------------------------------------------------------ AdamW ---- */

typedef struct {
  float *param, *m, *v;
  const float *grad;
  long n, tasks;
  double hyper[7];
} adamw_job;

static void adamw_task(void *ctx, long task, int thread) {
  (void)thread;
  const adamw_job *job = (const adamw_job *)ctx;
  long begin, end;
  split_range(job->n, job->tasks, task, 64, &begin, &end);
  if (end > begin) kernels->adamw_update(job->param + begin, job->grad + begin, job->m + begin, job->v + begin, end - begin, job->hyper);
}

void lmk_adamw_update(float *param, const float *grad, float *exp_avg, float *exp_avg_sq, long n,
                      double lr, double beta1, double beta2, double eps, double weight_decay,
                      double bias_correction1, double bias_correction2) {
  adamw_job job = { param, exp_avg, exp_avg_sq, grad, n, tasks_for(12.0 * n, 64),
                    { lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2 } };
  lmk_parallel(job.tasks, adamw_task, &job);
}

/* --------------------------------------------- binary, reduce, axpy ---- */

typedef struct {
  int op, rank;
  const float *a, *b;
  float *out;
  long shape[LMK_MAX_RANK], a_strides[LMK_MAX_RANK], b_strides[LMK_MAX_RANK];
  long rows, inner, tasks;
} binary_job;

static void binary_task(void *ctx, long task, int thread) {
  (void)thread;
  const binary_job *job = (const binary_job *)ctx;
  long begin, end;
  split_range(job->rows, job->tasks, task, 1, &begin, &end);
  const int outer_rank = job->rank - 1;
  long index[LMK_MAX_RANK];
  /* Offsets of the first row, from its multi-index. */
  long a_offset = 0, b_offset = 0, rest = begin;
  for (int d = outer_rank - 1; d >= 0; d--) {
    index[d] = rest % job->shape[d];
    rest /= job->shape[d];
    a_offset += index[d] * job->a_strides[d];
    b_offset += index[d] * job->b_strides[d];
  }
  const long sa = job->a_strides[outer_rank], sb = job->b_strides[outer_rank];
  for (long row = begin; row < end; row++) {
    kernels->binary_row(job->op, job->a + a_offset, sa, job->b + b_offset, sb, job->out + row * job->inner, job->inner);
    for (int d = outer_rank - 1; d >= 0; d--) {
      index[d]++;
      a_offset += job->a_strides[d];
      b_offset += job->b_strides[d];
      if (index[d] < job->shape[d]) break;
      a_offset -= job->a_strides[d] * job->shape[d];
      b_offset -= job->b_strides[d] * job->shape[d];
      index[d] = 0;
    }
  }
}

void lmk_binary(int op, const float *a, const long *a_strides, const float *b, const long *b_strides,
                float *out, const long *shape, int rank) {
  binary_job job;
  job.op = op;
  job.a = a;
  job.b = b;
  job.out = out;
  /* Drop size-1 dims and merge neighbours that are contiguous in all three operands
   * (out is contiguous), so the common cases become one long row. */
  int r = 0;
  long size = 1;
  for (int d = 0; d < rank; d++) {
    size *= shape[d];
    if (shape[d] == 1) continue;
    if (r > 0 && job.a_strides[r - 1] == a_strides[d] * shape[d] && job.b_strides[r - 1] == b_strides[d] * shape[d]) {
      job.shape[r - 1] *= shape[d];
      job.a_strides[r - 1] = a_strides[d];
      job.b_strides[r - 1] = b_strides[d];
      continue;
    }
    job.shape[r] = shape[d];
    job.a_strides[r] = a_strides[d];
    job.b_strides[r] = b_strides[d];
    r++;
  }
  if (size == 0) return;
  if (r == 0) {
    job.shape[0] = 1;
    job.a_strides[0] = job.b_strides[0] = 0;
    r = 1;
  }
  job.rank = r;
  job.inner = job.shape[r - 1];
  job.rows = size / job.inner;
  job.tasks = tasks_for(2.0 * size, job.rows);
  lmk_parallel(job.tasks, binary_task, &job);
}

void lmk_reduce_sum(const float *x, long outer, long n, long inner, float *out) {
  for (long o = 0; o < outer; o++) {
    const float *base = x + o * n * inner;
    float *dst = out + o * inner;
    if (inner == 1) {
      dst[0] = (float)kernels->sum_row(base, n);
      continue;
    }
    if (n == 0) {
      for (long i = 0; i < inner; i++) dst[i] = 0.0f;
      continue;
    }
    /* Row by row in memory order, as the js kernel (each step rounds to float32 there too). */
    for (long i = 0; i < inner; i++) dst[i] = base[i];
    for (long r = 1; r < n; r++) kernels->accumulate_row(dst, base + r * inner, inner);
  }
}

typedef struct {
  float *dst;
  const float *src;
  long n, tasks;
  float alpha;
} add_scaled_job;

static void add_scaled_task(void *ctx, long task, int thread) {
  (void)thread;
  const add_scaled_job *job = (const add_scaled_job *)ctx;
  long begin, end;
  split_range(job->n, job->tasks, task, 64, &begin, &end);
  if (end > begin) kernels->add_scaled(job->dst + begin, job->src + begin, end - begin, job->alpha);
}

void lmk_add_scaled(float *dst, const float *src, long n, float alpha) {
  add_scaled_job job = { dst, src, n, tasks_for(2.0 * n, 64), alpha };
  lmk_parallel(job.tasks, add_scaled_task, &job);
}

/* Σ x·y as the in-order double sum of fixed 4096-element block sums: the same bits for any thread count. */
typedef struct {
  const float *x, *y;
  long n, blocks, tasks;
  double *block_sums;
} dot_job;

#define DOT_BLOCK 4096

static void dot_task(void *ctx, long task, int thread) {
  (void)thread;
  const dot_job *job = (const dot_job *)ctx;
  long begin, end;
  split_range(job->blocks, job->tasks, task, 1, &begin, &end);
  for (long block = begin; block < end; block++) {
    const long first = block * DOT_BLOCK, count = job->n - first < DOT_BLOCK ? job->n - first : DOT_BLOCK;
    job->block_sums[block] = kernels->dot_row(job->x + first, job->y + first, count);
  }
}

double lmk_dot(const float *x, const float *y, long n) {
  dot_job job;
  job.x = x;
  job.y = y;
  job.n = n;
  job.blocks = (n + DOT_BLOCK - 1) / DOT_BLOCK;
  if (job.blocks == 0) return 0.0;
  /* The caller's work buffer: dot_task itself uses none. */
  job.block_sums = (double *)lmk_buffer(0, LMK_SLOT_WORK, (size_t)job.blocks * sizeof(double));
  job.tasks = tasks_for(2.0 * n, job.blocks);
  lmk_parallel(job.tasks, dot_task, &job);
  double total = 0.0;
  for (long block = 0; block < job.blocks; block++) total += job.block_sums[block];
  return total;
}
