"""jit(grad) of a long scalar chain costs time and memory linear in the chain's length at every
stage: the first call (trace and the planned run), the second (optimise, generate and compile
the code), the cached call, and the memory the compiler holds at its peak. Checked by ratio
(a 10x longer program may cost up to 15x), with the best of several repeats of CPU time, so a
loaded machine does not make it fail; memory (tracemalloc) in a fresh interpreter."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time

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


def test_every_stage_of_jit_grad_grows_linearly():
    """Best CPU seconds of the first, second and cached calls of fresh jit(grad)s, the two
    lengths measured in alternation so that both see the machine's load alike; a sample of
    cached calls does the same work at both lengths (10x the calls of the short program)."""
    x = np.float64(0.3)
    best = {n: {"first": float("inf"), "second": float("inf"), "cached": float("inf")}
            for n in (SHORT, LONG)}
    for _ in range(3):
        for n in (SHORT, LONG):
            f = ft.jit(ft.grad(chain(n)))
            stage = best[n]
            stage["first"] = min(stage["first"], _cpu(lambda: f(x)))
            stage["second"] = min(stage["second"], _cpu(lambda: f(x)))
            calls = 3 * LONG // n
            for _ in range(5):
                stage["cached"] = min(stage["cached"],
                                      _cpu(lambda: [f(x) for _ in range(calls)]) / calls)
    ratios = {stage: best[LONG][stage] / max(best[SHORT][stage], 1e-9) for stage in best[SHORT]}
    assert all(r <= SLACK for r in ratios.values()), (ratios, best)


# Run in a fresh interpreter: threads other tests leave behind (a Dask cluster's) would
# allocate under tracemalloc too.
_MEASURE_COMPILING = """
import gc, json, sys, tracemalloc
import numpy as np
import ftrans as ft
from tests.test_jit_growth import chain

def peak_and_kept(n):
    x = np.float64(0.3)
    f = ft.jit(ft.grad(chain(n)))
    f(x)  # the planned first call
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    f(x)  # optimise, generate and compile
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # what compiling the generated source in one piece would take: its whole syntax tree
    source = f.lower(x).compile().as_text()
    gc.collect()
    tracemalloc.start()
    compile(source, "<whole>", "exec")
    whole = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before, kept - before, whole

print(json.dumps([peak_and_kept(int(n)) for n in sys.argv[1:]]))
"""


def test_compiling_memory_grows_linearly():
    """Peak and kept memory of the second call (which compiles) at 500 and 5,000 primitives."""
    root = pathlib.Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", _MEASURE_COMPILING, "500", "5000"], cwd=root,
                          capture_output=True, text=True, check=True)
    (short_peak, short_kept, _), (long_peak, long_kept, whole) = json.loads(done.stdout)
    assert long_peak <= SLACK * short_peak, (short_peak, long_peak)
    assert long_kept <= SLACK * short_kept, (short_kept, long_kept)
    # chunks are compiled one by one: the compiler never holds the syntax tree of the whole
    # program (compiling its source in one piece peaks at about 3x what compiling it as
    # chunks does, passes and all)
    assert long_peak <= whole / 2, (long_peak, whole)
