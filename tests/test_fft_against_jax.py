"""ftrans.numpy.fft and lax.fft against JAX as an oracle, in float64: values, jvps, vjps
(JAX's convention for complex cotangents), gradients and Hessians of real functions of
spectra, batched gradients. Skipped where JAX is not installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

import ftrans as ft  # noqa: E402
import ftrans.numpy as fnp  # noqa: E402
from ftrans import lax  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4, 6))
Z = X + 1j * rng.normal(size=X.shape)


def _random_like(y: Any) -> np.ndarray:
    out = rng.normal(size=np.shape(y))
    return out + 1j * rng.normal(size=np.shape(y)) if np.iscomplexobj(y) else out


def _same(ours: Any, theirs: Any) -> None:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def _compare(name: str, x: np.ndarray, kw: dict) -> None:
    """Value, vjp and jvp of ``fft.<name>(x, **kw)``; JAX's in one compiled call."""
    def ours(a: Any) -> Any:
        return getattr(fnp.fft, name)(a, **kw)

    def theirs(a: Any) -> Any:
        return getattr(jnp.fft, name)(a, **kw)

    @jax.jit
    def reference(a: Any, ct: Any, t: Any) -> Any:
        y, vjp = jax.vjp(theirs, a)
        return y, vjp(ct)[0], jax.jvp(theirs, (a,), (t,))[1]

    y, vjp_ours = ft.vjp(ours, x)
    ct, t = _random_like(y), _random_like(x)
    for mine, their in zip((y, vjp_ours(ct)[0], ft.jvp(ours, (x,), (t,))[1]),
                           reference(x, ct, t)):
        _same(mine, their)


ONE_AXIS = [("fft", True), ("ifft", True), ("rfft", False), ("irfft", True), ("hfft", True),
            ("ihfft", False)]


@pytest.mark.parametrize("name,complex_input", ONE_AXIS, ids=[c[0] for c in ONE_AXIS])
def test_one_axis(name: str, complex_input: bool) -> None:
    configs = [dict(), dict(n=3, axis=1, norm="ortho"), dict(n=8, axis=0, norm="forward")]
    for i, kw in enumerate(configs):
        # real input (cast to complex) once, complex input otherwise
        _compare(name, Z if complex_input and i else X, kw)


SEVERAL = [("fftn", True), ("ifftn", True), ("rfftn", False), ("irfftn", True),
           ("fft2", True), ("ifft2", True), ("rfft2", False), ("irfft2", True)]


@pytest.mark.parametrize("name,complex_input", SEVERAL, ids=[c[0] for c in SEVERAL])
def test_several_axes(name: str, complex_input: bool) -> None:
    configs = [dict(), dict(s=(3, 5), axes=(2, 0), norm="ortho"), dict(axes=(0, 1))]
    if not name.endswith("2"):
        configs.append(dict(s=(2, 3, 7), axes=(0, 1, 2), norm="forward"))
    for i, kw in enumerate(configs):
        _compare(name, Z if complex_input and i else X, kw)


@pytest.mark.parametrize("fft_type,lengths,shape", [
    ("fft", (4, 6), (3, 4, 6)), ("ifft", (6,), (3, 4, 6)), ("rfft", (3, 4, 6), (3, 4, 6)),
    ("rfft", (5,), (2, 5)), ("irfft", (4, 10), (3, 4, 6)), ("irfft", (4, 11), (3, 4, 6)),
    ("irfft", (3, 4, 1), (3, 4, 1)),
])
def test_lax_transposes(fft_type: str, lengths: tuple, shape: tuple) -> None:
    x = _random_like(np.zeros(shape)) if fft_type != "rfft" else rng.normal(size=shape)
    if fft_type != "rfft":
        x = x + 1j * rng.normal(size=shape)
    y = lax.fft(x, fft_type, lengths)
    ct = _random_like(y)
    ours = ft.linear_transpose(lambda a: lax.fft(a, fft_type, lengths), x)(ct)[0]
    theirs = jax.linear_transpose(lambda a: jax.lax.fft(a, fft_type, lengths), x)(ct)[0]
    _same(ours, theirs)


def _power(re: Any, im: Any, y: Any) -> Any:
    return re(y) ** 2 + im(y) ** 2


