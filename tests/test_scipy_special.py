"""ftrans.scipy.special: the SciPy-style surface (promotion, composite functions, safe
derivatives), SciPy as the oracle when it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.scipy import special
from ftrans.test_util import check_grads

X = np.linspace(0.1, 3.0, 7)


def test_values_against_scipy() -> None:
    sp = pytest.importorskip("scipy.special")
    p = np.linspace(0.05, 0.95, 7)
    pairs = [(special.erf(X - 1.5), sp.erf(X - 1.5)), (special.erfc(X), sp.erfc(X)),
             (special.erfinv(p - 0.5), sp.erfinv(p - 0.5)), (special.gammaln(X), sp.gammaln(X)),
             (special.digamma(X), sp.digamma(X)), (special.psi(X), sp.psi(X)),
             (special.polygamma(2, X), sp.polygamma(2, X)), (special.expit(X), sp.expit(X)),
             (special.logit(p), sp.logit(p)), (special.xlogy(X - 1, X), sp.xlogy(X - 1, X)),
             (special.xlog1py(X, X), sp.xlog1py(X, X)), (special.entr(X - 1), sp.entr(X - 1)),
             (special.logsumexp(X), sp.logsumexp(X)),
             (special.logsumexp(np.outer(X, X), axis=1, keepdims=True),
              sp.logsumexp(np.outer(X, X), axis=1, keepdims=True))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    value, sign = special.logsumexp(X, b=np.where(X > 1, -1.0, 1.0), return_sign=True)
    expected = sp.logsumexp(X, b=np.where(X > 1, -1.0, 1.0), return_sign=True)
    np.testing.assert_allclose((value, sign), expected, rtol=1e-13)


def test_promotion() -> None:
    assert special.erf(1).dtype == np.float64
    assert special.gammaln(np.float32(2.5)).dtype == np.float32
    assert special.erf(np.array([1, 2], np.int8)).dtype == np.float32  # as SciPy
    with pytest.raises(TypeError, match="complex"):
        special.erf(1j)


def test_xlogy_at_zero_and_its_derivatives() -> None:
    assert float(special.xlogy(0.0, 0.0)) == 0.0
    assert float(special.xlog1py(0.0, -1.0)) == 0.0
    dx, dy = ft.grad(special.xlogy, argnums=(0, 1))(0.0, 2.0)
    assert float(dx) == pytest.approx(np.log(2.0)) and float(dy) == 0.0
    check_grads(special.xlogy, (1.5, 2.5), 2, ("fwd", "rev"))
    check_grads(special.xlog1py, (1.5, 0.5), 2, ("fwd", "rev"))
    check_grads(lambda x: special.entr(x), (0.7,), 2, ("fwd", "rev"))


@pytest.mark.parametrize("name", ["erf", "erfc", "gammaln", "digamma", "expit", "logit"])
def test_vmap_jit_grad_compose(name: str) -> None:
    fun = getattr(special, name)
    x = X / 3.1 if name == "logit" else X
    np.testing.assert_allclose(ft.jit(ft.vmap(ft.grad(fun)))(x),
                               np.stack([ft.grad(fun)(v) for v in x]), rtol=1e-13)
    check_grads(fun, (x[3],), 2, ("fwd", "rev"))


def test_logsumexp_matches_nn() -> None:
    np.testing.assert_allclose(special.logsumexp(np.outer(X, X), axis=0),
                               ft.nn.logsumexp(np.outer(X, X), axis=0))
    np.testing.assert_allclose(special.logsumexp(np.array([1000.0, 1000.0])),
                               1000 + np.log(2.0))
    g = ft.grad(lambda v: special.logsumexp(v))(X)
    np.testing.assert_allclose(g, fnp.exp(X) / np.sum(np.exp(X)))


def test_docstring_examples() -> None:
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module("ftrans.scipy.special")).failed == 0
