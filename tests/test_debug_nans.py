"""debug_nans / debug_infs: eager checks after each primitive, jit outputs re-run without
compiled code, the backward pass; off by default at zero cost."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import core

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_off_by_default_and_zero_cost():
    assert ft.config.read("debug_nans") is False and ft.config.read("debug_infs") is False
    assert type(core.eval_trace) is core.EvalTrace
    assert np.isnan(fnp.log(-1.0))
    with ft.debug_nans(True):
        assert type(core.eval_trace) is not core.EvalTrace
    assert type(core.eval_trace) is core.EvalTrace  # the bind path is the plain one again
    from ftrans import api_jit
    from ftrans.interpreters import transpose
    assert api_jit.debug_jit_outputs is None and transpose.backward_hook is None


def test_eager_names_primitive_and_line():
    with ft.debug_nans(True):
        with pytest.raises(FloatingPointError,
                           match=r"primitive 'log' produced a NaN.*test_debug_nans.py"):
            fnp.log(-1.0)
        assert fnp.log(2.0) == pytest.approx(np.log(2.0))  # fine values pass


def test_config_update_turns_it_on():
    ft.config.update("debug_nans", True)
    try:
        with pytest.raises(FloatingPointError, match="sqrt"):
            fnp.sqrt(-1.0)
    finally:
        ft.config.update("debug_nans", False)
    assert np.isnan(fnp.sqrt(-1.0))


def test_debug_infs():
    with ft.debug_infs(True):
        with pytest.raises(FloatingPointError, match=r"debug_infs: primitive 'div' produced"):
            fnp.divide(1.0, 0.0)
        assert np.isnan(fnp.log(-1.0))  # NaN checks are a separate flag


def test_jit_reruns_deoptimised_and_cache_stays_valid():
    def f(x):
        y = x * 2.0
        return fnp.sqrt(y - 10.0) + 1.0  # line named in the error
    jf = ft.jit(f)
    assert jf(7.0) == pytest.approx(3.0)
    assert jf(7.0) == pytest.approx(3.0)  # compiled
    with ft.debug_nans(True):
        with pytest.raises(FloatingPointError, match=r"'sqrt' produced a NaN.*in f\)"):
            jf(1.0)
        assert jf(7.0) == pytest.approx(3.0)
    assert jf.cache_size() == 1
    assert np.isnan(jf(1.0))  # off again: NaN is returned as computed


def test_backward_pass_names_the_transposed_primitive():
    def f(x):
        return fnp.sqrt(x) * 0.0  # forward is fine (0 * sqrt(0) = 0); backward 0 * inf
    with ft.debug_nans(True):
        assert f(0.0) == 0.0
        with pytest.raises(FloatingPointError, match="backward pass.*derivative"):
            ft.grad(f)(0.0)
        with pytest.raises(FloatingPointError):
            ft.jit(ft.grad(f))(0.0)
    assert np.isnan(ft.grad(f)(0.0))


def test_under_transformations():
    with ft.debug_nans(True):
        with pytest.raises(FloatingPointError, match="log"):
            ft.vmap(fnp.log)(np.array([1.0, -1.0]))
        with pytest.raises(FloatingPointError, match="log"):
            ft.jvp(fnp.log, (-1.0,), (1.0,))
        np.testing.assert_allclose(ft.grad(fnp.log)(2.0), 0.5)


@pytest.mark.parametrize("f", [fnp.log, fnp.sqrt, lambda x: fnp.arcsin(x * 2.0),
                               lambda x: fnp.log(x) * 0.0 + x])
def test_a_nan_of_the_forward_pass_of_eager_grad_is_named_where_it_is_made(f):
    # every eager shortcut of linearize yields to the checking eval trace
    with ft.debug_nans(True):
        with pytest.raises(FloatingPointError, match=r"primitive '\w+' produced a NaN.*"
                                                     r"test_debug_nans.py"):
            ft.grad(f)(np.float64(-1.0))
    assert np.isfinite(ft.grad(f)(np.float64(0.25)))
