"""custom_jvp and custom_vjp: JAX's documentation examples under every transformation, rule
errors naming the custom function, nondiff_argnums, symbolic zeros, closures."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.custom_derivatives import (
    CustomDerivativeError,
    SymbolicZero,
    custom_jvp,
    custom_vjp,
)
from ftrans.test_util import check_grads

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered")

XS = np.array([-1000.0, -3.0, 0.0, 0.5, 4.0, 1000.0])


# ---------------------------------------------------------------------------------------------
# The examples: a stable log1pexp (custom_jvp), gradient clipping and a straight-through
# estimator (custom_vjp, and the estimator once more as a custom_jvp)
# ---------------------------------------------------------------------------------------------

@custom_jvp
def log1pexp(x):
    return fnp.log1p(fnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return log1pexp(x), x_dot * (1.0 - 1.0 / (1.0 + fnp.exp(x)))


def log1pexp_grad_reference(x):
    return 1.0 / (1.0 + np.exp(-x))  # sigmoid


@custom_vjp
def clip_gradient(lo, hi, x):
    return x


def clip_gradient_fwd(lo, hi, x):
    return x, (lo, hi)


def clip_gradient_bwd(res, g):
    lo, hi = res
    return (None, None, fnp.clip(g, lo, hi))


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


def clipped(x):
    return fnp.sin(clip_gradient(-0.75, 0.75, x)) * 3.0


def clipped_grad_reference(x):
    return np.clip(3.0 * np.cos(x), -0.75, 0.75)


@custom_vjp
def straight_through_round(x):
    return fnp.round(x)


straight_through_round.defvjp(lambda x: (fnp.round(x), None), lambda res, g: (g,))


@custom_jvp
def straight_through_round_jvp(x):
    return fnp.round(x)


straight_through_round_jvp.defjvp(
    lambda primals, tangents: (fnp.round(primals[0]), tangents[0]))


def ste_loss(x, ste):
    return ste(x) * x  # d/dx = round(x) + x * 1 under the estimator


def ste_grad_reference(x):
    return np.round(x) + x


def test_log1pexp_every_transformation():
    expected = log1pexp_grad_reference(XS)
    assert np.isnan(ft.grad(lambda x: fnp.log1p(fnp.exp(x)))(1000.0))  # the naive formula
    grad = ft.grad(log1pexp)
    for transformed in (ft.vmap(grad), ft.jit(ft.vmap(grad)), ft.vmap(ft.jit(grad)),
                        ft.grad(lambda x: fnp.sum(ft.vmap(log1pexp)(x))),
                        ft.grad(lambda x: fnp.sum(log1pexp(x))),
                        ft.grad(lambda x: fnp.sum(ft.jit(log1pexp)(x))),
                        ft.jit(ft.grad(lambda x: fnp.sum(log1pexp(x))))):
        np.testing.assert_allclose(transformed(XS), expected, rtol=1e-12)
    assert float(ft.jit(grad)(1000.0)) == 1.0
    # forward mode uses the rule directly
    out, out_dot = ft.jvp(log1pexp, (XS,), (np.ones_like(XS),))
    np.testing.assert_allclose(out_dot, expected)


def test_log1pexp_grad_of_grad_is_derivative_of_the_rule():
    x = np.array([-3.0, 0.0, 0.5, 4.0])
    expected = np.exp(x) / (1.0 + np.exp(x)) ** 2
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(log1pexp)))(x), expected)
    np.testing.assert_allclose(ft.jit(ft.vmap(ft.grad(ft.grad(log1pexp))))(x), expected)
    np.testing.assert_allclose(np.diag(ft.hessian(lambda x: fnp.sum(log1pexp(x)))(x)),
                               expected)
    check_grads(log1pexp, (x,), order=2)


def test_custom_jvp_value_is_the_primal_function():
    np.testing.assert_allclose(log1pexp(np.array([0.5, 2.0])), np.log1p(np.exp([0.5, 2.0])))
    np.testing.assert_allclose(ft.jit(log1pexp)(np.array([0.5, 2.0])),
                               np.log1p(np.exp([0.5, 2.0])))
    np.testing.assert_allclose(ft.vmap(log1pexp)(np.array([0.5, 2.0])),
                               np.log1p(np.exp([0.5, 2.0])))


def test_custom_jvp_is_transposable_through_its_linear_jvp():
    _, f_vjp = ft.vjp(log1pexp, XS)
    (ct,) = f_vjp(np.ones_like(XS))
    np.testing.assert_allclose(ct, log1pexp_grad_reference(XS))
    text = str(ft.make_jaxpr(ft.grad(log1pexp))(2.0))
    # the rule's tangent x_dot * (1 - 1 / (1 + exp(x))) was transposed, not the primal program
    assert text.count("custom_jvp_call") == 1 and "div" in text
    assert "call_jaxpr=" in str(ft.make_jaxpr(log1pexp)(2.0))  # staged with its program


def test_clip_gradient_every_transformation():
    x = np.array([-2.0, 0.0, 0.3, 1.0, 2.5])
    expected = clipped_grad_reference(x)
    grad = ft.grad(clipped)
    for transformed in (ft.vmap(grad), ft.jit(ft.vmap(grad)), ft.vmap(ft.jit(grad)),
                        ft.grad(lambda x: fnp.sum(ft.vmap(clipped)(x))),
                        ft.grad(lambda x: fnp.sum(clipped(x))),
                        ft.jit(ft.grad(lambda x: fnp.sum(clipped(x)))),
                        ft.grad(lambda x: fnp.sum(ft.jit(clipped)(x)))):
        np.testing.assert_allclose(transformed(x), expected)
    np.testing.assert_allclose(clipped(x), 3.0 * np.sin(x))
    np.testing.assert_allclose(ft.vmap(clipped)(x), 3.0 * np.sin(x))


def test_custom_vjp_grad_of_grad_differentiates_fwd_and_bwd():
    @custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (x ** 3, x), lambda x, g: (3.0 * x ** 2 * g,))
    assert float(ft.grad(ft.grad(cube))(2.0)) == 12.0
    np.testing.assert_allclose(ft.jacrev(ft.grad(lambda x: fnp.sum(cube(x))))(np.array([1.0, 2.0])),
                               np.diag([6.0, 12.0]))
    np.testing.assert_allclose(ft.hessian(lambda x: fnp.sum(cube(x)))(np.array([1.0, 2.0])),
                               np.diag([6.0, 12.0]))


@pytest.mark.parametrize("ste", [straight_through_round, straight_through_round_jvp],
                         ids=["custom_vjp", "custom_jvp"])
def test_straight_through_estimator(ste):
    x = np.array([-1.7, -0.2, 0.4, 1.6, 2.4])
    expected = ste_grad_reference(x)
    grad = ft.grad(lambda x: ste_loss(x, ste))
    for transformed in (ft.vmap(grad), ft.jit(ft.vmap(grad)),
                        ft.grad(lambda x: fnp.sum(ft.vmap(lambda y: ste_loss(y, ste))(x))),
                        ft.jit(ft.grad(lambda x: fnp.sum(ste_loss(x, ste))))):
        np.testing.assert_allclose(transformed(x), expected)
    np.testing.assert_allclose(ste(x), np.round(x))


# ---------------------------------------------------------------------------------------------
# Rule variants: several arguments, pytrees, nondiff_argnums, symbolic zeros, integers
# ---------------------------------------------------------------------------------------------

def test_custom_jvp_two_arguments_and_defjvps():
    @custom_jvp
    def f(x, y):
        return fnp.sin(x) * y

    f.defjvps(lambda x_dot, out, x, y: fnp.cos(x) * x_dot * y,
              lambda y_dot, out, x, y: fnp.sin(x) * y_dot)
    x, y = 0.7, 2.0
    gx, gy = ft.grad(f, argnums=(0, 1))(x, y)
    assert np.isclose(gx, np.cos(x) * y) and np.isclose(gy, np.sin(x))
    assert np.isclose(ft.grad(f, argnums=1)(x, y), np.sin(x))
    check_grads(f, (x, y), order=2)


def test_custom_jvp_pytree_arguments_and_outputs():
    @custom_jvp
    def f(params):
        return {"s": params["a"] * params["b"], "t": (params["a"],)}

    @f.defjvp
    def f_jvp(primals, tangents):
        (p,), (t,) = primals, tangents
        return f(p), {"s": 2.0 * (t["a"] * p["b"] + p["a"] * t["b"]), "t": (t["a"],)}

    g = ft.grad(lambda p: f(p)["s"] + f(p)["t"][0])({"a": 3.0, "b": 4.0})
    assert float(g["a"]) == 9.0 and float(g["b"]) == 6.0


def test_custom_jvp_nondiff_argnums():
    @custom_jvp
    def apply(fun, x):
        return fun(x)

    apply.nondiff_argnums = (0,)

    @apply.defjvp
    def apply_jvp(fun, primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return apply(fun, x), 10.0 * x_dot  # deliberately not fun's derivative

    assert float(ft.grad(lambda x: apply(fnp.sin, x))(1.0)) == 10.0
    np.testing.assert_allclose(ft.vmap(ft.grad(lambda x: apply(fnp.sin, x)))(np.ones(3)),
                               [10.0] * 3)
    np.testing.assert_allclose(ft.jit(ft.grad(lambda x: apply(fnp.sin, x)))(1.0), 10.0)


def test_custom_vjp_nondiff_argnums_and_keywords():
    def clip(lo, x, hi=1.0):
        return x

    clip_fn = custom_vjp(clip, nondiff_argnums=(0,))
    clip_fn.defvjp(lambda lo, x, hi: (x, hi),
                   lambda lo, hi, g: (fnp.clip(g, lo, hi), None))
    assert float(ft.grad(lambda x: 5.0 * clip_fn(-2.0, x, hi=3.0), )(1.0)) == 3.0
    assert float(ft.grad(lambda x: -5.0 * clip_fn(-2.0, x))(1.0)) == -2.0


def test_symbolic_zeros_reach_the_rule():
    seen = []

    @custom_jvp
    def f(x, y):
        return x * y

    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        seen.append((type(x_dot) is SymbolicZero, type(y_dot) is SymbolicZero))
        out = x_dot * y if type(y_dot) is SymbolicZero else x_dot * y + x * y_dot
        return f(x, y), out

    f.defjvp(f_jvp, symbolic_zeros=True)
    assert float(ft.grad(f)(2.0, 3.0)) == 3.0
    assert seen[-1] == (False, True)
    np.testing.assert_allclose(ft.vmap(ft.grad(f), in_axes=(0, None))(np.arange(3.0), 3.0),
                               [3.0] * 3)
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(ft.vmap(f, (0, None))(x, 3.0)))(
        np.arange(3.0)), [3.0] * 3)


def test_zero_tangents_are_instantiated_by_default():
    @custom_jvp
    def f(x, y):
        return x * y

    @f.defjvp
    def f_jvp(primals, tangents):
        assert all(isinstance(t, (np.ndarray, np.generic, ft.core.Tracer)) for t in tangents)
        (x, y), (x_dot, y_dot) = primals, tangents
        return f(x, y), x_dot * y + x * y_dot

    assert float(ft.grad(f)(2.0, 3.0)) == 3.0


def test_integer_arguments_and_outputs():
    @custom_vjp
    def scale(x, n):
        return x * n, n

    scale.defvjp(lambda x, n: ((x * n, n), n), lambda n, g: (g[0] * n, None))
    assert float(ft.grad(lambda x: scale(x, 3)[0])(2.0)) == 3.0


def test_closure_over_a_batched_value_is_batched():
    def outer(a, x):
        @custom_jvp
        def f(x):
            return a * fnp.sin(x)

        f.defjvp(lambda p, t: (f(p[0]), 100.0 * t[0]))
        return ft.grad(f)(x) + f(x)

    a = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ft.vmap(outer, (0, None))(a, 0.5), 100.0 + a * np.sin(0.5))


def test_closure_over_a_differentiated_value_is_an_error():
    def outer(a):
        @custom_jvp
        def f(x):
            return a * x

        f.defjvp(lambda p, t: (f(p[0]), t[0]))
        return f(2.0)

    with pytest.raises(CustomDerivativeError, match="closes over a value"):
        ft.grad(outer)(1.0)


# ---------------------------------------------------------------------------------------------
# Errors name the custom function
# ---------------------------------------------------------------------------------------------

def test_forward_mode_of_custom_vjp_is_a_clear_error():
    with pytest.raises(CustomDerivativeError,
                       match="can't apply forward-mode autodiff \\(jvp\\) to a custom_vjp "
                             "function: clip_gradient"):
        ft.jvp(lambda x: clip_gradient(-1.0, 1.0, x), (1.0,), (1.0,))
    with pytest.raises(CustomDerivativeError, match="forward-mode"):
        ft.jacfwd(lambda x: clip_gradient(-1.0, 1.0, x))(np.ones(2))
    with pytest.raises(CustomDerivativeError, match="forward-mode"):
        ft.jvp(ft.jit(lambda x: clip_gradient(-1.0, 1.0, x)), (1.0,), (1.0,))


def _vjp_with(bwd, fwd=None):
    @custom_vjp
    def my_function(x, y):
        return x * y

    my_function.defvjp(fwd or (lambda x, y: (x * y, (x, y))), bwd)
    return my_function


@pytest.mark.parametrize("bwd, message", [
    (lambda res, g: (g,), "one cotangent per differentiable argument \\(2\\)"),
    (lambda res, g: g, "must return a tuple"),
    (lambda res, g: (g, np.ones(3)), "leaf 1 has type f64\\[3\\], but f64\\[\\] was expected"),
    (lambda res, g: (g, ((g,),)), "has structure"),
    (lambda res, g: (g, "zero"), "not an array"),
])
def test_bad_bwd_is_a_clear_error(bwd, message):
    f = _vjp_with(bwd)
    with pytest.raises(CustomDerivativeError, match="bwd rule <lambda> of custom_vjp function "
                                                    "my_function"):
        ft.grad(f)(2.0, 3.0)
    with pytest.raises(CustomDerivativeError, match=message):
        ft.grad(f)(2.0, 3.0)


@pytest.mark.parametrize("fwd, message", [
    (lambda x, y: (np.ones(2), None), "f64\\[2\\], but f64\\[\\] was expected"),
    (lambda x, y: ((x * y, x), None), "has structure"),
    (lambda x, y: x * y, "must return a pair"),
    (lambda x, y: (x * y, "residual"), "residuals .* must be arrays"),
])
def test_bad_fwd_is_a_clear_error(fwd, message):
    f = _vjp_with(lambda res, g: (g, g), fwd)
    with pytest.raises(CustomDerivativeError, match="fwd rule <lambda> of custom_vjp function "
                                                    "my_function"):
        ft.grad(f)(2.0, 3.0)
    with pytest.raises(CustomDerivativeError, match=message):
        ft.grad(f)(2.0, 3.0)


@pytest.mark.parametrize("jvp, message", [
    (lambda p, t: (p[0], t[0], t[0]), "must return a pair"),
    (lambda p, t: (np.ones(2), t[0]), "primal output .* f64\\[2\\]"),
    (lambda p, t: (p[0], np.ones(2)), "tangent output .* f64\\[2\\]"),
    (lambda p, t: (p[0], (t[0],)), "has structure"),
])
def test_bad_jvp_rule_is_a_clear_error(jvp, message):
    @custom_jvp
    def my_function(x):
        return x

    my_function.defjvp(jvp)
    with pytest.raises(CustomDerivativeError, match="custom_jvp function my_function"):
        ft.grad(my_function)(2.0)
    with pytest.raises(CustomDerivativeError, match=message):
        ft.jvp(my_function, (2.0,), (1.0,))


def test_missing_rules_are_clear_errors():
    f = custom_jvp(lambda x: x)
    with pytest.raises(AttributeError, match="No jvp rule .* <lambda>"):
        f(1.0)
    g = custom_vjp(fnp.sin)
    with pytest.raises(AttributeError, match="No vjp rule .* sin"):
        ft.grad(g)(1.0)


# ---------------------------------------------------------------------------------------------
# Composition
# ---------------------------------------------------------------------------------------------

def test_custom_functions_inside_jit_inside_grad_compile_and_cache():
    f = ft.jit(lambda x: fnp.sum(clipped(x) + log1pexp(x)))
    x = np.array([0.3, 1.0])
    expected = clipped_grad_reference(x) + log1pexp_grad_reference(x)
    np.testing.assert_allclose(ft.grad(f)(x), expected)
    np.testing.assert_allclose(ft.grad(f)(x), expected)
    assert f.cache_size() == 1


def test_custom_vjp_under_vmap_with_unbatched_argument_sums_its_cotangent():
    @custom_vjp
    def mul(w, x):
        return w * x

    mul.defvjp(lambda w, x: (w * x, (w, x)), lambda res, g: (g * res[1], g * res[0]))
    x = np.array([1.0, 2.0, 3.0])
    g = ft.grad(lambda w: fnp.sum(ft.vmap(mul, (None, 0))(w, x)))(2.0)
    assert float(g) == 6.0
    gw, gx = ft.grad(lambda w, x: fnp.sum(ft.vmap(mul, (None, 0))(w, x)), (0, 1))(2.0, x)
    assert float(gw) == 6.0
    np.testing.assert_allclose(gx, [2.0] * 3)


def test_staged_programs_print_the_rules():
    text = str(ft.make_jaxpr(lambda x: clip_gradient(-1.0, 1.0, x))(1.0))
    assert "custom_vjp_call" in text and "fwd=clip_gradient_fwd" in text
    text = str(ft.make_jaxpr(ft.grad(lambda x: clip_gradient(-1.0, 1.0, x)))(1.0))
    assert "clip" in text or "max" in text


def test_custom_jvp_with_lax_and_float32():
    @custom_jvp
    def f(x):
        return lax.exp(x)

    f.defjvp(lambda p, t: (f(p[0]), t[0] * f(p[0])))
    x = np.float32(1.5)
    g = ft.grad(f)(x)
    assert g.dtype == np.float32 and np.isclose(g, np.exp(1.5))


def test_reverse_mode_checks_need_no_forward_mode():
    # check_grads(modes=("rev",)) of a custom_vjp function compares against finite
    # differences (its forward mode does not exist), to every order of its bwd rule
    @ft.custom_vjp
    def sine(x):
        return fnp.sin(x)

    sine.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (g * fnp.cos(x),))
    check_grads(sine, (np.array([0.4, -1.3]),), 2, ("rev",))

    @ft.custom_vjp
    def off_by_one_percent(x):
        return fnp.sin(x)

    off_by_one_percent.defvjp(lambda x: (fnp.sin(x), x),
                              lambda x, g: (1.01 * g * fnp.cos(x),))
    with pytest.raises(AssertionError, match="finite differences"):
        check_grads(off_by_one_percent, (0.4,), 1, ("rev",))
    # forward mode itself still says why it cannot run
    from ftrans.custom_derivatives import CustomVJPForwardModeError
    with pytest.raises(CustomVJPForwardModeError, match="forward-mode"):
        check_grads(sine, (0.4,), 1, ("fwd",))


# ------------------------------------------------------ Python control flow on concrete values

def _piecewise_with_rule():
    @ft.custom_jvp
    def g(x, scale):
        # Python branching on the value: the body cannot be traced to a program
        return scale * fnp.exp(x) if x < 0.5 else scale * fnp.log(x)

    @g.defjvp
    def g_jvp(primals, tangents):
        x, scale = primals
        x_dot, scale_dot = tangents
        out = g(x, scale)
        slope = scale * fnp.exp(x) if x < 0.5 else scale / x
        return out, slope * x_dot + out / scale * scale_dot
    return g


@pytest.mark.parametrize("x", [0.25, 2.0])
def test_custom_jvp_with_python_branching_on_concrete_values(x: float) -> None:
    g = _piecewise_with_rule()
    exact = (lambda x, s: s * np.exp(x)) if x < 0.5 else (lambda x, s: s * np.log(x))
    d_x = (lambda x, s: s * np.exp(x)) if x < 0.5 else (lambda x, s: s / x)
    d_xx = (lambda x, s: s * np.exp(x)) if x < 0.5 else (lambda x, s: -s / x ** 2)
    np.testing.assert_allclose(g(x, 3.0), exact(x, 3.0))
    np.testing.assert_allclose(ft.grad(g)(x, 3.0), d_x(x, 3.0))
    np.testing.assert_allclose(ft.grad(g, 1)(x, 3.0), exact(x, 1.0))
    np.testing.assert_allclose(ft.jvp(g, (x, 3.0), (1.0, 0.0))[1], d_x(x, 3.0))
    np.testing.assert_allclose(ft.grad(ft.grad(g))(x, 3.0), d_xx(x, 3.0))  # the rule, twice
    np.testing.assert_allclose(ft.jacfwd(g)(x, 3.0), d_x(x, 3.0))
    np.testing.assert_allclose(ft.hessian(g)(x, 3.0), d_xx(x, 3.0))


def test_custom_jvp_branching_still_refused_on_abstract_values() -> None:
    g = _piecewise_with_rule()
    with pytest.raises(ft.errors.TracerBoolConversionError):
        ft.jit(g)(1.0, 2.0)
    with pytest.raises(ft.errors.TracerBoolConversionError):
        ft.jit(ft.grad(g))(1.0, 2.0)
    with pytest.raises(ft.errors.TracerBoolConversionError):
        ft.vmap(g, in_axes=(0, None))(np.ones(2), 2.0)


def test_custom_jvp_branching_with_pytree_and_nondiff_args() -> None:
    @functools.partial(ft.custom_jvp, nondiff_argnums=(0,))
    def h(power, p):
        return p["a"] ** power if p["a"] > 0 else -p["b"]

    @h.defjvp
    def h_jvp(power, primals, tangents):
        (p,), (t,) = primals, tangents
        if p["a"] > 0:
            return h(power, p), power * p["a"] ** (power - 1) * t["a"]
        return h(power, p), -t["b"]
    g = ft.grad(lambda p: h(3, p))({"a": 2.0, "b": 5.0})
    assert g["a"] == 12.0 and g["b"] == 0.0
    g = ft.grad(lambda p: h(3, p))({"a": -2.0, "b": 5.0})
    assert g["a"] == 0.0 and g["b"] == -1.0
