/*
 * The N-API binding of the kernels (loaded by src/node/backend/native.ts).
 *
 * Typed arrays are passed without copying: napi_get_typedarray_info gives the
 * address of the first element. Scalar arguments do not go through N-API at all:
 * the glue writes them into one Float64Array "parameter block" handed over once
 * at init, and each call reads them from there (reading a dozen numbers through
 * napi_get_value_double costs more than a small kernel).
 *
 * The TypeScript glue validates every size, id and target before calling, so the
 * functions here check only the array types (a wrong type would read memory of
 * the wrong width) and otherwise trust their arguments. One call runs at a time
 * per process (a mutex), so Node worker threads may share the addon safely.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/lmkit.h"

#define MAX_ARGS 12
#define PARAMS 32

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
  double *params;
  napi_ref params_ref;
} instance;

typedef struct {
  napi_env env;
  size_t argc;
  napi_value argv[MAX_ARGS];
  const double *p;
  int failed;
} call;

static int begin_call(napi_env env, napi_callback_info info, call *c, size_t expected) {
  c->env = env;
  c->argc = MAX_ARGS;
  c->failed = 0;
  instance *data = NULL;
  if (napi_get_cb_info(env, info, &c->argc, c->argv, NULL, NULL) != napi_ok ||
      napi_get_instance_data(env, (void **)&data) != napi_ok) {
    napi_throw_error(env, NULL, "lmkit native: could not read the call arguments");
    return 0;
  }
  if (c->argc < expected) {
    napi_throw_type_error(env, NULL, "lmkit native: too few arguments");
    return 0;
  }
  if (!data || !data->params) {
    napi_throw_error(env, NULL, "lmkit native: init() was not called");
    return 0;
  }
  c->p = data->params;
  return 1;
}

/* The typed array at argument i, of the given type; NULL (with an exception pending) on a mismatch. */
static void *array_arg(call *c, size_t i, napi_typedarray_type want, int nullable) {
  if (c->failed) return NULL;
  napi_valuetype kind;
  napi_typeof(c->env, c->argv[i], &kind);
  if (nullable && (kind == napi_null || kind == napi_undefined)) return NULL;
  napi_typedarray_type type;
  size_t length, offset;
  void *data = NULL;
  napi_value buffer;
  bool is_typed = false;
  napi_is_typedarray(c->env, c->argv[i], &is_typed);
  if (!is_typed || napi_get_typedarray_info(c->env, c->argv[i], &type, &length, &data, &buffer, &offset) != napi_ok || type != want) {
    char message[96];
    snprintf(message, sizeof message, "lmkit native: argument %zu must be a %s", i,
             want == napi_float32_array ? "Float32Array" : "Int32Array");
    napi_throw_type_error(c->env, NULL, message);
    c->failed = 1;
    return NULL;
  }
  /* Zero-length arrays may report no address; kernels never touch them, but keep pointers non-NULL. */
  static float empty[16];
  return data ? data : (void *)empty;
}

static size_t array_length(call *c, size_t i) {
  napi_typedarray_type type;
  size_t length = 0, offset;
  void *data;
  napi_value buffer;
  napi_get_typedarray_info(c->env, c->argv[i], &type, &length, &data, &buffer, &offset);
  return length;
}

#define F32(i) ((float *)array_arg(&c, (i), napi_float32_array, 0))
#define F32_OR_NULL(i) ((float *)array_arg(&c, (i), napi_float32_array, 1))
#define I32(i) ((int32_t *)array_arg(&c, (i), napi_int32_array, 0))
#define P(i) (c.p[(i)])
#define L(i) ((long)c.p[(i)])

#define RUN(statement)                    \
  do {                                    \
    if (c.failed) return NULL;            \
    pthread_mutex_lock(&call_lock);       \
    statement;                            \
    pthread_mutex_unlock(&call_lock);     \
  } while (0)

static napi_value matmul(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 3)) return NULL;
  const float *a = F32(0), *b = F32(1);
  float *out = F32(2);
  RUN(lmk_matmul(a, b, out, L(0), L(1), L(2), (int)P(3), (int)P(4), L(5), L(6), L(7), L(8), (int)P(9)));
  return NULL;
}

