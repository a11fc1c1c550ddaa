/*
 * The WebAssembly entry points (built by scripts/wasm/build.mjs with clang
 * --target=wasm32 -msimd128 -nostdlib; no emscripten, no libc).
 *
 * Memory: the JavaScript glue copies arguments into an "arguments" region it
 * asks for with `args(bytes)`, calls a kernel with pointers into it, and copies
 * results out. Kernel work buffers (lmk_buffer) live in their own regions. Each
 * region grows by taking a new block at the top of linear memory (memory.grow);
 * the old block is abandoned, and sizes double, so the waste stays below the
 * peak use. After any call the glue must re-read `memory.buffer`, which growth
 * replaces.
 *
 * Scalar log comes from JavaScript's Math (import "env.log"):
 * it is called once per row, never per element.
 */
#include "internal.h"

#define EXPORT(name) __attribute__((export_name(#name)))

__attribute__((import_module("env"), import_name("log"))) double js_log(double);

double lmk_log(double x) { return js_log(x); }

extern unsigned char __heap_base;
static size_t heap_top;

#ifdef LMK_WASM_THREADS
/* Workers take work buffers concurrently: one spin lock around the bump allocator (rarely contended). */
static _Atomic int heap_lock;
static void lock_heap(void) {
  int expected = 0;
  while (!__c11_atomic_compare_exchange_weak(&heap_lock, &expected, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) expected = 0;
}
static void unlock_heap(void) { __c11_atomic_store(&heap_lock, 0, __ATOMIC_RELEASE); }
#else
static void lock_heap(void) {}
static void unlock_heap(void) {}
#endif

/* A new 64-byte-aligned block of `bytes` at the top of memory; 0 when memory cannot grow. */
static void *take_block(size_t bytes) {
  lock_heap();
  if (!heap_top) heap_top = (size_t)&__heap_base;
  const size_t start = (heap_top + 63) & ~(size_t)63;
  const size_t end = start + bytes;
  const size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    const size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) {
      unlock_heap();
      return 0;
    }
  }
  heap_top = end;
  unlock_heap();
  return (void *)start;
}

typedef struct {
  void *data;
  size_t size;
} region;

/* Work buffers per thread: every thread of the pool in the threaded build, the caller alone otherwise. */
#ifdef LMK_WASM_THREADS
#define WORK_THREADS LMK_MAX_THREADS
#else
#define WORK_THREADS 1
#endif
static region work[WORK_THREADS][LMK_SLOT_COUNT];
static region arguments;

static void *grow(region *r, size_t bytes) {
  if (r->data && r->size >= bytes) return r->data;
  size_t size = r->size * 2;
  if (size < bytes) size = bytes;
  if (size < 4096) size = 4096;
  void *data = take_block(size);
  if (!data) __builtin_trap(); /* out of memory: the glue reports the trap */
  r->data = data;
  r->size = size;
  return data;
}

void *lmk_buffer(int thread, int slot, size_t bytes) {
  return grow(&work[WORK_THREADS == 1 ? 0 : thread][slot], bytes);
}

#ifdef LMK_WASM_THREADS
/* Threaded build: JavaScript starts each worker on its own instance of this module over the shared memory,
 * gives it a stack (stackBlock) and calls setStackPointer then workerLoop(index), which never returns. */
void lmk_wasm_worker_loop(int self);
long lmk_wasm_worker_tasks(void);

EXPORT(stackBlock) void *wasm_stack_block(size_t bytes) { return take_block(bytes); }

/* Every instance starts on the linker's stack; a worker moves to its own block before anything else runs. */
EXPORT(setStackPointer) void wasm_set_stack_pointer(void *top) {
  __asm__ volatile(".globaltype __stack_pointer, i32\n\tlocal.get %0\n\tglobal.set __stack_pointer" : : "r"(top));
}

EXPORT(workerLoop) void wasm_worker_loop(int self) { lmk_wasm_worker_loop(self); }
EXPORT(setThreads) int wasm_set_threads(int threads) { return lmk_set_threads(threads); }
EXPORT(workerTasks) double wasm_worker_tasks(void) { return (double)lmk_wasm_worker_tasks(); }
#endif

EXPORT(init) int wasm_init(void) { return lmk_init(0); }

/* The arguments region: at least `bytes`, 64-byte aligned. */
EXPORT(args) void *wasm_args(size_t bytes) { return grow(&arguments, bytes); }

EXPORT(matmul) void wasm_matmul(const float *a, const float *b, float *out, long m, long n, long k, int trans_a, int trans_b,
                                long batch, long a_stride, long b_stride, long out_stride, int accumulate) {
  lmk_matmul(a, b, out, m, n, k, trans_a, trans_b, batch, a_stride, b_stride, out_stride, accumulate);
}

EXPORT(geluForward) void wasm_gelu_forward(const float *x, const float *bias, long cols, float *out, long n, int tanh_approx) {
  lmk_gelu_forward(x, bias, cols, out, n, tanh_approx);
}

EXPORT(geluBackward) void wasm_gelu_backward(const float *x, const float *bias, long cols, const float *gy, float *gx, long n,
                                             int tanh_approx) {
  lmk_gelu_backward(x, bias, cols, gy, gx, n, tanh_approx);
}

EXPORT(layerNormForward) void wasm_layer_norm_forward(const float *x, const float *weight, const float *bias, float *out,
                                                      float *mean, float *rstd, long rows, long cols, double eps) {
  lmk_layer_norm_forward(x, weight, bias, out, mean, rstd, rows, cols, eps);
}

