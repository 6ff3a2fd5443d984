"""ftrans.numpy.linalg and ftrans.scipy.linalg against JAX: values, jvps and vjps on real and
complex matrices (eigenvectors and singular vectors through phase-free expressions)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
jsl = pytest.importorskip("jax.scipy.linalg")

RNG = np.random.default_rng(7)


def _matrix(shape: tuple, complex_: bool) -> np.ndarray:
    x = RNG.normal(size=shape)
    if complex_:
        x = x + 1j * RNG.normal(size=shape)
    if shape[-1] == shape[-2]:
        x = x + 2 * np.eye(shape[-1])
    return x


def _hermitian_pd(n: int, complex_: bool) -> np.ndarray:
    x = _matrix((n, n), complex_)
    return x @ np.conj(x.T) + n * np.eye(n)


def _phase_free(v: Any, m: Any) -> Any:
    """|v|^2 elementwise: independent of each column's phase."""
    return m.real(v * m.conj(v))


CASES: list[tuple[str, Callable[[Any], Callable], Callable[[], tuple]]] = [
    ("det", lambda m: m.linalg.det, lambda: (_matrix((3, 3), True),)),
    ("slogdet", lambda m: lambda a: tuple(m.linalg.slogdet(a)), lambda: (_matrix((3, 3), True),)),
    ("inv", lambda m: m.linalg.inv, lambda: (_matrix((3, 3), True),)),
    ("solve", lambda m: m.linalg.solve, lambda: (_matrix((3, 3), True), _matrix((3, 2), True))),
    ("cholesky", lambda m: m.linalg.cholesky, lambda: (_hermitian_pd(3, True),)),
    ("eigh", lambda m: lambda a: (lambda w, v: (w, _phase_free(v, m)))(*m.linalg.eigh(a)),
     lambda: (_hermitian_pd(3, True),)),
    ("svd:tall", lambda m: lambda a: (lambda u, s, vh: (_phase_free(u, m), s,
                                                       _phase_free(vh, m)))(
        *m.linalg.svd(a, full_matrices=False)), lambda: (_matrix((4, 3), True),)),
    ("svd:wide", lambda m: lambda a: (lambda u, s, vh: (_phase_free(u, m), s,
                                                       _phase_free(vh, m)))(
        *m.linalg.svd(a, full_matrices=False)), lambda: (_matrix((2, 3), True),)),
    ("qr", lambda m: lambda a: tuple(m.linalg.qr(a)), lambda: (_matrix((4, 3), True),)),
    ("pinv", lambda m: m.linalg.pinv, lambda: (_matrix((4, 3), True),)),
    ("lstsq", lambda m: lambda a, b: m.linalg.lstsq(a, b)[0],
     lambda: (_matrix((4, 3), True), _matrix((4, 2), True))),
    ("norm:nuc", lambda m: lambda a: m.linalg.norm(a, "nuc"), lambda: (_matrix((3, 3), True),)),
    ("eigvals:real", lambda m: m.linalg.eigvals, lambda: (_matrix((4, 4), False),)),
    ("eigvals:complex", lambda m: m.linalg.eigvals, lambda: (_matrix((3, 3), True),)),
    ("vecdot", lambda m: m.linalg.vecdot, lambda: (_matrix((2, 3), True), _matrix((2, 3), True))),
]


def _random_like(x: Any) -> np.ndarray:
    shape = np.shape(x)
    out = RNG.normal(size=shape)
    if np.iscomplexobj(x):
        out = out + 1j * RNG.normal(size=shape)
    return out


def _ftrans_module() -> Any:
    class Mod:
        linalg = fnp.linalg
        real = staticmethod(lax.real)
        conj = staticmethod(lax.conj)
    return Mod


def _jax_module() -> Any:
    class Mod:
        linalg = jnp.linalg
        real = staticmethod(jnp.real)
        conj = staticmethod(jnp.conj)
    return Mod


def _assert_close(a: Any, b: Any, what: str) -> None:
    la, lb = ft.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb), what
    for x, y in zip(la, lb):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-8, atol=1e-8,
                                   err_msg=what)


