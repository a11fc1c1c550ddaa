/*
 * The AVX2 + FMA kernel set (8-float vectors, 6×16 GEMM tile: 12 accumulators,
 * 2 B vectors and a broadcast in the 16 ymm registers). Compiled with function
 * target attributes rather than -mavx2, so the binary still runs on any x86-64:
 * dispatch.c calls these only when the CPU reports AVX2 and FMA.
 */
#if defined(__x86_64__) || defined(__i386__)
#include <stddef.h>
#include <stdint.h>
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#define LMK_ISA avx2
#define LMK_ISA_NAME "avx2"
#define VEC 8
#define GEMM_MR 6
#include "kernels-impl.h"
#ifdef __clang__
#pragma clang attribute pop
#endif
#else
typedef int lmk_no_avx2; /* not x86: nothing to compile */
#endif