EXPORT(layerNormBackward) void wasm_layer_norm_backward(const float *x, const float *weight, const float *mean, const float *rstd,
                                                        const float *gy, float *gx, float *g_weight, float *g_bias, long rows, long cols) {
  lmk_layer_norm_backward(x, weight, mean, rstd, gy, gx, g_weight, g_bias, rows, cols);
}

EXPORT(softmaxForward) void wasm_softmax_forward(const float *x, float *out, long rows, long cols, int log_softmax) {
  lmk_softmax_forward(x, out, rows, cols, log_softmax);
}

EXPORT(softmaxBackward) void wasm_softmax_backward(const float *y, const float *gy, float *gx, long rows, long cols, int log_softmax) {
  lmk_softmax_backward(y, gy, gx, rows, cols, log_softmax);
}

EXPORT(crossEntropyForward) void wasm_cross_entropy_forward(const float *logits, const int32_t *targets, long rows, long classes,
                                                            int32_t ignore_index, double label_smoothing, float *loss, float *lse) {
  lmk_cross_entropy_forward(logits, targets, rows, classes, ignore_index, label_smoothing, loss, lse);
}

EXPORT(crossEntropyBackward) void wasm_cross_entropy_backward(const float *logits, const int32_t *targets, const float *lse,
                                                              long rows, long classes, int32_t ignore_index, double label_smoothing,
                                                              const float *row_scale, float *g) {
  lmk_cross_entropy_backward(logits, targets, lse, rows, classes, ignore_index, label_smoothing, row_scale, g);
}

/* layout: heads, then offset, batch, head and row strides of q, k, v and out (17 int32 values). */
static lmk_attention_shape attention_shape(long batch_heads, long query_length, long key_length, long head_dim, long value_dim,
                                           double scale, int causal, long mask_stride, long heads_per_mask, const int32_t *layout) {
  lmk_attention_shape s;
  s.batch_heads = batch_heads;
  s.query_length = query_length;
  s.key_length = key_length;
  s.head_dim = head_dim;
  s.value_dim = value_dim;
  s.scale = (float)scale;
  s.causal = causal;
  s.mask_stride = mask_stride;
  s.heads_per_mask = heads_per_mask;
  s.heads = layout[0];
  lmk_operand_layout *layouts[4] = { &s.q_layout, &s.k_layout, &s.v_layout, &s.out_layout };
  for (int i = 0; i < 4; i++) {
    const int32_t *at = layout + 1 + 4 * i;
    layouts[i]->offset = at[0];
    layouts[i]->batch = at[1];
    layouts[i]->head = at[2];
    layouts[i]->row = at[3];
  }
  return s;
}

EXPORT(attentionForward) void wasm_attention_forward(long batch_heads, long query_length, long key_length, long head_dim, long value_dim,
                                                     double scale, int causal, long mask_stride, long heads_per_mask,
                                                     const int32_t *layout, const float *q, const float *k, const float *v,
                                                     const float *mask, float *out, float *lse) {
  const lmk_attention_shape s = attention_shape(batch_heads, query_length, key_length, head_dim, value_dim, scale, causal,
                                                mask_stride, heads_per_mask, layout);
  lmk_attention_forward(&s, q, k, v, mask, out, lse);
}

EXPORT(attentionBackward) void wasm_attention_backward(long batch_heads, long query_length, long key_length, long head_dim, long value_dim,
                                                       double scale, int causal, long mask_stride, long heads_per_mask,
                                                       const int32_t *layout, const float *q, const float *k, const float *v,
                                                       const float *mask, const float *out, const float *lse, const float *g_out,
                                                       float *gq, float *gk, float *gv) {
  const lmk_attention_shape s = attention_shape(batch_heads, query_length, key_length, head_dim, value_dim, scale, causal,
                                                mask_stride, heads_per_mask, layout);
  lmk_attention_backward(&s, q, k, v, mask, out, lse, g_out, gq, gk, gv);
}

EXPORT(embeddingForward) void wasm_embedding_forward(const float *table, const int32_t *ids, long count, float *out, long dim) {
  lmk_embedding_forward(table, ids, count, out, dim);
}

EXPORT(embeddingBackward) void wasm_embedding_backward(const int32_t *ids, long count, const float *g_out, float *g_table, long dim) {
  lmk_embedding_backward(ids, count, g_out, g_table, dim);
}

EXPORT(adamwUpdate) void wasm_adamw_update(float *param, const float *grad, float *m, float *v, long n, double lr, double beta1,
                                           double beta2, double eps, double weight_decay, double bias_correction1,
                                           double bias_correction2) {
  lmk_adamw_update(param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2);
}

/* dims: shape, then a's strides, then b's strides (3·rank int32 values). */
EXPORT(binary) void wasm_binary(int op, const float *a, const float *b, float *out, const int32_t *dims, int rank) {
  long shape[LMK_MAX_RANK], a_strides[LMK_MAX_RANK], b_strides[LMK_MAX_RANK];
  for (int d = 0; d < rank; d++) {
    shape[d] = dims[d];
    a_strides[d] = dims[rank + d];
    b_strides[d] = dims[2 * rank + d];
  }
  lmk_binary(op, a, a_strides, b, b_strides, out, shape, rank);
}

EXPORT(reduceSum) void wasm_reduce_sum(const float *x, long outer, long n, long inner, float *out) {
  lmk_reduce_sum(x, outer, n, inner, out);
}

EXPORT(addScaled) void wasm_add_scaled(float *dst, const float *src, long n, double alpha) {
  lmk_add_scaled(dst, src, n, (float)alpha);
}

EXPORT(dot) double wasm_dot(const float *x, const float *y, long n) {
  return lmk_dot(x, y, n);
}