@pytest.mark.parametrize("name,make,args", CASES, ids=[c[0] for c in CASES])
def test_values_and_derivatives_match_jax(name: str, make: Callable, args: Callable) -> None:
    primals = args()
    ours, theirs = make(_ftrans_module()), make(_jax_module())
    if name.startswith("eigvals"):  # same values in LAPACK's order
        _assert_close(ours(*primals), theirs(*primals), name)
        tangents = tuple(_matrix(np.shape(p), np.iscomplexobj(p)) for p in primals)
        _assert_close(ft.jvp(ours, primals, tangents), jax.jvp(theirs, primals, tangents),
                      name)
        return
    _assert_close(ours(*primals), theirs(*primals), f"{name} value")
    tangents = tuple(_matrix(np.shape(p), np.iscomplexobj(p)) for p in primals)
    if name in ("cholesky", "eigh", "eigvalsh"):  # Hermitian tangents
        tangents = tuple(t + np.conj(np.swapaxes(t, -1, -2)) for t in tangents)
    _assert_close(ft.jvp(ours, primals, tangents)[1], jax.jvp(theirs, primals, tangents)[1],
                  f"{name} jvp")
    out, vjp_ours = ft.vjp(ours, *primals)
    cts = ft.tree_util.tree_map(_random_like, out)
    _, vjp_theirs = jax.vjp(theirs, *primals)
    _assert_close(vjp_ours(cts), vjp_theirs(cts), f"{name} vjp")


def test_eig_vectors_and_their_jvp_match_jax() -> None:
    for complex_ in (False, True):
        a, da = _matrix((4, 4), complex_), _matrix((4, 4), complex_)

        def theirs(a: Any) -> Any:
            return jax.lax.linalg.eig(a, compute_left_eigenvectors=False,
                                      enable_eigvec_derivs=True)

        (w, v), (dw, dv) = ft.jvp(lambda a: tuple(fnp.linalg.eig(a)), (a,), (da,))
        (jw, jv), (jdw, jdv) = jax.jvp(theirs, (a,), (da,))
        for x, y in ((w, jw), (v, jv), (dw, jdw), (dv, jdv)):
            np.testing.assert_allclose(x, y, rtol=1e-8, atol=1e-8)


SCIPY_CASES = [
    ("expm", lambda m: m.expm, lambda: (0.5 * _matrix((3, 3), False),)),
    ("expm:complex", lambda m: m.expm, lambda: (0.3 * _matrix((3, 3), True),)),
    ("lu_solve", lambda m: lambda a, b: m.lu_solve(m.lu_factor(a), b),
     lambda: (_matrix((3, 3), False), _matrix((3, 2), False))),
    ("cho_solve", lambda m: lambda a, b: m.cho_solve(m.cho_factor(a), b),
     lambda: (_hermitian_pd(3, False), _matrix((3, 2), False))),
    ("solve_triangular:C", lambda m: lambda a, b: m.solve_triangular(a, b, trans="C",
                                                                     lower=True),
     lambda: (_matrix((3, 3), True), _matrix((3, 2), True))),
    ("lu", lambda m: lambda a: tuple(m.lu(a)), lambda: (_matrix((3, 3), False),)),
    ("toeplitz", lambda m: m.toeplitz, lambda: (RNG.normal(size=3), RNG.normal(size=4))),
    ("block_diag", lambda m: m.block_diag, lambda: (_matrix((2, 2), False),
                                                     _matrix((1, 3), False))),
]


def test_sqrtm_value_matches_jax() -> None:
    import ftrans.scipy.linalg as fsl
    for a in (_hermitian_pd(3, False), _matrix((3, 3), True)):
        np.testing.assert_allclose(fsl.sqrtm(a), jsl.sqrtm(a), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("name,make,args", SCIPY_CASES, ids=[c[0] for c in SCIPY_CASES])
def test_scipy_linalg_matches_jax(name: str, make: Callable, args: Callable) -> None:
    import ftrans.scipy.linalg as fsl
    primals = args()
    ours, theirs = make(fsl), make(jsl)
    _assert_close(ours(*primals), theirs(*primals), f"{name} value")
    tangents = tuple(_matrix(np.shape(p), np.iscomplexobj(p)) if np.ndim(p) == 2 else
                     RNG.normal(size=np.shape(p)) for p in primals)
    if name == "cho_solve":  # a symmetric direction: JAX symmetrizes the tangent instead of
        # reading one triangle of it, as ftrans (and the factorisation itself) does
        tangents = (tangents[0] + tangents[0].T,) + tangents[1:]
    _assert_close(ft.jvp(ours, primals, tangents)[1], jax.jvp(theirs, primals, tangents)[1],
                  f"{name} jvp")