static napi_value gelu_forward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 2)) return NULL;
  const float *x = F32(0), *bias = F32_OR_NULL(2); /* optional bias (cols), broadcast over rows */
  float *out = F32(1);
  const long n = (long)array_length(&c, 0), cols = bias ? (long)array_length(&c, 2) : 0;
  RUN(lmk_gelu_forward(x, bias, cols, out, n, (int)P(0)));
  return NULL;
}

static napi_value gelu_backward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 3)) return NULL;
  const float *x = F32(0), *gy = F32(1), *bias = F32_OR_NULL(3);
  float *gx = F32(2);
  const long n = (long)array_length(&c, 0), cols = bias ? (long)array_length(&c, 3) : 0;
  RUN(lmk_gelu_backward(x, bias, cols, gy, gx, n, (int)P(0)));
  return NULL;
}

static napi_value layer_norm_forward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 6)) return NULL;
  const float *x = F32(0), *weight = F32_OR_NULL(1), *bias = F32_OR_NULL(2);
  float *out = F32(3), *mean = F32(4), *rstd = F32(5);
  RUN(lmk_layer_norm_forward(x, weight, bias, out, mean, rstd, L(0), L(1), P(2)));
  return NULL;
}

static napi_value layer_norm_backward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 8)) return NULL;
  const float *x = F32(0), *weight = F32_OR_NULL(1), *mean = F32(2), *rstd = F32(3), *gy = F32(4);
  float *gx = F32(5), *g_weight = F32_OR_NULL(6), *g_bias = F32_OR_NULL(7);
  RUN(lmk_layer_norm_backward(x, weight, mean, rstd, gy, gx, g_weight, g_bias, L(0), L(1)));
  return NULL;
}

static napi_value softmax_forward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 2)) return NULL;
  const float *x = F32(0);
  float *out = F32(1);
  RUN(lmk_softmax_forward(x, out, L(0), L(1), (int)P(2)));
  return NULL;
}

static napi_value softmax_backward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 3)) return NULL;
  const float *y = F32(0), *gy = F32(1);
  float *gx = F32(2);
  RUN(lmk_softmax_backward(y, gy, gx, L(0), L(1), (int)P(2)));
  return NULL;
}

static napi_value cross_entropy_forward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 4)) return NULL;
  const float *logits = F32(0);
  const int32_t *targets = I32(1);
  float *loss = F32(2), *lse = F32(3);
  RUN(lmk_cross_entropy_forward(logits, targets, L(0), L(1), (int32_t)P(2), P(3), loss, lse));
  return NULL;
}

static napi_value cross_entropy_backward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 5)) return NULL;
  const float *logits = F32(0);
  const int32_t *targets = I32(1);
  const float *lse = F32(2), *row_scale = F32(3);
  float *g = F32(4);
  RUN(lmk_cross_entropy_backward(logits, targets, lse, L(0), L(1), (int32_t)P(2), P(3), row_scale, g));
  return NULL;
}

static lmk_attention_shape attention_shape(const call *c) {
  lmk_attention_shape s;
  s.batch_heads = (long)c->p[0];
  s.query_length = (long)c->p[1];
  s.key_length = (long)c->p[2];
  s.head_dim = (long)c->p[3];
  s.value_dim = (long)c->p[4];
  s.scale = (float)c->p[5];
  s.causal = (int)c->p[6];
  s.mask_stride = (long)c->p[7];
  s.heads_per_mask = (long)c->p[8];
  s.heads = (long)c->p[9];
  lmk_operand_layout *layouts[4] = { &s.q_layout, &s.k_layout, &s.v_layout, &s.out_layout };
  for (int i = 0; i < 4; i++) {
    const double *at = c->p + 10 + 4 * i;
    layouts[i]->offset = (long)at[0];
    layouts[i]->batch = (long)at[1];
    layouts[i]->head = (long)at[2];
    layouts[i]->row = (long)at[3];
  }
  return s;
}

