"""Eager reverse mode's short paths give what the general paths give, to the bit.

Eager ``linearize`` runs primal work and ``PrimitivePartial`` partials with the primitives'
``eager_impl`` (what the eval trace would run), holds recorded tangents as program variables,
and ``ftrans.numpy`` makes one float64 (and one shared Literal) per Python float constant; the
transposes of ``mul``, ``neg`` and ``sub`` compute on NumPy scalars and arrays directly when the
eval trace is current, and ``backward_pass`` transposes two-operand equations without lists.
Each test compares a short path with the general one (the short paths switched off, a program
staged and evaluated, or values recorded before the short paths existed), under every
enclosing transformation, and checks that constants and errors are unchanged.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Callable, Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.core import EscapedTracerError
from ftrans.interpreters import linearize as linearize_module
from ftrans.interpreters import staging as staging_module
from ftrans.interpreters import transpose as transpose_module
from ftrans.interpreters.jvp import JVPTracer
from ftrans.interpreters.linearize import partial_rules
from ftrans.interpreters.staging import StagingTracer, shared_literals
from ftrans.interpreters.transpose import NonLinearError, UndefPrimal, transpose_rules
from ftrans.ir import Literal, eval_jaxpr
from ftrans.lax import elementwise as ew
from ftrans.numpy import _elementwise as fnp_elementwise


@contextlib.contextmanager
def general_paths(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The short paths switched off: every operand looks non-concrete to them, Python floats
    are converted afresh at each use, and products are typed and transposed by their rules."""
    with monkeypatch.context() as patch:
        patch.setattr(linearize_module, "_CONCRETE", frozenset())
        patch.setattr(ew, "INEXACT_SCALARS", frozenset())
        patch.setattr(ew, "CONCRETE_ARRAYS", frozenset())
        patch.setattr(fnp_elementwise, "_FLOAT64", None)
        patch.setattr(fnp_elementwise, "_TO_FLOAT64_CONSTANT", object())
        patch.setattr(transpose_module, "scalar_product", None)
        patch.setattr(staging_module, "same_type_product", None)
        yield


def same_bits(a: Any, b: Any) -> None:
    """``a`` and ``b`` are the same value: type, dtype, shape and every bit (-0.0 is not 0.0,
    NaN is NaN)."""
    assert type(a) is type(b), (type(a), type(b))
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    assert a_arr.dtype == b_arr.dtype and a_arr.shape == b_arr.shape
    assert a_arr.tobytes() == b_arr.tobytes(), (a, b)


def same_tree_bits(a: Any, b: Any) -> None:
    leaves_a, tree_a = ft.tree_util.tree_flatten(a)
    leaves_b, tree_b = ft.tree_util.tree_flatten(b)
    assert tree_a == tree_b
    for x, y in zip(leaves_a, leaves_b):
        same_bits(x, y)


def chain(x: Any, steps: int = 500) -> Any:
    for _ in range(steps):
        x = fnp.sin(x * 1.0001)
    return x


def mixed(x: Any) -> Any:
    """Every primitive with partials, Python and NumPy constants on either side."""
    y = fnp.sin(x * 1.5) + fnp.cos(2.0 * x) - x * x
    z = lax.neg(fnp.tanh(y)) * fnp.exp(x * 0.25) - (0.5 - fnp.tan(x * 0.1))
    w = lax.expm1(z * 0.01) + lax.logistic(z) * -x
    return (w * np.asarray(3.0, x.dtype) - z).sum()


def eval_staged(f: Callable, *args: Any) -> Any:
    """``f`` staged (linearize below a staging trace: no eager short path) and evaluated
    primitive by primitive, as eager evaluation runs each one."""
    closed = ft.make_jaxpr(f)(*args)
    outs = eval_jaxpr(closed.jaxpr, closed.consts, *args)
    return outs[0] if len(outs) == 1 else tuple(outs)


# ---------------------------------------------------------------------------------------------
# The benchmark's chain, to the bit
# ---------------------------------------------------------------------------------------------


