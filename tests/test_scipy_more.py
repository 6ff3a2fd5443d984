"""ftrans.scipy.signal / optimize / integrate / interpolate against SciPy: values, derivatives,
vmap == loop, jit == eager, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.scipy import integrate, interpolate, optimize, signal
from ftrans.test_util import check_grads

scipy_signal = pytest.importorskip("scipy.signal")
scipy_optimize = pytest.importorskip("scipy.optimize")
scipy_interpolate = pytest.importorskip("scipy.interpolate")
scipy_integrate = pytest.importorskip("scipy.integrate")

RNG = np.random.default_rng(0)
SHAPES = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((4, 3), (2, 2)), ((2, 2), (4, 3)),
          ((5, 4), (3, 2)), ((2, 5), (3, 2)), ((3, 4, 2), (2, 3, 2))]


@pytest.mark.parametrize("s1,s2", SHAPES)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_correlate_match_scipy(s1: tuple, s2: tuple, mode: str) -> None:
    a, b = RNG.normal(size=s1), RNG.normal(size=s2)
    for name in ("convolve", "correlate", "fftconvolve"):
        try:
            expected = getattr(scipy_signal, name)(a, b, mode)
        except ValueError:
            with pytest.raises(ValueError, match="at least as large"):
                getattr(signal, name)(a, b, mode)
            continue
        np.testing.assert_allclose(getattr(signal, name)(a, b, mode), expected, atol=1e-12)
    if len(s1) != 2:
        return
    for boundary in ("fill", "wrap", "symm"):
        for name in ("convolve2d", "correlate2d"):
            try:
                expected = getattr(scipy_signal, name)(a, b, mode, boundary, 0.5)
            except ValueError:
                with pytest.raises(ValueError):
                    getattr(signal, name)(a, b, mode, boundary, 0.5)
                continue
            np.testing.assert_allclose(getattr(signal, name)(a, b, mode, boundary, 0.5),
                                       expected, atol=1e-12)


def test_signal_transformations() -> None:
    a, b = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 2))
    for fn in (lambda x, y: signal.convolve(x, y, "same"),
               lambda x, y: signal.correlate2d(x, y, "full", "symm")):
        check_grads(fn, (a, b), 2, atol=1e-6, rtol=1e-6)
        np.testing.assert_allclose(ft.jit(fn)(a, b), fn(a, b))
        batch = RNG.normal(size=(3,) + a.shape)
        np.testing.assert_allclose(ft.vmap(fn, in_axes=(0, None))(batch, b),
                                   np.stack([fn(x, b) for x in batch]))
    assert signal.convolve(np.array([1, 2, 3]), np.array([0, 1])).dtype == np.int64
    with pytest.raises(ValueError, match="mode"):
        signal.convolve(a, b, "middle")
    with pytest.raises(ValueError, match="dimensionality"):
        signal.convolve(a, b[0])
    with pytest.raises(ValueError, match="boundary"):
        signal.convolve2d(a, b, boundary="reflect")
    with pytest.raises(ValueError, match="2-d"):
        signal.convolve2d(a[0], b[0])


def _rosen(x: np.ndarray) -> np.ndarray:
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@pytest.mark.parametrize("x0", [np.array([-1.2, 1.0]), np.array([1.3, 0.7, 0.8, 1.9, 1.2])])
def test_minimize_rosenbrock_like_scipy(x0: np.ndarray) -> None:
    ours = optimize.minimize(_rosen, x0, method="BFGS")
    theirs = scipy_optimize.minimize(scipy_optimize.rosen, x0, method="BFGS")
    assert bool(ours.success) and int(ours.status) == 0
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-4)
    np.testing.assert_allclose(ours.jac, ft.grad(_rosen)(ours.x))
    assert float(fnp.max(fnp.abs(ours.jac))) < 1e-5 and int(ours.nit) < 60
    assert ours.hess_inv.shape == (x0.size, x0.size)


def test_minimize_quadratic_args_jit_vmap() -> None:
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, 1.0])

    def quadratic(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return 0.5 * x @ a @ x - b @ x

    res = optimize.minimize(quadratic, np.zeros(2), args=(a, b), method="BFGS")
    np.testing.assert_allclose(res.x, np.linalg.solve(a, b), atol=1e-8)
    np.testing.assert_allclose(res.hess_inv, np.linalg.inv(a), atol=1e-6)
    jitted = ft.jit(lambda x0: optimize.minimize(_rosen, x0, method="BFGS"))
    starts = np.array([[-1.2, 1.0], [0.5, 0.5], [2.0, 2.0]])
    eager = [optimize.minimize(_rosen, x0, method="BFGS") for x0 in starts]
    np.testing.assert_allclose(jitted(starts[0]).x, eager[0].x)
    batched = ft.vmap(lambda x0: optimize.minimize(_rosen, x0, method="BFGS"))(starts)
    np.testing.assert_allclose(batched.x, np.stack([r.x for r in eager]))
    np.testing.assert_array_equal(batched.nit, [r.nit for r in eager])
    capped = optimize.minimize(_rosen, starts[0], method="BFGS", options=dict(maxiter=3))
    assert int(capped.status) == 1 and not bool(capped.success) and int(capped.nit) == 3
    with pytest.raises(ValueError, match="method"):
        optimize.minimize(_rosen, starts[0], method="Nelder-Mead")
    with pytest.raises(ValueError, match="options"):
        optimize.minimize(_rosen, starts[0], method="BFGS", options=dict(xtol=1.0))
    with pytest.raises(ValueError, match="1-d"):
        optimize.minimize(_rosen, np.zeros((2, 2)), method="BFGS")


def test_trapezoid_like_scipy() -> None:
    y, x = RNG.normal(size=(3, 6)), np.sort(RNG.uniform(size=6))
    np.testing.assert_allclose(integrate.trapezoid(y, x), scipy_integrate.trapezoid(y, x))
    np.testing.assert_allclose(integrate.trapezoid(y, dx=0.5, axis=0),
                               scipy_integrate.trapezoid(y, dx=0.5, axis=0))
    check_grads(lambda y, x: integrate.trapezoid(y, x), (y, x), 2)


@pytest.mark.parametrize("method", ["linear", "nearest"])
def test_regular_grid_interpolator_like_scipy(method: str) -> None:
    grid = (np.sort(RNG.uniform(0, 1, 4)), np.sort(RNG.uniform(0, 2, 5)), np.array([0, 1, 3.0]))
    values = RNG.normal(size=(4, 5, 3, 2))
    xi = np.stack([RNG.uniform(-0.1, 1.1, 20), RNG.uniform(0, 2, 20), RNG.uniform(0, 3, 20)], 1)
    for fill in (np.nan, None, 0.5):
        ours = interpolate.RegularGridInterpolator(grid, values, method, fill_value=fill)
        theirs = scipy_interpolate.RegularGridInterpolator(grid, values, method,
                                                           bounds_error=False, fill_value=fill)
        np.testing.assert_allclose(ours(xi), theirs(xi), atol=1e-12)
    f = interpolate.RegularGridInterpolator(grid[:2], values[:, :, 0, 0], method)
    inside = np.stack([np.linspace(grid[0][0], grid[0][-1], 7)[1:-1],
                       np.linspace(grid[1][0], grid[1][-1], 7)[1:-1]], 1) + 1e-3
    np.testing.assert_allclose(ft.jit(lambda f, x: f(x))(f, inside), f(inside))
    batch = np.stack([inside, inside[::-1], inside + 1e-3])
    np.testing.assert_allclose(ft.vmap(f)(batch), np.stack([f(x) for x in batch]))
    check_grads(lambda v: interpolate.RegularGridInterpolator(grid[:2], v, method)(inside),
                (values[:, :, 0, 0],), 2)
    if method == "linear":
        check_grads(f, (inside,), 1, atol=1e-5, rtol=1e-5)


def test_regular_grid_interpolator_errors() -> None:
    g = (np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    v = np.array([[0.0, 2.0], [1.0, 3.0]])
    np.testing.assert_allclose(interpolate.RegularGridInterpolator(g, v)(np.array([0.5, 1.0])),
                               [1.5])
    with pytest.raises(ValueError, match="method"):
        interpolate.RegularGridInterpolator(g, v, method="cubic")
    with pytest.raises(ValueError, match="bounds_error"):
        interpolate.RegularGridInterpolator(g, v, bounds_error=True)
    with pytest.raises(ValueError, match="ascending"):
        interpolate.RegularGridInterpolator((np.array([1.0, 0.0]), g[1]), v)
    with pytest.raises(ValueError, match="dimension"):
        interpolate.RegularGridInterpolator(g, v)(np.ones((3, 3)))

