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
from tests.spec_util import (
    OpSpec, assert_same, broadcasting_shapes, call, make_family_tests, spec_args, unary_shapes,
)

C64_128 = (np.complex128, np.complex64)
F32_64 = (np.float64, np.float32)

unary = unary_shapes()
binary = broadcasting_shapes(2)


def _np_complex(x: np.ndarray, y: np.ndarray) -> Any:
    out = np.asarray(x) + 1j * np.asarray(y)
    return out.astype(np.result_type(np.asarray(x).dtype, np.complex64))[()]


SPECS = [
    OpSpec("real", lax.real, np.real, unary, C64_128, rtol=1e-6),
    OpSpec("imag", lax.imag, np.imag, unary, C64_128, rtol=1e-6),
    OpSpec("conj", lax.conj, np.conjugate, unary, C64_128, rtol=1e-6),
    OpSpec("conj_of_real", lax.conj, lambda x: np.asarray(x).astype(
        np.result_type(np.asarray(x).dtype, np.complex64))[()], unary, F32_64, rtol=1e-6),
    OpSpec("complex", lax.complex, _np_complex, binary, F32_64, rtol=1e-6),
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
