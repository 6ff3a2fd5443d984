"""ftrans.scipy.stats: every distribution's methods against SciPy over drawn arguments (one
spec row per distribution and argument kind, all methods at once), derivatives in the inputs
and parameters, vmap == loop, jit == eager; tails, supports and invalid parameters."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
from ftrans.scipy import stats
from tests.spec_util import (
    OpSpec, broadcasting_shapes, make_family_tests, spec_args, unary_shapes,
)

ss = pytest.importorskip("scipy.stats")


def _draw(rng: np.random.Generator, shape: tuple, lo: float, hi: float, kind: str) -> Any:
    if kind == "int":  # integer arrays: held fixed by the derivative checks
        x = rng.integers(int(lo), int(hi) + 1, shape)
    else:
        x = rng.uniform(lo, hi, shape)
        if kind == "log":
            x = np.exp(x)
    return x if shape else x[()]


def _maker(*ranges: tuple) -> Callable:
    def make(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
        return tuple(_draw(rng, s, *(r + ("lin",))[:3]) for s, r in zip(shapes, ranges))
    return make


def row(name: str, module: Any, reference: Any, methods: tuple[str, ...], ranges: tuple,
        keywords: tuple[str, ...] = (), grad_order: int = 2, rtol: float = 1e-12,
        grad_tol: float | None = None) -> OpSpec:
    """All ``methods`` of one distribution as one function of (x, parameters..., keywords...)
    returning a tuple; ``reference`` the SciPy distribution, called the same way."""
    n_positional = len(ranges) - len(keywords)

    def split(args: tuple) -> tuple[tuple, dict]:
        return args[:n_positional], dict(zip(keywords, args[n_positional:]))

    def fun(*args: Any) -> tuple:
        positional, kw = split(args)
        return tuple(getattr(module, m)(*positional, **kw) for m in methods)

    def ref(*args: Any) -> tuple:
        positional, kw = split(args)
        return tuple(np.asarray(getattr(reference, m)(*positional, **kw), np.float64)
                     for m in methods)

    shapes = unary_shapes(max_rank=2, max_side=3) if len(ranges) == 1 else \
        broadcasting_shapes(len(ranges), max_rank=2)
    # second order through reverse mode only (vjp of vjp also runs every jvp rule, by
    # linearize), which halves the cost of the table
    modes = ("rev",) if grad_order == 2 else ("fwd", "rev")
    return OpSpec(name, fun, ref, shapes, make_args=_maker(*ranges), grad_order=grad_order,
                  grad_modes=modes, rtol=rtol, grad_tol=grad_tol)


LOC, SCALE = (-1.0, 1.0), (0.5, 2.0)
CONT = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
Q = (0.02, 0.98)

SPECS = [
    row("norm", stats.norm, ss.norm, CONT, ((-6.0, 6.0), LOC, SCALE), ("loc", "scale")),
    row("norm_quantiles", stats.norm, ss.norm, ("ppf", "isf"), (Q, LOC, SCALE),
        ("loc", "scale")),
    row("cauchy", stats.cauchy, ss.cauchy, CONT, ((-20.0, 20.0), LOC, SCALE),
        ("loc", "scale")),
    row("cauchy_quantiles", stats.cauchy, ss.cauchy, ("ppf", "isf"), (Q, LOC, SCALE),
        ("loc", "scale")),
    row("laplace", stats.laplace, ss.laplace, ("logpdf", "pdf", "cdf"),
        ((-5.0, 5.0), LOC, SCALE), ("loc", "scale"), grad_order=1),
    row("logistic", stats.logistic, ss.logistic, ("logpdf", "pdf", "cdf", "sf"),
        ((-30.0, 30.0), LOC, SCALE), ("loc", "scale")),
    row("logistic_quantiles", stats.logistic, ss.logistic, ("ppf", "isf"), (Q, LOC, SCALE),
        ("loc", "scale")),
    row("expon", stats.expon, ss.expon, CONT, ((0.05, 20.0), (-1.0, 0.0), SCALE),
        ("loc", "scale")),
    row("expon_ppf", stats.expon, ss.expon, ("ppf",), (Q, LOC, SCALE), ("loc", "scale")),
    row("uniform", stats.uniform, ss.uniform, ("logpdf", "pdf", "cdf"),
        ((-0.4, 0.4), (-1.0, -0.5), (1.5, 2.0)), ("loc", "scale"), grad_order=1),
    row("uniform_ppf", stats.uniform, ss.uniform, ("ppf",), (Q, LOC, SCALE), ("loc", "scale")),
    row("gumbel_r", stats.gumbel_r, ss.gumbel_r, CONT, ((-3.0, 10.0), LOC, SCALE),
        ("loc", "scale")),
    row("gumbel_l", stats.gumbel_l, ss.gumbel_l, CONT, ((-10.0, 3.0), LOC, SCALE),
        ("loc", "scale")),
    row("gumbel_quantiles", stats.gumbel_r, ss.gumbel_r, ("ppf",), (Q, LOC, SCALE),
        ("loc", "scale")),
    row("gumbel_l_ppf", stats.gumbel_l, ss.gumbel_l, ("ppf",), (Q, LOC, SCALE),
        ("loc", "scale")),
    row("t", stats.t, ss.t, ("logpdf", "pdf"), ((-8.0, 8.0), (0.5, 30.0), LOC, SCALE),
        ("loc", "scale")),
    row("gamma_density", stats.gamma, ss.gamma, ("logpdf", "pdf"),
        ((0.05, 12.0), (0.3, 8.0), (-1.0, 0.0), SCALE), ("loc", "scale")),
    row("gamma_cdf", stats.gamma, ss.gamma, ("cdf", "logcdf", "sf", "logsf"),
        ((-1.5, 2.5, "log"), (-1.0, 2.0, "log")), grad_order=1, rtol=1e-11),
    row("chi2", stats.chi2, ss.chi2, CONT, ((0.05, 15.0), (0.5, 10.0)), grad_order=1,
        rtol=1e-11),
    row("beta_density", stats.beta, ss.beta, ("logpdf", "pdf"),
        ((0.02, 0.98), (0.3, 5.0), (0.3, 5.0)), rtol=1e-11),
    row("beta_cdf", stats.beta, ss.beta, ("cdf", "logcdf", "sf", "logsf"),
        ((0.02, 0.98), (0.3, 5.0), (0.3, 5.0)), grad_order=0, rtol=1e-10),
    row("pareto", stats.pareto, ss.pareto, CONT,
        ((1.05, 30.0), (0.5, 4.0), (-1.0, 0.0), (0.5, 1.0)), ("loc", "scale")),
    row("pareto_ppf", stats.pareto, ss.pareto, ("ppf",), (Q, (0.5, 4.0), LOC, SCALE),
        ("loc", "scale")),
    row("gennorm", stats.gennorm, ss.gennorm, ("logpdf", "pdf", "cdf"),
        ((0.1, 3.0), (0.5, 4.0)), grad_order=1, rtol=1e-11),
    row("vonmises", stats.vonmises, ss.vonmises, ("logpdf", "pdf"),
        ((-3.0, 3.0), (0.1, 40.0))),
    row("wrapcauchy", stats.wrapcauchy, ss.wrapcauchy, ("logpdf", "pdf"),
        ((0.05, 6.2), (0.05, 0.95))),
    row("truncnorm", stats.truncnorm, ss.truncnorm, CONT,
        ((-0.5, 1.5), (-3.0, -1.0), (2.0, 4.0), (-0.2, 0.2), (0.9, 1.1)), ("loc", "scale"),
        rtol=1e-10),
    row("truncnorm_tail", stats.truncnorm, ss.truncnorm, CONT,
        ((6.0, 7.9), (5.0, 6.0), (8.0, 9.0)), rtol=1e-9, grad_tol=1e-4),
    row("poisson", stats.poisson, ss.poisson, ("logpmf", "pmf", "cdf"),
        ((0, 12, "int"), (0.2, 8.0), (-1, 1, "int")), ("loc",), grad_order=1,
        rtol=1e-11),
    row("bernoulli", stats.bernoulli, ss.bernoulli, ("logpmf", "pmf", "cdf"),
        ((0, 1, "int"), (0.05, 0.95))),
    row("bernoulli_ppf", stats.bernoulli, ss.bernoulli, ("ppf",), ((0.0, 1.0), (0.05, 0.95)),
        grad_order=0),
    row("binom", stats.binom, ss.binom, ("logpmf", "pmf"),
        ((0, 9, "int"), (9, 12, "int"), (0.05, 0.95))),
    row("geom", stats.geom, ss.geom, ("logpmf", "pmf"), ((1, 9, "int"), (0.05, 0.95))),
    row("nbinom", stats.nbinom, ss.nbinom, ("logpmf", "pmf"),
        ((0, 9, "int"), (0.5, 6.0), (0.05, 0.95))),
    row("betabinom", stats.betabinom, ss.betabinom, ("logpmf", "pmf"),
        ((0, 6, "int"), (6, 9, "int"), (0.3, 4.0), (0.3, 4.0)), rtol=1e-11),
]

# (the abstract-eval check is left out: these are compositions of checked primitives, and
# test_jit_matches_eager stages every row anyway)
test_matches_scipy, _, test_grads, test_vmap_matches_loop = make_family_tests(
    SPECS, max_examples=2)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_jit_matches_eager(spec: OpSpec) -> None:
    from hypothesis import given, settings

    @settings(max_examples=1, deadline=None)
    @given(spec_args(spec))
    def check(args: tuple) -> None:
        eager, jitted = spec.fun(*args), ft.jit(spec.fun)(*args)
        for e, j in zip(eager, jitted):
            np.testing.assert_allclose(j, e, rtol=1e-13, atol=1e-300)
    check()


# ---------------------------------------------------------------------------------------------
# Tails, supports, invalid parameters
# ---------------------------------------------------------------------------------------------

TAILS = [  # (ours, SciPy's): accurate far out where naive formulas underflow or cancel
    (lambda: stats.norm.logcdf(np.array([-40.0, -1e3, 40.0])),
     lambda: ss.norm.logcdf([-40.0, -1e3, 40.0])),
    (lambda: stats.norm.logsf(np.array([40.0, -40.0])), lambda: ss.norm.logsf([40.0, -40.0])),
    (lambda: stats.norm.ppf(np.array([1e-300, 1e-20, 1 - 1e-15])),
     lambda: ss.norm.ppf([1e-300, 1e-20, 1 - 1e-15])),
    (lambda: stats.norm.isf(np.array([1e-300, 1e-20])), lambda: ss.norm.isf([1e-300, 1e-20])),
    (lambda: stats.cauchy.cdf(np.array([-1e10, -1e300])),
     lambda: ss.cauchy.cdf([-1e10, -1e300])),
    (lambda: stats.cauchy.logsf(np.array([1e10])), lambda: ss.cauchy.logsf([1e10])),
    (lambda: stats.logistic.logpdf(np.array([800.0, -800.0])),
     lambda: ss.logistic.logpdf([800.0, -800.0])),
    (lambda: stats.laplace.cdf(np.array([-700.0, 700.0])),
     lambda: ss.laplace.cdf([-700.0, 700.0])),
    (lambda: stats.expon.logcdf(np.array([1e-20, 50.0])),
     lambda: ss.expon.logcdf([1e-20, 50.0])),
    (lambda: stats.gamma.sf(np.array([60.0, 200.0]), 2.0),
     lambda: ss.gamma.sf([60.0, 200.0], 2.0)),
    (lambda: stats.truncnorm.logpdf(np.array([-30.0, 30.5]), np.array([-31.0, 30.0]),
                                    np.array([-29.0, 31.0])),
     lambda: ss.truncnorm.logpdf([-30.0, 30.5], [-31.0, 30.0], [-29.0, 31.0])),
    (lambda: stats.truncnorm.logsf(np.array([35.0]), 34.0, np.inf),
     lambda: ss.truncnorm.logsf([35.0], 34.0, np.inf)),
    (lambda: stats.gumbel_r.logsf(np.array([40.0, -3.0])),
     lambda: ss.gumbel_r.logsf([40.0, -3.0])),
    (lambda: stats.vonmises.logpdf(np.array([0.0, 3.0]), 1e4),
     lambda: ss.vonmises.logpdf([0.0, 3.0], 1e4)),
    (lambda: stats.poisson.logpmf(np.array([1000.0]), 1000.0),
     lambda: ss.poisson.logpmf([1000.0], 1000.0)),
]


@pytest.mark.parametrize("case", range(len(TAILS)))
def test_tails(case: int) -> None:
    ours, theirs = TAILS[case]
    np.testing.assert_allclose(ours(), theirs(), rtol=1e-12, atol=1e-300)


OUTSIDE = [  # (ours, SciPy's) off the support or with invalid parameters
    (lambda m: m.norm.logpdf(1.0, 0.0, -1.0), lambda: ss.norm.logpdf(1.0, 0.0, -1.0)),
    (lambda m: m.norm.cdf(1.0, 0.0, 0.0), lambda: ss.norm.cdf(1.0, 0.0, 0.0)),
    (lambda m: m.expon.logpdf(-1.0), lambda: ss.expon.logpdf(-1.0)),
    (lambda m: m.uniform.logpdf(1.5), lambda: ss.uniform.logpdf(1.5)),
    (lambda m: m.uniform.ppf(1.5), lambda: ss.uniform.ppf(1.5)),
    (lambda m: m.gamma.logpdf(-1.0, 2.0), lambda: ss.gamma.logpdf(-1.0, 2.0)),
    (lambda m: m.gamma.logpdf(0.0, 0.5), lambda: ss.gamma.logpdf(0.0, 0.5)),
    (lambda m: m.gamma.logpdf(1.0, -1.0), lambda: ss.gamma.logpdf(1.0, -1.0)),
    (lambda m: m.beta.logpdf(1.5, 2.0, 2.0), lambda: ss.beta.logpdf(1.5, 2.0, 2.0)),
    (lambda m: m.beta.logpdf(0.0, 1.0, 2.0), lambda: ss.beta.logpdf(0.0, 1.0, 2.0)),
    (lambda m: m.beta.cdf(0.5, -1.0, 2.0), lambda: ss.beta.cdf(0.5, -1.0, 2.0)),
    (lambda m: m.t.logpdf(1.0, -3.0), lambda: ss.t.logpdf(1.0, -3.0)),
    (lambda m: m.pareto.logpdf(0.5, 2.0), lambda: ss.pareto.logpdf(0.5, 2.0)),
    (lambda m: m.pareto.cdf(0.5, 2.0), lambda: ss.pareto.cdf(0.5, 2.0)),
    (lambda m: m.poisson.logpmf(2.5, 3.0), lambda: ss.poisson.logpmf(2.5, 3.0)),
    (lambda m: m.poisson.logpmf(-1.0, 3.0), lambda: ss.poisson.logpmf(-1.0, 3.0)),
    (lambda m: m.poisson.logpmf(0.0, 0.0), lambda: ss.poisson.logpmf(0.0, 0.0)),
    (lambda m: m.poisson.logpmf(1.0, -1.0), lambda: ss.poisson.logpmf(1.0, -1.0)),
    (lambda m: m.poisson.cdf(-0.5, 3.0), lambda: ss.poisson.cdf(-0.5, 3.0)),
    (lambda m: m.bernoulli.logpmf(2.0, 0.3), lambda: ss.bernoulli.logpmf(2.0, 0.3)),
    (lambda m: m.bernoulli.logpmf(0.0, 1.5), lambda: ss.bernoulli.logpmf(0.0, 1.5)),
    (lambda m: m.bernoulli.ppf(0.0, 0.3), lambda: ss.bernoulli.ppf(0.0, 0.3)),
    (lambda m: m.binom.logpmf(2.5, 5.0, 0.3), lambda: ss.binom.logpmf(2.5, 5.0, 0.3)),
    (lambda m: m.binom.logpmf(6.0, 5.0, 0.3), lambda: ss.binom.logpmf(6.0, 5.0, 0.3)),
    (lambda m: m.binom.logpmf(0.0, 5.0, 0.0), lambda: ss.binom.logpmf(0.0, 5.0, 0.0)),
    (lambda m: m.binom.logpmf(1.0, 2.5, 0.3), lambda: ss.binom.logpmf(1.0, 2.5, 0.3)),
    (lambda m: m.geom.logpmf(0.0, 0.3), lambda: ss.geom.logpmf(0.0, 0.3)),
    (lambda m: m.nbinom.logpmf(-1.0, 2.0, 0.5), lambda: ss.nbinom.logpmf(-1.0, 2.0, 0.5)),
    (lambda m: m.wrapcauchy.logpdf(7.0, 0.5), lambda: ss.wrapcauchy.logpdf(7.0, 0.5)),
    (lambda m: m.truncnorm.logpdf(3.0, 4.0, 6.0), lambda: ss.truncnorm.logpdf(3.0, 4.0, 6.0)),
    (lambda m: m.truncnorm.cdf(7.0, 4.0, 6.0), lambda: ss.truncnorm.cdf(7.0, 4.0, 6.0)),
    (lambda m: m.truncnorm.cdf(3.0, 4.0, 6.0), lambda: ss.truncnorm.cdf(3.0, 4.0, 6.0)),
    (lambda m: m.cauchy.ppf(1.5), lambda: ss.cauchy.ppf(1.5)),
    (lambda m: m.expon.ppf(-0.5), lambda: ss.expon.ppf(-0.5)),
]


@pytest.mark.parametrize("case", range(len(OUTSIDE)))
def test_supports_and_invalid_parameters(case: int) -> None:
    ours, theirs = OUTSIDE[case]
    with np.errstate(all="ignore"):
        expected = theirs()
        np.testing.assert_allclose(ours(stats), expected, rtol=1e-14)
        # the same inside jit: a value, never an exception
        np.testing.assert_allclose(ft.jit(lambda: ours(stats))(), expected, rtol=1e-14)


def test_derivative_conventions() -> None:
    with pytest.raises(ValueError, match="a and b"):
        ft.grad(lambda a: stats.beta.cdf(0.3, a, 2.0))(1.5)
    g = ft.grad(lambda x: stats.beta.cdf(x, 2.0, 3.0))(0.4)
    np.testing.assert_allclose(g, ss.beta.pdf(0.4, 2.0, 3.0), rtol=1e-12)
    g = ft.grad(lambda mu: stats.poisson.logpmf(3.0, mu))(2.0)
    np.testing.assert_allclose(g, 3 / 2.0 - 1, rtol=1e-13)
    # truncated normal with one infinite bound: finite derivatives everywhere
    g = ft.grad(lambda x: stats.truncnorm.logcdf(x, -np.inf, 1.0))(0.2)
    assert np.isfinite(g)
    g = ft.grad(lambda x: stats.norm.logcdf(x))(-40.0)
    np.testing.assert_allclose(g, 40.02496884720726, rtol=1e-13)  # phi/Phi, by mpmath


# ---------------------------------------------------------------------------------------------
# Multivariate distributions, descriptive statistics
# ---------------------------------------------------------------------------------------------

from ftrans.test_util import check_grads  # noqa: E402


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    m = rng.normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def test_multivariate_normal() -> None:
    rng = np.random.default_rng(0)
    cov, mean, x = _spd(rng, 3), rng.normal(size=3), rng.normal(size=(4, 3))
    mvn = stats.multivariate_normal
    np.testing.assert_allclose(mvn.logpdf(x, mean, cov),
                               ss.multivariate_normal.logpdf(x, mean, cov), rtol=1e-12)
    np.testing.assert_allclose(mvn.pdf(x[0], mean, cov),
                               ss.multivariate_normal.pdf(x[0], mean, cov), rtol=1e-12)
    diag = np.array([0.5, 2.0, 1.5])
    np.testing.assert_allclose(mvn.logpdf(x, mean, diag),
                               ss.multivariate_normal.logpdf(x, mean, diag), rtol=1e-12)
    np.testing.assert_allclose(mvn.logpdf(x, mean, 2.0),
                               ss.multivariate_normal.logpdf(x, mean, 2.0), rtol=1e-12)
    np.testing.assert_allclose(mvn.logpdf(1.0, 0.0, 2.0),
                               ss.multivariate_normal.logpdf(1.0, 0.0, 2.0), rtol=1e-12)
    check_grads(lambda x, m, c: mvn.logpdf(x, m, c @ c.T + np.eye(3)),
                (x[0], mean, rng.normal(size=(3, 3))), 2, ("fwd", "rev"))
    batched = ft.vmap(mvn.logpdf, in_axes=(0, None, None))(x, mean, cov)
    np.testing.assert_allclose(batched, [mvn.logpdf(v, mean, cov) for v in x], rtol=1e-13)
    np.testing.assert_allclose(ft.jit(mvn.logpdf)(x, mean, cov), mvn.logpdf(x, mean, cov),
                               rtol=1e-13)
    with pytest.raises(ValueError, match="allow_singular"):
        mvn.logpdf(x, mean, cov, allow_singular=True)
    with pytest.raises(ValueError, match="cov"):
        mvn.logpdf(x, mean, np.eye(2))


def test_dirichlet_and_multinomial() -> None:
    alpha = np.array([1.5, 2.0, 3.0])
    x = np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]])
    np.testing.assert_allclose(stats.dirichlet.logpdf(x, alpha),
                               ss.dirichlet.logpdf(x, alpha), rtol=1e-12)
    np.testing.assert_allclose(stats.dirichlet.logpdf(x[:2], alpha),
                               ss.dirichlet.logpdf(x, alpha), rtol=1e-12)
    assert float(stats.dirichlet.logpdf(np.array([0.2, 0.3, 0.6]), alpha)) == -np.inf
    # on the simplex, through the K - 1 free coordinates
    check_grads(lambda v, a: stats.dirichlet.logpdf(v, a), (x[:2, 0], alpha), 2,
                ("fwd", "rev"))
    with pytest.raises(ValueError, match="first"):
        stats.dirichlet.logpdf(np.ones(5) / 5, alpha)
    counts, p = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 2.0]]), np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(stats.multinomial.logpmf(counts, 3, p),
                               ss.multinomial.logpmf(counts, 3, p), rtol=1e-12)
    assert float(stats.multinomial.logpmf(np.array([1.0, 1.0, 0.0]), 3, p)) == -np.inf
    check_grads(lambda q: stats.multinomial.logpmf(counts[0], 3.0, q), (p,), 2,
                ("fwd", "rev"))


def test_descriptive() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, size=(3, 7))
    for method in ("average", "min", "max", "dense", "ordinal"):
        np.testing.assert_array_equal(stats.rankdata(a, method, axis=1),
                                      ss.rankdata(a, method, axis=1))
        np.testing.assert_array_equal(stats.rankdata(a, method), ss.rankdata(a, method))
    result, expected = stats.mode(a, axis=1), ss.mode(a, axis=1)
    np.testing.assert_array_equal(result.mode, expected.mode)
    np.testing.assert_array_equal(result.count, expected.count)
    np.testing.assert_array_equal(ft.jit(lambda v: stats.mode(v).mode)(a), ss.mode(a).mode)
    v = rng.normal(size=(5, 2))
    np.testing.assert_allclose(stats.sem(v), ss.sem(v), rtol=1e-13)
    check_grads(lambda w: stats.sem(w), (v,), 2, ("fwd", "rev"))
    with pytest.raises(ValueError, match="method"):
        stats.rankdata(a, "bogus")


def test_broadcasting_and_dtypes() -> None:
    x = np.linspace(-1, 1, 4)[:, None]
    out = stats.norm.logpdf(x, np.zeros(3), np.ones((1, 3)))
    assert out.shape == (4, 3) and out.dtype == np.float64
    assert stats.norm.logpdf(np.float32(0.5)).dtype == np.float32
    assert stats.poisson.logpmf(2, 3).dtype == np.float64  # integers promote to float64
    assert stats.gamma.cdf(np.float32(1.0), np.float32(2.0)).dtype == np.float32


def test_probabilistic_model_gradients() -> None:
    """A small hierarchical log-density: its gradient against finite differences."""
    data = np.array([0.3, -1.2, 0.8, 2.1])

    def log_density(mu: Any, log_sigma: Any) -> Any:
        sigma = ft.numpy.exp(log_sigma)
        prior = stats.norm.logpdf(mu, 0.0, 10.0) + stats.gamma.logpdf(sigma, 2.0)
        return prior + ft.numpy.sum(stats.t.logpdf(data, 4.0, mu, sigma)) + log_sigma

    check_grads(log_density, (0.2, 0.1), 2, ("fwd", "rev"))


def test_docstring_examples() -> None:
    import doctest
    import importlib
    import pkgutil
    for info in pkgutil.iter_modules(stats.__path__):
        module = importlib.import_module(f"ftrans.scipy.stats.{info.name}")
        assert doctest.testmod(module).failed == 0, info.name
    assert doctest.testmod(stats).failed == 0
