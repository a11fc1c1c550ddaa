/*
 * A small thread pool for the large kernels. The caller is thread 0 and works
 * too; workers 1…threads−1 are started on demand and never stopped (idle ones
 * sleep on a condition variable). One job runs at a time: its tasks are claimed
 * with a compare-and-swap on one 64-bit word holding (generation, task count,
 * next task), so a worker that wakes late can never claim a task of a finished
 * job — it either claims a task of the current job or finds none. After a job a
 * worker spins briefly before sleeping, since training issues large kernels
 * back to back and a futex wake-up costs more than a short spin.
 *
 * Under wasm the same pool runs on Web Workers / worker_threads sharing the
 * module's memory (the threaded build, LMK_WASM_THREADS): JavaScript starts the
 * workers, each enters lmk_wasm_worker_loop, and sleeping uses memory.atomic.wait
 * instead of a condition variable; the caller (a browser's main thread may not
 * block) only ever spins. Workers count themselves in as they arrive, and a job
 * uses only those already there. Without LMK_WASM_THREADS everything runs on
 * the caller.
 */
#include "internal.h"

#if defined(__wasm__) && !defined(LMK_WASM_THREADS)

int lmk_set_threads(int threads) { (void)threads; return 1; }
int lmk_get_threads(void) { return 1; }
int lmk_cpu_count(void) { return 1; }
void lmk_parallel(long tasks, lmk_task_fn fn, void *ctx) {
  for (long t = 0; t < tasks; t++) fn(ctx, t, 0);
}

#else

#include <stdatomic.h>
#ifndef __wasm__
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#endif

#define SPIN_LIMIT 4000

#ifndef __wasm__
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
#endif
/* 32 bits: memory.atomic.wait32 sleeps on it under wasm. */
static _Atomic unsigned int wake_sequence;
static _Atomic int started_workers;
static int thread_count = 1;

static lmk_task_fn job_fn;
static void *job_ctx;
static _Atomic int job_threads;
/* generation (32 bits) | task count (16 bits) | next task (16 bits) */
static _Atomic uint64_t job_claim;
static _Atomic long job_done;
#ifdef __wasm__
static _Atomic long worker_tasks;
#endif

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static inline long claim_tasks(uint64_t c) { return (long)((c >> 16) & 0xffff); }
static inline long claim_next(uint64_t c) { return (long)(c & 0xffff); }

/* Claims and runs tasks of the current job until none is left; returns how many it ran. */
static long run_tasks(int self) {
  long ran = 0;
  uint64_t c = atomic_load_explicit(&job_claim, memory_order_acquire);
  for (;;) {
    if (claim_next(c) >= claim_tasks(c) || (self != 0 && self >= job_threads)) return ran;
    if (!atomic_compare_exchange_weak_explicit(&job_claim, &c, c + 1, memory_order_acq_rel, memory_order_acquire)) continue;
    /* The job's fields were published before its claim word (release/acquire). */
    job_fn(job_ctx, claim_next(c), self);
#ifdef __wasm__
    if (self != 0) atomic_fetch_add_explicit(&worker_tasks, 1, memory_order_relaxed);
#endif
    atomic_fetch_add_explicit(&job_done, 1, memory_order_release);
    ran++;
    c = atomic_load_explicit(&job_claim, memory_order_acquire);
  }
}

static int claimable(int self) {
  uint64_t c = atomic_load_explicit(&job_claim, memory_order_acquire);
  return claim_next(c) < claim_tasks(c) && self < job_threads;
}

static void *worker_main(void *arg) {
  const int self = (int)(intptr_t)arg;
  for (;;) {
    const unsigned int sequence = atomic_load_explicit(&wake_sequence, memory_order_acquire);
    if (claimable(self) && run_tasks(self) > 0) continue;
    int spins = 0;
    while (!claimable(self) && ++spins < SPIN_LIMIT) cpu_relax();
    if (spins < SPIN_LIMIT) continue;
#ifdef __wasm__
    /* Sleeps only while the sequence is unchanged, so a wake-up between the load and the wait is not lost. */
    __builtin_wasm_memory_atomic_wait32((int *)&wake_sequence, (int)sequence, -1);
#else
    pthread_mutex_lock(&sleep_lock);
    while (atomic_load_explicit(&wake_sequence, memory_order_acquire) == sequence) pthread_cond_wait(&sleep_cond, &sleep_lock);
    pthread_mutex_unlock(&sleep_lock);
#endif
  }
  return 0;
}

#ifdef __wasm__

/* Run by each worker (index 1…) after JavaScript started it: counts itself in, then serves jobs forever. */
void lmk_wasm_worker_loop(int self) {
  atomic_fetch_add_explicit(&started_workers, 1, memory_order_acq_rel);
  worker_main((void *)(intptr_t)self);
}

/* Tasks run by workers so far (tests check that the pool really ran in parallel). */
long lmk_wasm_worker_tasks(void) { return atomic_load_explicit(&worker_tasks, memory_order_relaxed); }

int lmk_cpu_count(void) { return 1; }

int lmk_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > LMK_MAX_THREADS) threads = LMK_MAX_THREADS;
  thread_count = threads;
  return thread_count;
}

#else

int lmk_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > LMK_MAX_THREADS ? LMK_MAX_THREADS : (int)n;
}

int lmk_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > LMK_MAX_THREADS) threads = LMK_MAX_THREADS;
  while (started_workers < threads - 1) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    const int failed = pthread_create(&thread, &attr, worker_main, (void *)(intptr_t)(started_workers + 1));
    pthread_attr_destroy(&attr);
    if (failed) {
      /* Fewer threads than asked for is still correct: use the ones we have. */
      threads = started_workers + 1;
      break;
    }
    started_workers++;
  }
  thread_count = threads;
  return thread_count;
}

#endif

int lmk_get_threads(void) { return thread_count; }

void lmk_parallel(long tasks, lmk_task_fn fn, void *ctx) {
  if (tasks <= 0) return;
  if (thread_count == 1 || tasks == 1 || tasks > 0xffff) {
    for (long t = 0; t < tasks; t++) fn(ctx, t, 0);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
#ifdef __wasm__
  /* Only the workers that have arrived take part (JavaScript starts them asynchronously). */
  const int arrived = atomic_load_explicit(&started_workers, memory_order_acquire) + 1;
  job_threads = thread_count < arrived ? thread_count : arrived;
#else
  job_threads = thread_count;
#endif
  atomic_store_explicit(&job_done, 0, memory_order_relaxed);
  const uint64_t generation = (atomic_load_explicit(&job_claim, memory_order_relaxed) >> 32) + 1;
  atomic_store_explicit(&job_claim, (generation << 32) | ((uint64_t)tasks << 16), memory_order_release);
  /* Wake sleepers; cheap when every worker is still spinning. */
#ifdef __wasm__
  atomic_fetch_add_explicit(&wake_sequence, 1, memory_order_release);
  __builtin_wasm_memory_atomic_notify((int *)&wake_sequence, LMK_MAX_THREADS);
#else
  pthread_mutex_lock(&sleep_lock);
  atomic_fetch_add_explicit(&wake_sequence, 1, memory_order_release);
  pthread_cond_broadcast(&sleep_cond);
  pthread_mutex_unlock(&sleep_lock);
#endif
  run_tasks(0);
  while (atomic_load_explicit(&job_done, memory_order_acquire) < tasks) cpu_relax();
}

#endif
