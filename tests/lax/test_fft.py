"""Spec table of the fft primitive (lax level): the four transform types over one to three
trailing axes, their transposes checked by the defining identity, parameter errors, jit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftrans as ft
from ftrans import lax
from tests.spec_util import OpSpec, assert_same, call, make_family_tests, spec_args

F32_64 = (np.float64, np.float32)
C64_128 = (np.complex128, np.complex64)


@st.composite
def fft_shapes(draw: Any, rank: int, half: str | None = None) -> tuple[tuple[int, ...]]:
    """A batch shape (0 to 2 axes) followed by ``rank`` transformed axes; ``half`` ("even" /
    "odd") makes the last axis the ``n // 2 + 1`` bins of an even / odd signal length."""
    batch = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    lengths = draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    return (tuple(batch) + tuple(lengths),)


def _irfft_length(bins: int, half: str) -> int:
    return 2 * (bins - 1) if half == "even" and bins > 1 else 2 * bins - 1


def _lax_fft(fft_type: str, rank: int, half: str | None = None) -> Any:
    def fun(x: Any) -> Any:
        lengths = list(np.shape(x)[np.ndim(x) - rank:])
        if half is not None:
            lengths[-1] = _irfft_length(lengths[-1], half)
        return lax.fft(x, fft_type, tuple(lengths))
    return fun


def _numpy_fft(fft_type: str, rank: int, half: str | None = None) -> Any:
    def reference(x: np.ndarray) -> np.ndarray:
        axes = tuple(range(-rank, 0))
        if fft_type == "irfft":
            lengths = list(x.shape[x.ndim - rank:])
            lengths[-1] = _irfft_length(lengths[-1], half)
            out = np.fft.irfftn(x, s=lengths, axes=axes)
            return out.astype(np.float32 if x.dtype == np.complex64 else np.float64)
        out = getattr(np.fft, fft_type + "n")(x, axes=axes)
        single = x.dtype in (np.float32, np.complex64)
        return out.astype(np.complex64 if single else np.complex128)
    return reference


def _rows() -> list[OpSpec]:
    rows = []
    for rank in (1, 2, 3):
        for fft_type, dtypes in (("fft", C64_128), ("ifft", C64_128), ("rfft", F32_64)):
            rows.append(OpSpec(f"{fft_type}_{rank}d", _lax_fft(fft_type, rank),
                               _numpy_fft(fft_type, rank), fft_shapes(rank), dtypes, rtol=1e-5))
        for half in ("even", "odd"):
            rows.append(OpSpec(f"irfft_{rank}d_{half}", _lax_fft("irfft", rank, half),
                               _numpy_fft("irfft", rank, half), fft_shapes(rank), C64_128,
                               rtol=1e-5))
    return rows


SPECS = _rows()

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


@pytest.mark.parametrize("spec", SPECS[:5], ids=[s.name for s in SPECS[:5]])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_jit_matches_eager(spec: OpSpec, data: Any) -> None:
    args = data.draw(spec_args(spec))
    expected = call(spec, *args)
    actual = ft.jit(lambda *a: call(spec, *a))(*args)
    assert_same(actual, expected, 1e-12, f"jit of {spec.name}")


# ---------------------------------------------------------------------------------------------
# Transposes: <T(ct), x> == <ct, F(x)> in the pairing real(sum(a * b)) (no conjugation)
# ---------------------------------------------------------------------------------------------

TRANSPOSE_CASES = [
    ("fft", (5,), (2, 5)), ("ifft", (3, 4), (2, 3, 4)), ("fft", (2, 3, 2), (2, 3, 2)),
    ("rfft", (6,), (2, 6)), ("rfft", (5,), (5,)), ("rfft", (1,), (3, 1)), ("rfft", (2,), (2,)),
    ("rfft", (3, 4), (2, 3, 4)), ("rfft", (2, 3, 5), (2, 3, 5)),
    ("irfft", (6,), (2, 4)), ("irfft", (5,), (3,)), ("irfft", (1,), (1,)),
    ("irfft", (2,), (2,)), ("irfft", (3, 4), (2, 3, 3)), ("irfft", (2, 3, 5), (2, 3, 3)),
]


def _random(rng: np.random.Generator, shape: tuple[int, ...], complex_: bool) -> np.ndarray:
    x = rng.normal(size=shape)
    return x + 1j * rng.normal(size=shape) if complex_ else x


