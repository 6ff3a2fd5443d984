"""Eager ``grad`` frees each residual once the backward pass has read it for the last time
(issue #20, W6): the residuals of the last layers die before the first layers are
transposed, while ``vjp``'s residuals, which serve any number of calls, are kept."""

from __future__ import annotations

import tracemalloc
import weakref

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.interpreters import transpose


def _alive_during_backward(run):
    """For each transposed equation, the residual weakrefs (of every earlier-transposed
    equation) still alive when it is transposed."""
    refs: list = []
    alive: list = []

    def hook(eqn, rule, ct, args_in, params):
        alive.append(sum(r() is not None for r in refs))
        refs.extend(weakref.ref(a) for a in args_in
                    if type(a) is np.ndarray and a.ndim and a.size >= 1000)
        return rule(ct, *args_in, **params)

    saved, transpose.backward_hook = transpose.backward_hook, hook
    try:
        result = run()
    finally:
        transpose.backward_hook = saved
    return result, alive


def _deep(x):
    for _ in range(4):
        x = fnp.sin(x)
    return fnp.sum(x)


def test_grad_drops_each_residual_after_its_last_use():
    x = np.linspace(0.0, 1.0, 5000)
    g, alive = _alive_during_backward(lambda: ft.grad(_deep)(x))
    assert alive and max(alive) == 0
    expected = np.ones_like(x)
    for u in [x, np.sin(x), np.sin(np.sin(x)), np.sin(np.sin(np.sin(x)))][::-1]:
        expected = expected * np.cos(u)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_vjp_keeps_its_residuals_for_every_call():
    x = np.linspace(0.0, 1.0, 5000)
    _, f_vjp = ft.vjp(_deep, x)
    (g1,), alive = _alive_during_backward(lambda: f_vjp(1.0))
    (g2,) = f_vjp(1.0)
    assert max(alive) > 0
    np.testing.assert_array_equal(g1, g2)


def test_grad_of_an_mlp_peaks_below_all_residuals_plus_transients():
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(m, n)) / np.sqrt(m), np.zeros(n))
              for m, n in ((200, 256), (256, 256), (256, 4))]
    x = rng.normal(size=(512, 200))

    def loss(params, x):
        h = x
        for w, b in params:
            h = fnp.tanh(h @ w + b)
        return fnp.sum(h * h)

    grad = ft.grad(loss)
    grad(params, x)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        grad(params, x)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    layer = 512 * 256 * 8  # one hidden activation
    # about 6.0 layers when each residual dies after its last use, 6.56 when all are kept
    # to the end of the backward pass (they then coexist with the first layers' gradients)
    assert peak < 6.3 * layer
