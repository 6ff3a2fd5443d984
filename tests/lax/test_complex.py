"""Spec table of complex numbers at the lax level: the complex-part primitives (real, imag,
conj, complex) and complex operands through the other primitive families."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftrans as ft
from ftrans import lax
from ftrans.test_util import check_grads
from tests.spec_util import (
    OpSpec, assert_same, broadcasting_shapes, call, make_family_tests, spec_args, unary_shapes,
)

C64_128 = (np.complex128, np.complex64)
F32_64 = (np.float64, np.float32)

unary = unary_shapes()
binary = broadcasting_shapes(2)


def _np_pad(x: np.ndarray) -> np.ndarray:
    out = np.full((6, 4), 1j)
    out[1:4, 0:4:2] = x  # rows: low 1, high 2; columns: interior 1, high 1
    return out


def _np_update_slice(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    out = np.array(x)
    out[1:2] = u
    return out


def _np_scatter_add(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    out = np.array(x)
    np.add.at(out, [2, 0, 2], u)
    return out


def _np_while(x: Any) -> Any:
    for _ in range(3):
        x = x * np.sin(x)
    return x


def _np_complex(x: np.ndarray, y: np.ndarray) -> Any:
    out = np.asarray(x) + 1j * np.asarray(y)
    return out.astype(np.result_type(np.asarray(x).dtype, np.complex64))[()]


def _away_from_zero(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
    """Complex values of modulus in [0.5, 2]: away from the singular point of abs, log, div."""
    out = []
    for shape in shapes:
        z = rng.uniform(0.5, 2, shape) * np.exp(1j * rng.uniform(-3, 3, shape))
        out.append(z.astype(dtype)[()] if not shape else z.astype(dtype))
    return tuple(out)


def _fixed(*shapes: tuple[int, ...]) -> st.SearchStrategy:
    return st.just(tuple(shapes))


def _gather_rows(x: Any) -> Any:
    return lax.gather(x, np.array([[2], [0], [2]]), (0,))


def _scatter_add_rows(x: Any, u: Any) -> Any:
    return lax.scatter_add(x, np.array([[2], [0], [2]]), u, (0,))


def _scan_products(x: Any) -> Any:
    def step(carry: Any, a: Any) -> tuple[Any, Any]:
        return lax.mul(carry, a), lax.add(carry, lax.sin(a))
    return lax.scan(step, x[0], x)


def _np_scan_products(x: Any) -> Any:
    carry, ys = x[0], []
    for a in x:
        ys.append(carry + np.sin(a))
        carry = carry * a
    return carry, np.stack(ys)


def _cond_square(x: Any) -> Any:
    aval = ft.core.get_aval(x)
    pred = lax.gt(lax.reduce_sum(lax.real(x), tuple(range(aval.ndim))),
                  np.zeros((), np.finfo(aval.dtype).dtype))
    return lax.cond(pred, lambda v: lax.mul(v, v), lax.exp, x)


def _np_cond_square(x: Any) -> Any:
    return x * x if np.sum(np.real(x)) > 0 else np.exp(x)


SPECS = [
    # the complex-part primitives
    OpSpec("real", lax.real, np.real, unary, C64_128, rtol=1e-6),
    OpSpec("imag", lax.imag, np.imag, unary, C64_128, rtol=1e-6),
    OpSpec("conj", lax.conj, np.conjugate, unary, C64_128, rtol=1e-6),
    OpSpec("conj_of_real", lax.conj, lambda x: np.asarray(x).astype(
        np.result_type(np.asarray(x).dtype, np.complex64))[()], unary, F32_64, rtol=1e-6),
    OpSpec("complex", lax.complex, _np_complex, binary, F32_64, rtol=1e-6),
    # arithmetic and holomorphic math functions on complex operands
    OpSpec("c_neg", lax.neg, np.negative, unary, C64_128),
    OpSpec("c_add", lax.add, np.add, binary, C64_128, rtol=1e-6),
    OpSpec("c_sub", lax.sub, np.subtract, binary, C64_128, rtol=1e-6),
    OpSpec("c_mul", lax.mul, np.multiply, binary, C64_128, rtol=1e-6),
    OpSpec("c_div", lax.div, np.true_divide, binary, C64_128, make_args=_away_from_zero,
           rtol=1e-5),
    OpSpec("c_pow", lax.pow, np.power, binary, (np.complex128,), make_args=_away_from_zero,
           rtol=1e-10),
    OpSpec("c_integer_pow_3", lambda x: lax.integer_pow(x, 3), lambda x: x ** 3, unary,
           C64_128, rtol=1e-5),
    OpSpec("c_integer_pow_neg2", lambda x: lax.integer_pow(x, -2), lambda x: x ** -2, unary,
           (np.complex128,), make_args=_away_from_zero, rtol=1e-10),
    OpSpec("c_exp", lax.exp, np.exp, unary, C64_128, rtol=1e-5),
    OpSpec("c_log", lax.log, np.log, unary, (np.complex128,), make_args=_away_from_zero),
    OpSpec("c_log1p", lax.log1p, np.log1p, unary, (np.complex128,), domain=(-0.4, 1.0),
           rtol=1e-10),
    OpSpec("c_expm1", lax.expm1, np.expm1, unary, (np.complex128,)),
    OpSpec("c_sin", lax.sin, np.sin, unary, C64_128, rtol=1e-5),
    OpSpec("c_cos", lax.cos, np.cos, unary, C64_128, rtol=1e-5),
    OpSpec("c_tan", lax.tan, np.tan, unary, (np.complex128,), domain=(-0.7, 0.7)),
    OpSpec("c_tanh", lax.tanh, np.tanh, unary, (np.complex128,), domain=(-0.7, 0.7)),
    OpSpec("c_logistic", lax.logistic, lambda x: 1 / (1 + np.exp(-x)), unary, (np.complex128,),
           domain=(-0.7, 0.7)),
    OpSpec("c_sqrt", lax.sqrt, np.sqrt, unary, (np.complex128,), make_args=_away_from_zero),
    OpSpec("c_rsqrt", lax.rsqrt, lambda x: 1 / np.sqrt(x), unary, (np.complex128,),
           make_args=_away_from_zero),
    # non-holomorphic: a real magnitude of a complex operand
    OpSpec("c_abs", lax.abs, np.abs, unary, C64_128, make_args=_away_from_zero, rtol=1e-6),
    OpSpec("c_sign", lax.sign, np.sign, unary, (np.complex128,), make_args=_away_from_zero,
           zero_derivative=True),
    OpSpec("c_max", lax.max, np.maximum, binary, (np.complex128,)),
    OpSpec("c_select_n", lambda a, b: lax.select_n(lax.gt(lax.real(a), lax.real(b)), a, b),
           lambda a, b: np.where(np.real(a) > np.real(b), b, a), binary, (np.complex128,)),
    # casts: complex to real keeps the real part; its transpose is complex(ct, 0)
    OpSpec("c128_to_f64", lambda x: lax.convert_element_type(x, np.float64), np.real, unary,
           (np.complex128,)),
    OpSpec("f64_to_c128", lambda x: lax.convert_element_type(x, np.complex128),
           lambda x: np.asarray(x, np.complex128)[()], unary, (np.float64,)),
    OpSpec("c128_to_c64", lambda x: lax.convert_element_type(x, np.complex64),
           lambda x: np.asarray(x, np.complex64)[()], unary, (np.complex128,), grad_tol=1e-2),
    # reductions
    OpSpec("c_reduce_sum", lambda x: lax.reduce_sum(x, (0,)), lambda x: np.sum(x, 0),
           unary_shapes(min_rank=1), C64_128, rtol=1e-5),
    OpSpec("c_reduce_prod", lambda x: lax.reduce_prod(x, (0,)), lambda x: np.prod(x, 0),
           unary_shapes(min_rank=1), (np.complex128,), make_args=_away_from_zero),
    OpSpec("c_reduce_max", lambda x: lax.reduce_max(x, (0,)), lambda x: np.max(x, 0),
           unary_shapes(min_rank=1), (np.complex128,)),
    OpSpec("c_cumsum", lambda x: lax.cumsum(x, 0), lambda x: np.cumsum(x, 0),
           unary_shapes(min_rank=1), (np.complex128,)),
    OpSpec("c_cumprod", lambda x: lax.cumprod(x, 0), lambda x: np.cumprod(x, 0),
           unary_shapes(min_rank=1), (np.complex128,), make_args=_away_from_zero),
    # linear algebra, structure, indexing
    OpSpec("c_dot", lax.dot, np.dot, _fixed((3, 2), (2, 4)), C64_128, rtol=1e-5),
    OpSpec("c_batch_matmul", lax.batch_matmul, np.matmul, _fixed((2, 3, 2), (2, 2, 3)),
           (np.complex128,)),
    OpSpec("c_transpose", lambda x: lax.transpose(x, (1, 0)), lambda x: x.T,
           _fixed((3, 2)), (np.complex128,)),
    OpSpec("c_pad", lambda x: lax.pad(x, np.complex128(1j), ((1, 2, 0), (0, 1, 1))),
           _np_pad, _fixed((3, 2)), (np.complex128,)),
    OpSpec("c_concatenate", lambda x, y: lax.concatenate([x, y], 0),
           lambda x, y: np.concatenate([x, y], 0), _fixed((3, 2), (1, 2)), (np.complex128,)),
    OpSpec("c_dynamic_update_slice", lambda x, u: lax.dynamic_update_slice(x, u, (1, 0)),
           _np_update_slice, _fixed((3, 2), (1, 2)), (np.complex128,)),
    OpSpec("c_gather", _gather_rows, lambda x: x[[2, 0, 2]], _fixed((4, 3)), (np.complex128,)),
    OpSpec("c_scatter_add", _scatter_add_rows, _np_scatter_add, _fixed((4, 3), (3, 3)),
           (np.complex128,)),
    OpSpec("c_sort", lambda x: lax.sort(x, 0), lambda x: np.sort(x, 0),
           unary_shapes(min_rank=1), (np.complex128,)),
    # control flow carrying complex values
    OpSpec("c_scan", _scan_products, _np_scan_products, _fixed((4,)), (np.complex128,)),
    OpSpec("c_cond", _cond_square, _np_cond_square, unary, (np.complex128,)),
    OpSpec("c_while", lambda x: lax.while_loop(
        lambda s: lax.lt(s[0], np.int64(3)),
        lambda s: (lax.add(s[0], np.int64(1)), lax.mul(s[1], lax.sin(s[1]))),
        (np.int64(0), x))[1], _np_while, unary, (np.complex128,), domain=(-0.7, 0.7),
        grad_modes=("fwd",)),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_jit_matches_eager(spec: OpSpec, data: Any) -> None:
    args = data.draw(spec_args(spec))
    with np.errstate(all="ignore"):
        expected = call(spec, *args)
        actual = ft.jit(lambda *a: call(spec, *a))(*args)
    assert_same(actual, expected, max(spec.rtol, 1e-12), f"jit of {spec.name}")


# ---------------------------------------------------------------------------------------------
# The transposes of the complex-part primitives (values checked against JAX by hand)
# ---------------------------------------------------------------------------------------------

def test_transposes_follow_the_plain_linear_convention() -> None:
    z = np.array([1 + 2j, 3 - 1j])
    ct_real = ft.linear_transpose(lax.real, z)(np.array([2.0, -1.0]))[0]
    np.testing.assert_array_equal(ct_real, [2 + 0j, -1 + 0j])
    ct_imag = ft.linear_transpose(lax.imag, z)(np.array([2.0, -1.0]))[0]
    np.testing.assert_array_equal(ct_imag, [-2j, 1j])
    ct_conj = ft.linear_transpose(lax.conj, z)(np.array([2 + 3j, 1j]))[0]
    np.testing.assert_array_equal(ct_conj, [2 - 3j, -1j])
    ct_conj_real = ft.linear_transpose(lax.conj, 1.0)(1 + 2j)[0]
    assert ct_conj_real == 1.0 and np.asarray(ct_conj_real).dtype == np.float64
    ct_x, ct_y = ft.linear_transpose(lax.complex, 1.0, 1.0)(2 + 3j)
    assert (ct_x, ct_y) == (2.0, -3.0)


def test_part_primitives_refuse_real_operands() -> None:
    with pytest.raises(TypeError, match="real needs a complex operand"):
        lax.real(np.float64(1.0))
    with pytest.raises(TypeError, match="imag needs a complex operand"):
        lax.imag(np.ones(3))
    with pytest.raises(TypeError, match="complex needs two real floating operands"):
        lax.complex(np.float32(1.0), np.float64(2.0))
    with pytest.raises(TypeError, match="complex needs two real floating operands"):
        lax.complex(np.complex128(1.0), np.complex128(2.0))


def test_complex_keeps_infinities_in_their_part() -> None:
    out = lax.complex(np.array([np.inf, 1.0]), np.array([0.0, np.nan]))
    assert out[0].real == np.inf and out[0].imag == 0.0
    assert out[1].real == 1.0 and np.isnan(out[1].imag)


def test_jit_results_of_parts_are_not_views_overwritten_later() -> None:
    def f(z: Any) -> Any:
        e = lax.exp(z)
        r = lax.real(e)
        return r, lax.mul(e, e)

    z = np.array([0.1 + 0.2j, 0.3 - 0.4j, 1j, 2.0 + 0j])
    expected = f(z)
    jf = ft.jit(f)
    for _ in range(3):  # the second call runs generated code with buffer reuse
        assert_same(jf(z), expected, 1e-12, "jit of real of a reused buffer")


# ---------------------------------------------------------------------------------------------
# check_grads on complex functions: it catches a conjugated derivative
# ---------------------------------------------------------------------------------------------

def test_check_grads_catches_a_conjugated_jvp() -> None:
    @ft.custom_jvp
    def square(z: Any) -> Any:
        return lax.mul(z, z)

    @square.defjvp
    def _square_jvp(primals: Any, tangents: Any) -> Any:
        (z,), (dz,) = primals, tangents
        return square(z), lax.mul(lax.mul(lax.conj(z), np.complex128(2)), dz)  # wrong

    with pytest.raises(AssertionError, match="finite differences"):
        check_grads(square, (np.complex128(0.3 + 0.8j),), order=1, modes=("fwd",))
    check_grads(lambda z: lax.mul(z, z), (np.complex128(0.3 + 0.8j),), order=2)


def test_check_vjp_pairs_without_conjugation() -> None:
    # the plain transpose of z -> c z is ct -> c ct; under the Hermitian pairing
    # real(conj(u) J v) the identity would need conj(c) instead, so this guards the pairing
    from ftrans.test_util import check_vjp
    check_vjp(lambda z: lax.mul(z, np.complex128(2 - 1j)), (np.complex128(0.3 + 0.8j),))
    check_vjp(lax.conj, (np.array([0.3 + 0.8j, -1j]),))
    check_vjp(lambda x: lax.complex(x, lax.mul(x, x)), (np.array([0.5, -2.0]),))


def test_part_primitives_take_python_scalars() -> None:
    assert lax.real(1 + 2j) == 1.0 and lax.imag(1 + 2j) == 2.0
    assert np.asarray(lax.imag(np.complex64(1 + 2j))).dtype == np.float32
    assert lax.conj(1 + 2j) == 1 - 2j and lax.complex(1.0, 2.0) == 1 + 2j
    assert ft.jit(lambda: lax.real(1 + 2j))() == 1.0


def test_complex_normal_samples() -> None:
    z = ft.random.normal(ft.random.PRNGKey(3), (20000,), np.complex64)
    assert z.dtype == np.complex64
    # E|z|^2 = 1 with independent parts of variance 1/2 (5 standard errors of slack)
    assert abs(np.mean(np.abs(z) ** 2) - 1) < 0.05
    assert abs(np.var(z.real) - 0.5) < 0.03 and abs(np.var(z.imag) - 0.5) < 0.03
    assert abs(np.corrcoef(z.real, z.imag)[0, 1]) < 0.04
    np.testing.assert_array_equal(
        ft.jit(lambda k: ft.random.normal(k, (4,), np.complex128))(ft.random.PRNGKey(1)),
        ft.random.normal(ft.random.PRNGKey(1), (4,), np.complex128))


@pytest.mark.parametrize("module", ["ftrans.lax.elementwise", "ftrans.api"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module(module),
                           optionflags=doctest.ELLIPSIS).failed == 0


def test_linear_transpose_takes_a_python_float_cotangent_for_a_complex_output() -> None:
    assert ft.linear_transpose(lambda w: lax.mul(w, np.complex128(2 + 1j)), 1j)(1.0) == (2 + 1j,)
    assert ft.vjp(lambda w: lax.mul(w, np.complex128(2 + 1j)), 1j)[1](1.0) == (2 + 1j,)
