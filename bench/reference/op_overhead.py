"""Per-op overhead of PyTorch eager on tiny tensors, for bench/core.ts's side-by-side table.

Usage: /usr/bin/python3 op_overhead.py [loops]  — prints one 'name: microseconds' line per measurement,
the same operations bench/core.ts times in lmkit (median of 5 timed loops, 1 thread).
"""
import statistics, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
loops = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
a, b = torch.randn(4), torch.randn(4)
tracked = torch.randn(4, requires_grad=True)
m4, w4 = torch.randn(4, 4), torch.randn(4, 4)
x8 = torch.randn(2, 4)


def per_op(fn, n):
    for _ in range(min(n, 1000)):
        fn()
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


def backward_step():
    torch.sum(tracked * b).backward()


with torch.no_grad():
    print(f"add, 4 elements, no grad: {per_op(lambda: torch.add(a, b), loops):.2f}")
print(f"add, 4 elements, recorded on the tape: {per_op(lambda: torch.add(tracked, b), loops):.2f}")
print(f"mul + sum + backward, 4 elements: {per_op(backward_step, loops // 10):.2f}")
with torch.no_grad():
    print(f"matmul 4x4, no grad: {per_op(lambda: torch.matmul(m4, w4), loops):.2f}")
    print(f"gelu, 4 elements, no grad: {per_op(lambda: F.gelu(a), loops):.2f}")
    print(f"layerNorm (2x4), no grad: {per_op(lambda: F.layer_norm(x8, (4,)), loops):.2f}")
