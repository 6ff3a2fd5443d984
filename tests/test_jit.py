"""jit: caching, static arguments, composition with every transformation, safety."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

rng = np.random.default_rng(0)


# ---------------------------------------------------------------------------------------------
# The functions x transformations matrix
# ---------------------------------------------------------------------------------------------

def scalar_fn(x):
    return fnp.sin(x) * fnp.exp(x / 3.0) + x ** 3 - fnp.tanh(x)


def vector_fn(x):
    return fnp.sum(fnp.tanh(x) ** 2 * fnp.cos(x)) + fnp.max(x) * fnp.mean(x * x)


def matrix_fn(x):
    a = np.arange(12.0).reshape(4, 3) / 10.0
    return fnp.sum(fnp.tanh(a @ x) ** 2) + fnp.sum(fnp.sqrt(x * x + 1.0))


FUNCTIONS = {
    "scalar": (scalar_fn, lambda: 0.7),
    "vector": (vector_fn, lambda: rng.normal(size=5)),
    "matrix": (matrix_fn, lambda: rng.normal(size=3)),
}


def _grad(f):
    return ft.grad(f)


def _vmap_grad(f):
    return lambda x: ft.vmap(ft.grad(f))(np.stack([x, x * 0.5, x - 1.0]))


def _hessian(f):
    return ft.hessian(f)


def _jvp(f):
    return lambda x: ft.jvp(f, (x,), (fnp.ones_like(x) if np.ndim(x) else 1.0,))[1]


def _linearize(f):
    return lambda x: ft.linearize(f, x)[1](x)


TRANSFORMS = {
    "grad": _grad,
    "hessian": _hessian,
    "jvp": _jvp,
    "linearize": _linearize,
    "vmap_grad": _vmap_grad,
    "grad_grad": lambda f: ft.grad(lambda x: fnp.sum(ft.grad(f)(x))),
}

PLACEMENTS = {
    "jit_outside": lambda t, f: ft.jit(t(f)),
    "jit_inside": lambda t, f: t(ft.jit(f)),
    "jit_both": lambda t, f: ft.jit(t(ft.jit(f))),
}


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_jit_composes_with_every_transform(fn_name, transform, placement):
    fn, make_arg = FUNCTIONS[fn_name]
    x = make_arg()
    expected = TRANSFORMS[transform](fn)(x)
    actual = PLACEMENTS[placement](TRANSFORMS[transform], fn)(x)
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12)


def test_jit_of_vmap_of_jit_and_per_example_gradients():
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    xs, ys = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))

    def loss(p, x, y):
        return fnp.sum((fnp.tanh(x @ p["w"] + p["b"]) - y) ** 2)

    per_example = ft.jit(ft.vmap(ft.jit(ft.grad(loss)), in_axes=(None, 0, 0)))(params, xs, ys)
    for i in range(8):
        g = ft.grad(loss)(params, xs[i], ys[i])
        np.testing.assert_allclose(per_example["w"][i], g["w"], atol=1e-12)
        np.testing.assert_allclose(per_example["b"][i], g["b"], atol=1e-12)


def test_jit_inside_vmap_with_collectives():
    f = ft.jit(lambda v: v / lax.psum(v, "i"))
    x = np.array([1.0, 2.0, 5.0])
    np.testing.assert_allclose(ft.vmap(f, axis_name="i")(x), x / x.sum())


# ---------------------------------------------------------------------------------------------
# Caching and static arguments
# ---------------------------------------------------------------------------------------------


def test_cache_hits_on_same_signature_and_retraces_on_new_ones():
    traces = []

    def f(x, y):
        traces.append(1)
        return x * y + 1.0

    jf = ft.jit(f)
    jf(np.ones(3), np.ones(3))
    jf(np.zeros(3), np.full(3, 2.0))
    assert len(traces) == 1 and jf.cache_size() == 1
    jf(np.ones(4), np.ones(4))
    assert len(traces) == 2
    jf(np.ones(3, np.float32), np.ones(3, np.float32))
    assert len(traces) == 3
    jf({"a": 1.0}["a"], 2.0)
    assert len(traces) == 4 and jf.cache_size() == 4
    ft.jit(f)(np.ones(3), np.ones(3))  # the cache belongs to the function, not the wrapper
    assert len(traces) == 4
    ft.clear_caches()
    jf(np.ones(3), np.ones(3))
    assert len(traces) == 5


def test_cache_under_transformations():
    traces = []

    def f(x):
        traces.append(1)
        return fnp.sin(x) * x

    jf = ft.jit(f)
    g = ft.grad(jf)
    for x in (0.1, 0.2, 0.3):
        np.testing.assert_allclose(g(x), np.cos(x) * x + np.sin(x))
    assert len(traces) == 1


def test_static_arguments():
    traces = []

    def f(x, n, *, mode):
        traces.append(1)
        return x ** n if mode == "pow" else x * n

    jf = ft.jit(f, static_argnums=1, static_argnames="mode")
    assert jf(2.0, 3, mode="pow") == 8.0
    assert jf(3.0, 3, mode="pow") == 27.0
    assert len(traces) == 1
    assert jf(2.0, 3, mode="mul") == 6.0
    assert jf(2.0, 2, mode="pow") == 4.0
    assert len(traces) == 3
    with pytest.raises(ValueError, match="static arguments must be hashable.*list"):
        ft.jit(lambda x, shape: x, static_argnums=1)(1.0, [1, 2])


def test_disable_jit():
    seen = []

    def f(x):
        seen.append(type(x))
        return x * 2.0

    with ft.disable_jit():
        ft.jit(f)(1.0)
    assert seen[-1] is float
    ft.jit(f)(1.0)
    assert issubclass(seen[-1], ft.core.Tracer)


def test_make_jaxpr_shows_the_call():
    text = str(ft.make_jaxpr(ft.jit(lambda x: fnp.sin(x) + 1.0))(2.0))
    assert "jit[" in text and "sin a" in text and "name='<lambda>'" in text


def test_closure_over_an_outer_tracer():
    assert ft.grad(lambda x: ft.jit(lambda y: x * y)(2.0))(3.0) == 2.0
    g = ft.grad(lambda x: ft.jit(lambda y: fnp.sin(x) * y)(x))(0.5)
    np.testing.assert_allclose(g, np.cos(0.5) * 0.5 + np.sin(0.5))


def test_concretization_error_under_jit():
    def f(x):
        return x if x > 0 else -x

    with pytest.raises(ft.ConcretizationError, match="jit.*static_argnums"):
        ft.jit(f)(1.0)
    # the failure left nothing behind
    assert ft.jit(lambda x: x + 1.0)(1.0) == 2.0


def test_scalar_programs_keep_numpy_semantics():
    with np.errstate(all="ignore"):
        assert ft.jit(lambda x: 1.0 / x)(0.0) == np.inf
        assert ft.jit(lambda x: fnp.log(x))(0.0) == -np.inf
        assert ft.jit(lambda x: fnp.exp(x))(1000.0) == np.inf
        assert np.isnan(ft.jit(lambda x: fnp.sqrt(x))(-1.0))
    out = ft.jit(lambda x: x * 2.0)(3.0)
    assert type(out) is np.float64


# ---------------------------------------------------------------------------------------------
# Safety: a caller's arrays are never written
# ---------------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), seed=st.integers(0, 10_000), depth=st.integers(1, 6))
def test_callers_arrays_are_never_modified(n, seed, depth):
    r = np.random.default_rng(seed)
    x, y = r.normal(size=(n, 3)), r.normal(size=(n, 3))
    x0, y0 = x.copy(), y.copy()
    ops = [fnp.sin, fnp.exp, fnp.tanh, lambda a: a * 2.0, lambda a: -a, lambda a: a + y]

    def f(a):
        for i in range(depth):
            a = ops[(seed + i) % len(ops)](a)
        return a * y

    expected = f(x)
    np.testing.assert_allclose(ft.jit(f)(x), expected)
    np.testing.assert_allclose(ft.jit(ft.grad(lambda a: fnp.sum(f(a))))(x),
                               ft.grad(lambda a: fnp.sum(f(a)))(x))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
