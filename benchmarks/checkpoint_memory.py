"""Peak memory of a deep MLP's gradient with and without checkpointing.

Without checkpointing, reverse mode keeps every intermediate the backward pass needs (here,
per layer, the pre-activation product, the tanh output and its derivative) from the forward
pass until the backward pass. ``ftrans.checkpoint`` keeps only each checkpointed segment's
inputs and recomputes the rest during the backward pass. Peak memory is measured with
``tracemalloc`` (NumPy reports its buffers to it), time with ``perf_counter``.

Run: ``python benchmarks/checkpoint_memory.py [--layers 32] [--width 256] [--batch 256]``
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.checkpoint import checkpoint, checkpoint_policies


def layer(w, x):
    return fnp.tanh(x @ w)


def make_loss(segment: int | None, policy=None):
    """The MLP's loss; with ``segment``, every ``segment`` consecutive layers are one
    checkpointed function."""
    def run_layers(ws, x):
        for w in ws:
            x = layer(w, x)
        return x

    chunk = run_layers if segment is None else checkpoint(run_layers, policy=policy)

    def loss(ws, x):
        step = len(ws) if segment is None else segment
        for i in range(0, len(ws), step):
            x = chunk(ws[i:i + step], x)
        return fnp.mean(x * x)
    return loss


def measure(loss, ws, x, repeats: int = 2) -> tuple[float, float, list]:
    grad = ft.grad(loss)
    grads = grad(ws, x)  # warm up (tracing, compilation of checkpointed programs)
    best = float("inf")
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    for _ in range(repeats):
        start = time.perf_counter()
        grads = grad(ws, x)
        best = min(best, time.perf_counter() - start)
        del grads
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak / 2 ** 20, best, grad(ws, x)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=32)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal((args.width, args.width)) / np.sqrt(args.width)
          for _ in range(args.layers)]
    x = rng.standard_normal((args.batch, args.width))
    activation_mb = x.nbytes / 2 ** 20
    print(f"MLP: {args.layers} tanh layers of width {args.width}, batch {args.batch} "
          f"(one activation = {activation_mb:.2f} MiB, weights = "
          f"{sum(w.nbytes for w in ws) / 2 ** 20:.1f} MiB)")
    reference = None
    segment_4 = max(1, int(round(args.layers ** 0.5)))
    configs = [
        ("no checkpoint", None, None),
        ("checkpoint every layer", 1, None),
        (f"checkpoint every {segment_4} layers", segment_4, None),
        ("checkpoint every layer, dots_saveable", 1, checkpoint_policies.dots_saveable),
    ]
    print(f"{'configuration':44s} {'peak MiB':>9s} {'time s':>8s}")
    for label, segment, policy in configs:
        peak, seconds, grads = measure(make_loss(segment, policy), ws, x)
        if reference is None:
            reference = grads
        else:
            for g, r in zip(grads, reference):
                np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12)
        print(f"{label:44s} {peak:9.1f} {seconds:8.3f}")


if __name__ == "__main__":
    main()
