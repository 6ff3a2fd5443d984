"""The extension API (ftrans.extend) and the three example transformations built on it.

The composition claims of docs/extending.md are checked here: a custom primitive under the
built-in transformations and their nestings; interval bounds of grad(f) and vmap(f) containing
every sampled value; FLOP counts of f, grad(f) and vmap(f) against hand counts; inverses that
grad, vmap and jit apply to; and the missing-rule error when a new transformation meets jit,
cond or scan.
"""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

import ftrans as ft
import ftrans.lax as lax
import ftrans.numpy as fnp
from ftrans import extend
from ftrans.test_util import check_grads

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"ftrans_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


interval_example = _load_example("interval")
flops_example = _load_example("count_flops")
inverse_example = _load_example("inverse")
interval = interval_example.interval
count_flops = flops_example.count_flops
inverse = inverse_example.inverse


# ---------------------------------------------------------------------------------------------
# The module itself
# ---------------------------------------------------------------------------------------------


def test_every_exported_name_exists():
    for name in extend.__all__:
        assert hasattr(extend, name), name


def test_exports_are_the_library_objects():
    from ftrans.core import Primitive, Trace
    from ftrans.interpreters import batching, jvp, transpose
    from ftrans.ir import eval_jaxpr

    assert extend.Primitive is Primitive and extend.Trace is Trace
    assert extend.jvp_rules is jvp.jvp_rules
    assert extend.transpose_rules is transpose.transpose_rules
    assert extend.batching_rules is batching.batching_rules
    assert extend.eval_jaxpr is eval_jaxpr
    assert extend.MissingRuleError is ft.MissingRuleError


def test_interpret_with_bind_eqn_is_evaluation():
    closed = ft.make_jaxpr(lambda x, y: fnp.sin(x) * y + 2.0)(0.5, np.ones(3))
    got = extend.interpret(closed, extend.bind_eqn, 0.5, np.arange(3.0))
    np.testing.assert_allclose(got[0], np.sin(0.5) * np.arange(3.0) + 2.0)
    again = extend.interpret(closed.jaxpr, extend.bind_eqn, 0.5, np.arange(3.0),
                             consts=closed.consts)
    np.testing.assert_allclose(again[0], got[0])


def test_interpret_passes_values_through_the_rule():
    closed = ft.make_jaxpr(lambda x: fnp.exp(x) + 1.0)(0.0)
    seen = []

    def rule(eqn, invals):
        seen.append((eqn.primitive.name, invals))
        return ["out"]

    assert extend.interpret(closed, rule, "in") == ["out"]
    assert seen == [("exp", ["in"]), ("add", ["out", 1.0])]


def test_interpret_errors():
    closed = ft.make_jaxpr(lambda x: x + 1.0)(0.0)
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        extend.interpret(closed, extend.bind_eqn, 1.0, 2.0)
    with pytest.raises(TypeError, match="returned 2 values for 1 outputs"):
        extend.interpret(closed, lambda eqn, invals: [1.0, 2.0], 1.0)


def test_interpret_is_a_loop_over_long_programs():
    n = 100_000
    aval = extend.ShapedArray((), np.float64)
    x = extend.Var(aval)
    eqns, v = [], x
    for _ in range(n):
        out = extend.Var(aval)
        eqns.append(extend.JaxprEqn(lax.neg_p, [v], {}, [out]))
        v = out
    program = extend.Jaxpr([], [x], eqns, [v])
    count = [0]

    def rule(eqn, invals):
        count[0] += 1
        return [-invals[0]]

    assert extend.interpret(program, rule, 3.0) == [3.0]
    assert count[0] == n


# ---------------------------------------------------------------------------------------------
# A custom primitive under the built-in transformations
# ---------------------------------------------------------------------------------------------


def _fma_abstract_eval(x, y, z):
    return x.update(shape=np.broadcast_shapes(x.shape, y.shape, z.shape))


fma_p = extend.Primitive("test_fma", impl=lambda x, y, z: x * y + z,
                         abstract_eval=_fma_abstract_eval)


def fma(x, y, z):
    return fma_p.bind(x, y, z)


def _fma_transpose(ct, x, y, z):
    if extend.is_undefined(x) and extend.is_undefined(y):
        raise extend.NonLinearError("fma is not linear in x and y together")
    zero = np.zeros((), ct.dtype)
    return [extend.unbroadcast(fma(ct, y, zero), x.aval) if extend.is_undefined(x) else None,
            extend.unbroadcast(fma(x, ct, zero), y.aval) if extend.is_undefined(y) else None,
            extend.unbroadcast(ct, z.aval) if extend.is_undefined(z) else None]


