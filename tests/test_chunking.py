"""chunk_size for vmap, jacfwd and jacrev: the same values as without, in chunks."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp

rng = np.random.default_rng(0)


def f(a, b):
    return fnp.sin(a) * fnp.sum(a) + b


@pytest.mark.parametrize("chunk_size", [1, 3, 4, 10, 11, 100])
def test_vmap_chunked_equals_unchunked(chunk_size):
    x, b = rng.standard_normal((10, 3)), 0.5
    expected = ft.vmap(f, in_axes=(0, None))(x, b)
    np.testing.assert_allclose(ft.vmap(f, in_axes=(0, None), chunk_size=chunk_size)(x, b),
                               expected)


def test_vmap_chunked_axes_pytrees_and_unbatched_outputs():
    x = rng.standard_normal((3, 7))
    out = ft.vmap(lambda d, c: ({"y": d["u"] * c}, c), in_axes=({"u": 1}, None),
                  out_axes=({"y": 1}, None), chunk_size=2)({"u": x}, 2.0)
    np.testing.assert_allclose(out[0]["y"], 2.0 * x)
    assert out[1] == 2.0
    # remainder chunk and axis_size with no mapped input
    res = ft.vmap(lambda: np.float64(1.0), in_axes=(), axis_size=5, chunk_size=2)()
    np.testing.assert_allclose(res, np.ones(5))


def test_vmap_chunked_under_transformations():
    x = rng.standard_normal((9, 4))

    def loss(x, chunk_size):
        return ft.vmap(lambda r: fnp.tanh(r) * r, chunk_size=chunk_size)(x).sum()
    expected = ft.grad(loss)(x, None)
    np.testing.assert_allclose(ft.grad(loss)(x, 2), expected)
    np.testing.assert_allclose(ft.jit(ft.grad(loss), static_argnums=1)(x, 4), expected)
    np.testing.assert_allclose(ft.vmap(lambda z: ft.grad(loss)(z, 3))(x[None])[0], expected)
    # nested chunked vmaps
    nested = ft.vmap(ft.vmap(lambda s: s * 2.0, chunk_size=2), chunk_size=4)(x)
    np.testing.assert_allclose(nested, 2 * x)


@pytest.mark.parametrize("jac", [ft.jacfwd, ft.jacrev])
@pytest.mark.parametrize("chunk_size", [1, 2, 5, 64])
def test_jacobians_chunked(jac, chunk_size):
    w = rng.standard_normal((5, 3))

    def g(v, u):
        return {"a": fnp.tanh(w @ v) * u[0], "b": v * u}
    v, u = rng.standard_normal(3), rng.standard_normal(3)
    expected = jac(g, argnums=(0, 1))(v, u)
    got = jac(g, argnums=(0, 1), chunk_size=chunk_size)(v, u)
    for e, r in zip(ft.tree_util.tree_leaves(expected), ft.tree_util.tree_leaves(got)):
        np.testing.assert_allclose(r, e)


def test_jacobians_chunked_has_aux_hessian_and_jit():
    def g(v):
        return fnp.sin(v) * fnp.sum(v * v), fnp.sum(v)
    v = rng.standard_normal(7)
    for jac in (ft.jacfwd, ft.jacrev):
        j, aux = jac(g, has_aux=True, chunk_size=3)(v)
        j0, aux0 = jac(g, has_aux=True)(v)
        np.testing.assert_allclose(j, j0)
        np.testing.assert_allclose(aux, aux0)
    scalar = lambda v: fnp.sum(fnp.sin(v) ** 2)  # noqa: E731
    hess = ft.jacfwd(ft.jacrev(scalar, chunk_size=2), chunk_size=3)(v)
    np.testing.assert_allclose(hess, ft.hessian(scalar)(v), rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.jacrev(scalar, chunk_size=4))(v),
                               ft.jacrev(scalar)(v))


def test_bad_chunk_size():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="chunk_size"):
            ft.vmap(fnp.sin, chunk_size=bad)
        with pytest.raises(ValueError, match="chunk_size"):
            ft.jacrev(fnp.sin, chunk_size=bad)
    with pytest.raises(ValueError, match="axis_name"):
        ft.vmap(fnp.sin, axis_name="i", chunk_size=2)


def _peak(fn, *args):
    fn(*args)  # warm up
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_chunked_jacrev_peak_memory_scales_with_chunk_size():
    w = rng.standard_normal((1024, 64))
    layer = lambda v: fnp.tanh(w @ v)  # noqa: E731
    v = rng.standard_normal(64)
    jacobian_bytes = 1024 * 64 * 8
    full = _peak(ft.jacrev(layer), v)
    small = _peak(ft.jacrev(layer, chunk_size=16), v)
    assert full > 8 * jacobian_bytes        # the 1024 x 1024 basis and its images
    assert small < 2.5 * jacobian_bytes     # the result plus a few chunk-sized buffers
    np.testing.assert_allclose(ft.jacrev(layer, chunk_size=16)(v), ft.jacrev(layer)(v))
