"""vmap: axes specifications, nesting, composition with autodiff, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp

rng = np.random.default_rng(0)


def test_in_axes_forms():
    x, y = rng.normal(size=(3, 4)), rng.normal(size=4)
    expected = x * y
    np.testing.assert_allclose(ft.vmap(lambda a, b: a * b, in_axes=(0, None))(x, y), expected)
    np.testing.assert_allclose(ft.vmap(lambda a, b: a * b, in_axes=[0, None])(x, y), expected)
    np.testing.assert_allclose(ft.vmap(lambda a, b: a * b, in_axes=(1, None))(x.T, y), expected)
    np.testing.assert_allclose(ft.vmap(lambda a, b: a * b, in_axes=(-1, None))(x.T, y), expected)
    d = {"a": x, "b": y}
    np.testing.assert_allclose(
        ft.vmap(lambda d: d["a"] * d["b"], in_axes=({"a": 0, "b": None},))(d), expected)


def test_out_axes_and_unbatched_outputs():
    x = rng.normal(size=(3, 4))
    out = ft.vmap(lambda a: (a * 2.0, 1.0), out_axes=(1, 0))(x)
    np.testing.assert_allclose(out[0], (x * 2.0).T)
    np.testing.assert_allclose(out[1], np.ones(3))  # unbatched output broadcast to the batch
    c = ft.vmap(lambda a: np.float64(5.0), out_axes=None)(x)
    assert c == 5.0
    np.testing.assert_allclose(ft.vmap(fnp.sin, out_axes=-1)(x), np.sin(x).T)


def test_axis_size_without_mapped_inputs():
    out = ft.vmap(lambda: np.float64(2.0), in_axes=(), axis_size=4)()
    np.testing.assert_allclose(out, np.full(4, 2.0))


def test_nested_vmap_outer_product():
    x, y = rng.normal(size=3), rng.normal(size=5)
    outer = ft.vmap(ft.vmap(lambda a, b: a * b, in_axes=(None, 0)), in_axes=(0, None))(x, y)
    np.testing.assert_allclose(outer, np.outer(x, y))
    swapped = ft.vmap(ft.vmap(lambda a, b: a * b, in_axes=(0, None)), in_axes=(None, 0))(x, y)
    np.testing.assert_allclose(swapped, np.outer(x, y).T)


def test_nested_vmap_with_out_axes():
    x = rng.normal(size=(2, 3, 4))
    inner = ft.vmap(fnp.sin, in_axes=0, out_axes=1)
    out = ft.vmap(inner, in_axes=2, out_axes=0)(x)
    # outer maps axis 2 (size 4) to front; inner maps original axis 0 (size 2) to position 1
    np.testing.assert_allclose(out, np.transpose(np.sin(x), (2, 1, 0)))


def test_vmap_matches_loop_for_a_composite_function():
    def f(a, b):
        return fnp.sum(fnp.tanh(a * b) + b, axis=0) / (1.0 + fnp.mean(a * a))

    a, b = rng.normal(size=(4, 2, 3)), rng.normal(size=(4, 2, 3))
    expected = np.stack([f(a[i], b[i]) for i in range(4)])
    np.testing.assert_allclose(ft.vmap(f)(a, b), expected)
    expected_b = np.stack([f(a[:, :, i], b[:, :, 0]) for i in range(3)])
    np.testing.assert_allclose(ft.vmap(f, in_axes=(2, None))(a, b[:, :, 0]), expected_b)


def mlp_loss(params, x, y):
    h = fnp.tanh(fnp.dot(x, params["w1"]) + params["b1"])
    out = fnp.dot(h, params["w2"]) + params["b2"]
    return fnp.sum((out - y) ** 2)


def test_per_example_gradients_equal_a_loop():
    params = {"w1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "w2": rng.normal(size=(4, 2)), "b2": rng.normal(size=2)}
    xs, ys = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    per_example = ft.vmap(ft.grad(mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for i in range(6):
        g = ft.grad(mlp_loss)(params, xs[i], ys[i])
        for k in params:
            np.testing.assert_allclose(per_example[k][i], g[k], atol=1e-12)


def test_grad_of_vmap_and_vmap_of_jvp():
    x = rng.normal(size=5)
    g = ft.grad(lambda x: fnp.sum(ft.vmap(fnp.sin)(x) ** 2))(x)
    np.testing.assert_allclose(g, 2 * np.sin(x) * np.cos(x))
    tangents = ft.vmap(lambda t: ft.jvp(fnp.exp, (x,), (t,))[1])(np.eye(5))
    np.testing.assert_allclose(tangents, np.diag(np.exp(x)))


def test_vmap_errors():
    with pytest.raises(ValueError, match="inconsistent sizes"):
        ft.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="axis 2 of an argument of rank 1"):
        ft.vmap(fnp.sin, in_axes=2)(np.ones(3))
    with pytest.raises(ValueError, match="at least one non-None"):
        ft.vmap(fnp.sin, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="in_axes"):
        ft.vmap(lambda a, b: a + b, in_axes=(0, 0, 0))(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="ints and None"):
        ft.vmap(fnp.sin, in_axes=1.5)
    with pytest.raises(ValueError, match="out_axes=None"):
        ft.vmap(fnp.sin, out_axes=None)(np.ones(3))


def _f(x, w):
    return fnp.sum(fnp.tanh(x * w) ** 2) + fnp.sum(x) * w[0]


@pytest.mark.parametrize("name", ["grad_of_vmap", "vmap_of_grad", "vmap_of_jacrev",
                                  "jacfwd_of_vmap", "vmap_of_hessian"])
def test_vmap_composes_with_autodiff_like_a_loop(name):
    xs, w = rng.normal(size=(4, 3)), rng.normal(size=3)
    loop = {
        "grad_of_vmap": lambda: np.stack([ft.grad(_f)(x, w) for x in xs]),
        "vmap_of_grad": lambda: np.stack([ft.grad(_f)(x, w) for x in xs]),
        "vmap_of_jacrev": lambda: np.stack([ft.jacrev(_f, argnums=1)(x, w) for x in xs]),
        "jacfwd_of_vmap": lambda: np.stack([ft.jacfwd(_f, argnums=1)(x, w) for x in xs]),
        "vmap_of_hessian": lambda: np.stack([ft.hessian(_f)(x, w) for x in xs]),
    }[name]()
    batched = {
        "grad_of_vmap": lambda: ft.grad(lambda xs: fnp.sum(ft.vmap(_f, (0, None))(xs, w)))(xs),
        "vmap_of_grad": lambda: ft.vmap(ft.grad(_f), (0, None))(xs, w),
        "vmap_of_jacrev": lambda: ft.vmap(ft.jacrev(_f, argnums=1), (0, None))(xs, w),
        "jacfwd_of_vmap": lambda: ft.jacfwd(ft.vmap(_f, (0, None)), argnums=1)(xs, w),
        "vmap_of_hessian": lambda: ft.vmap(ft.hessian(_f), (0, None))(xs, w),
    }[name]()
    np.testing.assert_allclose(batched, loop, atol=1e-12)


def test_inconsistent_sizes_error_lists_each_argument():
    with pytest.raises(ValueError, match=r"args\[0\]\['x'\] \(axis 0\): size 3\n"
                                         r"  args\[0\]\['y'\] \(axis 0\): size 4"):
        ft.vmap(lambda d: d["x"] + d["y"])({"x": np.ones(3), "y": np.ones(4)})
    with pytest.raises(ValueError, match="out_axes"):
        ft.vmap(fnp.sin, out_axes=(0, 0))(np.ones(3))