def _real_functions() -> dict[str, tuple[Any, Any, np.ndarray]]:
    """Real-valued functions of spectra, as (ours, theirs, input)."""
    w = rng.normal(size=4) + 1j * rng.normal(size=4)

    def make(body: Any) -> tuple[Any, Any]:
        return (lambda x: body(fnp, lax.real, lax.imag, x),
                lambda x: body(jnp, jnp.real, jnp.imag, x))

    cases = {
        "filtered_energy": (make(lambda m, re, im, x: m.sum(
            m.fft.irfft(m.fft.rfft(x) * w, n=6) ** 2)), X[0]),
        "spectral_power": (make(lambda m, re, im, x: m.sum(
            _power(re, im, m.fft.rfftn(x, norm="ortho")) * m.cos(x[..., :4]))), X[0]),
        "complex_input": (make(lambda m, re, im, x: m.sum(
            _power(re, im, m.fft.fft2(x * x, s=(5, 3))))), Z[0]),
        "magnitude_and_phase": (make(lambda m, re, im, x: m.sum(
            m.abs(m.fft.fft(x, axis=0)) * m.angle(m.fft.ifft2(x)))), Z[0]),
        "hermitian": (make(lambda m, re, im, x: m.sum(
            m.sin(m.fft.hfft(x, n=7))) + m.sum(re(m.fft.ihfft(m.fft.hfft(x, n=7))))), Z[0]),
    }
    return {name: (fs[0], fs[1], x) for name, (fs, x) in cases.items()}


REAL_FUNCTIONS = _real_functions()


@pytest.mark.parametrize("name", list(REAL_FUNCTIONS))
def test_gradients_and_hessians(name: str) -> None:
    ours, theirs, x = REAL_FUNCTIONS[name]
    _same(ours(x), jax.jit(theirs)(x))
    _same(ft.grad(ours)(x), jax.jit(jax.grad(theirs))(x))
    if not np.iscomplexobj(x):
        _same(ft.hessian(ours)(x[0]), jax.jit(jax.hessian(theirs))(x[0]))
    batch = np.stack([x, 2 * x, -x])
    _same(ft.vmap(ft.grad(ours))(batch), jax.jit(jax.vmap(jax.grad(theirs)))(batch))


def test_frequencies_and_shifts() -> None:
    def frequencies(m: Any, d: Any) -> Any:
        return [m.fft.fftfreq(n, d) for n in (1, 4, 7)] + [m.fft.rfftfreq(n, d) for n in (1, 6)]

    def shifts(m: Any, x: Any) -> Any:
        return [shift(x, axes) for shift in (m.fft.fftshift, m.fft.ifftshift)
                for axes in (None, 0, (1, 2))]

    def cubes(m: Any, d: Any) -> Any:
        return m.sum(m.fft.rfftfreq(6, d) ** 3)

    theirs = jax.jit(lambda d, x: (frequencies(jnp, d), shifts(jnp, x),
                                   jax.grad(lambda d: cubes(jnp, d))(d)))(0.3, X)
    ours = (frequencies(fnp, 0.3), shifts(fnp, X), ft.grad(lambda d: cubes(fnp, d))(0.3))
    for mine, their in zip(ft.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
        _same(mine, their)


def test_holomorphic_and_real_jacobians() -> None:
    z = Z[0, 0, :5]

    def spectral_square(m: Any) -> Any:
        return lambda z: m.fft.ifft(m.fft.fft(z) ** 2, n=4)

    def filtered_square(m: Any) -> Any:
        return lambda x: m.fft.irfft(m.fft.rfft(x) ** 2, n=5)

    theirs = jax.jit(lambda z, x: (jax.jacrev(spectral_square(jnp), holomorphic=True)(z),
                                   jax.jacfwd(spectral_square(jnp), holomorphic=True)(z),
                                   jax.vmap(jax.jacrev(filtered_square(jnp)))(x)))
    x = np.stack([z.real, 2 * z.real])
    ours = (ft.jacrev(spectral_square(fnp), holomorphic=True)(z),
            ft.jacfwd(spectral_square(fnp), holomorphic=True)(z),
            ft.jit(ft.vmap(ft.jacrev(filtered_square(fnp))))(x))
    for mine, their in zip(ours, theirs(z, x)):
        _same(mine, their)


@pytest.mark.parametrize("name", ["dct", "idct", "dctn", "idctn"])
def test_scipy_dct(name: str) -> None:
    from ftrans.scipy import fft as ours_module
    jsfft = pytest.importorskip("jax.scipy.fft")
    one_axis = name in ("dct", "idct")
    configs = ([dict(), dict(n=4, axis=0, norm="ortho"), dict(n=9, axis=2)] if one_axis else
               [dict(), dict(s=(2, 7), axes=(2, 0), norm="ortho"), dict(axes=(1,))])
    for kw in configs:
        def ours(a: Any, kw: dict = kw) -> Any:
            return getattr(ours_module, name)(a, **kw)

        def theirs(a: Any, kw: dict = kw) -> Any:
            return getattr(jsfft, name)(a, **kw)

        @jax.jit
        def reference(a: Any, ct: Any, t: Any) -> Any:
            y, vjp = jax.vjp(theirs, a)
            return y, vjp(ct)[0], jax.jvp(theirs, (a,), (t,))[1]

        y, vjp_ours = ft.vjp(ours, X)
        ct, t = _random_like(y), _random_like(X)
        for mine, their in zip((y, vjp_ours(ct)[0], ft.jvp(ours, (X,), (t,))[1]),
                               reference(X, ct, t)):
            _same(mine, their)
