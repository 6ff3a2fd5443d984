"""Results never share memory with arguments, captured constants or caches: a caller who
writes into a result changes nothing else. Copies happen only where an alias would escape."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

CAPTURED = np.linspace(1.0, 2.0, 6)

JIT_CASES = {
    "identity": lambda a: a,
    "times one": lambda a: a * 1.0,
    "plus zero": lambda a: a + 0.0,
    "astype same dtype": lambda a: a.astype(np.float64),
    "stop_gradient": lambda a: lax.stop_gradient(a),
    "reshape": lambda a: a.reshape(2, 3),
    "slice": lambda a: a[1:4],
    "transpose": lambda a: a.reshape(2, 3).T,
    "captured constant": lambda a: CAPTURED,
    "captured constant times one": lambda a: CAPTURED * 1.0,
    "pair": lambda a: (a, a * 2.0),
    "cond passthrough": lambda a: lax.cond(True, lambda v: v, lambda v: v * 2.0, a),
    "zero-trip while": lambda a: lax.while_loop(lambda v: False, lambda v: v * 2.0, a),
    "grad of a captured product": ft.grad(lambda a: fnp.sum(a * CAPTURED)),
}


def _leaves(out):
    return list(out) if isinstance(out, tuple) else [out]


def _assert_private(out, *others):
    for leaf in _leaves(out):
        for other in others:
            assert not np.shares_memory(leaf, other)


@pytest.mark.parametrize("name", sorted(JIT_CASES))
def test_jit_outputs_own_their_memory(name):
    x = np.arange(6.0)
    before = x.copy()
    f = ft.jit(JIT_CASES[name])
    first = [leaf.copy() for leaf in _leaves(f(x))]
    for _ in range(3):  # the traced first call, then the compiled program
        out = f(x)
        _assert_private(out, x, CAPTURED)
        for leaf in _leaves(out):
            leaf[...] = -7.0  # writing into a result changes nothing else
    np.testing.assert_array_equal(x, before)
    for leaf, expected in zip(_leaves(f(x)), first):
        np.testing.assert_array_equal(leaf, expected)


def test_the_plan_tier_of_a_long_program_does_not_alias():
    def long(a):
        b = a
        for _ in range(60):
            b = b * 1.0001
        return a, b.reshape(2, 3), a[::2]
    x = np.arange(6.0)
    f = ft.jit(long)
    for _ in range(2):
        _assert_private(f(x), x)


def test_fresh_results_are_not_copied():
    """Only possible aliases are checked: a ufunc's result is returned as computed."""
    source = ft.jit(lambda a: fnp.sin(a) * 2.0).lower(np.ones(3)).compile().as_text()
    assert "sources" not in source
    assert re.fullmatch(r"    return \[v\d+\]", source.splitlines()[-1]), source
    source = ft.jit(lambda a: a.reshape(3, 1)).lower(np.ones(3)).compile().as_text()
    assert "sources" in source


def test_captured_arrays_are_read_when_traced():
    """Constants are baked in at trace time, whatever the expression (as JAX)."""
    d = np.ones(3)
    plain = ft.jit(lambda x: x + d)
    scaled = ft.jit(lambda x: x + d * 2.0)
    x = np.zeros(3)
    np.testing.assert_array_equal(plain(x), 1.0)
    np.testing.assert_array_equal(scaled(x), 2.0)
    d[:] = 5.0
    for _ in range(2):
        np.testing.assert_array_equal(plain(x), 1.0)
        np.testing.assert_array_equal(scaled(x), 2.0)


EAGER_CASES = {
    "jvp primal": lambda x: ft.jvp(lambda a: a, (x,), (x * 0 + 1,))[0],
    "jvp tangent": lambda x: ft.jvp(lambda a: a, (x * 1,), (x,))[1],
    "vjp primal": lambda x: ft.vjp(lambda a: a, x)[0],
    "vjp cotangent": lambda x: ft.vjp(lambda a: a, x * 1)[1](x)[0],
    "vjp of a reshape": lambda x: ft.vjp(lambda a: a.reshape(2, 3), x * 1)[1](
        x.reshape(2, 3))[0],
    "linearize primal": lambda x: ft.linearize(lambda a: a, x)[0],
    "linearize tangent": lambda x: ft.linearize(lambda a: a, x * 1)[1](x),
    "vmap": lambda x: ft.vmap(lambda a: a)(x),
    "vmap moved axis": lambda x: ft.vmap(lambda a: a, out_axes=1)(x.reshape(2, 3)),
    "cond": lambda x: lax.cond(True, lambda a: a, lambda a: a * 2.0, x),
    "switch": lambda x: lax.switch(1, [lambda a: a * 2.0, lambda a: a], x),
    "while, zero iterations": lambda x: lax.while_loop(lambda a: False, lambda a: a, x),
    "scan, zero length": lambda x: lax.scan(lambda c, y: (c, y), x, np.zeros((0, 6)))[0],
    "fori_loop, zero iterations": lambda x: lax.fori_loop(0, 0, lambda i, a: a, x),
    "linear_transpose": lambda x: ft.linear_transpose(lambda a: a, x)(x)[0],
}


@pytest.mark.parametrize("name", sorted(EAGER_CASES))
def test_transformation_outputs_never_alias_inputs(name):
    x = np.arange(6.0)
    out = EAGER_CASES[name](x)
    _assert_private(out, x)
    assert all(leaf.flags.writeable for leaf in _leaves(out) if isinstance(leaf, np.ndarray))


def test_gradients_are_writable_arrays():
    g = ft.grad(lambda a: fnp.sum(a))(np.ones(3))
    g -= 0.5  # an optimiser step in place
    np.testing.assert_array_equal(g, 0.5)


def test_a_buffer_with_a_live_view_is_never_reused():
    """A dead intermediate is reused as out= only when no view of it is still alive."""
    def f(x):
        e = lax.exp(x)
        return lax.reshape(e, (2, 2)), lax.mul(e, e)
    x = np.arange(4.0)
    jf = ft.jit(f)
    for _ in range(2):
        view, square = jf(x)
        np.testing.assert_allclose(view, np.exp(x).reshape(2, 2))
        np.testing.assert_allclose(square, np.exp(x) ** 2)