def test_chain_value_and_grad_are_the_bits_recorded_before_the_short_paths():
    value, grad = ft.value_and_grad(chain)(np.float64(0.3))
    assert type(value) is np.float64 and type(grad) is np.float64
    assert value.hex() == 0.07687693993564149.hex()
    assert grad.hex() == 0.01496171583528905.hex()


def test_chain_short_and_general_paths_agree(monkeypatch):
    x = np.float64(0.7)
    fast = ft.value_and_grad(chain)(x)
    with general_paths(monkeypatch):
        general = ft.value_and_grad(chain)(x)
    same_tree_bits(fast, general)
    same_tree_bits(fast, eval_staged(ft.value_and_grad(chain), x))


# ---------------------------------------------------------------------------------------------
# Every primitive with partials, dtypes, shapes, nesting
# ---------------------------------------------------------------------------------------------


OPERANDS = [
    np.float64(0.3), np.float32(-1.25), 0.4,
    np.asarray(0.6), np.asarray(0.6, np.float32),
    np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(-1, 1, 4, dtype=np.float32),
]


@pytest.mark.parametrize("x", OPERANDS, ids=lambda x: f"{type(x).__name__}{np.shape(x)}")
def test_grad_short_and_general_paths_agree(monkeypatch, x):
    fast = ft.value_and_grad(mixed)(x)
    with general_paths(monkeypatch):
        general = ft.value_and_grad(mixed)(x)
    same_tree_bits(fast, general)
    same_tree_bits(fast, eval_staged(ft.value_and_grad(mixed), x))


@pytest.mark.parametrize("x", [np.float64(0.3), np.asarray(0.6, np.float32)])
def test_nested_transformations_agree(monkeypatch, x):
    batch = np.stack([np.asarray(x), np.asarray(x) * 2 - 0.1])
    cases = {
        "grad of grad": lambda: ft.grad(ft.grad(mixed))(x),
        "grad of grad of grad": lambda: ft.grad(ft.grad(ft.grad(lambda v: chain(v, 5))))(x),
        "vmap of grad": lambda: ft.vmap(ft.grad(mixed))(batch),
        "jvp of grad": lambda: ft.jvp(ft.grad(mixed), (x,), (np.ones_like(x),)),
        "grad of jvp": lambda: ft.grad(lambda v: ft.jvp(mixed, (v,), (v,))[1])(x),
        "jacrev": lambda: ft.jacrev(lambda v: fnp.sin(v * 1.5) * v)(batch),
        "hessian": lambda: ft.hessian(mixed)(batch),
        "vjp": lambda: ft.vjp(mixed, x)[1](np.ones((), np.asarray(mixed(x)).dtype)),
    }
    for name, run in cases.items():
        fast = run()
        assert name
        with general_paths(monkeypatch):
            general = run()
        same_tree_bits(fast, general)


def test_jit_of_grad_records_the_same_program(monkeypatch):
    """Under jit the operands are tracers of the staging trace: no short path applies, and
    the traced program is the general paths' program."""
    x = np.float64(0.3)
    fast = str(ft.make_jaxpr(ft.grad(mixed))(x))
    with general_paths(monkeypatch):
        general = str(ft.make_jaxpr(ft.grad(mixed))(x))
    assert fast == general
    np.testing.assert_allclose(ft.jit(ft.grad(mixed))(x), ft.grad(mixed)(x), rtol=1e-12)


def test_a_tracer_of_an_enclosing_transformation_as_an_operand(monkeypatch):
    def outer(x):
        # inside, x is a tracer of the outer grad: a constant to the inner one
        inner = ft.grad(lambda y: fnp.sin(x * y) * x - lax.neg(y * x) + fnp.cos(y) * 2.0)
        return inner(np.float64(2.0)) * x

    for f in (ft.grad(outer), ft.grad(ft.grad(outer)), ft.jit(ft.grad(outer))):
        fast = f(np.float64(3.0))
        with general_paths(monkeypatch):
            general = f(np.float64(3.0))
        same_bits(fast, general)
    # perturbations are not confused: d/dx [x * d/dy (x * y)] = 2x
    same_bits(ft.grad(lambda x: x * ft.grad(lambda y: x * y)(2.0))(np.float64(3.0)),
              np.float64(6.0))


