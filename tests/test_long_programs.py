"""Long programs and deep nesting: 100,000 primitives through every transformation under the
default recursion limit, in linear time and bounded memory; nesting to depth 8."""

from __future__ import annotations

import gc
import math
import sys
import time
import tracemalloc

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp

N = 100_000


def chain(n):
    def f(x):
        for _ in range(n // 2):
            x = fnp.sin(x) * 0.999
        return x
    return f


def reference(n, x):
    for _ in range(n // 2):
        x = math.sin(x) * 0.999
    return x


def test_100k_primitives_through_every_stage_under_default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000
    f = chain(N)
    timings = {}

    def stage(name, fn):
        start = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - start
        return out

    closed = stage("trace", lambda: ft.make_jaxpr(f)(0.5))
    assert len(closed.eqns) == N
    y, y_dot = stage("jvp", lambda: ft.jvp(f, (0.5,), (1.0,)))
    np.testing.assert_allclose(y, reference(N, 0.5))
    _, f_vjp = stage("linearize", lambda: ft.vjp(f, 0.5))
    (g,) = stage("transpose", lambda: f_vjp(1.0))
    np.testing.assert_allclose(g, y_dot)
    v = stage("vmap", lambda: ft.vmap(f)(np.array([0.5, 0.25])))
    np.testing.assert_allclose(v[0], y)
    jf = ft.jit(f)
    stage("jit first call (plan)", lambda: jf(0.5))
    out = stage("jit codegen", lambda: jf(0.5))
    np.testing.assert_allclose(out, y)
    print("100k-primitive timings (s):", {k: round(t, 2) for k, t in timings.items()})


def test_tracing_time_is_linear_in_length():
    def cost(n):
        f = chain(n)
        start = time.perf_counter()
        ft.make_jaxpr(f)(0.5)
        ft.grad(f)(0.5)
        return time.perf_counter() - start
    cost(2_000)  # warm up
    small, large = min(cost(5_000) for _ in range(2)), min(cost(40_000) for _ in range(2))
    assert large / small < 8 * 2.0, (small, large)  # 8x the work; generous for noisy machines


def test_memory_within_three_times_the_ir_and_freed():
    f = chain(20_000)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        closed = ft.make_jaxpr(f)(0.5)
        ir_size = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        ft.grad(f)(0.5)
        peak = tracemalloc.get_traced_memory()[1] - before
        del closed
        gc.collect()
        after = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert peak < 3 * ir_size, (peak, ir_size)
    assert after < 0.05 * ir_size, (after, ir_size)  # the program and the trace are freed


def test_eighth_derivative_of_sin():
    d = fnp.sin
    for _ in range(8):
        d = ft.grad(d)
    np.testing.assert_allclose(d(0.3), np.sin(0.3))  # d^8/dx^8 sin = sin


@pytest.mark.parametrize("order", ["grad-vmap-jit", "jit-vmap-grad"])
def test_alternating_grad_vmap_jit_to_depth_8(order):
    wrappers = {"grad": ft.grad, "jit": ft.jit,
                "vmap": lambda g: (lambda x: ft.vmap(g)(fnp.stack([x, x]))[0])}
    names = order.split("-")
    f = fnp.sin
    grads = 0
    for level in range(8):
        name = names[level % 3]
        grads += name == "grad"
        f = wrappers[name](f)
    expected = [np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)][grads % 4]
    np.testing.assert_allclose(f(0.7), expected(0.7))
