"""ftrans.scipy.special: the SciPy-style surface (promotion, composite functions, safe
derivatives), SciPy as the oracle when it is installed."""

from __future__ import annotations

import dataclasses

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


# ---------------------------------------------------------------------------------------------
# The spec table: values against SciPy over drawn arguments, derivatives, vmap, jit
# ---------------------------------------------------------------------------------------------

sp = pytest.importorskip("scipy.special")

from tests.spec_util import (  # noqa: E402
    OpSpec, broadcasting_shapes, check_reference, make_args, make_family_tests, spec_args,
    unary_shapes,
)

F64 = (np.float64,)
F32_64 = (np.float64, np.float32)  # rows that also get a float32 twin below
unary = unary_shapes(max_rank=2, max_side=3)
binary = broadcasting_shapes(2, max_rank=2)
ternary = broadcasting_shapes(3, max_rank=2)


def _draw(rng: np.random.Generator, shape: tuple, dtype: object, lo: float, hi: float,
          log: bool = False) -> np.ndarray:
    x = rng.uniform(lo, hi, shape)
    x = np.exp(x) if log else x
    x = x.astype(dtype)
    return x if shape else x[()]


def _maker(*ranges: tuple) -> object:
    """Arguments drawn per position from (lo, hi[, log]) ranges."""
    def make(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
        return tuple(_draw(rng, s, dtype, *r) for s, r in zip(shapes, ranges))
    return make


def _integer_orders(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    n = rng.integers(0, 6, shapes[0])
    return (n if shapes[0] else n[()], _draw(rng, shapes[1], dtype, 0.1, 4.0))


def _fixed_a(fun: object, a: float) -> object:
    return lambda x: fun(a, x)


S = special
SPECS = [
    OpSpec("gamma", S.gamma, sp.gamma, unary, F32_64, make_args=_maker((-4.5, 6.0)),
           rtol=1e-12),
    OpSpec("gammaln", S.gammaln, sp.gammaln, unary, F32_64, make_args=_maker((0.05, 30.0)),
           rtol=1e-13),
    OpSpec("loggamma", S.loggamma, sp.loggamma, unary, F64, make_args=_maker((0.05, 30.0)),
           rtol=1e-13),
    OpSpec("gammasgn", S.gammasgn, sp.gammasgn, unary, F64, make_args=_maker((-4.5, 4.0)),
           zero_derivative=True),
    OpSpec("digamma", S.digamma, sp.digamma, unary, F32_64, make_args=_maker((0.1, 20.0)),
           rtol=1e-12),
    OpSpec("polygamma_2", lambda x: S.polygamma(2, x), lambda x: sp.polygamma(2, x), unary,
           F64, make_args=_maker((0.3, 10.0)), rtol=1e-12),
    OpSpec("polygamma_array", S.polygamma, sp.polygamma, binary, F64,
           make_args=_integer_orders, rtol=1e-12),
    OpSpec("multigammaln", lambda a: S.multigammaln(a, 3), lambda a: sp.multigammaln(a, 3),
           unary, F64, make_args=_maker((1.2, 9.0)), rtol=1e-13),
    OpSpec("beta", S.beta, sp.beta, binary, F64, make_args=_maker((0.2, 6.0), (0.2, 6.0)),
           rtol=1e-12),
    OpSpec("betaln", S.betaln, sp.betaln, binary, F32_64,
           make_args=_maker((0.2, 30.0), (0.2, 30.0)), rtol=1e-12),
    OpSpec("poch", S.poch, sp.poch, binary, F64, make_args=_maker((0.3, 5.0), (-0.2, 3.0)),
           rtol=1e-12),
    OpSpec("factorial", S.factorial, sp.factorial, unary, F64, make_args=_maker((0.0, 10.0)),
           rtol=1e-12),
    OpSpec("comb", S.comb, sp.comb, binary, F64, make_args=_maker((3.0, 9.0), (0.0, 3.0)),
           rtol=1e-12),
    OpSpec("gammainc", S.gammainc, sp.gammainc, binary, F32_64,
           make_args=_maker((-3.0, 3.5, True), (-5.0, 3.5, True)), rtol=1e-12, grad_order=1),
    OpSpec("gammaincc", S.gammaincc, sp.gammaincc, binary, F64,
           make_args=_maker((-1.0, 3.5, True), (-5.0, 3.5, True)), rtol=1e-11, grad_order=1),
    OpSpec("gammainc_x", _fixed_a(S.gammainc, 2.5), _fixed_a(sp.gammainc, 2.5), unary, F64,
           make_args=_maker((0.1, 9.0)), rtol=1e-13),
    OpSpec("betainc_x", lambda x: S.betainc(2.5, 0.7, x), lambda x: sp.betainc(2.5, 0.7, x),
           unary, F64, make_args=_maker((0.02, 0.98)), rtol=1e-12),
    OpSpec("betainc", lambda a, b, x: S.betainc(a, b, x), sp.betainc, ternary, F32_64,
           make_args=_maker((-2.0, 4.0, True), (-2.0, 4.0, True), (0.0, 1.0)), rtol=1e-11,
           grad_order=0),
    OpSpec("zeta", S.zeta, sp.zeta, binary, F64, make_args=_maker((1.2, 12.0), (0.2, 6.0)),
           rtol=1e-13),
    OpSpec("erf", S.erf, sp.erf, unary, F32_64, make_args=_maker((-6.0, 6.0)), rtol=1e-13),
    OpSpec("erfc", S.erfc, sp.erfc, unary, F32_64, make_args=_maker((-6.0, 26.0)),
           rtol=1e-12),
    OpSpec("erfcx", S.erfcx, sp.erfcx, unary, F32_64, make_args=_maker((-8.0, 1e3)),
           rtol=1e-13),
    OpSpec("erfinv", S.erfinv, sp.erfinv, unary, F32_64, make_args=_maker((-0.999, 0.999)),
           rtol=1e-13),
    OpSpec("ndtr", S.ndtr, sp.ndtr, unary, F32_64, make_args=_maker((-30.0, 8.0)),
           rtol=1e-12),
    OpSpec("log_ndtr", S.log_ndtr, sp.log_ndtr, unary, F32_64,
           make_args=_maker((-1e3, 30.0)), rtol=1e-13, grad_order=1),
    OpSpec("log_ndtr_grad", S.log_ndtr, sp.log_ndtr, unary, F64,
           make_args=_maker((-20.0, 8.0)), rtol=1e-13),
    OpSpec("ndtri", S.ndtri, sp.ndtri, unary, F32_64, make_args=_maker((-690.0, -0.01, True)),
           rtol=1e-13, grad_order=0),
    OpSpec("ndtri_middle", S.ndtri, sp.ndtri, unary, F64, make_args=_maker((0.02, 0.98)),
           rtol=1e-13),
    OpSpec("i0e", S.i0e, sp.i0e, unary, F32_64, make_args=_maker((-60.0, 60.0)), rtol=1e-13),
    OpSpec("i1e", S.i1e, sp.i1e, unary, F32_64, make_args=_maker((-60.0, 60.0)), rtol=1e-13),
    OpSpec("i0", S.i0, sp.i0, unary, F64, make_args=_maker((-20.0, 20.0)), rtol=1e-13),
    OpSpec("i1", S.i1, sp.i1, unary, F64, make_args=_maker((-20.0, 20.0)), rtol=1e-13),
    OpSpec("exp1", S.exp1, sp.exp1, unary, F32_64, make_args=_maker((-6.0, 4.0, True)),
           rtol=1e-13),
    OpSpec("expi", S.expi, sp.expi, unary, F64, make_args=_maker((-40.0, 60.0)), rtol=1e-13),
    OpSpec("expn", S.expn, sp.expn, binary, F64,
           make_args=lambda rng, sh, dt: _integer_orders(rng, sh, dt), rtol=1e-13),
    OpSpec("xlogy", S.xlogy, sp.xlogy, binary, F32_64, make_args=_maker((-2.0, 2.0),
                                                                         (0.1, 3.0)), rtol=1e-13),
    OpSpec("xlog1py", S.xlog1py, sp.xlog1py, binary, F64,
           make_args=_maker((-2.0, 2.0), (-0.9, 3.0)), rtol=1e-13),
    OpSpec("entr", S.entr, sp.entr, unary, F64, make_args=_maker((0.05, 3.0)), rtol=1e-13),
    OpSpec("kl_div", S.kl_div, sp.kl_div, binary, F64,
           make_args=_maker((0.05, 3.0), (0.05, 3.0)), rtol=1e-13),
    OpSpec("rel_entr", S.rel_entr, sp.rel_entr, binary, F64,
           make_args=_maker((0.05, 3.0), (0.05, 3.0)), rtol=1e-13),
    OpSpec("expit", S.expit, sp.expit, unary, F32_64, make_args=_maker((-30.0, 30.0)),
           rtol=1e-13),
    OpSpec("logit", S.logit, sp.logit, unary, F32_64, make_args=_maker((0.01, 0.99)),
           rtol=1e-13),
    OpSpec("boxcox", S.boxcox, sp.boxcox, binary, F64,
           make_args=_maker((0.2, 4.0), (-1.5, 1.5)), rtol=1e-13),
    OpSpec("boxcox1p", S.boxcox1p, sp.boxcox1p, binary, F64,
           make_args=_maker((-0.8, 4.0), (-1.5, 1.5)), rtol=1e-13),
    OpSpec("softmax", lambda x: S.softmax(x, axis=-1), lambda x: sp.softmax(x, axis=-1),
           unary_shapes(min_rank=1, max_rank=2, max_side=3), F32_64, rtol=1e-13),
    OpSpec("log_softmax", S.log_softmax, sp.log_softmax,
           unary_shapes(min_rank=1, max_rank=2, max_side=3), F64, rtol=1e-13),
    OpSpec("logsumexp_axis", lambda a, b: S.logsumexp(a, axis=0, b=b),
           lambda a, b: sp.logsumexp(a, axis=0, b=b),
           broadcasting_shapes(2, max_rank=2).filter(lambda s: len(s[0]) >= 1 and
                                                     len(s[0]) >= len(s[1])),
           F64, make_args=_maker((-3.0, 3.0), (0.1, 2.0)), rtol=1e-13),
]

# float32 twins: values to float32 accuracy with float32 results and float32 tangents (the
# derivatives themselves are checked in float64 by the table)
FLOAT32_SPECS = [dataclasses.replace(s, name=s.name + "_f32", dtypes=(np.float32,), rtol=2e-5)
                 for s in SPECS if np.float32 in s.dtypes]
# second order through reverse mode only (vjp of vjp runs every jvp rule too, by linearize)
SPECS = [dataclasses.replace(s, dtypes=F64, grad_modes=("rev",) if s.grad_order == 2 else
                             s.grad_modes) for s in SPECS]

(test_matches_scipy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS, max_examples=2)


@pytest.mark.parametrize("spec", FLOAT32_SPECS, ids=[s.name for s in FLOAT32_SPECS])
def test_float32(spec: OpSpec) -> None:
    rng = np.random.default_rng(0)
    args = make_args(spec, rng, ((3,),) * getattr(spec.reference, "nin", 1), np.float32)
    with np.errstate(all="ignore"):
        check_reference(spec, args)
    if spec.name == "betainc_f32":  # not differentiable in a and b
        return
    floats = [i for i, a in enumerate(args) if np.asarray(a).dtype == np.float32]

    def fun(*xs: object) -> object:
        full = list(args)
        for i, x in zip(floats, xs):
            full[i] = x
        return spec.fun(*full)
    primals = tuple(args[i] for i in floats)
    out, out_dot = ft.jvp(fun, primals, primals)
    assert np.asarray(out).dtype == np.float32 and np.asarray(out_dot).dtype == np.float32


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_jit_matches_eager(spec: OpSpec) -> None:
    from hypothesis import given, settings

    @settings(max_examples=1, deadline=None)
    @given(spec_args(spec))
    def check(args: tuple) -> None:
        with np.errstate(all="ignore"):
            eager = spec.fun(*args)
            jitted = ft.jit(spec.fun)(*args)
        np.testing.assert_allclose(jitted, eager, rtol=1e-14, atol=1e-300)
    check()


TAILS = [  # (ours, SciPy's, arguments): far tails and edges, at full float64 accuracy
    (S.log_ndtr, sp.log_ndtr, [-40.0, -1e5, -1e150, -5.0, 0.0, 5.0, 40.0]),
    (S.ndtr, sp.ndtr, [-37.0, -20.0, -10.0, 0.0, 10.0]),
    (S.ndtri, sp.ndtri, [1e-300, 1e-100, 1e-20, 0.5, 1 - 1e-16, 1 - 1e-10, 0.0, 1.0, 1.5]),
    (S.i0e, sp.i0e, [1e4, -1e4, 1e300, 0.0, 30.0, 30.000001]),
    (S.i1e, sp.i1e, [1e4, -1e4, 1e300, 0.0, 30.0, 30.000001]),
    (S.erfcx, sp.erfcx, [1e5, 1e300, 26.0, -26.0]),
    (S.erfinv, sp.erfinv, [1 - 1e-16, -1 + 1e-16, 1.0, -1.0, 2.0]),
    (lambda x: S.gammaincc(1.0, x), lambda x: sp.gammaincc(1.0, x), [50.0, 600.0, 0.0]),
    (lambda x: S.gammainc(0.5, x), lambda x: sp.gammainc(0.5, x), [1e-300, 1e-10, 0.0]),
    (lambda x: S.betainc(2.0, 3.0, x), lambda x: sp.betainc(2.0, 3.0, x), [0.0, 1.0, 1e-200]),
    (lambda q: S.zeta(2.0, q), lambda q: sp.zeta(2.0, q), [-0.5, -2.5, 0.0, -1.0, 1e-5, 1e8]),
    (lambda s: S.zeta(s, 1.0), lambda s: sp.zeta(s, 1.0), [1.0, 0.5, 50.0, 1.0001]),
    (S.expi, sp.expi, [0.0, 1e-10, 300.0, -300.0]),
    (S.gamma, sp.gamma, [0.0, -2.0, 17.5, 172.0, -10.5]),
    (S.digamma, sp.digamma, [-2.0, 1e-10, 1e10]),
    (lambda x: S.expn(3, x), lambda x: sp.expn(3, x), [0.0, 700.0, -1.0]),
]


@pytest.mark.parametrize("case", range(len(TAILS)))
def test_tails_and_edges(case: int) -> None:
    ours, theirs, points = TAILS[case]
    x = np.array(points)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(ours(x), theirs(x), rtol=2e-14, atol=1e-300)


def test_parameter_edges_match_scipy() -> None:
    a = np.array([0.0, 0.0, 1.0, -1.0, 2.0, 2.0, np.nan])
    x = np.array([1.0, 0.0, -1.0, 1.0, np.inf, 0.0, 1.0])
    np.testing.assert_array_equal(S.gammainc(a, x), sp.gammainc(a, x))
    np.testing.assert_array_equal(S.gammaincc(a, x), sp.gammaincc(a, x))
    for ab in [(0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (-1.0, 1.0)]:
        xs = np.array([0.0, 0.5, 1.0, 1.5, -0.1])
        np.testing.assert_array_equal(S.betainc(*ab, xs), sp.betainc(*ab, xs))


def test_derivative_conventions() -> None:
    with pytest.raises(ValueError, match="a and b"):
        ft.grad(lambda a: S.betainc(a, 2.0, 0.5))(1.5)
    with pytest.raises(NotImplementedError, match="second derivative"):
        ft.grad(ft.grad(lambda a: S.gammainc(a, 2.0)))(1.5)
    # the mixed derivative d2P/da dx is closed-form
    h = 1e-6
    mixed = ft.grad(ft.grad(S.gammainc, 1), 0)(1.5, 2.0)
    expected = (ft.grad(S.gammainc, 1)(1.5 + h, 2.0) - ft.grad(S.gammainc, 1)(1.5 - h, 2.0)) / (
        2 * h)
    assert float(mixed) == pytest.approx(float(expected), rel=1e-6)
    check_grads(lambda s, q: S.zeta(s, q), (2.5, 1.5), 2, ("fwd", "rev"))
    check_grads(S.i1e, (0.0,), 2, ("fwd", "rev"))  # the 1/x of i1e' is safe at 0
    assert float(ft.grad(S.factorial)(3.0)) == pytest.approx(6 * sp.digamma(4.0))
    assert float(ft.grad(S.gammasgn)(-0.5)) == 0.0


def test_bernoulli_and_errors() -> None:
    np.testing.assert_allclose(S.bernoulli(12), sp.bernoulli(12), rtol=1e-10)
    assert S.bernoulli(12)[12] == -691 / 2730
    with pytest.raises(TypeError, match="non-negative"):
        S.bernoulli(-1)
    with pytest.raises(TypeError, match="positive"):
        S.multigammaln(2.0, 0)
    with pytest.raises(NotImplementedError, match="exact"):
        S.factorial(3, exact=True)
    with pytest.raises(TypeError, match="integer"):
        S.polygamma(np.array([1.0]), 2.0)


def test_logsumexp_where() -> None:
    a = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
    mask = np.array([[True, False, True], [False, False, False]])
    ours = S.logsumexp(a, axis=1, where=mask)
    np.testing.assert_allclose(ours, [sp.logsumexp([1.0, 3.0]), -np.inf])
    g = ft.grad(lambda v: S.logsumexp(v, where=mask))(a)
    np.testing.assert_allclose(g, np.where(mask, sp.softmax(np.where(mask, a, -np.inf)), 0.0))
