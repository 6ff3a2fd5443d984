"""Trace.inline and inline_rules: a transformation with rules for first-order primitives only
(the interval example, examples/interval.py) runs through jit, checkpoint, cond, scan and
while_loop, by interpreting their programs with its own rules."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import extend, lax

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "interval.py"


@pytest.fixture(scope="module")
def interval():
    spec = importlib.util.spec_from_file_location("interval_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.interval


def f(x):
    return fnp.sum(fnp.sin(x) * x ** 2 + fnp.exp(-x))


LO, HI = np.array([0.0, 1.0]), np.array([0.5, 1.5])


def test_every_call_like_primitive_has_an_inline_rule():
    for p in (lax.jit_p, lax.cond_p, lax.scan_p, lax.while_p, ft.checkpoint.__globals__["remat_p"]):
        assert p in extend.inline_rules, p


def test_jit_and_checkpoint_give_the_eager_bounds(interval):
    eager = interval(f)(LO, HI)
    for g in (ft.jit(f), ft.checkpoint(f), ft.jit(ft.jit(f))):
        np.testing.assert_allclose(interval(g)(LO, HI), eager)


def test_cond_takes_the_branch_an_exact_predicate_picks(interval):
    g = lambda x: lax.cond(fnp.min(x) > 0, fnp.log, fnp.exp, x)  # noqa: E731
    lo, hi = interval(g)(LO + 1, HI + 1)  # x > 0 surely: the log branch
    np.testing.assert_allclose(lo, np.log(LO + 1))
    np.testing.assert_allclose(hi, np.log(HI + 1))
    lo, hi = interval(ft.jit(g))(LO - 3, HI - 3)  # x > 0 surely not: exp, also under jit
    np.testing.assert_allclose((lo, hi), (np.exp(LO - 3), np.exp(HI - 3)))


def test_cond_on_an_undecided_predicate_asks_for_a_concrete_value(interval):
    g = lambda x: lax.cond(fnp.min(x) > 0.25, fnp.log, fnp.exp, x)  # noqa: E731
    with pytest.raises(ft.ConcretizationError):
        interval(g)(LO + 0.1, HI)


def test_scan_bounds_each_step(interval):
    h = lambda x: lax.scan(lambda c, xi: (c * xi + 1.0, c), 1.0, x)  # noqa: E731
    (c_lo, ys_lo), (c_hi, ys_hi) = interval(h)(np.array([1.0, 1.0]), np.array([1.5, 1.0]))
    assert (float(c_lo), float(c_hi)) == (3.0, 3.5)  # 1 -> [2, 2.5] -> [3, 3.5]
    np.testing.assert_allclose(ys_lo, [1.0, 2.0])
    np.testing.assert_allclose(ys_hi, [1.0, 2.5])
    # an exact box gives the exact value, forwards and in reverse, under jit too
    x = np.array([0.5, 2.0, -1.0])
    for reverse in (False, True):
        k = lambda x, r=reverse: lax.scan(lambda c, xi: (c * xi + 1.0, c), 1.0, x, reverse=r)  # noqa: E731
        lo, hi = interval(ft.jit(k))(x, x)
        expected = k(x)
        for a, b, e in zip(lo, hi, expected):
            np.testing.assert_allclose(a, e)
            np.testing.assert_allclose(b, e)


def test_while_loop_runs_while_the_exact_condition_holds(interval):
    w = lambda x: lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 2.0), (0, x))  # noqa: E731
    (n_lo, lo), (n_hi, hi) = interval(w)(LO, HI)
    assert int(n_lo) == int(n_hi) == 5
    np.testing.assert_allclose((lo, hi), (LO * 32, HI * 32))


def test_inline_without_a_rule_names_the_primitive():
    p = extend.Primitive("opaque_call", impl=lambda x: x, abstract_eval=lambda a: a)
    trace = extend.EvalTrace(None, "a test")
    with pytest.raises(extend.MissingRuleError, match="opaque_call"):
        trace.inline(p, (1.0,), {})