@pytest.mark.parametrize("fft_type,lengths,shape", TRANSPOSE_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transpose_identity(fft_type: str, lengths: tuple, shape: tuple, dtype: Any) -> None:
    rng = np.random.default_rng(0)
    x = _random(rng, shape, fft_type != "rfft")
    x = x.astype(dtype if fft_type == "rfft" else np.result_type(dtype, np.complex64))

    def fun(x: Any) -> Any:
        return lax.fft(x, fft_type, lengths)

    y = fun(x)
    ct = _random(rng, y.shape, y.dtype.kind == "c").astype(y.dtype)
    (ct_x,) = ft.linear_transpose(fun, x)(ct)
    assert ct_x.dtype == x.dtype and ct_x.shape == x.shape
    lhs = np.real(np.sum(ct_x.astype(np.complex128) * x))
    rhs = np.real(np.sum(ct.astype(np.complex128) * y))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4 if dtype == np.float32 else 1e-10)
    # the transpose is linear in its turn and transposes back to the transform
    (back,) = ft.linear_transpose(lambda c: ft.linear_transpose(fun, x)(c)[0], ct)(x)
    np.testing.assert_allclose(back, y, rtol=1e-4 if dtype == np.float32 else 1e-10,
                               atol=1e-4 if dtype == np.float32 else 1e-10)


def test_transposes_by_matrix() -> None:
    """The transpose of each 1-D type is the plain transpose of its (real) matrix, built
    column by column, with complex numbers as pairs of reals."""
    n = 5
    for fft_type, size in (("rfft", n), ("irfft", n // 2 + 1), ("fft", n)):
        complex_in = fft_type != "rfft"

        def as_pairs(v: np.ndarray) -> np.ndarray:
            return np.concatenate([v.real, v.imag]) if np.iscomplexobj(v) else v

        basis = [np.eye(size)[i] for i in range(size)]
        inputs = basis + ([1j * b for b in basis] if complex_in else [])
        matrix = np.stack([as_pairs(lax.fft(v, fft_type, (n,))) for v in inputs], axis=1)
        ct = np.random.default_rng(1).normal(size=matrix.shape[0])
        out_len = matrix.shape[0] // 2 if fft_type != "irfft" else matrix.shape[0]
        ct_arg = ct[:out_len] - 1j * ct[out_len:] if fft_type != "irfft" else ct
        (t,) = ft.linear_transpose(lambda v: lax.fft(v, fft_type, (n,)),
                                   inputs[0] + 0j if complex_in else inputs[0])(ct_arg)
        # pairing real(sum(a * b)) makes the cotangent (re, -im) in real coordinates
        expected = matrix.T @ ct
        got = np.concatenate([t.real, -t.imag]) if complex_in else t
        np.testing.assert_allclose(got, expected, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Parameters, casts and errors
# ---------------------------------------------------------------------------------------------


def test_fft_type_names_and_enum() -> None:
    x = np.arange(4.0)
    expected = np.fft.fft(x)
    for fft_type in ("fft", "FFT", lax.FftType.FFT):
        np.testing.assert_allclose(lax.fft(x, fft_type, (4,)), expected)
    assert "fft_type=FftType.RFFT" in str(ft.make_jaxpr(lambda x: lax.fft(x, "rfft", [4]))(x))


def test_casts() -> None:
    assert lax.fft(np.arange(4), "fft", (4,)).dtype == np.complex128
    assert lax.fft(np.ones(4, np.float32), "fft", (4,)).dtype == np.complex64
    assert lax.fft(np.arange(4), "rfft", (4,)).dtype == np.complex128
    assert lax.fft(np.ones(4, np.float16), "rfft", (4,)).dtype == np.complex64
    assert lax.fft(np.ones(3, np.complex64), "irfft", (4,)).dtype == np.float32
    out = lax.fft(np.ones(3, np.float32), "fft", ())
    assert out.dtype == np.complex64 and np.array_equal(out, np.ones(3))


@pytest.mark.parametrize("call_fft,error,match", [
    (lambda: lax.fft(np.ones(4), "dft", (4,)), ValueError, "unknown fft_type"),
    (lambda: lax.fft(np.ones(4), 0, (4,)), TypeError, "fft_type must be"),
    (lambda: lax.fft(np.ones(4), "fft", (4.0,)), TypeError, "fft_lengths"),
    (lambda: lax.fft(np.ones((2,) * 4), "fft", (2,) * 4), ValueError, "1 to 3"),
    (lambda: lax.fft(np.ones(4), "fft", (2, 4)), ValueError, "fewer axes"),
    (lambda: lax.fft(np.ones(4), "fft", (5,)), ValueError, "must end in"),
    (lambda: lax.fft(np.ones(4) + 0j, "rfft", (4,)), ValueError, "real operand"),
    (lambda: lax.fft(np.ones(4) + 0j, "irfft", (4,)), ValueError, "must end in axes"),
    (lambda: lax.fft(np.ones(0) + 0j, "fft", (0,)), ValueError, "at least 1"),
    (lambda: ft.make_jaxpr(lambda x: lax.fft_p.bind(x, fft_type=lax.FftType.FFT,
                                                    fft_lengths=(4,)))(np.ones(4)),
     TypeError, "complex64 or complex128"),
])
def test_errors(call_fft: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call_fft()


def test_docstring_examples() -> None:
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module("ftrans.lax.fft")).failed == 0
