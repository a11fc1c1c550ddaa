/* The portable kernel set: 4-float vectors (SSE2 on x86-64, NEON on arm64, SIMD128 under wasm). */
#define LMK_ISA generic
#ifdef __wasm__
#define LMK_ISA_NAME "wasm-simd128"
#else
#define LMK_ISA_NAME "generic"
#endif
#define VEC 4
/*
 * GEMM register tile: 4×8 natively (8 accumulators, 2 B vectors and a broadcast
 * fit the 16 registers of SSE2); 8×8 under wasm, where V8 measured faster
 * (29 vs 24 GFLOP/s at 512³ on an AMD EPYC, once tiered up: 4×8 issues too few
 * independent multiply-adds per loaded B vector to hide V8's separate mul + add).
 */
#ifndef GEMM_MR
#ifdef __wasm__
#define GEMM_MR 8
#else
#define GEMM_MR 4
#endif
#endif
#include "kernels-impl.h"