extend.defjvp(fma_p,
              lambda g, ans, x, y, z: fma(g, y, np.zeros((), ans.dtype)),
              lambda g, ans, x, y, z: fma(x, g, np.zeros((), ans.dtype)),
              lambda g, ans, x, y, z: g)
extend.transpose_rules[fma_p] = _fma_transpose
extend.defbroadcasting(fma_p)

bare_p = extend.Primitive("test_bare", impl=np.sin, abstract_eval=lambda x: x)


def with_fma(x):
    return fnp.sum(fma(fnp.sin(x), x, fnp.exp(x) * 0.5))


def reference(x):  # the same function without the custom primitive
    return fnp.sum(fnp.sin(x) * x + fnp.exp(x) * 0.5)


def _per_row(f):
    return ft.vmap(f)


COMPOSITIONS = {
    "eval": lambda f: f,
    "jit": ft.jit,
    "grad": ft.grad,
    "jit(grad)": lambda f: ft.jit(ft.grad(f)),
    "grad(jit)": lambda f: ft.grad(ft.jit(f)),
    "vmap": _per_row,
    "vmap(grad)": lambda f: ft.vmap(ft.grad(f)),
    "jit(vmap(grad))": lambda f: ft.jit(ft.vmap(ft.grad(f))),
    "vmap(jit(grad))": lambda f: ft.vmap(ft.jit(ft.grad(f))),
    "grad(grad)": lambda f: ft.grad(lambda x: ft.grad(f)(x).sum()),
    "hessian": ft.hessian,
    "jacfwd(jit(grad))": lambda f: ft.jacfwd(ft.jit(ft.grad(f))),
    "jacrev": lambda f: ft.jacrev(ft.grad(f)),
    "vmap(vmap)": lambda f: ft.vmap(ft.vmap(f)),
}


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_custom_primitive_composes(name):
    transform = COMPOSITIONS[name]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3)) if name.startswith("vmap") else rng.normal(size=3)
    if name == "vmap(vmap)":
        x = rng.normal(size=(2, 2, 3))
    got, want = transform(with_fma)(x), transform(reference)(x)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_custom_primitive_numerical_gradients():
    check_grads(lambda x, y, z: fnp.sum(fma(x, y, z) ** 2),
                (np.array([0.3, -1.2]), np.array([0.7, 2.0]), np.array([1.0, 0.1])), order=2)


def test_custom_primitive_broadcasts_under_grad_and_vmap():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ft.grad(lambda s: fnp.sum(fma(s, x, 1.0)))(2.0), 6.0)
    out = ft.vmap(lambda s: fma(s, x, np.zeros(3)))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(out, [x, 2 * x])


@pytest.mark.parametrize("api, transformation", [
    (lambda f: ft.grad(lambda x: fnp.sum(f(x))), "jvp"), (ft.vmap, "vmap"),
    (interval, "interval"), (count_flops, "count_flops"), (inverse, "inverse")])
def test_missing_rule_names_primitive_and_transformation(api, transformation):
    x = np.array([0.5, 0.7])
    args = (x, x + 1.0) if api is interval else (x,)
    with pytest.raises(extend.MissingRuleError) as info:
        api(lambda x: bare_p.bind(x) * 2.0)(*args)
    assert info.value.primitive is bare_p and info.value.transformation == transformation
    assert "test_bare" in str(info.value) and transformation in str(info.value)


# ---------------------------------------------------------------------------------------------
# Interval arithmetic
# ---------------------------------------------------------------------------------------------

W1 = np.array([[0.5, -1.0, 0.3], [1.2, 0.4, -0.7]])
W2 = np.array([0.8, -1.5])

INTERVAL_FUNCTIONS = {
    "sin_pow_exp": lambda x: fnp.sum(fnp.sin(x) * x ** 2 + fnp.exp(-x)),
    "mlp": lambda x: fnp.sum(fnp.tanh(fnp.dot(W2, fnp.tanh(fnp.dot(W1, x) + 0.1)))),
    "cos_div_abs": lambda x: fnp.sum(fnp.cos(x) / (2.0 + x ** 2) + fnp.abs(x - 0.2)),
    "relu_logistic": lambda x: fnp.sum(fnp.maximum(x, 0.0) * lax.logistic(x)),
    "where_cube": lambda x: fnp.sum(fnp.where(x > 0.1, x ** 3, -x) * fnp.sqrt(x ** 2 + 1.0)),
}


def _box(rng, batch=()):
    center = rng.normal(size=batch + (3,))
    width = rng.uniform(0.05, 1.5, size=batch + (3,))
    return center - width, center + width


