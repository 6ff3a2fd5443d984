"""The convolution algorithms of lax.conv_general_dilated, timed against each other.

Each algorithm (im2col + one GEMM, one GEMM per kernel offset, FFT) is forced in turn for every
convolution of the computation (the forward one and the transposed ones of its gradients), on
LeNet-sized layers; "auto" is the choice by shape. Results feed docs/convolutions.md.

    python benchmarks/conv_algorithms.py            # a few minutes
    python benchmarks/conv_algorithms.py --quick

Times are CPU seconds of this process with one BLAS thread (the machine it was tuned on is
shared, so wall-clock times were mostly other people's work); the best of several runs.
"""

from __future__ import annotations

import os
import sys
import time

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

import ftrans as ft  # noqa: E402
from ftrans import lax  # noqa: E402
from ftrans.lax import convolution  # noqa: E402

ALGORITHMS = ("im2col", "shifted", "fft", None)

# name, input (NCHW), kernel (OIHW), padding
LAYERS = [
    ("conv1 128x1x28x28 * 32x1x5x5", (128, 1, 28, 28), (32, 1, 5, 5), "VALID"),
    ("conv2 128x32x12x12 * 64x32x3x3", (128, 32, 12, 12), (64, 32, 3, 3), "VALID"),
    ("conv2 SAME 128x32x24x24 * 64x32x3x3", (128, 32, 24, 24), (64, 32, 3, 3), "SAME"),
    ("big kernel 16x8x64x64 * 8x8x15x15", (16, 8, 64, 64), (8, 8, 15, 15), "SAME"),
]


def best_of(fun, repeats: int) -> float:
    fun()  # warm up (and trace)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fun()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    quick = "--quick" in sys.argv
    repeats = 2 if quick else 5
    rng = np.random.default_rng(0)
    print("| layer | dtype | pass | im2col | shifted | fft | auto |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, lhs_shape, rhs_shape, padding in LAYERS:
        for dtype in (np.float32, np.float64):
            x = rng.normal(size=lhs_shape).astype(dtype)
            w = rng.normal(size=rhs_shape).astype(dtype)

            def forward(x=x, w=w, padding=padding):
                return lax.conv(x, w, (1, 1), padding)

            ct = forward()
            grad_lhs = ft.vjp(lambda x: forward(x, w), x)[1]
            grad_rhs = ft.vjp(lambda w: forward(x, w), w)[1]
            passes = [("forward", forward), ("grad lhs", lambda: grad_lhs(ct)),
                      ("grad rhs", lambda: grad_rhs(ct))]
            for pass_name, fun in passes:
                cells = []
                for algorithm in ALGORITHMS:
                    convolution.forced_algorithm = algorithm
                    try:
                        cells.append(f"{best_of(fun, repeats) * 1e3:.1f} ms")
                    finally:
                        convolution.forced_algorithm = None
                print(f"| {name} | {np.dtype(dtype).name} | {pass_name} | "
                      + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
