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
 * Under wasm (no threads) everything runs on the caller.
 */
#include "internal.h"

#ifdef __wasm__

int lmk_set_threads(int threads) { (void)threads; return 1; }
int lmk_get_threads(void) { return 1; }
int lmk_cpu_count(void) { return 1; }
void lmk_parallel(long tasks, lmk_task_fn fn, void *ctx) {
  for (long t = 0; t < tasks; t++) fn(ctx, t, 0);
}

#else

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#define SPIN_LIMIT 4000

static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
static _Atomic unsigned long wake_sequence;
static int started_workers;
static int thread_count = 1;

static lmk_task_fn job_fn;
static void *job_ctx;
static _Atomic int job_threads;
/* generation (32 bits) | task count (16 bits) | next task (16 bits) */
static _Atomic uint64_t job_claim;
static _Atomic long job_done;

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
    const unsigned long sequence = atomic_load_explicit(&wake_sequence, memory_order_acquire);
    if (claimable(self) && run_tasks(self) > 0) continue;
    int spins = 0;
    while (!claimable(self) && ++spins < SPIN_LIMIT) cpu_relax();
    if (spins < SPIN_LIMIT) continue;
    pthread_mutex_lock(&sleep_lock);
    while (atomic_load_explicit(&wake_sequence, memory_order_acquire) == sequence) pthread_cond_wait(&sleep_cond, &sleep_lock);
    pthread_mutex_unlock(&sleep_lock);
  }
  return 0;
}

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

int lmk_get_threads(void) { return thread_count; }

void lmk_parallel(long tasks, lmk_task_fn fn, void *ctx) {
  if (tasks <= 0) return;
  if (thread_count == 1 || tasks == 1 || tasks > 0xffff) {
    for (long t = 0; t < tasks; t++) fn(ctx, t, 0);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  job_threads = thread_count;
  atomic_store_explicit(&job_done, 0, memory_order_relaxed);
  const uint64_t generation = (atomic_load_explicit(&job_claim, memory_order_relaxed) >> 32) + 1;
  atomic_store_explicit(&job_claim, (generation << 32) | ((uint64_t)tasks << 16), memory_order_release);
  /* Wake sleepers; cheap when every worker is still spinning. */
  pthread_mutex_lock(&sleep_lock);
  atomic_fetch_add_explicit(&wake_sequence, 1, memory_order_release);
  pthread_cond_broadcast(&sleep_cond);
  pthread_mutex_unlock(&sleep_lock);
  run_tasks(0);
  while (atomic_load_explicit(&job_done, memory_order_acquire) < tasks) cpu_relax();
}

#endif