def _samples(rng, lo, hi, n=64):
    u = rng.uniform(size=(n,) + lo.shape)
    u[0], u[1] = 0.0, 1.0  # two corners too
    return lo + u * (hi - lo)


def _assert_contains(bounds, values):
    lo, hi = (np.asarray(b) for b in bounds)
    slack = 1e-9 * (1.0 + np.abs(values))
    assert np.all(lo - slack <= values), (lo, values.min(axis=0))
    assert np.all(values <= hi + slack), (hi, values.max(axis=0))


@pytest.mark.parametrize("name", INTERVAL_FUNCTIONS)
@pytest.mark.parametrize("transform", ["f", "grad", "jit(grad)"])
def test_interval_contains_samples(name, transform):
    f = INTERVAL_FUNCTIONS[name]
    g = {"f": f, "grad": ft.grad(f), "jit(grad)": ft.jit(ft.grad(f))}[transform]
    rng = np.random.default_rng(1)
    for _ in range(3):
        lo, hi = _box(rng)
        values = np.stack([g(x) for x in _samples(rng, lo, hi)])
        _assert_contains(interval(g)(lo, hi), values)


@pytest.mark.parametrize("name", INTERVAL_FUNCTIONS)
def test_interval_of_vmap_and_vmap_of_interval(name):
    f = INTERVAL_FUNCTIONS[name]
    rng = np.random.default_rng(2)
    lo, hi = _box(rng, batch=(4,))
    values = np.stack([ft.vmap(f)(x) for x in _samples(rng, lo, hi)])
    outer = interval(ft.vmap(f))(lo, hi)
    _assert_contains(outer, values)
    inner = ft.vmap(interval(f))(lo, hi)
    _assert_contains(inner, values)
    grads = np.stack([ft.vmap(ft.grad(f))(x) for x in _samples(rng, lo, hi)])
    _assert_contains(interval(ft.vmap(ft.grad(f)))(lo, hi), grads)


def test_interval_is_exact_for_monotone_functions_and_points():
    lo, hi = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    out_lo, out_hi = interval(lambda x: fnp.exp(x) + 2.0 * x)(lo, hi)
    np.testing.assert_allclose(out_lo, np.exp(lo) + 2 * lo)
    np.testing.assert_allclose(out_hi, np.exp(hi) + 2 * hi)
    point = np.array([0.3, -0.2])
    f = INTERVAL_FUNCTIONS["sin_pow_exp"]
    np.testing.assert_allclose(interval(f)(point, point), (f(point), f(point)))
    assert interval(lambda x: fnp.sin(x))(0.0, 10.0) == (-1.0, 1.0)


def test_interval_of_jit_and_jit_of_interval():
    f = INTERVAL_FUNCTIONS["mlp"]
    lo, hi = np.array([-0.5, 0.0, 0.2]), np.array([0.5, 0.3, 0.9])
    expected = interval(f)(lo, hi)
    np.testing.assert_allclose(interval(ft.jit(f))(lo, hi), expected)
    np.testing.assert_allclose(ft.jit(interval(f))(lo, hi), expected)


# ---------------------------------------------------------------------------------------------
# FLOP counting
# ---------------------------------------------------------------------------------------------


def _sin_times(x):
    return fnp.sum(fnp.sin(x) * x)


def test_flops_of_f_by_hand():
    n = 5
    cost = count_flops(_sin_times)(np.ones(n))
    assert cost["flops"] == 3 * n  # sin, mul, sum: one operation per element each
    assert cost["by_primitive"] == {"sin": n, "mul": n, "reduce_sum": n}
    assert cost["bytes_read"] == 8 * (n + 2 * n + n)  # sin reads x; mul reads two; sum one
    assert cost["bytes_written"] == 8 * (n + n + 1)


def test_flops_of_grad_by_hand():
    n = 5
    cost = count_flops(ft.grad(_sin_times))(np.ones(n))
    # forward: sin, mul, sum (3n); sin's derivative: cos (n); backward: the cotangent 1.0
    # broadcast (no arithmetic), three products and one sum of the two cotangents of x (4n)
    assert cost["flops"] == 8 * n
    assert cost["by_primitive"] == {"sin": n, "cos": n, "mul": 4 * n, "reduce_sum": n,
                                    "broadcast_in_dim": 0, "add_any": n}


def test_flops_of_vmap_by_hand():
    batch, n = 4, 5
    cost = count_flops(ft.vmap(_sin_times))(np.ones((batch, n)))
    assert cost["flops"] == batch * 3 * n


