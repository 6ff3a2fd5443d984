"""The names programs written for JAX use: eval_shape, ShapeDtypeStruct, typeof, Array,
block_until_ready, devices, pure_callback, custom_gradient, closure_convert, jit as a decorator
factory, checkpoint names and policies, and config's jax_* settings."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.test_util import check_grads


# --------------------------------------------------------------------------------- shapes

def test_eval_shape_and_shape_dtype_struct() -> None:
    s = ft.ShapeDtypeStruct((4, 3), np.float32)
    assert (s.shape, s.dtype, s.ndim, s.size) == ((4, 3), np.dtype(np.float32), 2, 12)
    assert s == ft.ShapeDtypeStruct([4, 3], "float32") and hash(s) == hash(s.update())
    out = ft.eval_shape(lambda x, y: {"p": fnp.dot(x, y), "n": x.shape[0]}, s,
                        ft.ShapeDtypeStruct((3,), np.float32))
    assert out["p"] == ft.ShapeDtypeStruct((4,), np.float32)
    assert out["n"] == ft.ShapeDtypeStruct((), np.int64)
    calls = []
    ft.eval_shape(lambda x: calls.append(type(x)) or x, np.ones(2))
    assert calls and issubclass(calls[0], ft.core.Tracer)  # traced, never computed
    assert ft.eval_shape(fnp.sum, np.ones((2, 2), np.int32)).dtype == np.int64
    with pytest.raises(TypeError, match="callable"):
        ft.eval_shape(3.0, 1.0)
    with pytest.raises(ValueError, match="negative"):
        ft.ShapeDtypeStruct((-1,), np.float64)


def test_typeof_array_and_device_names() -> None:
    assert ft.typeof(np.ones((2, 3), np.float32)) == ft.ShapedArray((2, 3), np.float32)
    assert ft.typeof(1.0) == ft.ShapedArray((), np.float64)
    assert isinstance(np.ones(3), ft.Array) and isinstance(np.float32(1), ft.Array)
    assert not isinstance(1.0, ft.Array) and not isinstance([1.0], ft.Array)
    assert not isinstance(np.array([None]), ft.Array)
    seen = []
    ft.grad(lambda x: seen.append(isinstance(x, ft.Array)) or x * 2)(1.0)
    ft.vmap(lambda x: seen.append(isinstance(x, ft.Array)) or x)(np.ones(2))
    ft.jit(lambda x: seen.append(isinstance(x, ft.Array)) or x)(np.ones(2))
    assert seen == [True, True, True]
    assert issubclass(np.ndarray, ft.Array)
    with pytest.raises(TypeError, match="abstract"):
        ft.Array()
    tree = {"a": np.ones(2)}
    assert ft.block_until_ready(tree) is tree
    assert [d.platform for d in ft.devices()] == ["cpu"] and ft.device_count() == 1
    assert ft.default_backend() == "cpu" and ft.local_devices() == ft.devices()
    put = ft.device_put({"a": [1.0, 2]}, ft.devices()[0])
    assert isinstance(put["a"][0], np.ndarray) and put["a"][1].dtype == np.int64
    with pytest.raises(RuntimeError, match="gpu"):
        ft.devices("gpu")


# --------------------------------------------------------------------------- pure_callback

def _host_add(x, y):
    return np.asarray(np.add(x, y))


def _calling(x, y, method):
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    return ft.pure_callback(_host_add, ft.ShapeDtypeStruct(shape, np.float64), x, y,
                            vmap_method=method)


@pytest.mark.parametrize("method,seen_y", [("sequential", ()), ("sequential_unrolled", ()),
                                           ("expand_dims", (1,)), ("broadcast_all", (4,)),
                                           ("legacy_vectorized", ())])
def test_pure_callback_vmap_methods(method: str, seen_y: tuple) -> None:
    shapes = []

    def host(x, y):
        shapes.append(np.shape(y))
        y = np.reshape(y, np.shape(y) + (1,) * (np.ndim(x) - np.ndim(y)))  # batch axes lead
        return np.asarray(x + y)
    x = np.arange(4.0)

    def f(a):
        return ft.pure_callback(host, ft.ShapeDtypeStruct(np.shape(a), a.dtype), a, 1.0,
                                vmap_method=method)
    np.testing.assert_array_equal(ft.vmap(f)(x), x + 1)
    np.testing.assert_array_equal(ft.jit(ft.vmap(f))(x), x + 1)
    assert shapes[0] == seen_y
    # batch axis not in front, two levels of vmap
    xs = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(ft.vmap(f, in_axes=1)(xs), (xs + 1).T)
    np.testing.assert_array_equal(ft.vmap(ft.vmap(f))(xs), xs + 1)


def test_pure_callback_under_jit_and_errors() -> None:
    calls = []

    def host(x):
        calls.append(1)
        return {"s": np.sin(x), "n": np.int32(x.size)}
    out_type = {"s": ft.ShapeDtypeStruct((3,), np.float64), "n": ft.ShapeDtypeStruct((), np.int32)}
    f = ft.jit(lambda x: ft.pure_callback(host, out_type, x))
    x = np.linspace(0, 1, 3)
    for _ in range(2):
        out = f(x)
        np.testing.assert_allclose(out["s"], np.sin(x))
        assert out["n"] == 3 and out["n"].dtype == np.int32
    assert len(calls) >= 2  # the compiled program calls back every time
    with pytest.raises(NotImplementedError, match="vmap_method"):
        ft.vmap(lambda a: _calling(a, 1.0, None))(x)
    with pytest.raises(ft.callback.CallbackError, match="custom_jvp"):
        ft.grad(lambda a: _calling(a, 1.0, "sequential"))(1.0)
    with pytest.raises(ValueError, match="vmap_method"):
        ft.pure_callback(_host_add, ft.ShapeDtypeStruct((), np.float64), 1.0, 2.0,
                         vmap_method="bogus")
    with pytest.raises(ft.callback.CallbackError, match="shape"):
        ft.pure_callback(_host_add, ft.ShapeDtypeStruct((2,), np.float64), 1.0, 2.0)
    with pytest.raises(ft.callback.CallbackError, match="dtype"):
        ft.pure_callback(lambda: np.ones(2, np.float32), ft.ShapeDtypeStruct((2,), np.float64))
    with pytest.raises(TypeError, match="ShapeDtypeStruct"):
        ft.pure_callback(_host_add, (2,), 1.0, 2.0)
    # a constant argument is not differentiated: no error
    assert ft.grad(lambda a: a * _calling(2.0, 1.0, None))(1.0) == 3.0
    assert ft.jit(lambda a: a + 1)(1.0) == 2.0  # library state is clean after the errors


def test_pure_callback_with_custom_jvp() -> None:
    @ft.custom_jvp
    def host_sin(x):
        return ft.pure_callback(np.sin, ft.ShapeDtypeStruct(np.shape(x), np.float64), x,
                                vmap_method="expand_dims")

    @host_sin.defjvp
    def host_sin_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        cos = ft.pure_callback(np.cos, ft.ShapeDtypeStruct(np.shape(x), np.float64), x,
                               vmap_method="expand_dims")
        return host_sin(x), cos * t

    x = np.array([0.1, 0.7, 1.3])
    np.testing.assert_allclose(ft.grad(lambda v: fnp.sum(host_sin(v)))(x), np.cos(x))
    np.testing.assert_allclose(ft.jit(ft.vmap(ft.grad(host_sin)))(x), np.cos(x))
    np.testing.assert_allclose(ft.jacfwd(host_sin)(x), np.diag(np.cos(x)))


# ---------------------------------------------------------------- custom_gradient, closures

def test_custom_gradient() -> None:
    @ft.custom_gradient
    def f(x, y):
        s = fnp.sin(x) * y
        return s, lambda g: (g * fnp.cos(x) * y * 10.0, g * fnp.sin(x))

    x, y = 0.3, 2.0
    assert np.isclose(f(x, y), np.sin(x) * y)
    gx, gy = ft.grad(f, (0, 1))(x, y)
    assert np.isclose(gx, 10 * np.cos(x) * y) and np.isclose(gy, np.sin(x))
    assert np.isclose(ft.jit(ft.grad(f))(x, y), gx)
    assert np.isclose(ft.grad(ft.grad(f))(x, y), -10 * np.sin(x) * y)
    xs = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(ft.vmap(ft.grad(f), (0, None))(xs, y), 10 * np.cos(xs) * y)

    @ft.custom_gradient
    def log1pexp(x):  # the JAX docs' example: a stable gradient
        e = fnp.exp(x)
        return fnp.log1p(e), lambda g: (g * (1 - 1 / (1 + e)),)
    assert np.isclose(ft.grad(log1pexp)(3.0), 1 / (1 + np.exp(-3.0)))
    with pytest.raises(TypeError, match="pair"):
        ft.grad(ft.custom_gradient(lambda x: x))(1.0)


def test_closure_convert() -> None:
    w = np.array([1.0, 2.0])
    n = np.int64(3)
    converted, hoisted = ft.closure_convert(lambda x: fnp.sum(w * x) * n, np.ones(2))
    assert len(hoisted) == 1 and hoisted[0] is w  # floats are hoisted, ints stay inside
    assert converted(np.ones(2), *hoisted) == 9.0
    assert converted(np.ones(2), np.zeros(2)) == 0.0

    def outer(scale):
        conv, consts = ft.closure_convert(lambda x: x * scale, 1.0)
        assert len(consts) == 1  # the traced value is hoisted too
        return conv(2.0, *consts)
    assert ft.grad(outer)(5.0) == 2.0


# -------------------------------------------------------------------------------------- jit

def test_jit_as_decorator_factory() -> None:
    @ft.jit(static_argnames="n")
    def power(x, n):
        return x ** n
    assert power(2.0, n=3) == 8.0

    @functools.partial(ft.jit, static_argnums=(1,))
    def power2(x, n):
        for _ in range(n - 1):
            x = x * x
        return x
    assert power2(2.0, 3) == 16.0
    assert ft.jit(lambda x: x + 1, donate_argnums=0, inline=True)(np.ones(2))[0] == 2.0
    arr = np.ones(3)
    ft.jit(lambda x: x * 2, donate_argnums=0)(arr)
    np.testing.assert_array_equal(arr, np.ones(3))  # donation never writes into the caller's


# ------------------------------------------------------------------------------ checkpoint

def _net(w, x):
    from ftrans.ad_checkpoint import checkpoint_name
    h = checkpoint_name(fnp.sin(w @ x), "hidden")
    z = checkpoint_name(fnp.cos(h * 2.0), "out")
    return fnp.sum(fnp.tanh(z))


def _saved(policy):
    w, x = np.ones((3, 3)) * 0.1, np.arange(3.0)
    fun = ft.checkpoint(_net, policy=policy)
    np.testing.assert_allclose(ft.grad(fun)(w, x), ft.grad(_net)(w, x))
    return sorted(r.shape for r in ft.debug.saved_residuals(fun, w, x))


def test_checkpoint_policies_save_what_they_name() -> None:
    P = ft.checkpoint_policies
    inputs = [(3,), (3, 3)]
    assert _saved(P.nothing_saveable) == inputs
    assert _saved(P.save_only_these_names("hidden")) == sorted(inputs + [(3,)])
    assert _saved(P.save_only_these_names("hidden", "out")) == sorted(inputs + [(3,), (3,)])
    assert _saved(P.save_any_names_but_these("out")) == sorted(inputs + [(3,)])
    # w @ x with a vector x is one dot_general of result shape (3,), as in JAX
    assert _saved(P.dots_saveable) == sorted(inputs + [(3,)])
    assert _saved(P.dots_with_no_batch_dims_saveable) == sorted(inputs + [(3,)])
    assert _saved(P.save_from_both_policies(P.dots_saveable,
                                            P.save_only_these_names("out"))) == \
        sorted(inputs + [(3,), (3,)])
    assert len(_saved(P.everything_saveable)) > 5
    assert len(_saved(P.save_anything_except_these_names("hidden"))) > 5
    # a policy written as JAX's, (prim, *avals, **params) -> bool
    assert _saved(lambda prim, *avals, **params: prim is lax.dot_general_p) == \
        sorted(inputs + [(3,)])
    with pytest.raises(TypeError, match="strings"):
        P.save_only_these_names(3)


def test_checkpoint_name_under_transformations() -> None:
    from ftrans.ad_checkpoint import checkpoint_name
    x = np.array([0.3, 0.9])
    f = lambda v: fnp.sum(checkpoint_name(fnp.sin(v), "s") ** 2)  # noqa: E731
    check_grads(f, (x,), order=2)
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(np.stack([x, x])), np.stack([ft.grad(f)(x)] * 2))
    np.testing.assert_allclose(ft.jit(f)(x), np.sum(np.sin(x) ** 2))
    assert checkpoint_name({"a": 1.0}, "t") == {"a": 1.0}
    assert "name" in str(ft.make_jaxpr(f)(x))


def test_batched_dot_is_not_saved_by_no_batch_dims_policy() -> None:
    def f(a, b):
        return fnp.sum(fnp.sin(fnp.einsum("bij,bjk->bik", a, b)))
    a, b = np.ones((2, 3, 3)), np.ones((2, 3, 3))
    P = ft.checkpoint_policies
    plain = ft.debug.saved_residuals(ft.checkpoint(f, policy=P.dots_with_no_batch_dims_saveable),
                                     a, b)
    dots = ft.debug.saved_residuals(ft.checkpoint(f, policy=P.dots_saveable), a, b)
    assert len(plain) == 2 and len(dots) == 3


# ---------------------------------------------------------------------------------- config

def test_config_accepts_jax_names() -> None:
    cfg = ft.config
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # these need no warning
        cfg.update("jax_enable_x64", True)
        cfg.update("jax_platform_name", "cpu")
        cfg.update("jax_default_matmul_precision", "highest")
        cfg.update("jax_numpy_rank_promotion", "allow")
    assert cfg.jax_enable_x64 and cfg.x64_enabled
    try:
        cfg.update("jax_debug_nans", True)
        assert cfg.read("debug_nans") and cfg.jax_debug_nans
        with pytest.raises(FloatingPointError), np.errstate(invalid="ignore"):
            ft.jit(lambda x: fnp.log(x))(-1.0)
    finally:
        cfg.update("jax_debug_nans", False)
    assert not cfg.read("debug_nans")
    cfg.update("jax_debug_infs", False)
    try:
        cfg.update("jax_disable_jit", True)
        assert ft.jit(lambda x: float(x) + 1.0)(1.0) == 2.0  # runs as Python
    finally:
        cfg.update("jax_disable_jit", False)
    with pytest.raises(ft.ConcretizationError):
        ft.jit(lambda x: float(x) + 1.0)(1.0)
    for name, value in [("jax_enable_x64", False), ("jax_platform_name", "gpu"),
                        ("jax_compilation_cache_dir", "/tmp/cache"),
                        ("jax_numpy_rank_promotion", "raise")]:
        with pytest.warns(UserWarning, match=name):
            cfg.update(name, value)
    cfg.update("jax_enable_x64", True)
    with pytest.raises(AttributeError, match="no setting"):
        cfg.update("not_a_setting", 1)


# ------------------------------------------------------------------------- smaller names

def test_small_names() -> None:
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(lax.select(x > 0, x, -x), np.abs(x))
    assert lax.square(3.0) == 9.0 and ft.grad(lax.square)(3.0) == 6.0
    np.testing.assert_allclose(ft.jacobian(fnp.sin)(x), np.diag(np.cos(x)))
    assert ft.named_call(fnp.sin, name="s")(0.0) == 0.0
    assert ft.test_util.check_grads is not None
    assert ft.grad(ft.checkpoint(fnp.sin, prevent_cse=False))(0.0) == 1.0


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 7])
def test_lax_map_batch_size(batch_size: int) -> None:
    xs = {"a": np.arange(5.0), "b": np.ones((5, 2))}

    def f(d):
        return d["a"] * fnp.sum(d["b"]), fnp.sin(d["a"])
    expected = lax.map(f, xs)
    got = lax.map(f, xs, batch_size=batch_size)
    for g, e in zip(ft.tree.leaves(got), ft.tree.leaves(expected)):
        np.testing.assert_allclose(g, e)
    grad = ft.grad(lambda a: fnp.sum(lax.map(fnp.sin, a, batch_size=batch_size)))(xs["a"])
    np.testing.assert_allclose(grad, np.cos(xs["a"]))
    with pytest.raises(ValueError, match="batch_size"):
        lax.map(fnp.sin, xs["a"], batch_size=0)


def test_debug_callback() -> None:
    seen = []

    def f(x):
        ft.debug.callback(lambda v, scale=None: seen.append((np.shape(v), int(scale))), x,
                          scale=2)
        return fnp.sin(x)
    ft.jit(f)(np.ones(2))
    ft.jit(f)(np.ones(2))  # each run of the compiled program calls back
    assert seen == [((2,), 2)] * 2
    seen.clear()
    ft.vmap(f)(np.ones((3, 2)))
    assert seen == [((2,), 2)] * 3  # once per batch member
    seen.clear()
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(f(x)))(np.zeros(2)), np.ones(2))
    assert seen == [((2,), 2)]
    with pytest.raises(TypeError, match="callable"):
        ft.debug.callback(3, 1.0)


# --------------------------------------------------------------------------------- errors

def test_conversion_errors_have_jax_names() -> None:
    from ftrans import errors
    cases = [
        (lambda x: 1.0 if x > 0 else 2.0, (np.float64(1.0),), errors.TracerBoolConversionError),
        (lambda x: (x > 0) and (x < 2), (np.float64(1.0),), errors.TracerBoolConversionError),
        (lambda n: fnp.arange(5.0)[:int(n)], (3,), errors.TracerIntegerConversionError),
        (lambda n: [1.0, 2.0, 3.0][n], (1,), errors.TracerIntegerConversionError),
        (lambda x: x[x > 1.0], (np.arange(4.0),), errors.NonConcreteBooleanIndexError),
    ]
    for fn, args, cls in cases:
        with pytest.raises(cls) as info:
            ft.jit(fn)(*args)
        assert isinstance(info.value, errors.ConcretizationTypeError)
        assert isinstance(info.value, TypeError)
    with pytest.raises(IndexError):  # a boolean-mask error is an IndexError too
        ft.jit(lambda x: x[x > 1.0])(np.arange(4.0))
    with pytest.raises(errors.TracerArrayConversionError):
        ft.jit(lambda x: np.asarray(x) + 1)(np.ones(2))
    # concrete values under grad still convert, as before
    assert ft.grad(lambda x: x * 2 if x > 0 else -x)(1.0) == 2.0
    assert errors.UnexpectedTracerError is ft.EscapedTracerError
