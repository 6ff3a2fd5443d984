"""linearize's short path for elementwise primitives defined by partial derivatives, and the
operator implementations eager evaluation uses on NumPy scalars.

``LinearizeTrace`` records ``tangent * partial`` directly for primitives registered with
``defpartials``; every other primitive runs its jvp rule. Both must give the jvp's values, in
every dtype, with broadcasting, nested in other transformations and in the zero-cotangent mode.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.interpreters.linearize import IDENTITY, NEGATE, partial_rules
from ftrans.lax import elementwise as ew
from ftrans.lax.elementwise_base import INEXACT_SCALARS, operator_impl
from ftrans.test_util import check_grads

UNARY = {
    "neg": lax.neg, "sin": lax.sin, "cos": lax.cos, "tan": lax.tan, "tanh": lax.tanh,
    "exp": lax.exp, "expm1": lax.expm1, "logistic": lax.logistic,
}
BINARY = {"add": lax.add, "sub": lax.sub, "mul": lax.mul}


def test_the_table_names_the_primitives_tested_here():
    names = {p.name for p in partial_rules if p.module.startswith("ftrans.")}
    assert names == set(UNARY) | set(BINARY)
    for entry in partial_rules.values():
        for rule in entry.rules:
            assert rule in (IDENTITY, NEGATE) or callable(rule)


def _jvp_generic(f, primals, tangents):
    """The jvp through JVPTrace (the jvp rules), for comparison with linearize's path."""
    return ft.jvp(f, primals, tangents)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_linearize_equals_jvp(name, dtype):
    fn = UNARY[name]
    rng = np.random.default_rng(0)
    x = (rng.uniform(-1, 1, (3, 4)) + (1j * rng.uniform(-1, 1, (3, 4))
                                       if dtype == np.complex128 else 0)).astype(dtype)
    t = rng.standard_normal((3, 4)).astype(dtype)
    y, f_jvp = ft.linearize(fn, x)
    y_ref, t_ref = _jvp_generic(fn, (x,), (t,))
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(f_jvp(t), t_ref)
    scalar = dtype(x[0, 0])
    y, f_jvp = ft.linearize(fn, scalar)
    assert type(y) is type(fn(scalar))
    np.testing.assert_array_equal(f_jvp(dtype(t[0, 0])),
                                  _jvp_generic(fn, (scalar,), (dtype(t[0, 0]),))[1])


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), (4,)), ((4, 1), (1, 5))])
@pytest.mark.parametrize("which", ["x", "y", "both"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_linearize_equals_jvp_with_broadcasting(name, which, shapes):
    fn = BINARY[name]
    rng = np.random.default_rng(1)
    x, y = (rng.standard_normal(s) for s in shapes)
    if which == "x":
        f, primals = (lambda a: fn(a, y)), (x,)
    elif which == "y":
        f, primals = (lambda b: fn(x, b)), (y,)
    else:
        f, primals = fn, (x, y)
    tangents = tuple(rng.standard_normal(np.shape(p)) for p in primals)
    out, f_jvp = ft.linearize(f, *primals)
    out_ref, t_ref = _jvp_generic(f, primals, tangents)
    np.testing.assert_array_equal(out, out_ref)
    lin = f_jvp(*tangents)
    assert np.shape(lin) == np.shape(t_ref)
    np.testing.assert_allclose(lin, t_ref, rtol=1e-15, atol=1e-15)
    check_grads(f, primals, order=2)


def test_one_product_per_differentiated_argument():
    """sin(x * c) linearizes to two multiplications by constants, nothing else."""
    _, f_jvp = ft.linearize(lambda x: fnp.sin(x * 1.5), 0.3)
    prims = [e.primitive.name for e in f_jvp.jaxpr.jaxpr.eqns]
    assert prims == ["mul", "mul"]
    _, f_jvp = ft.linearize(lambda x, y: x * y - x, 0.3, 0.7)
    prims = sorted(e.primitive.name for e in f_jvp.jaxpr.jaxpr.eqns)
    assert prims == ["add_any", "add_any", "mul", "mul", "neg"]


@given(x=st.floats(-3, 3), c=st.floats(-2, 2))
@settings(max_examples=40, deadline=None)
def test_nested_transformations_agree(x, c):
    def f(v):
        return fnp.tanh(fnp.sin(v * c) + v) * fnp.exp(-v) - fnp.cos(v)

    d1 = ft.grad(f)(x)
    np.testing.assert_allclose(d1, ft.jacfwd(f)(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(f))(x), d1, rtol=1e-12, atol=1e-12)
    d2 = ft.grad(ft.grad(f))(x)
    np.testing.assert_allclose(d2, ft.jacfwd(ft.jacfwd(f))(x), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ft.jit(ft.grad(ft.grad(f)))(x), d2, rtol=1e-10, atol=1e-10)
    xs = np.linspace(-1, 1, 5) + x
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(xs), [ft.grad(f)(v) for v in xs],
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ft.grad(lambda v: ft.vmap(f)(v).sum())(xs),
                               ft.vmap(ft.grad(f))(xs), rtol=1e-12, atol=1e-12)


def test_zero_cotangent_mode_reaches_the_short_path():
    def f(x):
        return fnp.where(x < 100, fnp.exp(x), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(ft.grad(f)(1000.0))
        with ft.zero_cotangent_wins():
            assert ft.grad(f)(1000.0) == 0.0
            _, f_jvp = ft.linearize(fnp.exp, np.float64(1000.0))
            assert [e.primitive.name for e in f_jvp.jaxpr.jaxpr.eqns] == ["mul_zero_wins"]


# ---------------------------------------------------------------------------------------------
# eager_impl: the operators on NumPy scalars compute what the ufuncs do
# ---------------------------------------------------------------------------------------------

PAIRS = [(np.add, operator.add), (np.subtract, operator.sub), (np.multiply, operator.mul),
         (np.less, operator.lt), (np.equal, operator.eq), (np.greater_equal, operator.ge)]
DTYPES = [np.float64, np.float32, np.float16, np.complex128, np.complex64, np.int64, np.int8,
          np.uint8, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("ufunc,op", PAIRS, ids=lambda p: getattr(p, "__name__", ""))
def test_operator_impl_equals_the_ufunc(ufunc, op, dtype):
    if dtype is np.bool_ and ufunc is np.subtract:
        pytest.skip("NumPy refuses to subtract booleans (lax.sub is numeric only)")
    if np.dtype(dtype).kind == "c" and ufunc in (np.less, np.greater_equal):
        pytest.skip("complex ordering")
    eager = operator_impl(ufunc, op)
    big = np.iinfo(dtype).max if np.dtype(dtype).kind in "iu" else 3
    values = [dtype(v) for v in ([True, False] if dtype is np.bool_ else [0, 1, big, 2])]
    arrays = [np.asarray(values, dtype), np.asarray(values[::-1], dtype)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # integer scalars must not start warning on overflow
        for a in values:
            for b in values:
                got, want = eager(a, b), ufunc(a, b)
                assert type(got) is type(want) and got == want, (a, b, got, want)
        got, want = eager(arrays[0], arrays[1]), ufunc(arrays[0], arrays[1])
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_operator_impl_covers_the_inexact_scalars():
    assert {np.float64, np.float32, np.complex128} <= INEXACT_SCALARS
    assert not any(np.dtype(t).kind in "iub" for t in INEXACT_SCALARS)
    assert ew.mul_p.eager_impl is not ew.mul_p.impl  # the compiler keeps the ufunc
    assert ew.mul_p.impl is np.multiply


def test_replacing_impl_replaces_the_eager_one():
    prim = ft.extend.Primitive("scaled_add", impl=np.add,
                               abstract_eval=lambda x, y: x,
                               eager_impl=operator_impl(np.add, operator.add))
    assert prim.bind(np.float64(1), np.float64(2)) == 3
    prim.impl = lambda x, y: x - y
    assert prim.eager_impl is prim.impl
    assert prim.bind(np.float64(1), np.float64(2)) == -1