def test_flops_of_dot_and_its_gradient_by_hand():
    m, k = 3, 5
    w = np.ones((m, k))

    def f(x):
        return fnp.sum(fnp.tanh(fnp.dot(w, x)))

    assert count_flops(f)(np.ones(k))["flops"] == 2 * m * k + m + m  # dot, tanh, sum
    # + tanh's derivative 1 - t*t (2m), the broadcast cotangent times it (m), and the
    # transposed dot w^T ct (2mk)
    assert count_flops(ft.grad(f))(np.ones(k))["flops"] == 4 * m * k + 5 * m
    batched = count_flops(ft.vmap(f))(np.ones((7, k)))
    assert batched["flops"] == 7 * (2 * m * k + 2 * m)


def test_flops_descend_into_jit_calls():
    x = np.ones(5)
    plain = count_flops(_sin_times)(x)
    assert count_flops(ft.jit(_sin_times))(x) == plain
    assert count_flops(lambda x: ft.jit(ft.jit(_sin_times))(x))(x) == plain
    assert count_flops(ft.jit(ft.grad(_sin_times)))(x) == count_flops(ft.grad(_sin_times))(x)


# ---------------------------------------------------------------------------------------------
# Inverse
# ---------------------------------------------------------------------------------------------


def _affine_exp(x):
    return fnp.exp(3.0 * x + 1.0) / 2.0


def _shuffle(x):
    return fnp.reshape(fnp.transpose(fnp.reshape(fnp.tanh(x * 0.5) ** 3, (2, 3))), (6,))


@pytest.mark.parametrize("f", [_affine_exp, _shuffle, lambda x: fnp.log1p(fnp.sqrt(x)) - 2.0])
def test_inverse_round_trip(f):
    x = np.array([0.1, 0.4, 0.9, 1.3, 0.2, 0.7])
    np.testing.assert_allclose(inverse(f)(f(x)), x, rtol=1e-10)


def test_inverse_composes_with_grad_vmap_and_jit():
    x = np.array([0.1, 0.2, 0.3])
    y = _affine_exp(x)
    np.testing.assert_allclose(inverse(ft.jit(_affine_exp))(y), x)
    np.testing.assert_allclose(ft.jit(inverse(_affine_exp))(y), x)
    np.testing.assert_allclose(ft.vmap(inverse(_affine_exp))(y), x)
    np.testing.assert_allclose(ft.grad(inverse(_affine_exp))(_affine_exp(0.2)),
                               1.0 / ft.grad(_affine_exp)(0.2))
    np.testing.assert_allclose(inverse(inverse(_affine_exp))(x), y)


def test_inverse_rejects_non_invertible_programs():
    with pytest.raises(ValueError, match="cannot invert 'mul'"):
        inverse(lambda x: x * x)(2.0)
    with pytest.raises(ValueError, match="does not depend on its input"):
        inverse(lambda x: np.float64(1.0) + 0.0)(2.0)
    with pytest.raises(extend.MissingRuleError, match="'sin' has no inverse rule"):
        inverse(fnp.sin)(0.5)


# ---------------------------------------------------------------------------------------------
# New transformations meeting jit, cond and scan
# ---------------------------------------------------------------------------------------------


def _calls_jit(x):
    return ft.jit(lambda v: fnp.exp(v) * 2.0)(x) + 1.0


def _calls_cond(x):
    return lax.cond(fnp.sum(x) > 0.0, lambda v: v * 2.0, lambda v: fnp.exp(v), x) + 1.0


def _calls_scan(x):  # running sums: invertible, like the other two
    _, sums = lax.scan(lambda c, v: (c + v, c + v), 0.0, x)
    return sums * 2.0


CALLERS = {"jit": _calls_jit, "cond": _calls_cond, "scan": _calls_scan}


def _check_interval(f, x):
    lo, hi = x - 0.1, x + 0.1
    _assert_contains(interval(f)(lo, hi), np.stack([f(s) for s in _samples(
        np.random.default_rng(3), lo, hi, 16)]))


def _check_count_flops(f, x):
    assert count_flops(f)(x)["flops"] > 0


def _check_inverse(f, x):
    np.testing.assert_allclose(inverse(f)(f(x)), x)


CHECKS = {"interval": _check_interval, "count_flops": _check_count_flops,
          "inverse": _check_inverse}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("transformation", CHECKS)
def test_new_transformations_with_higher_order_primitives(caller, transformation):
    if caller != "jit" and not hasattr(lax, caller):
        pytest.skip(f"ftrans.lax has no {caller} yet")
    x = np.array([0.3, 0.5, 0.9])
    try:
        CHECKS[transformation](CALLERS[caller], x)
    except extend.MissingRuleError as err:
        assert caller != "jit", "every example handles jit calls"
        assert err.transformation == transformation
        assert err.primitive.name in str(err) and transformation in str(err)
