"""The zero-cotangent mode: masked branches stay masked under differentiation."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans import zero_cotangent as zc
from ftrans.test_util import check_grads

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # primal log(0) etc.

# (name, masked function, point where the masked branch is singular)
MASKED = [
    ("sqrt", lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0), 0.0),
    ("rsqrt", lambda x: fnp.where(x > 0, lax.rsqrt(x), 0.0), 0.0),
    ("log", lambda x: fnp.where(x > 0, fnp.log(x), 0.0), 0.0),
    ("log1p", lambda x: fnp.where(x > -1, fnp.log1p(x), 0.0), -1.0),
    ("exp_overflow", lambda x: fnp.where(x < 100, fnp.exp(x), 0.0), 1000.0),
    ("div", lambda x: fnp.where(x != 0, 1.0 / x, 0.0), 0.0),
    ("pow", lambda x: fnp.where(x > 0, x ** 0.5, 0.0), 0.0),
    ("integer_pow", lambda x: fnp.where(x != 0, x ** -2, 0.0), 0.0),
    ("norm", lambda x: fnp.where(fnp.sum(x * x) > 0, fnp.linalg.norm(x), 0.0), np.zeros(3)),
    ("arcsin", lambda x: fnp.where(x < 1, fnp.arcsin(x), 0.0), 1.0),
    ("cbrt", lambda x: fnp.where(x > 0, fnp.cbrt(x), 0.0), 0.0),
]


@pytest.mark.parametrize("name,f,x", MASKED, ids=[m[0] for m in MASKED])
def test_masked_branch_gradient(name, f, x):
    default = ft.grad(f)(x)
    assert np.all(np.isnan(default)), (name, default)  # as in JAX and PyTorch
    with ft.zero_cotangent_wins():
        np.testing.assert_array_equal(ft.grad(f)(x), np.zeros_like(default))
        np.testing.assert_array_equal(ft.jit(ft.grad(f))(x), np.zeros_like(default))
        np.testing.assert_array_equal(ft.grad(ft.jit(f))(x), np.zeros_like(default))


def test_unmasked_values_are_unchanged():
    """Away from 0 * inf the two modes agree to the bit, in value and derivatives."""
    def f(x, y):
        return fnp.sum(fnp.sqrt(x) * fnp.log(y) / (1 + x) + x ** 1.5 + y ** -3
                       + lax.rsqrt(x) + fnp.exp(-x) + fnp.log1p(y) + fnp.arctan2(x, y))
    x, y = np.random.default_rng(0).uniform(0.1, 3, (2, 20))
    off = ft.value_and_grad(f, argnums=(0, 1))(x, y)
    hess_off = ft.hessian(f)(x, y)
    with ft.zero_cotangent_wins():
        on = ft.value_and_grad(f, argnums=(0, 1))(x, y)
        hess_on = ft.hessian(f)(x, y)
    np.testing.assert_array_equal(on[0], off[0])
    for a, b in zip(on[1], off[1]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(hess_on, hess_off)


def test_nonzero_tangent_keeps_infinity():
    with ft.zero_cotangent_wins():
        assert ft.jvp(fnp.sqrt, (0.0,), (1.0,))[1] == np.inf
        assert ft.grad(fnp.sqrt)(0.0) == np.inf
        assert np.isnan(ft.grad(lambda x: fnp.linalg.norm(x))(np.zeros(2))).all()


def test_forward_mode_and_vmap_and_second_order():
    f = MASKED[0][1]
    xs = np.array([0.0, 1.0, 4.0])
    with ft.zero_cotangent_wins():
        np.testing.assert_array_equal(ft.vmap(ft.grad(f))(xs), [0.0, 0.5, 0.25])
        np.testing.assert_array_equal(ft.jacrev(lambda v: f(v))(xs), np.diag([0.0, 0.5, 0.25]))
        assert ft.jvp(ft.grad(f), (0.0,), (1.0,))[1] == 0.0
        assert ft.grad(ft.grad(f))(0.0) == 0.0
        assert ft.hessian(f)(0.0) == 0.0
        np.testing.assert_allclose(ft.grad(ft.grad(f))(4.0), -0.25 / 8)
        np.testing.assert_array_equal(ft.vmap(ft.hessian(f))(xs)[0], 0.0)
    assert np.isnan(ft.grad(ft.grad(f))(0.0))


def test_the_mode_is_in_the_program_and_the_jit_key():
    f = MASKED[0][1]
    g = ft.jit(ft.grad(f))
    assert np.isnan(g(0.0))
    with ft.zero_cotangent_wins():
        assert g(0.0) == 0.0
        text = str(ft.make_jaxpr(ft.grad(f))(0.0))
        assert "div_zero_wins" in text
    assert np.isnan(g(0.0))
    assert g.cache_size() == 2
    assert "zero_wins" not in str(ft.make_jaxpr(ft.grad(f))(0.0))
    # grad of a jitted function: the derived programs follow the mode too
    h = ft.jit(f)
    assert np.isnan(ft.grad(h)(0.0))
    with ft.zero_cotangent_wins():
        assert ft.grad(h)(0.0) == 0.0
    assert np.isnan(ft.grad(h)(0.0))


def test_linearized_program_keeps_the_mode_after_the_block():
    f = MASKED[0][1]
    with ft.zero_cotangent_wins():
        _, f_vjp = ft.vjp(f, 0.0)
    assert f_vjp(1.0) == (0.0,)  # traced in the mode: stays exact


def test_context_nesting_threads_and_config_flag():
    assert not zc.zero_cotangent_enabled()
    with ft.zero_cotangent_wins():
        assert zc.zero_cotangent_enabled()
        with ft.zero_cotangent_wins(False):
            assert not zc.zero_cotangent_enabled()
        seen = []
        thread = threading.Thread(target=lambda: seen.append(zc.zero_cotangent_enabled()))
        thread.start()
        thread.join()
        assert seen == [False]  # a new thread starts from the config flag
    try:
        zc.set_zero_cotangent_wins(True)
        assert zc.zero_cotangent_enabled()
        assert ft.grad(MASKED[0][1])(0.0) == 0.0
        with ft.zero_cotangent_wins(False):
            assert np.isnan(ft.grad(MASKED[0][1])(0.0))
    finally:
        zc.set_zero_cotangent_wins(False)
    assert not zc.zero_cotangent_enabled()


def test_zero_wins_primitives():
    inf, nan = np.inf, np.nan
    x = np.array([0.0, 0.0, -0.0, 2.0, inf, 3.0])
    y = np.array([inf, nan, 5.0, inf, 0.0, -4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the primitives silence their own 0 * inf
        got = zc.mul_zero_wins(x, y)
        np.testing.assert_array_equal(got, [0.0, 0.0, -0.0, inf, 0.0, -12.0])
        assert np.signbit(got[2])  # only NaNs change: -0 * 5 stays -0
        np.testing.assert_array_equal(zc.div_zero_wins(x, np.array([0.0, nan, 1, 0, 1, 2])),
                                      [0.0, 0.0, -0.0, inf, inf, 1.5])
    # broadcasting, batching and derivatives of the primitives themselves
    a, b = np.random.default_rng(1).uniform(1, 2, (2, 4, 3))
    np.testing.assert_allclose(zc.mul_zero_wins(a, b[0]), a * b[0])
    np.testing.assert_allclose(ft.vmap(zc.div_zero_wins)(a, b), a / b)
    check_grads(zc.mul_zero_wins, (a, b), order=2)
    check_grads(zc.div_zero_wins, (a, b), order=2)
    gx, gy = ft.grad(lambda p, q: zc.div_zero_wins(p, q).sum(), argnums=(0, 1))(a[0], b[0])
    np.testing.assert_allclose(gx, 1 / b[0])
    np.testing.assert_allclose(gy, -a[0] / b[0] ** 2)
    with pytest.raises(TypeError, match="one dtype"):
        ft.make_jaxpr(zc.mul_zero_wins)(np.ones(2), np.ones(2, np.float32))
