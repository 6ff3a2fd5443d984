"""ftrans.numpy.fft: the spec table against numpy.fft (values, dtypes, grads, vmap), a sweep
over every function, norm, length and axis, compositions, batch axes among the transformed
axes, jit, and NumPy's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.test_util import check_grads
from tests.spec_util import (
    OpSpec, assert_same, call, make_family_tests, spec_args, unary_shapes,
)

REAL = (np.float64, np.float32)
ANY = (np.float64, np.float32, np.complex128, np.complex64)
COMPLEX = (np.complex128, np.complex64)


def arrays(min_rank: int = 1, max_rank: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy:
    return unary_shapes(min_rank=min_rank, max_rank=max_rank, min_side=min_side,
                        max_side=max_side)


def row(name: str, fname: str, arg_shapes: Any = None, dtypes: tuple = ANY,
        **kw: Any) -> OpSpec:
    """``ftrans.numpy.fft.<fname>(a, **kw)`` against ``numpy.fft.<fname>(a, **kw)``."""
    return OpSpec(name, lambda a: getattr(fnp.fft, fname)(a, **kw),
                  lambda a: getattr(np.fft, fname)(a, **kw),
                  arrays() if arg_shapes is None else arg_shapes, dtypes, rtol=2e-5)


SPECS = [
    row("fft.fft", "fft"),
    row("fft.fft:n3_axis0_ortho", "fft", n=3, axis=0, norm="ortho"),
    row("fft.fft:n7_forward", "fft", n=7, norm="forward"),
    row("fft.ifft", "ifft"),
    row("fft.ifft:n4_axis_m2_ortho", "ifft", arrays(2), n=4, axis=-2, norm="ortho"),
    row("fft.rfft", "rfft", dtypes=REAL),
    row("fft.rfft:n5_axis0_forward", "rfft", dtypes=REAL, n=5, axis=0, norm="forward"),
    row("fft.irfft", "irfft", arrays(min_side=2)),
    row("fft.irfft:n5_ortho", "irfft", n=5, norm="ortho"),
    row("fft.irfft:n4_axis0_forward", "irfft", n=4, axis=0, norm="forward"),
    row("fft.hfft", "hfft", arrays(min_side=2)),
    row("fft.hfft:n3_forward", "hfft", n=3, norm="forward"),
    row("fft.ihfft", "ihfft", dtypes=REAL),
    row("fft.ihfft:n6_ortho", "ihfft", dtypes=REAL, n=6, norm="ortho"),
    row("fft.fftn", "fftn"),
    row("fft.fftn:s_axes", "fftn", arrays(2), s=(3, 2), axes=(0, -1), norm="ortho"),
    row("fft.fftn:4_axes", "fftn", arrays(4, 4, max_side=3)),
    row("fft.ifftn:s", "ifftn", s=(4,), axes=(-1,), norm="forward"),
    row("fft.rfftn", "rfftn", dtypes=REAL),
    row("fft.rfftn:s_axes", "rfftn", arrays(2), dtypes=REAL, s=(3, 4), axes=(1, 0),
        norm="forward"),
    row("fft.rfftn:4_axes", "rfftn", arrays(4, 4, max_side=3), dtypes=REAL),
    row("fft.irfftn", "irfftn", arrays(min_side=2)),
    row("fft.irfftn:s_axes", "irfftn", arrays(2), s=(3, 5), axes=(0, 1), norm="ortho"),
    row("fft.irfftn:4_axes", "irfftn", arrays(4, 4, max_side=3), s=(2, 3, 2, 3),
        axes=(0, 1, 2, 3)),
    row("fft.fft2", "fft2", arrays(2)),
    row("fft.ifft2:s", "ifft2", arrays(2), s=(2, 5), norm="ortho"),
    row("fft.rfft2", "rfft2", arrays(2), dtypes=REAL),
    row("fft.irfft2", "irfft2", arrays(2, min_side=2)),
    row("fft.irfft2:s_axes", "irfft2", arrays(3, 3), s=(4, 3), axes=(0, 2), norm="forward"),
    row("fft.fftshift", "fftshift"),
    row("fft.fftshift:axis0", "fftshift", arrays(1), axes=0),
    row("fft.ifftshift", "ifftshift"),
    row("fft.ifftshift:axes", "ifftshift", arrays(2), axes=(-1, 0)),
    OpSpec("fft.fftfreq", lambda d: fnp.fft.fftfreq(5, d), lambda d: np.fft.fftfreq(5, d),
           unary_shapes(max_rank=0), (np.float64,), domain=(0.5, 2.0)),
    OpSpec("fft.rfftfreq", lambda d: fnp.fft.rfftfreq(6, d), lambda d: np.fft.rfftfreq(6, d),
           unary_shapes(max_rank=0), (np.float64,), domain=(0.5, 2.0)),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


@pytest.mark.parametrize("spec", SPECS[::4], ids=[s.name for s in SPECS[::4]])
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_jit_matches_eager(spec: OpSpec, data: Any) -> None:
    args = data.draw(spec_args(spec))
    assert_same(ft.jit(lambda *a: call(spec, *a))(*args), call(spec, *args), 1e-12,
                f"jit of {spec.name}")


# ---------------------------------------------------------------------------------------------
# Every function, norm, length and axis against NumPy
# ---------------------------------------------------------------------------------------------

ONE_AXIS = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
SEVERAL_AXES = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
S_AXES = [(None, None), ((3, 6), None), (None, (0, 2)), ((2, 3), (2, 0)),
          ((4, 2, 6), (1, 0, 2)), (None, (1,)), ((2, -1), (0, 1)), ((2, 3), None)]


def _sweep_cases() -> list[tuple[str, bool, dict]]:
    cases = []
    for norm in (None, "backward", "ortho", "forward"):
        for name in ONE_AXIS:
            for n in (None, 1, 3, 4, 7):
                for axis in (-1, 0, 1):
                    cases.append((name, name in ("rfft", "ihfft"), dict(n=n, axis=axis,
                                                                       norm=norm)))
        for name in SEVERAL_AXES:
            for s, axes in S_AXES:
                count = len(axes) if axes is not None else len(s) if s is not None else 3
                if name.endswith("2") and count != 2:
                    continue
                kw = dict(norm=norm)
                kw.update({} if s is None else {"s": s})
                kw.update({} if axes is None else {"axes": axes})
                cases.append((name, name.startswith("rfft"), kw))
    return cases


def _outcome(fun: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fun(*args, **kw)
    except Exception as err:  # noqa: BLE001  (the exception is the outcome compared)
        return err


@pytest.mark.filterwarnings("ignore:`axes` should not be `None`:DeprecationWarning")
def test_sweep_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5))
    z = x + 1j * rng.normal(size=x.shape)
    for name, real, kw in _sweep_cases():
        a = x if real else z
        expected = _outcome(getattr(np.fft, name), a, **kw)
        actual = _outcome(getattr(fnp.fft, name), a, **kw)
        what = f"{name}({kw})"
        if isinstance(expected, Exception):
            assert type(actual) is type(expected), f"{what}: {actual!r} vs {expected!r}"
            continue
        assert not isinstance(actual, Exception), f"{what}: raised {actual!r}"
        assert_same(actual, expected, 1e-10, what)


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.int64, np.float16, np.float32,
                                   np.float64, np.complex64, np.complex128])
def test_output_dtypes_match_numpy(dtype: Any) -> None:
    a = np.ones((2, 4), dtype)
    for name in ONE_AXIS + SEVERAL_AXES:
        expected = _outcome(getattr(np.fft, name), a)
        actual = _outcome(getattr(fnp.fft, name), a)
        if isinstance(expected, Exception):
            assert isinstance(actual, TypeError), f"{name} of {a.dtype}: {actual!r}"
        else:
            assert actual.dtype == expected.dtype, f"{name} of {a.dtype}"


def test_frequencies_match_numpy_exactly() -> None:
    for n in (1, 2, 5, 6, 7):
        for d in (1.0, 0.3, np.float32(0.3)):
            for name in ("fftfreq", "rfftfreq"):
                assert_same(getattr(fnp.fft, name)(n, d), getattr(np.fft, name)(n, d), 0,
                            f"{name}({n}, {d!r})")
    assert fnp.fft.fftfreq(4, dtype=np.float32).dtype == np.float32
    # differentiable in the spacing: d/dd sum(f**2) = -2 sum(f**2) / d
    d = 0.5
    expected = -2 * np.sum(np.fft.fftfreq(5, d) ** 2) / d
    np.testing.assert_allclose(ft.grad(lambda d: fnp.sum(fnp.fft.fftfreq(5, d) ** 2))(d),
                               expected)


# ---------------------------------------------------------------------------------------------
# Compositions: derivatives of real and complex functions through spectra
# ---------------------------------------------------------------------------------------------

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 6))
Z = X + 1j * RNG.normal(size=X.shape)
W = RNG.normal(size=4) + 1j * RNG.normal(size=4)


def _re(y: Any) -> Any:
    return lax.real(y) if ft.core.get_aval(y).dtype.kind == "c" else y


def _power(y: Any) -> Any:
    return lax.real(y) ** 2 + lax.imag(y) ** 2


COMPOSITIONS = {
    "filter": (lambda x: fnp.fft.irfft(fnp.fft.rfft(x) * W, n=6), X),
    "hermitian_round_trip": (lambda x: fnp.fft.hfft(fnp.fft.ihfft(x, n=5) * W[:3], n=6,
                                                   norm="ortho"), X),
    "padded_2d": (lambda x: fnp.fft.irfftn(fnp.fft.rfftn(x, s=(5, 8)) * 2.0, s=(4, 6),
                                           axes=(0, 1)), X),
    "power_spectrum": (lambda x: fnp.sum(_power(fnp.fft.rfft(x, norm="ortho")), axis=-1), X),
    "shifted_power": (lambda x: fnp.fft.fftshift(_power(fnp.fft.fft2(x)), axes=0), X),
    "complex_in_complex_out": (lambda z: fnp.fft.ifft(fnp.fft.fft(z, n=8) * W[0], n=5), Z),
    "complex_in_real_out": (lambda z: fnp.fft.irfft2(z * z, s=(4, 9)), Z),
    "complex_power": (lambda z: _power(fnp.fft.fftn(z, norm="forward")), Z),
    "magnitude": (lambda x: fnp.abs(fnp.fft.rfft2(x, s=(5, 6))), X),
    "phase": (lambda z: fnp.angle(fnp.fft.ifft(z, axis=0)), Z),
    "conjugate_product": (lambda z: fnp.real(fnp.fft.fftn(fnp.conj(z) * z[::-1])), Z),
}


@pytest.mark.parametrize("name", list(COMPOSITIONS))
def test_composition_grads(name: str) -> None:
    fun, x = COMPOSITIONS[name]
    check_grads(fun, (x,), order=2)


def test_parseval_gradient() -> None:
    """sum |rfft|^2 with the doubled bins counted twice is n sum x^2: gradient 2 n x."""
    x = np.array([0.5, -1.0, 2.0, 0.25, 1.5])

    def energy(x: Any) -> Any:
        y = fnp.fft.rfft(x)
        weights = np.array([1.0, 2.0, 2.0])
        return fnp.sum(_power(y) * weights)

    np.testing.assert_allclose(energy(x), 5 * np.sum(x ** 2))
    np.testing.assert_allclose(ft.grad(energy)(x), 10 * x)


# ---------------------------------------------------------------------------------------------
# Batch axes anywhere, including among and after the transformed axes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,kw", [
    ("fftn", dict(axes=(0, 2))), ("rfftn", dict(axes=(2, 0), s=(3, 4))),
    ("irfftn", dict(axes=(0, 1), s=(2, 5))), ("fft", dict(axis=0, n=3)),
    ("hfft", dict(axis=1)), ("ihfft", dict(axis=0, n=4)), ("fftshift", dict(axes=(0, 2))),
])
@pytest.mark.parametrize("in_axis", [0, 1, 2, 3, -1])
def test_vmap_at_every_position(name: str, kw: dict, in_axis: int) -> None:
    rng = np.random.default_rng(in_axis + 5)
    members = rng.normal(size=(3, 2, 4, 3))
    if name not in ("rfftn", "ihfft"):
        members = members + 1j * rng.normal(size=members.shape)
    fun = getattr(fnp.fft, name)
    expected = np.stack([getattr(np.fft, name)(m, **kw) for m in members])
    batched = np.moveaxis(members, 0, in_axis)
    actual = ft.vmap(lambda a: fun(a, **kw), in_axes=in_axis)(batched)
    assert_same(actual, expected, 1e-12, f"vmap of {name} at {in_axis}")
    grads = ft.vmap(ft.grad(lambda a: fnp.sum(_re(fun(a, **kw)))), in_axes=in_axis)(
        batched.real)
    loop = np.stack([ft.grad(lambda a: fnp.sum(_re(fun(a, **kw))))(m.real)
                     for m in members])
    np.testing.assert_allclose(grads, loop, atol=1e-12)


def test_jit_of_grad_equals_grad() -> None:
    def loss(x: Any) -> Any:
        return fnp.sum(fnp.fft.irfft(fnp.fft.rfft(x, n=8) * W[:1], n=5, axis=0) ** 2)

    np.testing.assert_allclose(ft.jit(ft.grad(loss))(X), ft.grad(loss)(X), atol=1e-12)
    np.testing.assert_allclose(ft.jit(loss)(X), loss(X))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call_fft,error,match", [
    (lambda: fnp.fft.fft(np.ones(4), n=0), ValueError, "n=0"),
    (lambda: fnp.fft.rfft(np.ones(4), n=-2), ValueError, "n=-2"),
    (lambda: fnp.fft.irfft(np.ones(1)), ValueError, "n=0"),
    (lambda: fnp.fft.fft(np.ones(0)), ValueError, "n=0"),
    (lambda: fnp.fft.fft(np.ones(4), n=2.5), TypeError, "n must be an integer"),
    (lambda: fnp.fft.fftn(np.ones((4, 4)), axes=(0, 0)), ValueError, "repeated axes"),
    (lambda: fnp.fft.rfftn(np.ones((4, 4)), axes=(1, -1)), ValueError, "repeated axes"),
    (lambda: fnp.fft.fftn(np.ones((4, 4)), s=(2,), axes=(0, 1)), ValueError,
     "different lengths"),
    (lambda: fnp.fft.fftn(np.ones((4, 4)), s=(2, 0)), ValueError, "s=0"),
    (lambda: fnp.fft.fft(np.ones(4), norm="foo"), ValueError, "invalid norm"),
    (lambda: fnp.fft.fft(np.ones((2, 3)), axis=2), np.exceptions.AxisError, "out of bounds"),
    (lambda: fnp.fft.rfft(np.ones(4) + 1j), TypeError, "real input"),
    (lambda: fnp.fft.ihfft(np.ones(4) + 1j), TypeError, "real input"),
    (lambda: fnp.fft.fftfreq(4.5), TypeError, "n must be an integer"),
    (lambda: fnp.fft.fftfreq(0), ValueError, "n=0"),
    (lambda: fnp.fft.fftn(np.ones((2, 2)), s=3), TypeError, "sequence"),
])
def test_errors(call_fft: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call_fft()


def test_errors_are_numpys_types() -> None:
    """Where NumPy raises, the same exception class is raised (AxisError is both a ValueError
    and an IndexError)."""
    for fun in (lambda m: m.fft.fft(np.ones(4), n=0), lambda m: m.fft.ifft(np.ones(4),
                                                                          norm="x"),
                lambda m: m.fft.fft(np.ones((2, 2)), axis=3)):
        expected = _outcome(fun, np)
        actual = _outcome(fun, fnp)
        assert isinstance(actual, type(expected)), (actual, expected)


def test_staged_shapes() -> None:
    closed = ft.make_jaxpr(lambda a: fnp.fft.rfftn(a, s=(3, 7), axes=(1, 2)))(np.ones((2, 4, 5)))
    (out,) = closed.out_avals
    assert out.shape == (2, 3, 4) and out.dtype == np.complex128


def test_numpy_fft_functions_dispatch_on_traced_values() -> None:
    x = np.array([1.0, 2.0, 0.0, -1.0])
    assert_same(ft.jit(lambda v: np.fft.rfft(v, norm="ortho"))(x),
                np.fft.rfft(x, norm="ortho"), 1e-12, "np.fft.rfft of a tracer")
    grad = ft.grad(lambda v: np.sum(np.fft.irfft(np.fft.rfft(v), n=4) ** 2))(x)
    np.testing.assert_allclose(grad, 2 * x)


def test_traced_length_asks_for_a_static_argument() -> None:
    with pytest.raises(ft.core.ConcretizationError, match="static"):
        ft.jit(lambda x, n: fnp.fft.fft(x, n=n))(np.ones(4), 3)
    out = ft.jit(lambda x, n: fnp.fft.rfft(x, n=n), static_argnums=1)(np.ones(4), 3)
    assert_same(out, np.fft.rfft(np.ones(4), n=3), 1e-12, "static n")
