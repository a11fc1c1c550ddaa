/*
 * The AVX-512F kernel set (16-float vectors, 8×32 GEMM tile: 16 accumulators of
 * the 32 zmm registers). Same template as the AVX2 set, chosen at run time only
 * when the CPU (and the OS, for the zmm state) supports AVX-512F.
 */
#if defined(__x86_64__) || defined(__i386__)
#include <stddef.h>
#include <stdint.h>
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx2,fma")
#endif
#define LMK_ISA avx512
#define LMK_ISA_NAME "avx512"
#define VEC 16
#define GEMM_MR 8
#include "kernels-impl.h"
#ifdef __clang__
#pragma clang attribute pop
#endif
#else
typedef int lmk_no_avx512; /* not x86: nothing to compile */
#endif
