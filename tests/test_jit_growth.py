"""jit(grad) of a long scalar chain costs time and memory linear in the chain's length at every
stage: the first call (trace and the planned run), the second (optimise, generate and compile
the code), the cached call, and the memory the compiler holds at its peak. Checked by ratio
(a 10x longer program may cost up to 15x), with the best of several repeats of CPU time, so a
loaded machine does not make it fail."""

from __future__ import annotations

import gc
import time
import tracemalloc

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp

SHORT, LONG = 1000, 10_000  # primitives
SLACK = 15  # the longest a 10x longer program may take, in multiples


def chain(n):
    def f(x):
        for _ in range(n // 2):
            x = fnp.sin(x * 1.0001)
        return x
    return f


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _stages(n: int, repeats: int) -> dict[str, float]:
    """Best CPU seconds of the first, second and cached calls of a fresh jit(grad)."""
    x = np.float64(0.3)
    best = {"first": float("inf"), "second": float("inf"), "cached": float("inf")}
    for _ in range(repeats):
        f = ft.jit(ft.grad(chain(n)))
        best["first"] = min(best["first"], _cpu(lambda: f(x)))
        best["second"] = min(best["second"], _cpu(lambda: f(x)))
        for _ in range(5):
            best["cached"] = min(best["cached"], _cpu(lambda: [f(x) for _ in range(3)]))
    return best


def test_every_stage_of_jit_grad_grows_linearly():
    short = _stages(SHORT, 5)
    long = _stages(LONG, 2)
    ratios = {stage: long[stage] / max(short[stage], 1e-9) for stage in short}
    assert all(r <= SLACK for r in ratios.values()), (ratios, short, long)


def _peak_compiling(n: int) -> tuple[int, int]:
    """(peak bytes while the second call compiles, bytes the compiled function keeps)."""
    x = np.float64(0.3)
    f = ft.jit(ft.grad(chain(n)))
    f(x)  # the planned first call
    gc.collect()  # garbage of earlier tests is not freed while measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        f(x)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before, kept - before


def test_compiling_memory_grows_linearly():
    short_peak, short_kept = _peak_compiling(SHORT)
    long_peak, long_kept = _peak_compiling(LONG)
    assert long_peak <= SLACK * short_peak, (short_peak, long_peak)
    assert long_kept <= SLACK * short_kept, (short_kept, long_kept)
    # the compiler's working memory is a small multiple of what the program keeps (about
    # 3x), never the syntax tree of the whole program at once (about 3 kB a line, 15x):
    # chunks are compiled one by one
    assert long_peak <= 8 * long_kept, (long_peak, long_kept)