@settings(max_examples=40, deadline=None)
@given(st.floats(-3, 3, allow_nan=False, width=64),
       st.sampled_from([np.float64, np.float32, np.complex128]),
       st.sampled_from([(), (3,), (2, 1)]))
def test_random_operands_agree(x, dtype, shape):
    value = np.full(shape, x, dtype) if shape else dtype(x)

    def f(v):
        out = fnp.sin(v * 1.0001) * fnp.cos(v) - v * 0.5 + lax.neg(v)
        out = out if np.dtype(dtype).kind != "c" else fnp.real(out)
        return out.sum()

    fast = ft.value_and_grad(f)(value)
    with pytest.MonkeyPatch.context() as patch:
        with general_paths(patch):
            general = ft.value_and_grad(f)(value)
    same_tree_bits(fast, general)


@pytest.mark.parametrize("shapes", [((), (3,)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((3,), ())])
def test_broadcasting_products_agree(monkeypatch, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    a = a if shapes[0] else np.float64(a)
    b = b if shapes[1] else np.float64(b)

    def f(x, y):
        return (fnp.sin(x) * y - x * fnp.cos(y) + lax.neg(x - y)).sum()

    fast = ft.grad(f, argnums=(0, 1))(a, b)
    with general_paths(monkeypatch):
        general = ft.grad(f, argnums=(0, 1))(a, b)
    same_tree_bits(fast, general)


def test_python_and_numpy_constants_of_other_dtypes(monkeypatch):
    consts = [2, 0.5, 1e-300, np.float32(0.5), np.float16(0.5), np.int32(3), True]
    for x in (np.float64(0.3), np.float32(0.3), np.asarray([0.3, 0.4], np.float32)):
        for c in consts:
            def f(v, c=c):
                return (v * c + c * fnp.sin(v) - (v - c)).sum()
            fast = ft.value_and_grad(f)(x)
            with general_paths(monkeypatch):
                general = ft.value_and_grad(f)(x)
            same_tree_bits(fast, general)


# ---------------------------------------------------------------------------------------------
# Constants: one object per float64 value, never merging -0.0 with 0.0 or NaNs
# ---------------------------------------------------------------------------------------------


def test_a_python_float_becomes_one_float64_and_one_literal():
    x = np.float64(0.3)
    first, second = fnp.multiply(x, 1.2345), fnp.multiply(x, 1.2345)
    same_bits(first, second)
    closed = ft.make_jaxpr(lambda v: v * 1.2345 * 1.2345)(x)
    literals = [a for e in closed.jaxpr.eqns for a in e.inputs if type(a) is Literal]
    assert len(literals) == 2 and literals[0] is literals[1]
    assert literals[0].val == 1.2345 and type(literals[0].val) is np.float64
    assert shared_literals[id(literals[0].val)] is literals[0]


@pytest.mark.parametrize("c", [0.0, -0.0, math.nan, math.inf, -math.inf])
def test_signed_zeros_and_nans_keep_their_bits(monkeypatch, c):
    x = np.float64(0.3)
    with np.errstate(invalid="ignore"):  # sin(inf)
        fast = ft.value_and_grad(lambda v: v * c + fnp.sin(v * c))(x)
        with general_paths(monkeypatch):
            general = ft.value_and_grad(lambda v: v * c + fnp.sin(v * c))(x)
    same_tree_bits(fast, general)
    same_bits(ft.grad(lambda v: v * c)(x), np.float64(c))


def test_zero_and_minus_zero_stay_distinct_in_one_program():
    closed = ft.make_jaxpr(lambda v: v * 0.0 + v * -0.0 + v * math.nan + v * math.nan)(
        np.float64(1.0))
    values = [a.val for e in closed.jaxpr.eqns for a in e.inputs if type(a) is Literal]
    assert [math.copysign(1, v) for v in values[:2]] == [1, -1]
    assert all(math.isnan(v) for v in values[2:])
    same_bits(ft.grad(lambda v: v * 0.0 + v * -0.0)(np.float64(1.0)), np.float64(0.0))
    same_bits(ft.grad(lambda v: v * -0.0)(np.float64(1.0)), np.float64(-0.0))


def test_the_constant_cache_is_bounded_and_forgets_its_literals(monkeypatch):
    monkeypatch.setattr(fnp_elementwise, "_MAX_FLOAT64_CONSTANTS", 8)
    fnp_elementwise._float64_constants.clear()
    x = np.float64(2.0)
    for i in range(1, 30):
        c = 1.0 + i / 64
        same_bits(ft.grad(lambda v: v * c)(x), np.float64(c))
    assert len(fnp_elementwise._float64_constants) <= 8
    live = {id(v) for v in fnp_elementwise._float64_constants.values()}
    for value in list(fnp_elementwise._float64_constants.values()):
        assert shared_literals[id(value)].val is value
    assert all(id(lit.val) == key for key, lit in shared_literals.items())
    assert live <= set(shared_literals)


def test_float32_constants_are_converted_per_use():
    x = np.float32(0.5)
    a, b = fnp.multiply(x, 0.1), fnp.multiply(x, 0.1)
    same_bits(a, b)
    assert type(a) is np.float32


# ---------------------------------------------------------------------------------------------
# The pieces: partials, held tangents, transposes
# ---------------------------------------------------------------------------------------------


def test_primitive_partials_are_the_lax_formulas():
    assert repr(partial_rules[ew.sin_p].rules[0]) == "PrimitivePartial(cos)"
    assert repr(partial_rules[ew.cos_p].rules[0]) == "PrimitivePartial(sin, neg)"
    for x in (np.float64(0.3), np.linspace(-2, 2, 5), np.complex128(0.3 + 0.2j)):
        same_bits(partial_rules[ew.sin_p].rules[0](None, x), lax.cos(x))
        same_bits(partial_rules[ew.cos_p].rules[0](None, x), lax.neg(lax.sin(x)))
    x = np.linspace(-2, 2, 5)
    for f in (fnp.sin, fnp.cos):
        def total(v, f=f):
            return f(v).sum()
        same_bits(ft.grad(total)(x), eval_staged(ft.grad(total), x))
        same_bits(ft.grad(total)(x), ft.jvp(f, (x,), (np.ones(5),))[1])


def test_a_held_tangent_is_a_tracer_when_asked_for():
    seen = []

    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        seen.append(type(t))
        return f(x), fnp.cos(x) * t

    got = ft.grad(lambda v: f(fnp.sin(v * 2.0)))(np.float64(0.3))
    same_bits(got, np.cos(np.sin(0.6)) * np.cos(0.6) * 2.0)
    assert seen and all(issubclass(t, ft.core.Tracer) for t in seen)

    def probe(v):
        y = fnp.sin(v * 3.0)
        assert type(y) is JVPTracer
        assert type(y.tangent) is StagingTracer and y.tangent._trace is y._trace.parent
        return y

    ft.grad(probe)(np.float64(0.1))


@pytest.mark.parametrize("ct, y", [
    (np.float64(1.5), np.float64(-0.25)), (np.float32(1.5), np.float32(2.0)),
    (np.ones((2, 3)), np.arange(3.0)), (np.asarray(2.0), np.float64(3.0)),
    (np.complex128(1 + 2j), np.complex128(0.5 - 1j)),
])
def test_transposes_on_concrete_values_equal_the_lax_functions(ct, y):
    mul_t, neg_t, sub_t = (transpose_rules[p] for p in (ew.mul_p, ew.neg_p, ew.sub_p))
    x_aval = ft.core.get_aval(y)
    ct_aval = ft.core.get_aval(ct)
    out = lax.mul(ct, y)
    expected = ew.unbroadcast(out, x_aval) if ft.core.get_aval(out).shape != x_aval.shape \
        else out
    got = mul_t(ct, UndefPrimal(x_aval), y)
    assert got[1] is None
    same_bits(got[0], expected)
    got = mul_t(ct, y, UndefPrimal(x_aval))
    same_bits(got[1], expected)
    same_bits(neg_t(ct, UndefPrimal(ct_aval))[0], lax.neg(ct))
    same_bits(sub_t(ct, UndefPrimal(ct_aval), UndefPrimal(ct_aval))[1], lax.neg(ct))


def test_transposes_with_tracers_take_the_general_path():
    # under vmap and jit the cotangent is a tracer: the rules bind as before
    xs = np.linspace(0.1, 0.9, 4)
    got = ft.vmap(ft.grad(lambda v: v * 3.0 - lax.neg(v) * 2.0))(xs)
    same_bits(got, np.full(4, 5.0))
    got = ft.jit(ft.grad(lambda v: fnp.sin(v) * 3.0 - v))(np.float64(0.2))
    np.testing.assert_allclose(got, np.cos(0.2) * 3.0 - 1, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# Errors are unchanged
# ---------------------------------------------------------------------------------------------


def test_mul_of_two_linear_values_is_not_linear():
    aval = ft.core.get_aval(np.float64(0))
    with pytest.raises(NonLinearError, match="mul of two linear values"):
        transpose_rules[ew.mul_p](np.float64(1.0), UndefPrimal(aval), UndefPrimal(aval))


def test_mismatched_dtypes_in_a_transpose_still_raise():
    aval = ft.core.get_aval(np.float64(0))
    with pytest.raises(TypeError, match="one dtype"):
        transpose_rules[ew.mul_p](np.float64(1.0), UndefPrimal(aval), np.float32(2.0))
    with pytest.raises(TypeError, match="one dtype"):
        transpose_rules[ew.mul_p](np.ones(2), UndefPrimal(aval), np.ones(2, np.float32))


def test_an_escaped_tracer_still_raises_in_eager_grad():
    leaked = []
    ft.grad(lambda v: leaked.append(v) or v * 2.0)(np.float64(1.0))
    with pytest.raises(EscapedTracerError):
        ft.grad(lambda y: fnp.sin(y) * leaked[0])(np.float64(2.0))
    with pytest.raises(EscapedTracerError):
        ft.grad(lambda y: y * leaked[0])(np.float64(2.0))
    with pytest.raises(EscapedTracerError):
        ft.grad(lambda y: fnp.sin(leaked[0]) + y)(np.float64(2.0))


def test_a_missing_transpose_rule_is_named(monkeypatch):
    monkeypatch.delitem(transpose_rules, ew.mul_p)
    with pytest.raises(ft.core.MissingRuleError, match="'mul' has no transpose rule"):
        ft.grad(lambda v: v * 2.0)(np.float64(1.0))


def test_a_rule_returning_a_tuple_still_accumulates(monkeypatch):
    rule = transpose_rules[ew.mul_p]
    monkeypatch.setitem(transpose_rules, ew.mul_p, lambda ct, x, y: tuple(rule(ct, x, y)))
    same_bits(ft.grad(lambda v: v * 2.0 * v)(np.float64(3.0)), np.float64(12.0))


@pytest.mark.parametrize("f", [lambda x: fnp.sin(x * np.float64(np.inf)), lambda x: fnp.sin(x),
                               lambda x: fnp.cos(x) * 2.0])
def test_debug_nans_names_the_forward_primitive_as_the_general_path_does(f):
    # the short paths skip the eval trace only when it is the plain one, not the checking one
    with ft.debug_nans(True), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError, match="primitive '(sin|cos)' produced a NaN"):
            ft.grad(f)(np.float64(np.inf))
    assert ft.grad(fnp.sin)(np.float64(0.5)) == np.cos(0.5)  # the plain path again


# ---------------------------------------------------------------------------------------------
# The backward pass's inline scalar product
# ---------------------------------------------------------------------------------------------


def _counting_products(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of the products mul's transpose rule makes."""
    calls: list[int] = []
    product_to = ew._product_to

    def counted(*args: Any) -> Any:
        calls.append(1)
        return product_to(*args)
    monkeypatch.setattr(ew, "_product_to", counted)
    return calls


def test_scalar_products_are_transposed_inline_with_the_rules_bits(monkeypatch):
    calls = _counting_products(monkeypatch)
    for x in (np.float64(0.7), np.float32(0.7), np.complex128(0.3 + 0.2j)):
        fast = ft.vjp(chain, x)[1](type(x)(1))
        assert not calls  # every mul of the chain transposed inline
        with monkeypatch.context() as patch:
            patch.setattr(transpose_module, "scalar_product", None)
            general = ft.vjp(chain, x)[1](type(x)(1))
        assert calls
        calls.clear()
        same_tree_bits(fast, general)


def test_a_replaced_mul_transpose_or_impl_is_honoured(monkeypatch):
    def doubled(ct: Any, x: Any, y: Any) -> list[Any]:
        return [ct * y * 2.0, None] if type(x) is UndefPrimal else [None, x * ct * 2.0]
    x = np.float64(0.5)
    expected = ft.grad(lambda x: x * 3.0)(x)
    with monkeypatch.context() as patch:
        patch.setitem(transpose_rules, lax.mul_p, doubled)
        assert ft.grad(lambda x: x * 3.0)(x) == 2 * expected
    with monkeypatch.context() as patch:
        patch.setattr(lax.mul_p, "eager_impl", lambda a, b: np.multiply(a, b) * 0.5)
        assert ft.grad(lambda x: x * 3.0)(x) == 0.5 * expected


def test_products_of_arrays_or_of_a_linear_second_operand_take_the_rule(monkeypatch):
    calls = _counting_products(monkeypatch)
    cases: list[tuple[Callable, Any]] = [
        (ft.grad(lambda x: (x * 3.0).sum()), np.ones(3)),
        (ft.grad(lambda x: (x * np.ones(3)).sum()), np.float64(2.0)),
        (lambda x: ft.linear_transpose(lambda t: lax.mul(np.float64(3.0), t), x)(x)[0],
         np.float64(1.0)),
    ]
    for run, x in cases:
        fast = run(x)
        assert calls
        calls.clear()
        with monkeypatch.context() as patch:
            patch.setattr(transpose_module, "scalar_product", None)
            same_bits(fast, run(x))


def test_staged_scalar_products_are_recorded_inline_as_the_rule_records_them(monkeypatch):
    calls = _counting_products(monkeypatch)
    for x in (np.float64(0.7), np.float32(0.7)):
        fast = ft.make_jaxpr(ft.grad(lambda x: chain(x, 20)))(x)
        # every mul of the backward pass recorded inline but the first: its cotangent is the
        # seed, a constant
        assert len(calls) == 1
        calls.clear()
        with monkeypatch.context() as patch:
            patch.setattr(transpose_module, "scalar_product", None)
            general = ft.make_jaxpr(ft.grad(lambda x: chain(x, 20)))(x)
        assert len(calls) == 40
        calls.clear()
        assert str(fast) == str(general)
        same_bits(ft.jit(ft.grad(chain))(x), ft.grad(chain)(x))
        calls.clear()


def test_staged_products_that_broadcast_or_of_outer_tracers_take_the_rule(monkeypatch):
    calls = _counting_products(monkeypatch)

    def f(x, w):
        return fnp.sum(fnp.sin(x * w))
    x, w = np.float64(0.3), np.linspace(0.5, 1.5, 3)
    fast = ft.make_jaxpr(ft.grad(f))(x, w)
    assert calls  # x * w broadcasts: the cotangent of x is summed
    with monkeypatch.context() as patch:
        patch.setattr(transpose_module, "scalar_product", None)
        assert str(ft.make_jaxpr(ft.grad(f))(x, w)) == str(fast)
    nested = ft.jit(ft.grad(lambda x: ft.grad(lambda y: chain(x * y, 5))(x)))
    same_bits(nested(np.float64(0.4)), ft.grad(lambda x: ft.grad(lambda y: chain(x * y, 5))(x))(
        np.float64(0.4)))
