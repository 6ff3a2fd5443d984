"""The foundation: tracing, the trace context, programs, errors."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.core import (
    ConcretizationError, EscapedTracerError, MissingRuleError, Primitive, ShapedArray,
    current_trace, eval_trace,
)
from ftrans.ir import JaxprTypeError, eval_jaxpr, typecheck


def seed(x, y):
    return (x + y) * (x - y)


def test_make_jaxpr_prints_the_seed_program():
    closed = ft.make_jaxpr(seed)(3.0, 2.0)
    assert str(closed) == (
        "{ lambda ; a:f64[] b:f64[]. let\n"
        "    c:f64[] = add a b\n"
        "    d:f64[] = sub a b\n"
        "    e:f64[] = mul c d\n"
        "  in (e,) }")
    assert eval_jaxpr(closed.jaxpr, closed.consts, 3.0, 2.0) == [5.0]
    assert closed(3.0, 2.0) == [5.0]


def test_constants_and_literals():
    table = np.arange(6.0).reshape(2, 3)
    closed = ft.make_jaxpr(lambda x: x * table + 2.0)(np.ones((2, 3)))
    text = str(closed)
    assert text.startswith("{ lambda a:f64[2,3] ; b:f64[2,3]. let")
    assert "add c 2.0" in text
    assert closed.consts[0] is table
    np.testing.assert_allclose(closed(np.ones((2, 3)))[0], table + 2.0)


def test_make_jaxpr_static_argnums_and_params():
    closed = ft.make_jaxpr(lambda x, n: lax.integer_pow(x, n), static_argnums=1)(
        np.ones(3, np.float32), 3)
    assert "integer_pow[y=3] a" in str(closed)
    assert "f32[3]" in str(closed)


def test_make_jaxpr_pytrees_and_multiple_outputs():
    closed = ft.make_jaxpr(lambda d: (d["a"] * 2.0, d["b"]))({"a": 1.0, "b": np.zeros(2)})
    assert len(closed.jaxpr.invars) == 2
    assert str(closed).endswith("in (c, b) }")


def test_outside_transforms_values_are_plain_numpy():
    x = np.linspace(0.1, 1.0, 4)
    out = fnp.sin(x) * 2.0 + fnp.exp(x)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, np.sin(x) * 2.0 + np.exp(x))
    assert isinstance(fnp.sin(np.float64(1.0)), np.float64)


@pytest.mark.parametrize("transform, arg", [
    (lambda f: ft.make_jaxpr(f), np.ones(3)),
    (lambda f: ft.grad(f), 1.0),
    (lambda f: ft.vmap(f), np.ones(3)),
    (lambda f: (lambda x: ft.jvp(f, (x,), (x,))), 1.0),
    (lambda f: ft.grad(ft.grad(f)), 1.0),
    (lambda f: ft.vmap(ft.grad(f)), np.ones(3)),
    (lambda f: ft.jacrev(f), np.ones(3)),
], ids=["make_jaxpr", "grad", "vmap", "jvp", "grad_grad", "vmap_grad", "jacrev"])
def test_exception_leaves_trace_context_clean(transform, arg):
    def bad(x):
        fnp.sin(x)
        raise RuntimeError("user error")

    with pytest.raises(RuntimeError, match="user error"):
        transform(bad)(arg)
    assert current_trace() is eval_trace
    # the next call works
    assert ft.grad(lambda x: x * x)(3.0) == 6.0
    np.testing.assert_allclose(ft.vmap(fnp.sin)(np.arange(3.0)), np.sin(np.arange(3.0)))


def test_tracing_is_thread_safe():
    barrier = threading.Barrier(2)
    results = {}

    def work(name, fun, arg):
        def f(x):
            barrier.wait()  # both threads are inside their traces at once
            y = fun(x)
            barrier.wait()
            return y
        results[name] = (str(ft.make_jaxpr(f)(arg)), ft.grad(lambda x: fun(x).sum())(arg))

    t1 = threading.Thread(target=work, args=("sin", fnp.sin, np.ones(2)))
    t2 = threading.Thread(target=work, args=("exp", fnp.exp, np.ones(3)))
    t1.start()
    t2.start()
    t1.join(10)
    t2.join(10)
    assert "sin" in results["sin"][0] and "exp" not in results["sin"][0]
    assert "exp" in results["exp"][0] and "sin" not in results["exp"][0]
    np.testing.assert_allclose(results["sin"][1], np.cos(np.ones(2)))
    np.testing.assert_allclose(results["exp"][1], np.exp(np.ones(3)))


def test_long_chain_without_recursion_error():
    n = 100_000

    def chain(x):
        for _ in range(n):
            x = x * 1.0000001
        return x

    closed = ft.make_jaxpr(chain)(1.0)
    assert len(closed.eqns) == n
    np.testing.assert_allclose(closed(1.0)[0], 1.0000001 ** n)
    np.testing.assert_allclose(ft.grad(chain)(1.0), 1.0000001 ** n)


def test_escaped_tracer_is_reported():
    leaked = []

    def f(x):
        leaked.append(x)
        return x

    ft.make_jaxpr(f)(1.0)
    with pytest.raises(EscapedTracerError, match="make_jaxpr"):
        fnp.sin(leaked[0])
    leaked.clear()
    ft.grad(f)(1.0)
    with pytest.raises(EscapedTracerError):
        fnp.sin(leaked[0]) + 1.0


def test_concretization_errors_name_the_transformation():
    with pytest.raises(ConcretizationError, match="vmap"):
        ft.vmap(lambda x: 1.0 if x > 0 else 0.0)(np.ones(3))
    with pytest.raises(ConcretizationError, match="make_jaxpr"):
        ft.make_jaxpr(lambda x: float(x))(1.0)
    with pytest.raises(ConcretizationError, match="ftrans.numpy"):
        ft.make_jaxpr(lambda x: np.asarray(x))(1.0)


def test_concrete_primals_under_autodiff():
    def f(x):
        if x > 0:  # a Python branch on the primal value, as in plain NumPy
            return x ** 2
        return -x

    assert ft.grad(f)(3.0) == 6.0
    assert ft.grad(f)(-3.0) == -1.0

    def newton_sqrt(a):
        x = a
        while abs(x * x - a) > 1e-12:  # bool() of a comparison: control flow is fine
            x = 0.5 * (x + a / x)
        return x

    np.testing.assert_allclose(ft.grad(newton_sqrt)(4.0), 0.25)


CONVERSIONS = {
    "float()": float, "complex()": complex, "item()": lambda x: x.item(),
    "tolist()": lambda x: x.tolist(), "float()_via_math": math.sin,
}


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
@pytest.mark.parametrize("transform", ["grad", "jacfwd", "jacrev", "jvp", "hessian", "vjp"])
def test_python_numbers_of_differentiated_values_are_refused(name, transform):
    """A Python number would silently drop the derivative (math.sin(x) under grad gave 0)."""
    convert = CONVERSIONS[name]

    def f(x):
        return convert(x) * 1.0 + x * 0.0

    run = {"grad": lambda: ft.grad(f)(1.5), "jacfwd": lambda: ft.jacfwd(f)(1.5),
           "jacrev": lambda: ft.jacrev(f)(1.5), "jvp": lambda: ft.jvp(f, (1.5,), (1.0,)),
           "hessian": lambda: ft.hessian(f)(1.5), "vjp": lambda: ft.vjp(f, 1.5)}[transform]
    word = name.split("_")[0].replace("()", r"\(\)")
    with pytest.raises(ft.ConcretizationError, match=rf"{word} was called on f64\[\], a value "
                       r"being differentiated .*stop_gradient"):
        run()
    assert ft.grad(lambda x: x * x)(3.0) == 6.0  # nothing left behind


def test_python_numbers_of_constants_and_control_flow_stay_allowed():
    assert ft.grad(lambda x: x * float(ft.lax.stop_gradient(x)))(3.0) == 3.0
    assert ft.grad(lambda x: x * int(x))(3.5) == 3.0  # int() is piecewise constant, as in JAX
    assert ft.grad(lambda x: x if bool(x) else -x)(2.0) == 1.0
    assert ft.grad(lambda x: x * math.sin(2.0))(1.0) == math.sin(2.0)
    assert float(ft.jvp(lambda x: x * 2, (1.0,), (1.0,))[0]) == 2.0


def test_tracer_behaves_like_an_array():
    seen = {}

    def f(x):
        seen.update(shape=x.shape, dtype=x.dtype, ndim=x.ndim, size=x.size, len=len(x),
                    T=x.T.shape, rows=[r.shape for r in x])
        return x.sum()

    ft.make_jaxpr(f)(np.ones((2, 3), np.float32))
    assert seen == dict(shape=(2, 3), dtype=np.float32, ndim=2, size=6, len=2, T=(3, 2),
                        rows=[(3,), (3,)])


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="argument 0 has type str"):
        ft.grad(lambda x: x)("hello")
    with pytest.raises(TypeError, match="str"):
        ft.make_jaxpr(lambda x: x)("hello")
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\) do not broadcast"):
        ft.make_jaxpr(lambda x, y: x + y)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="broadcast"):
        fnp.add(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="returned a value of type str"):
        ft.make_jaxpr(lambda x: "nope")(1.0)


def test_primitive_needs_impl_and_abstract_eval():
    with pytest.raises(TypeError):
        Primitive("broken", impl=None, abstract_eval=lambda x: x)


def test_missing_rule_names_primitive_and_transformation():
    double_p = Primitive("double_for_test", impl=lambda x: 2 * x, abstract_eval=lambda x: x)
    assert double_p.bind(np.float64(2.0)) == 4.0
    with pytest.raises(MissingRuleError, match="double_for_test.*jvp"):
        ft.jvp(lambda x: double_p.bind(x), (1.0,), (1.0,))
    with pytest.raises(MissingRuleError, match="double_for_test.*vmap"):
        ft.vmap(lambda x: double_p.bind(x))(np.ones(3))
    assert "double_for_test" in str(ft.make_jaxpr(lambda x: double_p.bind(x))(1.0))


def test_typecheck_catches_malformed_programs():
    closed = ft.make_jaxpr(seed)(3.0, 2.0)
    typecheck(closed)
    closed.jaxpr.eqns[0].outvars[0].aval = ShapedArray((2,), np.float64)
    with pytest.raises(JaxprTypeError, match="output types"):
        typecheck(closed)
    closed = ft.make_jaxpr(seed)(3.0, 2.0)
    closed.jaxpr.eqns.reverse()
    with pytest.raises(JaxprTypeError, match="before definition"):
        typecheck(closed)


def _first_program_equation(closed, branch: int):
    eqn = next(e for e in closed.jaxpr.eqns if any(ft.ir.programs_in_params(e.params)))
    return list(ft.ir.programs_in_params(eqn.params))[branch].jaxpr.eqns[0]


@pytest.mark.parametrize("branch", [0, 1])
def test_typecheck_looks_inside_programs_held_in_tuples(branch):
    """cond holds its branches in a tuple: an ill-typed equation there is caught too."""
    closed = ft.make_jaxpr(lambda p, x: lax.cond(p, lambda v: fnp.sin(v) * 2.0,
                                                  lambda v: fnp.cos(v) + 1.0, x))(True, 1.0)
    typecheck(closed)
    _first_program_equation(closed, branch).outvars[0].aval = ShapedArray((2,), np.float64)
    with pytest.raises(JaxprTypeError, match="in a program held by .*cond.*output types"):
        typecheck(closed)


def test_programs_in_params_finds_direct_and_tuple_held_programs():
    closed = ft.make_jaxpr(lambda x: lax.fori_loop(0, 3, lambda i, v: v * 2.0, x))(1.0)
    held = [p for e in closed.jaxpr.eqns for p in ft.ir.programs_in_params(e.params)]
    assert held and all(isinstance(p, (ft.ir.Jaxpr, ft.ir.ClosedJaxpr)) for p in held)
    assert list(ft.ir.programs_in_params({"branches": (held[0], 3), "n": 1})) == [held[0]]


def test_shaped_array():
    aval = ShapedArray((3, 4), np.float64)
    assert str(aval) == "f64[3,4]"
    assert aval == ShapedArray([3, 4], "float64")
    assert hash(aval) == hash(ShapedArray((3, 4), np.float64))
    assert aval.ndim == 2 and aval.size == 12
    assert str(ShapedArray((), np.int32)) == "i32[]"
    assert str(ShapedArray((2,), np.bool_)) == "bool[2]"
