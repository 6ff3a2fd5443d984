"""ftrans.scipy.special and ftrans.scipy.stats against jax.scipy: values and derivatives
(first and second order, in every argument JAX differentiates), and the same errors where JAX
refuses a derivative. Skipped where JAX is not installed (it is never a dependency)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jsp = pytest.importorskip("jax.scipy")
import jax.scipy.special  # noqa: E402, F401
import jax.scipy.stats  # noqa: E402, F401

import ftrans as ft  # noqa: E402
from ftrans import scipy as fsp  # noqa: E402


def _compare(name: str, ours: Callable, theirs: Callable, args: tuple, order: int = 2,
             rtol: float = 1e-10) -> None:
    """Value, gradient in every argument and (``order`` 2) the full Hessian, ours against
    JAX's (each JAX derivative compiled once)."""
    argnums = tuple(range(len(args)))
    checks = [(ours, theirs), (ft.grad(ours, argnums), jax.jit(jax.grad(theirs, argnums)))]
    if order == 2:
        checks.append((ft.hessian(ours, argnums), jax.jit(jax.hessian(theirs, argnums))))
    for k, (mine, jaxs) in enumerate(checks):
        for m, j in zip(ft.tree_util.tree_leaves(mine(*args)),
                        jax.tree_util.tree_leaves(jaxs(*args))):
            np.testing.assert_allclose(np.asarray(m), np.asarray(j), rtol=rtol, atol=1e-12,
                                       err_msg=f"{name}, derivative order {k}")


S, JS = fsp.special, jsp.special
SPECIAL = [  # (name, args, order): second order where our derivative rules are special
    ("gammaln", (3.7,), 2), ("gamma", (-1.3,), 2), ("digamma", (2.2,), 2),
    ("beta", (1.5, 2.5), 1), ("betaln", (1.5, 2.5), 1), ("erf", (0.4,), 1),
    ("erfc", (1.3,), 1), ("erfinv", (0.3,), 2), ("erfcx", (1.7,), 2), ("ndtr", (-1.2,), 1),
    ("ndtri", (0.2,), 2), ("log_ndtr", (-3.0,), 2), ("log_ndtr", (2.0,), 2),
    ("logit", (0.3,), 1), ("expit", (0.7,), 1), ("xlogy", (1.5, 2.5), 2),
    ("xlog1py", (1.5, 0.5), 1), ("entr", (0.6,), 1), ("i0", (1.3,), 1), ("i0e", (1.3,), 2),
    ("i1", (1.3,), 1), ("i1e", (-1.3,), 2), ("zeta", (2.5, 1.5), 2), ("kl_div", (1.5, 2.5), 2),
    ("rel_entr", (1.5, 2.5), 1), ("poch", (2.0, 1.5), 1), ("factorial", (3.5,), 1),
    ("gammainc", (2.0, 1.4), 1), ("gammaincc", (2.0, 1.4), 1), ("exp1", (1.5,), 1),
    ("expi", (1.5,), 2), ("expi", (-1.5,), 2), ("boxcox", (2.0, 0.5), 1),
    ("boxcox1p", (1.0, 0.5), 1), ("multigammaln", (3.5, 3), 1), ("polygamma", (2, 1.7), 2),
]


@pytest.mark.parametrize("name, args, order", SPECIAL,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(SPECIAL)])
def test_special_matches_jax(name: str, args: tuple, order: int) -> None:
    if name in ("multigammaln", "polygamma"):  # an integer argument, held fixed
        static = args[0] if name == "multigammaln" else args[1]
        ours = (lambda x: S.multigammaln(x, args[1])) if name == "multigammaln" else \
            (lambda x: S.polygamma(args[0], x))
        theirs = (lambda x: JS.multigammaln(x, args[1])) if name == "multigammaln" else \
            (lambda x: JS.polygamma(args[0], x))
        _compare(name, ours, theirs, (static,), order)
        return
    _compare(name, getattr(S, name), getattr(JS, name), args, order)


def test_special_mixed_and_refused_derivatives() -> None:
    # d2 P / dx2 and d2 P / da dx exist in both; betainc in a, b is refused by both
    _compare("gammainc_x", lambda x: S.gammainc(2.0, x), lambda x: JS.gammainc(2.0, x), (1.4,))
    _compare("betainc_x", lambda x: S.betainc(2.0, 3.0, x),
             lambda x: JS.betainc(2.0, 3.0, x), (0.4,))
    mixed = ft.grad(ft.grad(S.gammainc, 1), 0)(2.0, 1.4)
    expected = jax.grad(jax.grad(JS.gammainc, 1), 0)(2.0, 1.4)
    np.testing.assert_allclose(mixed, expected, rtol=1e-10)
    with pytest.raises(ValueError):
        jax.grad(JS.betainc)(2.0, 3.0, 0.4)
    with pytest.raises(ValueError):
        ft.grad(S.betainc)(2.0, 3.0, 0.4)
    x, y = 0.0, 0.0  # xlogy's derivative convention at the origin
    np.testing.assert_array_equal(ft.grad(S.xlogy, (0, 1))(x, y),
                                  jax.grad(JS.xlogy, (0, 1))(x, y))
    a = np.array([[1.0, 2.0], [3.0, -1.0]])
    for fun in ("softmax", "log_softmax"):
        np.testing.assert_allclose(getattr(S, fun)(a, axis=1), getattr(JS, fun)(a, axis=1),
                                   rtol=1e-13)
    np.testing.assert_allclose(S.logsumexp(a, axis=0, b=a), JS.logsumexp(a, axis=0, b=a),
                               rtol=1e-13)
    np.testing.assert_allclose(S.bernoulli(8), JS.bernoulli(8), rtol=1e-5)  # JAX's: float32