static napi_value attention_forward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 6)) return NULL;
  const float *q = F32(0), *k = F32(1), *v = F32(2), *mask = F32_OR_NULL(3);
  float *out = F32(4), *lse = F32(5);
  const lmk_attention_shape s = attention_shape(&c);
  RUN(lmk_attention_forward(&s, q, k, v, mask, out, lse));
  return NULL;
}

static napi_value attention_backward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 10)) return NULL;
  const float *q = F32(0), *k = F32(1), *v = F32(2), *mask = F32_OR_NULL(3), *out = F32(4), *lse = F32(5), *g_out = F32(6);
  float *gq = F32(7), *gk = F32(8), *gv = F32(9);
  const lmk_attention_shape s = attention_shape(&c);
  RUN(lmk_attention_backward(&s, q, k, v, mask, out, lse, g_out, gq, gk, gv));
  return NULL;
}

static napi_value embedding_forward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 3)) return NULL;
  const float *table = F32(0);
  const int32_t *ids = I32(1);
  float *out = F32(2);
  const long count = (long)array_length(&c, 1);
  RUN(lmk_embedding_forward(table, ids, count, out, L(0)));
  return NULL;
}

static napi_value embedding_backward(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 3)) return NULL;
  const int32_t *ids = I32(0);
  const float *g_out = F32(1);
  float *g_table = F32(2);
  const long count = (long)array_length(&c, 0);
  RUN(lmk_embedding_backward(ids, count, g_out, g_table, L(0)));
  return NULL;
}

static napi_value adamw_update(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 4)) return NULL;
  float *param = F32(0), *grad = F32(1), *m = F32(2), *v = F32(3);
  const long n = (long)array_length(&c, 0);
  RUN(lmk_adamw_update(param, grad, m, v, n, P(0), P(1), P(2), P(3), P(4), P(5), P(6)));
  return NULL;
}

static napi_value binary(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 3)) return NULL;
  const float *a = F32(0), *b = F32(1);
  float *out = F32(2);
  const int rank = (int)P(1);
  if (rank < 0 || rank > LMK_MAX_RANK) {
    napi_throw_range_error(env, NULL, "lmkit native: binary rank out of range");
    return NULL;
  }
  long shape[LMK_MAX_RANK], a_strides[LMK_MAX_RANK], b_strides[LMK_MAX_RANK];
  for (int d = 0; d < rank; d++) {
    shape[d] = L(2 + d);
    a_strides[d] = L(2 + rank + d);
    b_strides[d] = L(2 + 2 * rank + d);
  }
  RUN(lmk_binary((int)P(0), a, a_strides, b, b_strides, out, shape, rank));
  return NULL;
}

static napi_value reduce_sum(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 2)) return NULL;
  const float *x = F32(0);
  float *out = F32(1);
  RUN(lmk_reduce_sum(x, L(0), L(1), L(2), out));
  return NULL;
}

/* dot(x, y): the result goes to params[0] (n = x.length; y at least as long, checked by the caller). */
static napi_value dot(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 2)) return NULL;
  const float *x = F32(0), *y = F32(1);
  const long n = (long)array_length(&c, 0);
  double result = 0.0;
  RUN(result = lmk_dot(x, y, n));
  ((double *)c.p)[0] = result;
  return NULL;
}

static napi_value add_scaled(napi_env env, napi_callback_info info) {
  call c;
  if (!begin_call(env, info, &c, 2)) return NULL;
  float *dst = F32(0);
  const float *src = F32(1);
  const long n = (long)array_length(&c, 0);
  RUN(lmk_add_scaled(dst, src, n, (float)P(0)));
  return NULL;
}

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double threads = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_double(env, argv[0], &threads) != napi_ok) {
    napi_throw_type_error(env, NULL, "lmkit native: setThreads(n) needs a number");
    return NULL;
  }
  pthread_mutex_lock(&call_lock);
  const int actual = lmk_set_threads((int)threads);
  pthread_mutex_unlock(&call_lock);
  return number(env, actual);
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, lmk_get_threads());
}

