/*
 * The kernels, written once over a SIMD vector of VEC floats with the GCC/clang
 * vector extensions, and compiled once per instruction set by the isa-*.c files:
 *   isa-generic.c  VEC 4   SSE2 on x86-64, NEON on arm64, SIMD128 under wasm
 *   isa-avx2.c     VEC 8   AVX2 + FMA (function target attributes, chosen at run time)
 *   isa-avx512.c   VEC 16  AVX-512F
 * Each includer defines LMK_ISA (a token naming the set), VEC and GEMM_MR, and
 * gets one exported table `lmk_kernels_<LMK_ISA>`; everything else is static.
 *
 * The semantics are those of the js reference kernels (the .ts files in
 * src/backend/js/, which cite the equations); the comments here say only what differs: the
 * arithmetic is float32 with fused multiply-adds where the target has them,
 * row statistics and parameter-gradient column sums are combined in double.
 */
#include "internal.h"

#if !defined(LMK_ISA) || !defined(VEC) || !defined(GEMM_MR)
#error "define LMK_ISA, VEC and GEMM_MR before including kernels-impl.h"
#endif

#define LMK_CAT2(a, b) a##b
#define LMK_CAT(a, b) LMK_CAT2(a, b)

typedef float vf __attribute__((vector_size(VEC * 4)));
typedef int32_t vi __attribute__((vector_size(VEC * 4)));
/* Unaligned, aliasing views for loads and stores from user arrays. */
typedef float vfu __attribute__((vector_size(VEC * 4), aligned(4), may_alias));

#define LMK_INLINE static inline __attribute__((always_inline))

LMK_INLINE vf vload(const float *p) { return *(const vfu *)p; }
LMK_INLINE void vstore(float *p, vf v) { *(vfu *)p = v; }
/* x − 0 is exactly x (−0 included), so this is a plain broadcast. */
LMK_INLINE vf vsplat(float x) { return x - (vf){0}; }
/* mask lanes are all-ones or zero (the result of a vector comparison). */
LMK_INLINE vf vselect(vi mask, vf yes, vf no) { return (vf)((mask & (vi)yes) | (~mask & (vi)no)); }
LMK_INLINE vf vmax(vf a, vf b) { return vselect(a > b, a, b); }
LMK_INLINE double vsum(vf v) {
  double s = 0;
  for (int i = 0; i < VEC; i++) s += v[i];
  return s;
}
LMK_INLINE float vmax_lanes(vf v) {
  float m = v[0];
  for (int i = 1; i < VEC; i++) m = v[i] > m ? v[i] : m;
  return m;
}
LMK_INLINE long round_up(long x, long to) { return (x + to - 1) / to * to; }
LMK_INLINE long min_long(long a, long b) { return a < b ? a : b; }

/*
 * exp(x) for float32 lanes (Cephes expf): n = round(x·log2 e), r = x − n·ln 2 in
 * two parts, e^r by a degree-6 polynomial, times 2^n built in the exponent bits
 * as 2^(n/2)·2^(n−n/2) so that n = 128 (x near 88.7) does not overflow early.
 * Within 2 ulp of expf on [−87.3, 88.7]; below that 0 (float32 subnormals are
 * flushed), above it +∞, NaN stays NaN (every comparison with NaN is false).
 */
LMK_INLINE vf vexp(vf x) {
  const vf hi = vsplat(88.72283935546875f), lo = vsplat(-87.33654022216797f);
  vf xc = vselect(x > hi, hi, x);
  xc = vselect(xc < lo, lo, xc);
  /* Round to nearest by adding and subtracting 1.5·2²³ (exact for |n| < 2²²). */
  const vf magic = vsplat(12582912.0f);
  vf n = (xc * vsplat(1.44269504088896341f) + magic) - magic;
  vf r = xc - n * vsplat(0.693359375f);
  r = r - n * vsplat(-2.12194440e-4f);
  vf p = vsplat(1.9875691500e-4f);
  p = p * r + vsplat(1.3981999507e-3f);
  p = p * r + vsplat(8.3334519073e-3f);
  p = p * r + vsplat(4.1665795894e-2f);
  p = p * r + vsplat(1.6666665459e-1f);
  p = p * r + vsplat(5.0000001201e-1f);
  p = p * (r * r) + r + vsplat(1.0f);
  vi ni = __builtin_convertvector(n, vi);
  vi half = ni >> 1;
  vf scale1 = (vf)((half + 127) << 23);
  vf scale2 = (vf)((ni - half + 127) << 23);
  vf result = p * scale1 * scale2;
  result = vselect(x > hi, vsplat(__builtin_inff()), result);
  return vselect(x < lo, vsplat(0.0f), result);
}

/* ---------------------------------------------------------------- GEMM ---- */
/*
 * The GotoBLAS/BLIS loop nest (Goto & van de Geijn 2008, as in the js matmul):
 * for each NC column block of op(B), each KC slice of k: pack op(B) into NR-wide
 * panels; for each MC row block of op(A): pack into MR-tall panels, and run the
 * MR×NR register-tile micro-kernel over every tile. Packing absorbs the
 * transposes and zero-pads edges, so the micro-kernel has no edge cases.
 */
#define MR GEMM_MR
#define NR (2 * VEC)
#ifndef GEMM_KC
#define GEMM_KC 256
#endif
#ifndef GEMM_MC
#define GEMM_MC 240
#endif
#define KC GEMM_KC
#define MC (MR * (GEMM_MC / MR))
#define NC (NR * (4096 / NR))