ST, JST = fsp.stats, jsp.stats
STATS = [  # (distribution, method, args): derivatives in every argument, to second order
    ("norm", "logpdf", (0.7, 0.2, 1.5)), ("norm", "logcdf", (-2.0, 0.2, 1.5)),
    ("norm", "logsf", (2.0, 0.2, 1.5)), ("norm", "ppf", (0.3, 0.2, 1.5)),
    ("norm", "isf", (0.3, 0.2, 1.5)), ("cauchy", "logpdf", (0.7, 0.2, 1.5)),
    ("cauchy", "cdf", (0.7, 0.2, 1.5)), ("laplace", "logpdf", (0.7, 0.2, 1.5)),
    ("logistic", "logpdf", (0.7, 0.2, 1.5)), ("logistic", "cdf", (0.7, 0.2, 1.5)),
    ("expon", "logpdf", (0.7, 0.2, 1.5)), ("expon", "logcdf", (0.7, 0.2, 1.5)),
    ("uniform", "logpdf", (0.7, 0.2, 1.5)), ("t", "logpdf", (0.7, 3.5, 0.2, 1.5)),
    ("gamma", "logpdf", (1.7, 2.5, 0.2, 1.5)), ("gamma", "cdf", (1.7, 2.5)),
    ("chi2", "logpdf", (1.7, 2.5)), ("beta", "logpdf", (0.3, 2.5, 1.5)),
    ("pareto", "logpdf", (2.7, 2.5)), ("pareto", "logsf", (2.7, 2.5)),
    ("gennorm", "logpdf", (0.7, 1.5)), ("vonmises", "logpdf", (0.7, 1.5)),
    ("wrapcauchy", "logpdf", (0.7, 0.5)), ("truncnorm", "logpdf", (0.5, -1.0, 2.0)),
    ("truncnorm", "logcdf", (0.5, -1.0, 2.0)),
    ("gumbel_l", "logcdf", (0.7, 0.2, 1.5)), ("gumbel_r", "logcdf", (0.7, 0.2, 1.5)),
    ("poisson", "logpmf", (3.0, 2.5)),
    ("binom", "logpmf", (3.0, 7.0, 0.3)), ("geom", "logpmf", (3.0, 0.3)),
    ("nbinom", "logpmf", (3.0, 2.5, 0.3)), ("bernoulli", "logpmf", (1.0, 0.3)),
    ("betabinom", "logpmf", (3.0, 7.0, 1.5, 2.5)),
]
INTEGER_ARGUMENTS = {"poisson": (0,), "binom": (0, 1), "geom": (0,), "nbinom": (0,),
                     "bernoulli": (0,), "betabinom": (0, 1)}
# (JAX's Hessians are slow to compile: second order where the rules are special)
SECOND_ORDER = {("norm", "logcdf"), ("norm", "ppf"), ("t", "logpdf"), ("gamma", "logpdf"),
                ("vonmises", "logpdf"), ("truncnorm", "logpdf"), ("truncnorm", "logcdf"),
                ("poisson", "logpmf"), ("beta", "logpdf")}


@pytest.mark.parametrize("dist, method, args", STATS,
                         ids=[f"{d}.{m}{i}" for i, (d, m, _) in enumerate(STATS)])
def test_stats_matches_jax(dist: str, method: str, args: tuple) -> None:
    fixed = INTEGER_ARGUMENTS.get(dist, ())
    free = [i for i in range(len(args)) if i not in fixed]

    def bind(fun: Callable) -> Callable:
        def partial(*values: Any) -> Any:
            full = list(args)
            for i, v in zip(free, values):
                full[i] = v
            return fun(*full)
        return partial

    ours = bind(getattr(getattr(ST, dist), method))
    theirs = bind(getattr(getattr(JST, dist), method))
    order = 2 if (dist, method) in SECOND_ORDER else 1
    _compare(f"{dist}.{method}", ours, theirs, tuple(args[i] for i in free), order)


def test_multivariate_matches_jax() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(size=(3, 3))
    cov, mean, x = m @ m.T + 3 * np.eye(3), rng.normal(size=3), rng.normal(size=3)
    _compare("multivariate_normal", ST.multivariate_normal.logpdf,
             JST.multivariate_normal.logpdf, (x, mean, cov), order=1)
    alpha, point = np.array([1.5, 2.0, 3.0]), np.array([0.2, 0.3, 0.5])
    _compare("dirichlet", ST.dirichlet.logpdf, JST.dirichlet.logpdf, (point[:2], alpha),
             order=1)
