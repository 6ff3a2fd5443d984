"""Eager gradient cost: ftrans against hand-written NumPy (and peers, when installed).

Two workloads, each timed in this one process:
- a chain of 1,000 scalar multiply/sin operations: the per-primitive overhead of grad;
- the loss of a 784-512-512-10 tanh MLP on a batch of 128: where NumPy's kernels dominate.

Run: python benchmarks/eager_grad.py [--quick]
Reports microseconds per primitive for the chain, and the ratio to hand-written NumPy
forward + backward for both workloads. Peers (autograd, torch, jax) are measured when importable.
The full suite, with interleaved medians and the project's targets, is benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp

CHAIN_LENGTH = 1000  # each step is two primitives: mul and sin


def best_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


# ---------------------------------------------------------------------------------------------
# Scalar chain
# ---------------------------------------------------------------------------------------------


def chain_ftrans(x):
    for _ in range(CHAIN_LENGTH // 2):
        x = fnp.sin(x * 1.0001)
    return x


def chain_numpy_grad(x: float) -> float:
    """Hand-written forward and backward pass of the same chain, on NumPy scalars."""
    x = np.float64(x)
    saved = []
    for _ in range(CHAIN_LENGTH // 2):
        u = x * 1.0001
        saved.append(u)
        x = np.sin(u)
    g = np.float64(1.0)
    for u in reversed(saved):
        g = g * np.cos(u) * 1.0001
    return g


# ---------------------------------------------------------------------------------------------
# MLP
# ---------------------------------------------------------------------------------------------


def mlp_params(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    sizes = [784, 512, 512, 10]
    return [(rng.normal(size=(m, n)) / np.sqrt(m), np.zeros(n))
            for m, n in zip(sizes[:-1], sizes[1:])]


def mlp_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = fnp.tanh(h @ w + b)
    w, b = params[-1]
    out = h @ w + b
    return fnp.sum((out - y) ** 2) / x.shape[0]


def mlp_numpy_grad(params, x, y):
    """Hand-written backpropagation of ``mlp_loss``."""
    hs = [x]
    h = x
    for w, b in params[:-1]:
        h = np.tanh(h @ w + b)
        hs.append(h)
    w, b = params[-1]
    out = h @ w + b
    loss = np.sum((out - y) ** 2) / x.shape[0]
    g_out = 2 * (out - y) / x.shape[0]
    grads = [(hs[-1].T @ g_out, g_out.sum(0))]
    g_h = g_out @ w.T
    for i in range(len(params) - 2, -1, -1):
        w, _ = params[i]
        g_pre = g_h * (1 - hs[i + 1] ** 2)
        grads.append((hs[i].T @ g_pre, g_pre.sum(0)))
        g_h = g_pre @ w.T
    return loss, grads[::-1]


# ---------------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------------


def peer_chain_timings(repeats: int) -> dict[str, float]:
    timings = {}
    try:
        import autograd
        import autograd.numpy as anp

        def chain_autograd(x):
            for _ in range(CHAIN_LENGTH // 2):
                x = anp.sin(x * 1.0001)
            return x
        g = autograd.grad(chain_autograd)
        timings["autograd"] = best_time(lambda: g(0.3), repeats)
    except ImportError:
        pass
    try:
        import torch

        def torch_grad():
            x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
            y = x
            for _ in range(CHAIN_LENGTH // 2):
                y = torch.sin(y * 1.0001)
            y.backward()
            return x.grad
        timings["torch"] = best_time(torch_grad, repeats)
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def chain_jax(x):
            for _ in range(CHAIN_LENGTH // 2):
                x = jnp.sin(x * 1.0001)
            return x
        g = jax.grad(chain_jax)
        timings["jax (no jit)"] = best_time(lambda: g(0.3).block_until_ready(), 1)
    except ImportError:
        pass
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 10

    g_ft = ft.grad(chain_ftrans)
    assert np.isclose(g_ft(0.3), chain_numpy_grad(0.3))
    t_ft = best_time(lambda: g_ft(0.3), repeats)
    t_np = best_time(lambda: chain_numpy_grad(0.3), repeats)
    print(f"scalar chain, {CHAIN_LENGTH} primitives, eager grad:")
    print(f"  {'ftrans':14s} {t_ft / CHAIN_LENGTH * 1e6:8.2f} us/primitive   "
          f"{t_ft / t_np:6.1f}x hand-written NumPy")
    print(f"  {'numpy (hand)':14s} {t_np / CHAIN_LENGTH * 1e6:8.2f} us/primitive")
    for name, t in peer_chain_timings(repeats).items():
        print(f"  {name:14s} {t / CHAIN_LENGTH * 1e6:8.2f} us/primitive   "
              f"{t / t_np:6.1f}x hand-written NumPy")

    rng = np.random.default_rng(0)
    params = mlp_params(rng)
    x, y = rng.normal(size=(128, 784)), rng.normal(size=(128, 10))
    vg = ft.value_and_grad(mlp_loss)
    loss_ft, grads_ft = vg(params, x, y)
    loss_np, grads_np = mlp_numpy_grad(params, x, y)
    assert np.isclose(loss_ft, loss_np)
    for (gw, gb), (hw, hb) in zip(grads_ft, grads_np):
        assert np.allclose(gw, hw) and np.allclose(gb, hb)
    t_ft = best_time(lambda: vg(params, x, y), repeats)
    t_np = best_time(lambda: mlp_numpy_grad(params, x, y), repeats)
    print("MLP 784-512-512-10, batch 128, value_and_grad:")
    print(f"  {'ftrans':14s} {t_ft * 1e3:8.2f} ms   {t_ft / t_np:5.2f}x hand-written NumPy")
    print(f"  {'numpy (hand)':14s} {t_np * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