/* The MR × NR tile: MR·2 vector accumulators, two B vectors and one broadcast A value in registers. */
static void ukernel(long kc, const float *restrict ap, const float *restrict bp, float *restrict c, long ldc,
                    long rows, long cols, int add) {
#define LMK_DECL(i) vf c##i##0 = {0}, c##i##1 = {0};
  LMK_DECL(0) LMK_DECL(1) LMK_DECL(2) LMK_DECL(3)
#if MR > 4
  LMK_DECL(4) LMK_DECL(5)
#endif
#if MR > 6
  LMK_DECL(6) LMK_DECL(7)
#endif
#if MR > 8
  LMK_DECL(8) LMK_DECL(9) LMK_DECL(10) LMK_DECL(11)
#endif
#define LMK_FMA(i) { const vf a = vsplat(ap[i]); c##i##0 += a * b0; c##i##1 += a * b1; }
#pragma GCC unroll 4
  for (long p = 0; p < kc; p++) {
    const vf b0 = *(const vf *)bp, b1 = *(const vf *)(bp + VEC);
    LMK_FMA(0) LMK_FMA(1) LMK_FMA(2) LMK_FMA(3)
#if MR > 4
    LMK_FMA(4) LMK_FMA(5)
#endif
#if MR > 6
    LMK_FMA(6) LMK_FMA(7)
#endif
#if MR > 8
    LMK_FMA(8) LMK_FMA(9) LMK_FMA(10) LMK_FMA(11)
#endif
    ap += MR;
    bp += NR;
  }
  if (rows == MR && cols == NR) {
#define LMK_STORE(i) { float *row = c + (i) * ldc; \
      if (add) { vstore(row, vload(row) + c##i##0); vstore(row + VEC, vload(row + VEC) + c##i##1); } \
      else { vstore(row, c##i##0); vstore(row + VEC, c##i##1); } }
    LMK_STORE(0) LMK_STORE(1) LMK_STORE(2) LMK_STORE(3)
#if MR > 4
    LMK_STORE(4) LMK_STORE(5)
#endif
#if MR > 6
    LMK_STORE(6) LMK_STORE(7)
#endif
#if MR > 8
    LMK_STORE(8) LMK_STORE(9) LMK_STORE(10) LMK_STORE(11)
#endif
    return;
  }
  /* Edge tile: spill to a local tile and copy the valid rows × cols. */
  float tile[MR * NR] __attribute__((aligned(64)));
#define LMK_SPILL(i) { *(vf *)(tile + (i) * NR) = c##i##0; *(vf *)(tile + (i) * NR + VEC) = c##i##1; }
  LMK_SPILL(0) LMK_SPILL(1) LMK_SPILL(2) LMK_SPILL(3)
#if MR > 4
  LMK_SPILL(4) LMK_SPILL(5)
#endif
#if MR > 6
  LMK_SPILL(6) LMK_SPILL(7)
#endif
#if MR > 8
  LMK_SPILL(8) LMK_SPILL(9) LMK_SPILL(10) LMK_SPILL(11)
#endif
  for (long i = 0; i < rows; i++) {
    float *row = c + i * ldc;
    if (add) for (long j = 0; j < cols; j++) row[j] += tile[i * NR + j];
    else for (long j = 0; j < cols; j++) row[j] = tile[i * NR + j];
  }
#undef LMK_DECL
#undef LMK_FMA
#undef LMK_STORE
#undef LMK_SPILL
}

/* dest[(panel·kc + p)·MR + i] = op(A)(ic + panel·MR + i, pc + p), zero rows past the edge. */
static void pack_a(const lmk_gemm *g, long ic, long mc, long pc, long kc, float *restrict dest) {
  for (long i0 = 0; i0 < mc; i0 += MR) {
    const long height = min_long(MR, mc - i0);
    float *d = dest + i0 * kc;
    const float *src = g->a + (ic + i0) * g->a_row + pc * g->a_col;
    if (g->a_row == 1 && height == MR) {
      /* op(A) = Aᵀ: the MR values of one p are contiguous. */
      const long step = g->a_col;
      for (long p = 0; p < kc; p++) {
        const float *s = src + p * step;
        for (int i = 0; i < MR; i++) d[p * MR + i] = s[i];
      }
    } else if (g->a_col == 1 && height == MR) {
      /* Row-major A: MR row streams, contiguous writes. */
      const long lda = g->a_row;
      for (long p = 0; p < kc; p++) {
        for (int i = 0; i < MR; i++) d[p * MR + i] = src[i * lda + p];
      }
    } else {
      for (long p = 0; p < kc; p++) {
        long i = 0;
        for (; i < height; i++) d[p * MR + i] = src[i * g->a_row + p * g->a_col];
        for (; i < MR; i++) d[p * MR + i] = 0.0f;
      }
    }
  }
}

/* dest[(panel·kc + p)·NR + j] = op(B)(pc + p, jc + panel·NR + j), zero columns past the edge. */
static void pack_b(const lmk_gemm *g, long pc, long kc, long jc, long nc, float *restrict dest) {
  for (long j0 = 0; j0 < nc; j0 += NR) {
    const long width = min_long(NR, nc - j0);
    float *d = dest + j0 * kc;
    const float *src = g->b + pc * g->b_row + (jc + j0) * g->b_col;
    if (g->b_col == 1 && width == NR) {
      const long ldb = g->b_row;
      for (long p = 0; p < kc; p++) {
        *(vf *)(d + p * NR) = vload(src + p * ldb);
        *(vf *)(d + p * NR + VEC) = vload(src + p * ldb + VEC);
      }
    } else if (g->b_row == 1) {
      /* op(B) = Bᵀ: each column of op(B) is a contiguous row of B. */
      long j = 0;
      for (; j < width; j++) {
        const float *column = src + j * g->b_col;
        for (long p = 0; p < kc; p++) d[p * NR + j] = column[p];
      }
      for (; j < NR; j++) for (long p = 0; p < kc; p++) d[p * NR + j] = 0.0f;
    } else {
      for (long p = 0; p < kc; p++) {
        long j = 0;
        for (; j < width; j++) d[p * NR + j] = src[p * g->b_row + j * g->b_col];
        for (; j < NR; j++) d[p * NR + j] = 0.0f;
      }
    }
  }
}

LMK_INLINE double dot_contiguous(const float *x, const float *y, long n) {
  vf s0 = {0}, s1 = {0};
  long p = 0;
  for (; p + 2 * VEC <= n; p += 2 * VEC) {
    s0 += vload(x + p) * vload(y + p);
    s1 += vload(x + p + VEC) * vload(y + p + VEC);
  }
  for (; p + VEC <= n; p += VEC) s0 += vload(x + p) * vload(y + p);
  double s = vsum(s0 + s1);
  for (; p < n; p++) s += (double)x[p] * y[p];
  return s;
}

/* y[0:n] += a·x[0:n]. */
LMK_INLINE void axpy(float *restrict y, float a, const float *restrict x, long n) {
  const vf av = vsplat(a);
  long j = 0;
  for (; j + VEC <= n; j += VEC) vstore(y + j, vload(y + j) + av * vload(x + j));
  for (; j < n; j++) y[j] += a * x[j];
}

/*
 * Row-at-a-time product for a few rows or one column (a GEMV when sampling one
 * token), where packing would cost as much as the arithmetic: op(A)'s row is
 * gathered into scratch, then the output row is either contiguous dot products
 * (op(B) columns contiguous) or axpys over contiguous rows of op(B).
 */
static void gemm_direct(const lmk_gemm *g, int thread) {
  float *arow = (float *)lmk_buffer(thread, LMK_SLOT_WORK, (size_t)g->k * sizeof(float));
  for (long i = 0; i < g->m; i++) {
    for (long p = 0; p < g->k; p++) arow[p] = g->a[i * g->a_row + p * g->a_col];
    float *c = g->c + i * g->ldc;
    if (g->b_row == 1) {
      for (long j = 0; j < g->n; j++) {
        const float value = (float)dot_contiguous(arow, g->b + j * g->b_col, g->k);
        c[j] = g->accumulate ? c[j] + value : value;
      }
    } else {
      if (!g->accumulate) for (long j = 0; j < g->n; j++) c[j] = 0.0f;
      for (long p = 0; p < g->k; p++) axpy(c, arow[p], g->b + p * g->b_row, g->n);
    }
  }
}

static void gemm(const lmk_gemm *g, int thread) {
  const long m = g->m, n = g->n, k = g->k;
  if (g->direct) {
    gemm_direct(g, thread);
    return;
  }
  const long kc_max = min_long(k, KC);
  float *pack_a_buffer = (float *)lmk_buffer(thread, LMK_SLOT_PACK_A, (size_t)round_up(min_long(m, MC), MR) * kc_max * sizeof(float));
  float *pack_b_buffer = (float *)lmk_buffer(thread, LMK_SLOT_PACK_B, (size_t)round_up(min_long(n, NC), NR) * kc_max * sizeof(float));
  for (long jc = 0; jc < n; jc += NC) {
    const long nc = min_long(NC, n - jc);
    for (long pc = 0; pc < k; pc += KC) {
      const long kc = min_long(KC, k - pc);
      pack_b(g, pc, kc, jc, nc, pack_b_buffer);
      /* Later k slices add onto the partial sums of the earlier ones. */
      const int add = g->accumulate || pc > 0;
      for (long ic = 0; ic < m; ic += MC) {
        const long mc = min_long(MC, m - ic);
        pack_a(g, ic, mc, pc, kc, pack_a_buffer);
        for (long jr = 0; jr < nc; jr += NR) {
          const long cols = min_long(NR, nc - jr);
          for (long ir = 0; ir < mc; ir += MR) {
            ukernel(kc, pack_a_buffer + ir * kc, pack_b_buffer + jr * kc, g->c + (ic + ir) * g->ldc + jc + jr, g->ldc,
                    min_long(MR, mc - ir), cols, add);
          }
        }
      }
    }
  }
}

/* ---------------------------------------------------------------- GELU ---- */
/*
 * GELU (seed 004, HKUST COMP 336 lecture 7: activations; Hendrycks & Gimpel 2016).
 * exact: gelu(x) = x·Φ(x) with Φ(x) = ½·erfc(−x/√2), and erfc(a) for a ≥ 0 from
 * Numerical Recipes' erfcc (Chebyshev fit, fractional error < 1.2·10⁻⁷ for all
 * a): erfc(a) = t·exp(−a² + P(t)), t = 1/(1 + a/2). Using the tail ½·erfc(|x|/√2)
 * for x < 0 keeps relative accuracy far into the left tail (the js kernel does
 * the same with Cody's erfc); for x ≥ 0, Φ = 1 − ½·erfc(x/√2).
 * tanh: x·σ(2u), u = √(2/π)(x + 0.044715x³), with one exp (as the js kernel).
 */
LMK_INLINE vf vnormal_cdf(vf x) {
  const vf a = vselect(x < vsplat(0.0f), -x, x) * vsplat(0.70710678118654752f);
  const vf t = vsplat(1.0f) / (vsplat(1.0f) + vsplat(0.5f) * a);
  vf poly = vsplat(0.17087277f);
  poly = poly * t + vsplat(-0.82215223f);
  poly = poly * t + vsplat(1.48851587f);
  poly = poly * t + vsplat(-1.13520398f);
  poly = poly * t + vsplat(0.27886807f);
  poly = poly * t + vsplat(-0.18628806f);
  poly = poly * t + vsplat(0.09678418f);
  poly = poly * t + vsplat(0.37409196f);
  poly = poly * t + vsplat(1.00002368f);
  poly = poly * t + vsplat(-1.26551223f);
  const vf half_tail = vsplat(0.5f) * t * vexp(poly - a * a);
  return vselect(x < vsplat(0.0f), half_tail, vsplat(1.0f) - half_tail);
}

#define GELU_SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_CUBIC 0.044715f
#define GELU_INV_SQRT_2PI 0.3989422804014327f

LMK_INLINE vf vgelu(vf x, int tanh_approx) {
  if (tanh_approx) {
    const vf u = vsplat(GELU_SQRT_2_OVER_PI) * (x + vsplat(GELU_CUBIC) * x * x * x);
    return x / (vsplat(1.0f) + vexp(vsplat(-2.0f) * u));
  }
  return x * vnormal_cdf(x);
}

/* Lanes where v is ±∞ or NaN become 0 (the limits where a vanishing factor meets an infinite one). */
LMK_INLINE vf vfinite_or_zero(vf v) { return vselect((v - v) == vsplat(0.0f), v, vsplat(0.0f)); }

LMK_INLINE vf vgelu_grad(vf x, int tanh_approx) {
  if (tanh_approx) {
    const vf u = vsplat(GELU_SQRT_2_OVER_PI) * (x + vsplat(GELU_CUBIC) * x * x * x);
    const vf e = vexp(vsplat(-2.0f) * u);
    const vf sigma = vsplat(1.0f) / (vsplat(1.0f) + e);
    /* x = +∞: σ = 1, term ∞·0 → 0; x far negative: e = ∞, σ = 0, term NaN → 0 (the js kernel's limits). */
    const vf term = vsplat(2.0f) * x * sigma * (e * sigma) * vsplat(GELU_SQRT_2_OVER_PI) *
                    (vsplat(1.0f) + vsplat(3.0f * GELU_CUBIC) * x * x);
    return sigma + vfinite_or_zero(term);
  }
  /* gelu'(x) = Φ(x) + x·φ(x); x·φ(x) → 0 as |x| → ∞ (and stays NaN-free there). */
  const vf density = vexp(vsplat(-0.5f) * x * x) * vsplat(GELU_INV_SQRT_2PI);
  const vf x_density = vselect(x * x < vsplat(2000.0f), x * density, vsplat(0.0f));
  return vnormal_cdf(x) + x_density;
}

/* GELU of x[0:n) (+ b[0:n) when b is not NULL: the fused bias + GELU, summed in float32 as an add would). */
static void gelu_span(const float *x, const float *b, float *out, long n, int tanh_approx) {
  long i = 0;
  if (b) for (; i + VEC <= n; i += VEC) vstore(out + i, vgelu(vload(x + i) + vload(b + i), tanh_approx));
  else for (; i + VEC <= n; i += VEC) vstore(out + i, vgelu(vload(x + i), tanh_approx));
  if (i < n) {
    float tmp[VEC] = {0};
    for (long l = 0; i + l < n; l++) tmp[l] = b ? x[i + l] + b[i + l] : x[i + l];
    const vf y = vgelu(vload(tmp), tanh_approx);
    for (long l = 0; i + l < n; l++) out[i + l] = y[l];
  }
}

static void gelu_grad_span(const float *x, const float *b, const float *gy, float *gx, long n, int tanh_approx) {
  long i = 0;
  if (b) for (; i + VEC <= n; i += VEC) vstore(gx + i, vload(gy + i) * vgelu_grad(vload(x + i) + vload(b + i), tanh_approx));
  else for (; i + VEC <= n; i += VEC) vstore(gx + i, vload(gy + i) * vgelu_grad(vload(x + i), tanh_approx));
  if (i < n) {
    float tmp[VEC] = {0};
    for (long l = 0; i + l < n; l++) tmp[l] = b ? x[i + l] + b[i + l] : x[i + l];
    const vf d = vgelu_grad(vload(tmp), tanh_approx);
    for (long l = 0; i + l < n; l++) gx[i + l] = gy[i + l] * d[l];
  }
}

/* Elements [offset, offset + n) of a (rows, cols) input; with a bias, element i adds bias[i mod cols]. */
static void gelu_forward(const float *x, const float *bias, long cols, long offset, float *out, long n, int tanh_approx) {
  if (!bias) {
    gelu_span(x, 0, out, n, tanh_approx);
    return;
  }
  for (long i = 0; i < n;) {
    const long c = (offset + i) % cols, len = min_long(cols - c, n - i);
    gelu_span(x + i, bias + c, out + i, len, tanh_approx);
    i += len;
  }
}

static void gelu_backward(const float *x, const float *bias, long cols, long offset, const float *gy, float *gx, long n, int tanh_approx) {
  if (!bias) {
    gelu_grad_span(x, 0, gy, gx, n, tanh_approx);
    return;
  }
  for (long i = 0; i < n;) {
    const long c = (offset + i) % cols, len = min_long(cols - c, n - i);
    gelu_grad_span(x + i, bias + c, gy + i, gx + i, len, tanh_approx);
    i += len;
  }
}

/* ----------------------------------------------------------- LayerNorm ---- */
/* LayerNorm (seed 000, CMU 10-301/601 lecture 19; Ba et al. 2016): the js kernel's equations. */

/* VEC double lanes: each float widened before it is added, so a row whose values share a
 * large offset (mean 1e4, spread 0.1) keeps its digits — the js kernels' double accumulation. */
typedef double vd __attribute__((vector_size(VEC * 8)));

/* A macro, not a function: a vd return value would trip GCC's -Wpsabi note on the narrower sets. */
#define VWIDEN(v) __builtin_convertvector((v), vd)
LMK_INLINE double vsum_double(vd v) {
  double s = 0;
  for (int i = 0; i < VEC; i++) s += v[i];
  return s;
}

/* Σ x[0:n] in double lanes. */
LMK_INLINE double sum_lanes(const float *x, long n) {
  vd s = {0};
  long j = 0;
  for (; j + VEC <= n; j += VEC) s += VWIDEN(vload(x + j));
  double total = vsum_double(s);
  for (; j < n; j++) total += x[j];
  return total;
}

/*
 * Σ x[0:n] exactly as the js kernel (reduceRow in src/backend/js/reduce.ts): four double
 * partial sums over x[i], x[i+1], x[i+2], x[i+3], the tail added to the first, combined as
 * (s0 + s1) + (s2 + s3). Same order and width on every instruction set, so a float32 sum
 * has the same bits on every backend.
 */
static double sum_row(const float *x, long n) {
  typedef double vd4 __attribute__((vector_size(32)));
  typedef float vf4u __attribute__((vector_size(16), aligned(4), may_alias));
  vd4 partial = {0};
  long i = 0;
  for (; i + 4 <= n; i += 4) partial += __builtin_convertvector(*(const vf4u *)(x + i), vd4);
  double first = partial[0];
  for (; i < n; i++) first += x[i];
  return first + partial[1] + (partial[2] + partial[3]);
}

/*
 * Σ (x[j] − mean)²: the second of the two passes (mean first, so a common offset does not
 * cancel). Deviations as (x − hi) − lo in float32 (x − hi exact near the mean, Sterbenz);
 * their squares have no cancellation left, so float32 lanes combined in double suffice.
 */
LMK_INLINE double centered_squares(const float *x, long n, float mean_hi, float mean_lo) {
  const vf hi = vsplat(mean_hi), lo = vsplat(mean_lo);
  vf s0 = {0}, s1 = {0};
  long j = 0;
  for (; j + 2 * VEC <= n; j += 2 * VEC) {
    const vf d0 = (vload(x + j) - hi) - lo, d1 = (vload(x + j + VEC) - hi) - lo;
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  for (; j + VEC <= n; j += VEC) {
    const vf d = (vload(x + j) - hi) - lo;
    s0 += d * d;
  }
  double total = vsum(s0 + s1);
  for (; j < n; j++) {
    const float d = (x[j] - mean_hi) - mean_lo;
    total += (double)d * d;
  }
  return total;
}

static void layer_norm_forward(const float *x, const float *weight, const float *bias, float *out,
                               float *mean, float *rstd, long row_begin, long row_end, long cols, float eps) {
  for (long r = row_begin; r < row_end; r++) {
    const float *xr = x + r * cols;
    float *yr = out + r * cols;
    /* The mean in double lanes, as the js kernel: float32 lanes lost up to 2.8× PyTorch's
     * float32 error on rows like mean 1e4, std 0.1. */
    const double mean_exact = sum_lanes(xr, cols) / cols;
    /* The mean as float32 hi + lo: x − hi is exact for x near the mean (Sterbenz),
     * so x − μ keeps its digits under a large common offset, as the js kernel's
     * double-precision x − μ does. */
    const float mu = (float)mean_exact, mu_lo = (float)(mean_exact - mu);
    const float s = (float)(1.0 / __builtin_sqrt(centered_squares(xr, cols, mu, mu_lo) / cols + eps));
    mean[r] = mu;
    rstd[r] = s;
    const vf muv = vsplat(mu), mu_lov = vsplat(mu_lo), sv = vsplat(s);
    long j = 0;
    for (; j + VEC <= cols; j += VEC) {
      vf y = ((vload(xr + j) - muv) - mu_lov) * sv;
      if (weight) y = y * vload(weight + j);
      if (bias) y = y + vload(bias + j);
      vstore(yr + j, y);
    }
    for (; j < cols; j++) {
      float y = ((xr[j] - mu) - mu_lo) * s;
      if (weight) y = y * weight[j];
      if (bias) y = y + bias[j];
      yr[j] = y;
    }
  }
}

static void layer_norm_backward(const float *x, const float *weight, const float *mean, const float *rstd,
                                const float *gy, float *gx, double *column_sums, long row_begin, long row_end, long cols) {
  double *g_weight_sums = column_sums, *g_bias_sums = column_sums + cols;
  for (long r = row_begin; r < row_end; r++) {
    const float *xr = x + r * cols, *gr = gy + r * cols;
    float *gxr = gx + r * cols;
    const float mu = mean[r], s = rstd[r];
    const vf muv = vsplat(mu), sv = vsplat(s);
    vf acc_g = {0}, acc_gx = {0};
    long j = 0;
    for (; j + VEC <= cols; j += VEC) {
      const vf g = weight ? vload(gr + j) * vload(weight + j) : vload(gr + j);
      const vf xhat = (vload(xr + j) - muv) * sv;
      acc_g += g;
      acc_gx += g * xhat;
    }
    double sum_g = vsum(acc_g), sum_gx = vsum(acc_gx);
    for (; j < cols; j++) {
      const float g = weight ? gr[j] * weight[j] : gr[j];
      const float xhat = (xr[j] - mu) * s;
      sum_g += g;
      sum_gx += (double)g * xhat;
    }
    const float mean_g = (float)(sum_g / cols), mean_gx = (float)(sum_gx / cols);
    const vf mgv = vsplat(mean_g), mgxv = vsplat(mean_gx);
    j = 0;
    for (; j + VEC <= cols; j += VEC) {
      const vf g = weight ? vload(gr + j) * vload(weight + j) : vload(gr + j);
      const vf xhat = (vload(xr + j) - muv) * sv;
      vstore(gxr + j, sv * (g - mgv - xhat * mgxv));
    }
    for (; j < cols; j++) {
      const float g = weight ? gr[j] * weight[j] : gr[j];
      const float xhat = (xr[j] - mu) * s;
      gxr[j] = s * (g - mean_g - xhat * mean_gx);
    }
    /* Parameter-gradient column sums in double across rows, as the js kernel keeps them. */
    for (j = 0; j < cols; j++) {
      const float xhat = (xr[j] - mu) * s;
      g_weight_sums[j] += (double)gr[j] * xhat;
      g_bias_sums[j] += gr[j];
    }
  }
}

/* ------------------------------------------------ softmax, cross-entropy ---- */
/* Softmax and cross-entropy modules (seed 000: forward + backward; seed 004: losses). */

/* max of x[0:n), NaN entries skipped (as the js rowMax); −∞ when empty. */
static float row_max(const float *x, long n) {
  vf m = vsplat(-__builtin_inff());
  long j = 0;
  for (; j + VEC <= n; j += VEC) m = vmax(vload(x + j), m);
  float result = vmax_lanes(m);
  for (; j < n; j++) if (x[j] > result) result = x[j];
  return result;
}

/* out[j] = exp(x[j] − shift); returns Σ out (out may be x). */
static double exp_shifted(const float *x, float *out, long n, float shift) {
  const vf sv = vsplat(shift);
  vf acc = {0};
  long j = 0;
  for (; j + VEC <= n; j += VEC) {
    const vf e = vexp(vload(x + j) - sv);
    vstore(out + j, e);
    acc += e;
  }
  double sum = vsum(acc);
  if (j < n) {
    float tmp[VEC] = {0};
    for (long l = 0; j + l < n; l++) tmp[l] = x[j + l] - shift;
    const vf e = vexp(vload(tmp));
    for (long l = 0; j + l < n; l++) {
      out[j + l] = e[l];
      sum += e[l];
    }
  }
  return sum;
}

/* Σ exp(x[j] − shift) without storing. */
static double sum_exp_shifted(const float *x, long n, float shift) {
  const vf sv = vsplat(shift);
  vf acc = {0};
  long j = 0;
  for (; j + VEC <= n; j += VEC) acc += vexp(vload(x + j) - sv);
  double sum = vsum(acc);
  if (j < n) {
    float tmp[VEC];
    for (long l = 0; l < VEC; l++) tmp[l] = j + l < n ? x[j + l] - shift : -__builtin_inff();
    sum += vsum(vexp(vload(tmp)));
  }
  return sum;
}

static void softmax_forward(const float *x, float *out, long row_begin, long row_end, long cols, int log_softmax) {
  for (long r = row_begin; r < row_end; r++) {
    const float *xr = x + r * cols;
    float *yr = out + r * cols;
    const float max = row_max(xr, cols);
    if (log_softmax) {
      /* x − max − log Σ, subtracted separately to keep the digits of x − max. */
      const float log_sum = (float)lmk_log(sum_exp_shifted(xr, cols, max));
      for (long j = 0; j < cols; j++) yr[j] = xr[j] - max - log_sum;
    } else {
      const double sum = exp_shifted(xr, yr, cols, max);
      const vf inverse = vsplat((float)(1.0 / sum));
      long j = 0;
      for (; j + VEC <= cols; j += VEC) vstore(yr + j, vload(yr + j) * inverse);
      for (; j < cols; j++) yr[j] *= inverse[0];
    }
  }
}

static void softmax_backward(const float *y, const float *gy, float *gx, long row_begin, long row_end, long cols, int log_softmax) {
  for (long r = row_begin; r < row_end; r++) {
    const float *yr = y + r * cols, *gr = gy + r * cols;
    float *out = gx + r * cols;
    if (log_softmax) {
      /* gx = gy − exp(y)·Σ gy */
      const vf total = vsplat((float)sum_lanes(gr, cols));
      long j = 0;
      for (; j + VEC <= cols; j += VEC) vstore(out + j, vload(gr + j) - vexp(vload(yr + j)) * total);
      for (; j < cols; j++) {
        float tmp[VEC] = {0};
        tmp[0] = yr[j];
        out[j] = gr[j] - vexp(vload(tmp))[0] * total[0];
      }
    } else {
      /* gx = y ⊙ (gy − Σ gy·y) */
      const vf dot = vsplat((float)dot_contiguous(gr, yr, cols));
      long j = 0;
      for (; j + VEC <= cols; j += VEC) vstore(out + j, vload(yr + j) * (vload(gr + j) - dot));
      for (; j < cols; j++) out[j] = yr[j] * (gr[j] - dot[0]);
    }
  }
}

static void cross_entropy_forward(const float *logits, const int32_t *targets, long row_begin, long row_end, long classes,
                                  int32_t ignore_index, float label_smoothing, float *loss, float *lse) {
  const double on_target = 1.0 - label_smoothing;
  for (long r = row_begin; r < row_end; r++) {
    const float *xr = logits + r * classes;
    const float max = row_max(xr, classes);
    const double log_sum = lmk_log(sum_exp_shifted(xr, classes, max));
    lse[r] = (float)(max + log_sum);
    const int32_t target = targets[r];
    if (target == ignore_index) {
      loss[r] = 0.0f;
      continue;
    }
    /* lse − x_t as log_sum − (x_t − max), which keeps its digits when |max| is large. */
    double row_loss = on_target * (log_sum - ((double)xr[target] - max));
    if (label_smoothing != 0.0f) {
      const double shifted_sum = sum_lanes(xr, classes) - (double)max * classes;
      row_loss += label_smoothing * (log_sum - shifted_sum / classes);
    }
    loss[r] = (float)row_loss;
  }
}

static void cross_entropy_backward(const float *logits, const int32_t *targets, const float *lse, long row_begin, long row_end,
                                   long classes, int32_t ignore_index, float label_smoothing, const float *row_scale, float *g) {
  const float uniform = label_smoothing / classes, on_target = 1.0f - label_smoothing;
  for (long r = row_begin; r < row_end; r++) {
    const float *xr = logits + r * classes;
    float *gr = g + r * classes;
    const int32_t target = targets[r];
    if (target == ignore_index) {
      for (long j = 0; j < classes; j++) gr[j] = 0.0f;
      continue;
    }
    exp_shifted(xr, gr, classes, lse[r]);
    const float probability_target = gr[target];
    const vf scale = vsplat(row_scale[r]), uv = vsplat(uniform);
    long j = 0;
    for (; j + VEC <= classes; j += VEC) vstore(gr + j, scale * (vload(gr + j) - uv));
    for (; j < classes; j++) gr[j] = row_scale[r] * (gr[j] - uniform);
    gr[target] = row_scale[r] * (probability_target - uniform - on_target);
  }
}

/* ----------------------------------------------------------- attention ---- */
/*
 * Scaled dot-product attention with causal masking (seed 000, lecture 19;
 * Vaswani et al. 2017): out_i = Σ_j softmax_j(q_i·k_j·scale + mask_ij)·v_j.
 * One batch·head at a time with Kᵀ (and Vᵀ in backward) transposed into
 * (dim, Tk) scratch, so every row operation is a vector axpy over keys or over
 * dimensions — no horizontal sums in the inner loops. Scores for query i live in
 * one Tk row; the (Tq, Tk) matrix is never formed (as in the js kernel).
 */

/* scores[0:nv) = scale·Σ_d q_d·kt[d, 0:nv), nv a multiple of VEC; kt has row stride ldk. */
static void scores_row(const float *q, const float *kt, long ldk, long dim, long nv, float scale, float *scores) {
  long j = 0;
  for (; j + 4 * VEC <= nv; j += 4 * VEC) {
    vf s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    for (long d = 0; d < dim; d++) {
      const vf qd = vsplat(q[d]);
      const float *row = kt + d * ldk + j;
      s0 += qd * vload(row);
      s1 += qd * vload(row + VEC);
      s2 += qd * vload(row + 2 * VEC);
      s3 += qd * vload(row + 3 * VEC);
    }
    const vf sv = vsplat(scale);
    vstore(scores + j, s0 * sv);
    vstore(scores + j + VEC, s1 * sv);
    vstore(scores + j + 2 * VEC, s2 * sv);
    vstore(scores + j + 3 * VEC, s3 * sv);
  }
  for (; j < nv; j += VEC) {
    vf s0 = {0};
    for (long d = 0; d < dim; d++) s0 += vsplat(q[d]) * vload(kt + d * ldk + j);
    vstore(scores + j, s0 * vsplat(scale));
  }
}

/* dst[d·ld + j] = src[j·lds + d] for j < rows, zero for rows ≤ j < ld. */
static void transpose_into(const float *src, long rows, long lds, long dim, float *dst, long ld) {
  for (long d = 0; d < dim; d++) {
    float *out = dst + d * ld;
    long j = 0;
    for (; j < rows; j++) out[j] = src[j * lds + d];
    for (; j < ld; j++) out[j] = 0.0f;
  }
}

/*
 * out[0:n) = scale·Σ_j w[j]·rows[j·ld + 0:n) for j < count: the P·V product of one
 * query (and dQ = dS·K in backward). Accumulated in registers, two keys per pass
 * into separate accumulators: an axpy into `out` per key would chain every
 * multiply-add through a store and a load of the same row.
 */
static void weighted_row_sum(float *restrict out, const float *restrict w, const float *restrict rows, long ld, long count,
                             long n, float scale) {
  const vf sv = vsplat(scale);
  long c = 0;
  for (; c + 2 * VEC <= n; c += 2 * VEC) {
    vf a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0};
    long j = 0;
    for (; j + 2 <= count; j += 2) {
      const float *r0 = rows + j * ld + c, *r1 = r0 + ld;
      const vf w0 = vsplat(w[j]), w1 = vsplat(w[j + 1]);
      a0 += w0 * vload(r0);
      a1 += w0 * vload(r0 + VEC);
      b0 += w1 * vload(r1);
      b1 += w1 * vload(r1 + VEC);
    }
    if (j < count) {
      const float *r0 = rows + j * ld + c;
      const vf w0 = vsplat(w[j]);
      a0 += w0 * vload(r0);
      a1 += w0 * vload(r0 + VEC);
    }
    vstore(out + c, (a0 + b0) * sv);
    vstore(out + c + VEC, (a1 + b1) * sv);
  }
  for (; c + VEC <= n; c += VEC) {
    vf a0 = {0}, b0 = {0};
    long j = 0;
    for (; j + 2 <= count; j += 2) {
      a0 += vsplat(w[j]) * vload(rows + j * ld + c);
      b0 += vsplat(w[j + 1]) * vload(rows + (j + 1) * ld + c);
    }
    if (j < count) a0 += vsplat(w[j]) * vload(rows + j * ld + c);
    vstore(out + c, (a0 + b0) * sv);
  }
  for (; c < n; c++) {
    float acc = 0.0f;
    for (long j = 0; j < count; j++) acc += w[j] * rows[j * ld + c];
    out[c] = acc * scale;
  }
}

/* Element offset of row 0 of batch·head bh in an operand (lmk_operand_layout). */
LMK_INLINE long operand_base(const lmk_operand_layout *l, long heads, long bh) {
  const long b = bh / heads;
  return l->offset + b * l->batch + (bh - b * heads) * l->head;
}

LMK_INLINE long visible_keys(const lmk_attention_shape *s, long i) {
  if (!s->causal) return s->key_length;
  long v = i + s->key_length - s->query_length + 1;
  return v < 0 ? 0 : v > s->key_length ? s->key_length : v;
}

/* Scores of query i over its visible keys, mask added, lanes from `visible` to nv set to −∞. Returns the max. */
static float attention_scores(const lmk_attention_shape *s, const float *qi, const float *kt, long ldk, const float *mask_row,
                              long visible, long nv, float *scores) {
  scores_row(qi, kt, ldk, s->head_dim, nv, s->scale, scores);
  if (mask_row) for (long j = 0; j < visible; j++) scores[j] += mask_row[j];
  for (long j = visible; j < nv; j++) scores[j] = -__builtin_inff();
  return row_max(scores, visible);
}

static void attention_forward(const lmk_attention_shape *s, const float *q, const float *k, const float *v, const float *mask,
                              float *out, float *lse, long bh_begin, long bh_end, int thread) {
  const long tq = s->query_length, tk = s->key_length, dim = s->head_dim, dv = s->value_dim;
  const long q_row = s->q_layout.row, k_row = s->k_layout.row, v_row = s->v_layout.row, o_row = s->out_layout.row;
  const long ldk = round_up(tk > 0 ? tk : 1, VEC);
  float *kt = (float *)lmk_buffer(thread, LMK_SLOT_WORK, (size_t)(dim * ldk + ldk) * sizeof(float));
  float *scores = kt + dim * ldk;
  for (long bh = bh_begin; bh < bh_end; bh++) {
    const float *qb = q + operand_base(&s->q_layout, s->heads, bh), *kb = k + operand_base(&s->k_layout, s->heads, bh);
    const float *vb = v + operand_base(&s->v_layout, s->heads, bh);
    float *ob = out + operand_base(&s->out_layout, s->heads, bh);
    const float *mask_base = mask ? mask + (bh / s->heads_per_mask) * s->mask_stride : 0;
    transpose_into(kb, tk, k_row, dim, kt, ldk);
    for (long i = 0; i < tq; i++) {
      const long row = bh * tq + i;
      float *o = ob + i * o_row;
      const long visible = visible_keys(s, i);
      const float max = visible > 0
        ? attention_scores(s, qb + i * q_row, kt, ldk, mask_base ? mask_base + i * tk : 0, visible, round_up(visible, VEC), scores)
        : -__builtin_inff();
      if (max == -__builtin_inff()) {
        /* No visible key: output 0 and lse = −∞ (the js kernel's convention). */
        for (long d = 0; d < dv; d++) o[d] = 0.0f;
        lse[row] = -__builtin_inff();
        continue;
      }
      const double sum = exp_shifted(scores, scores, round_up(visible, VEC), max);
      weighted_row_sum(o, scores, vb, v_row, visible, dv, (float)(1.0 / sum));
      lse[row] = (float)(max + lmk_log(sum));
    }
  }
}

static void attention_backward(const lmk_attention_shape *s, const float *q, const float *k, const float *v, const float *mask,
                               const float *out, const float *lse, const float *g_out, float *gq, float *gk, float *gv,
                               long bh_begin, long bh_end, int thread) {
  const long tq = s->query_length, tk = s->key_length, dim = s->head_dim, dv = s->value_dim;
  const long q_row = s->q_layout.row, k_row = s->k_layout.row, v_row = s->v_layout.row, o_row = s->out_layout.row;
  const long ldk = round_up(tk > 0 ? tk : 1, VEC), ldq = tq > 0 ? tq : 1;
  /* Kᵀ, Vᵀ, the p and dP rows of one query, and Pᵀ and dSᵀ of one batch·head (key-major, so each key's
   * gradient is one register-accumulated sum over the queries that see it). */
  const size_t floats = (size_t)(dim * ldk + dv * ldk + 2 * ldk + 2 * tk * ldq);
  float *kt = (float *)lmk_buffer(thread, LMK_SLOT_WORK, floats * sizeof(float));
  float *vt = kt + dim * ldk, *p = vt + dv * ldk, *dp = p + ldk, *pt = dp + ldk, *dst = pt + tk * ldq;
  for (long bh = bh_begin; bh < bh_end; bh++) {
    const long q_base = operand_base(&s->q_layout, s->heads, bh), k_base = operand_base(&s->k_layout, s->heads, bh);
    const long v_base = operand_base(&s->v_layout, s->heads, bh), o_base = operand_base(&s->out_layout, s->heads, bh);
    const float *kb = k + k_base, *vb = v + v_base;
    const float *mask_base = mask ? mask + (bh / s->heads_per_mask) * s->mask_stride : 0;
    transpose_into(kb, tk, k_row, dim, kt, ldk);
    transpose_into(vb, tk, v_row, dv, vt, ldk);
    for (long e = 0; e < 2 * tk * ldq; e++) pt[e] = 0.0f; /* keys a query does not see keep weight 0 */
    for (long i = 0; i < tq; i++) {
      const long row = bh * tq + i;
      const float *qi = q + q_base + i * q_row, *go = g_out + o_base + i * o_row;
      float *gqi = gq + q_base + i * q_row;
      const float row_lse = lse[row];
      const long visible = visible_keys(s, i);
      if (row_lse == -__builtin_inff() || visible == 0) {
        for (long d = 0; d < dim; d++) gqi[d] = 0.0f;
        continue;
      }
      const long nv = round_up(visible, VEC);
      attention_scores(s, qi, kt, ldk, mask_base ? mask_base + i * tk : 0, visible, nv, p);
      /* p_j = exp(s_j − lse); masked and padded keys give 0. */
      exp_shifted(p, p, nv, row_lse);
      /* Σ_d dO_d·O_d = Σ_j p_j·dP_j, the softmax-backward row term. */
      const float row_dot = (float)dot_contiguous(go, out + o_base + i * o_row, dv);
      /* dP_j = dO·V_j for all keys at once, through Vᵀ. */
      scores_row(go, vt, ldk, dv, nv, 1.0f, dp);
      /* dS_j = p_j·(dP_j − rowDot), in place of dP; dQ_i = scale·Σ_j dS_j·K_j. */
      for (long j = 0; j < visible; j++) {
        dp[j] = p[j] * (dp[j] - row_dot);
        pt[j * ldq + i] = p[j];
        dst[j * ldq + i] = dp[j];
      }
      weighted_row_sum(gqi, dp, kb, k_row, visible, dim, s->scale);
    }
    /* dK_j = scale·Σ_i dS_ij·Q_i and dV_j = Σ_i P_ij·dO_i over the queries that may see key j. */
    for (long j = 0; j < tk; j++) {
      long first = 0;
      if (s->causal) {
        first = j - (tk - tq);
        if (first < 0) first = 0;
        if (first > tq) first = tq;
      }
      weighted_row_sum(gk + k_base + j * k_row, dst + j * ldq + first, q + q_base + first * q_row, q_row, tq - first, dim, s->scale);
      weighted_row_sum(gv + v_base + j * v_row, pt + j * ldq + first, g_out + o_base + first * o_row, o_row, tq - first, dv, 1.0f);
    }
  }
}

/* ------------------------------------------------------- AdamW, small ---- */

/* AdamW (seed 002: Adam, Kingma & Ba; decoupled decay, Loshchilov & Hutter). In double, exactly the js kernel's expression order, so float32 state steps as the js backend's. */
/*
 * No fused multiply-adds in AdamW: the js kernel rounds every double product, and the
 * float32 state matches it bit for bit only if this does too (with FMA on the AVX2 and
 * AVX-512 sets, 342 of 100,003 first moments differed). GCC takes a per-function
 * optimize attribute, clang a pragma at the top of the body.
 */
#if defined(__clang__)
#define LMK_NO_CONTRACT_ATTR
#define LMK_NO_CONTRACT_BODY _Pragma("clang fp contract(off)")
#else
#define LMK_NO_CONTRACT_ATTR __attribute__((optimize("fp-contract=off")))
#define LMK_NO_CONTRACT_BODY
#endif

LMK_NO_CONTRACT_ATTR
static void adamw_update(float *param, const float *grad, float *m, float *v, long n, const double *hyper) {
  LMK_NO_CONTRACT_BODY
  const double lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3], weight_decay = hyper[4];
  const double decay = 1 - lr * weight_decay, step_size = lr / hyper[5], sqrt_bc2 = __builtin_sqrt(hyper[6]);
  const double one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2;
  for (long i = 0; i < n; i++) {
    const double g = grad[i];
    const float mi = (float)(beta1 * m[i] + one_minus_beta1 * g);
    const float vi = (float)(beta2 * v[i] + one_minus_beta2 * g * g);
    m[i] = mi;
    v[i] = vi;
    param[i] = (float)(param[i] * decay - (step_size * mi) / (__builtin_sqrt((double)vi) / sqrt_bc2 + eps));
  }
}

#define LMK_BINARY_LOOPS(EXPR)                                                                    \
  if (sa == 1 && sb == 1) {                                                                       \
    for (; i + VEC <= n; i += VEC) { const vf x = vload(a + i), y = vload(b + i); vstore(out + i, EXPR); } \
    for (; i < n; i++) { const float x = a[i], y = b[i]; out[i] = EXPR; }                         \
  } else if (sa == 1 && sb == 0) {                                                                \
    const vf y = vsplat(b[0]);                                                                    \
    for (; i + VEC <= n; i += VEC) { const vf x = vload(a + i); vstore(out + i, EXPR); }          \
    for (; i < n; i++) { const float x = a[i], y = b[0]; out[i] = EXPR; }                         \
  } else if (sa == 0 && sb == 1) {                                                                \
    const vf x = vsplat(a[0]);                                                                    \
    for (; i + VEC <= n; i += VEC) { const vf y = vload(b + i); vstore(out + i, EXPR); }          \
    for (; i < n; i++) { const float x = a[0], y = b[i]; out[i] = EXPR; }                         \
  } else {                                                                                        \
    for (; i < n; i++) { const float x = a[i * sa], y = b[i * sb]; out[i] = EXPR; }               \
  }

static void binary_row(int op, const float *a, long sa, const float *b, long sb, float *out, long n) {
  long i = 0;
  switch (op) {
    case LMK_ADD: LMK_BINARY_LOOPS(x + y) break;
    case LMK_SUB: LMK_BINARY_LOOPS(x - y) break;
    case LMK_MUL: LMK_BINARY_LOOPS(x * y) break;
    case LMK_DIV: LMK_BINARY_LOOPS(x / y) break;
    case LMK_COPY:
      (void)b, (void)sb;
      if (sa == 1) for (; i + VEC <= n; i += VEC) vstore(out + i, vload(a + i));
      for (; i < n; i++) out[i] = a[i * sa];
      break;
  }
}
#undef LMK_BINARY_LOOPS

static void add_scaled(float *dst, const float *src, long n, float alpha) {
  long i = 0;
  if (alpha == 1.0f) {
    for (; i + VEC <= n; i += VEC) vstore(dst + i, vload(dst + i) + vload(src + i));
    for (; i < n; i++) dst[i] += src[i];
    return;
  }
  axpy(dst, alpha, src, n);
}

static void accumulate_row(float *out, const float *x, long n) { add_scaled(out, x, n, 1.0f); }

/* Blocks of 4096 in float lanes (128 terms per lane), the block sums in double: gradient norms over millions. */
static double dot_row(const float *x, const float *y, long n) {
  double total = 0.0;
  for (long begin = 0; begin < n; begin += 4096) total += dot_contiguous(x + begin, y + begin, min_long(4096, n - begin));
  return total;
}

const lmk_isa_kernels LMK_CAT(lmk_kernels_, LMK_ISA) = {
  .name = LMK_ISA_NAME,
  .mr = MR,
  .nr = NR,
  .gemm = gemm,
  .gelu_forward = gelu_forward,
  .gelu_backward = gelu_backward,
  .layer_norm_forward = layer_norm_forward,
  .layer_norm_backward = layer_norm_backward,
  .softmax_forward = softmax_forward,
  .softmax_backward = softmax_backward,
  .cross_entropy_forward = cross_entropy_forward,
  .cross_entropy_backward = cross_entropy_backward,
  .attention_forward = attention_forward,
  .attention_backward = attention_backward,
  .adamw_update = adamw_update,
  .binary_row = binary_row,
  .add_scaled = add_scaled,
  .accumulate_row = accumulate_row,
  .sum_row = sum_row,
  .dot_row = dot_row,
};