static void finalize_instance(napi_env env, void *data, void *hint) {
  (void)hint;
  instance *inst = (instance *)data;
  if (inst->params_ref) napi_delete_reference(env, inst->params_ref);
  free(inst);
}

/* init(params: Float64Array(32), isa?: string) → { isa, threads, cpus } */
static napi_value init(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typedarray_type type;
  size_t length = 0, offset;
  void *data = NULL;
  napi_value buffer;
  bool is_typed = false;
  if (argc >= 1) napi_is_typedarray(env, argv[0], &is_typed);
  if (!is_typed || napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_float64_array || length < PARAMS) {
    napi_throw_type_error(env, NULL, "lmkit native: init(params) needs a Float64Array of at least 32 elements");
    return NULL;
  }
  char force[16] = "";
  napi_valuetype kind = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &kind);
  if (kind == napi_string) napi_get_value_string_utf8(env, argv[1], force, sizeof force, NULL);
  pthread_mutex_lock(&call_lock);
  const int status = lmk_init(force);
  pthread_mutex_unlock(&call_lock);
  if (status != 0) {
    char message[128];
    snprintf(message, sizeof message, "lmkit native: instruction set '%s' is not available on this CPU (use generic, avx2 or avx512)", force);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  instance *inst = NULL;
  napi_get_instance_data(env, (void **)&inst);
  if (!inst) {
    inst = (instance *)calloc(1, sizeof *inst);
    if (!inst || napi_set_instance_data(env, inst, finalize_instance, NULL) != napi_ok) {
      free(inst);
      napi_throw_error(env, NULL, "lmkit native: out of memory");
      return NULL;
    }
  }
  if (inst->params_ref) napi_delete_reference(env, inst->params_ref);
  /* Keep the block alive for as long as this instance uses its address. */
  napi_create_reference(env, argv[0], 1, &inst->params_ref);
  inst->params = (double *)data;
  napi_value result, isa;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, lmk_isa_name(), NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, result, "isa", isa);
  napi_set_named_property(env, result, "threads", number(env, lmk_get_threads()));
  napi_set_named_property(env, result, "cpus", number(env, lmk_cpu_count()));
  return result;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor functions[] = {
    { "init", NULL, init, NULL, NULL, NULL, napi_default, NULL },
    { "setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL },
    { "getThreads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL },
    { "matmul", NULL, matmul, NULL, NULL, NULL, napi_default, NULL },
    { "geluForward", NULL, gelu_forward, NULL, NULL, NULL, napi_default, NULL },
    { "geluBackward", NULL, gelu_backward, NULL, NULL, NULL, napi_default, NULL },
    { "layerNormForward", NULL, layer_norm_forward, NULL, NULL, NULL, napi_default, NULL },
    { "layerNormBackward", NULL, layer_norm_backward, NULL, NULL, NULL, napi_default, NULL },
    { "softmaxForward", NULL, softmax_forward, NULL, NULL, NULL, napi_default, NULL },
    { "softmaxBackward", NULL, softmax_backward, NULL, NULL, NULL, napi_default, NULL },
    { "crossEntropyForward", NULL, cross_entropy_forward, NULL, NULL, NULL, napi_default, NULL },
    { "crossEntropyBackward", NULL, cross_entropy_backward, NULL, NULL, NULL, napi_default, NULL },
    { "attentionForward", NULL, attention_forward, NULL, NULL, NULL, napi_default, NULL },
    { "attentionBackward", NULL, attention_backward, NULL, NULL, NULL, napi_default, NULL },
    { "embeddingForward", NULL, embedding_forward, NULL, NULL, NULL, napi_default, NULL },
    { "embeddingBackward", NULL, embedding_backward, NULL, NULL, NULL, napi_default, NULL },
    { "adamwUpdate", NULL, adamw_update, NULL, NULL, NULL, napi_default, NULL },
    { "binary", NULL, binary, NULL, NULL, NULL, napi_default, NULL },
    { "reduceSum", NULL, reduce_sum, NULL, NULL, NULL, napi_default, NULL },
    { "addScaled", NULL, add_scaled, NULL, NULL, NULL, napi_default, NULL },
    { "dot", NULL, dot, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
