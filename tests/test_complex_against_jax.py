"""Complex differentiation against JAX as the oracle (float64): grad with and without
holomorphic=, jvp, vjp, jacfwd, jacrev, hessian of real parts, linearize, linear_transpose,
and the complex-differentiation examples of JAX's autodiff cookbook written as our own cases.

Skipped where JAX is not installed (it is never a dependency).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
jlax = jax.lax

import ftrans as ft  # noqa: E402
import ftrans.numpy as fnp  # noqa: E402
from ftrans import lax  # noqa: E402

rng = np.random.default_rng(0)


def _complex(*shape: int) -> Any:
    z = rng.uniform(-1.5, 1.5, shape) + 1j * rng.uniform(-1.5, 1.5, shape)
    return z if shape else complex(z)


Z = _complex(3)
W = _complex(3)
M = _complex(3, 3)
X = rng.normal(size=3)


def _same(ours: Any, theirs: Any, rtol: float = 1e-9) -> None:
    ours_leaves = ft.tree_util.tree_leaves(ours)
    their_leaves = jax.tree_util.tree_leaves(theirs)
    assert len(ours_leaves) == len(their_leaves)
    for o, t in zip(ours_leaves, their_leaves):
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape, (o.shape, t.shape)
        assert o.dtype == t.dtype, (o.dtype, t.dtype)
        np.testing.assert_allclose(o, t, rtol=rtol, atol=1e-12)


# JAX runs each transformed oracle under jax.jit: one compilation instead of one per operation
def _jit(transform: Callable) -> Callable:
    return lambda *args, **kwargs: jax.jit(transform(*args, **kwargs))


def _jax_jvp(f: Callable, primals: tuple, tangents: tuple) -> Any:
    return jax.jit(lambda p, t: jax.jvp(f, p, t))(primals, tangents)


def _jax_vjp(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    return None, jax.jit(lambda ct: jax.vjp(f, *primals)[1](ct))


def _jax_linearize(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    return None, jax.jit(lambda t: jax.linearize(f, *primals)[1](t))


def _both(name: str) -> tuple[Callable, Callable]:
    return getattr(fnp, name), getattr(jnp, name)


# ---------------------------------------------------------------------------------------------
# Holomorphic functions: complex derivative, jvp, vjp with a complex cotangent
# ---------------------------------------------------------------------------------------------

# arccosh is left out: JAX's jvp of arccosh has the wrong sign where re(z) < 0 (see
# test_arccosh_derivative_is_the_complex_derivative)
HOLOMORPHIC = ["sin", "cos", "tan", "tanh", "exp", "log", "log1p", "expm1", "sqrt", "square",
               "reciprocal", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh",
               "arctanh", "log2", "log10", "exp2", "negative", "conjugate"]


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_unary_jvp_vjp(name: str) -> None:
    ours, theirs = _both(name)
    _same(ours(Z), theirs(Z))
    _same(ft.jvp(ours, (Z,), (W,)), _jax_jvp(theirs, (Z,), (W,)))
    ct = _complex(3)
    _same(ft.vjp(ours, Z)[1](ct), _jax_vjp(theirs, Z)[1](ct))


@pytest.mark.parametrize("name", [n for n in HOLOMORPHIC if n != "conjugate"][::2])
def test_holomorphic_grad_and_second_derivative(name: str) -> None:
    ours, theirs = _both(name)
    z = complex(Z[0])
    _same(ft.grad(ours, holomorphic=True)(z), _jit(jax.grad)(theirs, holomorphic=True)(z))
    _same(ft.grad(ft.grad(ours, holomorphic=True), holomorphic=True)(z),
          _jit(jax.grad)(_jit(jax.grad)(theirs, holomorphic=True), holomorphic=True)(z), rtol=1e-8)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "power"])
def test_binary_holomorphic(name: str) -> None:
    ours, theirs = _both(name)
    _same(ft.jvp(ours, (Z, W), (W, Z)), _jax_jvp(theirs, (Z, W), (W, Z)))
    ct = _complex(3)
    _same(ft.vjp(ours, Z, W)[1](ct), _jax_vjp(theirs, Z, W)[1](ct))
    _same(ft.jacrev(ours, argnums=(0, 1), holomorphic=True)(Z, W),
          _jit(jax.jacrev)(theirs, argnums=(0, 1), holomorphic=True)(Z, W))


# ---------------------------------------------------------------------------------------------
# Real-valued functions of complex inputs: grad is the conjugate Wirtinger gradient times 2
# ---------------------------------------------------------------------------------------------

REAL_VALUED: list[tuple[str, Callable, Callable]] = [
    ("abs_squared", lambda z: fnp.abs(z) ** 2, lambda z: jnp.abs(z) ** 2),
    ("abs", lambda z: fnp.abs(z), lambda z: jnp.abs(z)),
    ("real_of_square", lambda z: fnp.real(z * z), lambda z: jnp.real(z * z)),
    ("imag_of_exp", lambda z: fnp.imag(fnp.exp(z)), lambda z: jnp.imag(jnp.exp(z))),
    ("angle", lambda z: fnp.angle(z), lambda z: jnp.angle(z)),
    ("conj_product", lambda z: fnp.real(z * fnp.conj(z) * (2 - 1j)),
     lambda z: jnp.real(z * jnp.conj(z) * (2 - 1j))),
    ("parts", lambda z: fnp.real(z) ** 3 - fnp.imag(z) * fnp.real(z),
     lambda z: jnp.real(z) ** 3 - jnp.imag(z) * jnp.real(z)),
    ("log_abs", lambda z: fnp.log(fnp.abs(fnp.sin(z))), lambda z: jnp.log(jnp.abs(jnp.sin(z)))),
    ("cast_to_real", lambda z: lax.convert_element_type(z * z, np.float64) * 2.0,
     lambda z: jlax.convert_element_type(z * z, np.float64) * 2.0),
]


@pytest.mark.parametrize("name,ours,theirs", REAL_VALUED, ids=[r[0] for r in REAL_VALUED])
def test_grad_of_real_valued_function(name: str, ours: Callable, theirs: Callable) -> None:
    z = complex(Z[1])
    _same(ft.grad(ours)(z), _jit(jax.grad)(theirs)(z))
    _same(ft.value_and_grad(ours)(z), _jit(jax.value_and_grad)(theirs)(z))
    _same(ft.jit(ft.grad(ours))(z), _jit(jax.grad)(theirs)(z))


@pytest.mark.parametrize("name,ours,theirs", REAL_VALUED[:5], ids=[r[0] for r in REAL_VALUED[:5]])
def test_jacrev_of_real_valued_function_of_complex_vector(name: str, ours: Callable,
                                                          theirs: Callable) -> None:
    _same(ft.jacrev(ours)(Z), _jit(jax.jacrev)(theirs)(Z))
    _same(ft.vmap(ft.grad(ours))(Z), _jit(jax.vmap)(_jit(jax.grad)(theirs))(Z))


def test_grad_of_sum_over_array_and_mixed_arguments() -> None:
    def ours(z: Any, x: Any) -> Any:
        return fnp.sum(fnp.abs(z * x + 1j) ** 2 + fnp.real(fnp.exp(1j * x) * z))

    def theirs(z: Any, x: Any) -> Any:
        return jnp.sum(jnp.abs(z * x + 1j) ** 2 + jnp.real(jnp.exp(1j * x) * z))
    _same(ft.grad(ours, argnums=(0, 1))(Z, X), _jit(jax.grad)(theirs, argnums=(0, 1))(Z, X))


# ---------------------------------------------------------------------------------------------
# Jacobians and Hessians
# ---------------------------------------------------------------------------------------------

def _matrix_function(z: Any, np_: Any) -> Any:
    return np_.tanh(z @ M.T) * z[0] + np_.conj(np_.sum(z)) * 0


def test_holomorphic_jacobians() -> None:
    def ours(z: Any) -> Any:
        return fnp.tanh(fnp.matmul(M, z)) * z[0]

    def theirs(z: Any) -> Any:
        return jnp.tanh(jnp.matmul(M, z)) * z[0]
    expected = _jit(jax.jacfwd)(theirs, holomorphic=True)(Z)
    _same(ft.jacfwd(ours, holomorphic=True)(Z), expected)
    _same(ft.jacrev(ours, holomorphic=True)(Z), expected)
    _same(ft.hessian(lambda z: fnp.sum(ours(z)), holomorphic=True)(Z),
          _jit(jax.hessian)(lambda z: jnp.sum(theirs(z)), holomorphic=True)(Z))


def test_jacfwd_of_complex_output_of_real_input() -> None:
    def ours(x: Any) -> Any:
        return fnp.exp(1j * x) * fnp.sum(x) + fnp.matmul(M, x)

    def theirs(x: Any) -> Any:
        return jnp.exp(1j * x) * jnp.sum(x) + jnp.matmul(M, x)
    _same(ft.jacfwd(ours)(X), _jit(jax.jacfwd)(theirs)(X))
    # and its real and imaginary parts by reverse mode
    for ours_part, their_part in ((fnp.real, jnp.real), (fnp.imag, jnp.imag)):
        _same(ft.jacrev(lambda x: ours_part(ours(x)))(X),
              _jit(jax.jacrev)(lambda x: their_part(theirs(x)))(X))


HESSIAN_CASES: list[tuple[str, Callable, Callable]] = [
    ("real_of_exp", lambda x: fnp.real(fnp.sum(fnp.exp((1 + 2j) * x) * x)),
     lambda x: jnp.real(jnp.sum(jnp.exp((1 + 2j) * x) * x))),
    ("abs_of_polynomial", lambda x: fnp.sum(fnp.abs(x ** 2 + 1j * x - 0.5) ** 2),
     lambda x: jnp.sum(jnp.abs(x ** 2 + 1j * x - 0.5) ** 2)),
    ("imag_of_matvec", lambda x: fnp.imag(fnp.vdot(M @ x, fnp.sin(x * (1 - 1j)))),
     lambda x: jnp.imag(jnp.vdot(M @ x, jnp.sin(x * (1 - 1j))))),
    ("angle_of_cumprod", lambda x: fnp.sum(fnp.angle(fnp.cumprod(x + 2j))),
     lambda x: jnp.sum(jnp.angle(jnp.cumprod(x + 2j)))),
]


@pytest.mark.parametrize("name,ours,theirs", HESSIAN_CASES, ids=[c[0] for c in HESSIAN_CASES])
def test_hessian_of_real_part(name: str, ours: Callable, theirs: Callable) -> None:
    _same(ft.grad(ours)(X), _jit(jax.grad)(theirs)(X))
    _same(ft.hessian(ours)(X), _jit(jax.hessian)(theirs)(X), rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# vjp / jvp / linearize / linear_transpose of non-holomorphic complex maps
# ---------------------------------------------------------------------------------------------

NON_HOLOMORPHIC: list[tuple[str, Callable, Callable]] = [
    ("conj_times_z", lambda z: fnp.conj(z) * z ** 2, lambda z: jnp.conj(z) * z ** 2),
    ("abs_times_z", lambda z: fnp.abs(z) * z, lambda z: jnp.abs(z) * z),
    ("complex_of_parts", lambda z: lax.complex(fnp.imag(z), fnp.real(z) ** 2),
     lambda z: jlax.complex(jnp.imag(z), jnp.real(z) ** 2)),
    ("var", lambda z: fnp.var(z) * z, lambda z: jnp.var(z) * z),
    ("vdot", lambda z: fnp.vdot(z, W) * z, lambda z: jnp.vdot(z, W) * z),
    ("sort", lambda z: fnp.sort(z * fnp.conj(z[0])), lambda z: jnp.sort(z * jnp.conj(z[0]))),
    ("where", lambda z: fnp.where(fnp.real(z) > 0, z, fnp.conj(z)),
     lambda z: jnp.where(jnp.real(z) > 0, z, jnp.conj(z))),
    ("indexing", lambda z: fnp.at(z)[np.array([0, 0, 2])].add(fnp.conj(z)),
     lambda z: jnp.asarray(z).at[np.array([0, 0, 2])].add(jnp.conj(z))),
    ("scan", lambda z: lax.scan(lambda c, a: (c * fnp.conj(a), c + a), z[0], z)[1],
     lambda z: jlax.scan(lambda c, a: (c * jnp.conj(a), c + a), z[0], z)[1]),
    ("cond", lambda z: lax.cond(True, lambda v: fnp.abs(v) * v, fnp.conj, z),
     lambda z: jlax.cond(True, lambda v: jnp.abs(v) * v, jnp.conj, z)),
    ("fori_loop", lambda z: lax.fori_loop(0, 3, lambda i, v: v * fnp.conj(v) * 0.5 + z, z),
     lambda z: jlax.fori_loop(0, 3, lambda i, v: v * jnp.conj(v) * 0.5 + z, z)),
]


@pytest.mark.parametrize("name,ours,theirs", NON_HOLOMORPHIC,
                         ids=[c[0] for c in NON_HOLOMORPHIC])
def test_non_holomorphic_jvp_vjp_linearize(name: str, ours: Callable, theirs: Callable) -> None:
    _same(ours(Z), theirs(Z))
    _same(ft.jvp(ours, (Z,), (W,)), _jax_jvp(theirs, (Z,), (W,)))
    ct = _complex(3)
    _same(ft.vjp(ours, Z)[1](ct), _jax_vjp(theirs, Z)[1](ct))
    _same(ft.jit(lambda z, c: ft.vjp(ours, z)[1](c))(Z, ct), _jax_vjp(theirs, Z)[1](ct))
    _same(ft.linearize(ours, Z)[1](W), _jax_linearize(theirs, Z)[1](W))
    # second order: the vjp of the jvp
    _same(ft.vjp(lambda z: ft.jvp(ours, (z,), (W,))[1], Z)[1](ct),
          _jax_vjp(lambda z: _jax_jvp(theirs, (z,), (W,))[1], Z)[1](ct), rtol=1e-8)


LINEAR: list[tuple[str, Callable, Callable, Any]] = [
    ("real", lax.real, jlax.real, Z),
    ("imag", lax.imag, jlax.imag, Z),
    ("conj", lax.conj, jlax.conj, Z),
    ("conj_of_real", lax.conj, jlax.conj, X),
    ("cast_to_real", lambda z: lax.convert_element_type(z, np.float64),
     lambda z: jlax.convert_element_type(z, np.float64), Z),
    ("cast_to_complex", lambda x: lax.convert_element_type(x, np.complex128),
     lambda x: jlax.convert_element_type(x, np.complex128), X),
    ("scale_and_conj", lambda z: (2 - 3j) * fnp.conj(z) + fnp.real(z),
     lambda z: (2 - 3j) * jnp.conj(z) + jnp.real(z), Z),
    ("matvec", lambda z: fnp.matmul(M, z), lambda z: jnp.matmul(M, z), Z),
]


@pytest.mark.parametrize("name,ours,theirs,primal", LINEAR, ids=[c[0] for c in LINEAR])
def test_linear_transpose(name: str, ours: Callable, theirs: Callable, primal: Any) -> None:
    out = theirs(primal)
    ct = _complex(*out.shape) if jnp.iscomplexobj(out) else rng.normal(size=out.shape)
    _same(ft.linear_transpose(ours, primal)(ct), _jit(jax.linear_transpose)(theirs, primal)(ct))


def test_complex_constructor_transpose() -> None:
    ct = _complex(3)
    _same(ft.linear_transpose(lax.complex, X, X)(ct),
          _jit(jax.linear_transpose)(jlax.complex, X, X)(ct))


def test_arccosh_derivative_is_the_complex_derivative() -> None:
    z = np.array([-0.5 + 0.3j, 1.5 - 2j, -2 - 1j])
    expected = 1 / (np.sqrt(z - 1) * np.sqrt(z + 1))
    np.testing.assert_allclose(ft.jvp(fnp.arccosh, (z,), (np.ones(3, complex),))[1],
                               expected, rtol=1e-12)
    np.testing.assert_allclose(fnp.arccosh(z), jnp.arccosh(z), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# The errors, in JAX's words
# ---------------------------------------------------------------------------------------------

ERRORS: list[tuple[str, Callable, Callable, Any]] = [
    ("grad_of_complex_output", lambda: ft.grad(fnp.sin)(1j), lambda: _jit(jax.grad)(jnp.sin)(1j),
     "holomorphic=True"),
    ("holomorphic_real_input", lambda: ft.grad(fnp.sin, holomorphic=True)(1.0),
     lambda: _jit(jax.grad)(jnp.sin, holomorphic=True)(1.0), "requires inputs with complex dtype"),
    ("holomorphic_real_output", lambda: ft.grad(fnp.abs, holomorphic=True)(1j),
     lambda: _jit(jax.grad)(jnp.abs, holomorphic=True)(1j), "requires outputs with complex dtype"),
    ("jacfwd_complex_input", lambda: ft.jacfwd(fnp.sin)(Z), lambda: _jit(jax.jacfwd)(jnp.sin)(Z),
     "holomorphic=True"),
    ("jacrev_complex_output", lambda: ft.jacrev(fnp.sin)(Z), lambda: _jit(jax.jacrev)(jnp.sin)(Z),
     "holomorphic=True"),
    ("jacrev_holomorphic_real_input", lambda: ft.jacrev(fnp.sin, holomorphic=True)(X),
     lambda: _jit(jax.jacrev)(jnp.sin, holomorphic=True)(X), "requires inputs with complex dtype"),
    ("jacfwd_holomorphic_real_output", lambda: ft.jacfwd(fnp.abs, holomorphic=True)(Z),
     lambda: _jit(jax.jacfwd)(jnp.abs, holomorphic=True)(Z), "requires outputs with complex dtype"),
]


@pytest.mark.parametrize("name,ours,theirs,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_jax(name: str, ours: Callable, theirs: Callable, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        theirs()
    with pytest.raises(TypeError, match=message):
        ours()


# ---------------------------------------------------------------------------------------------
# The complex-differentiation examples of the autodiff cookbook, as our own cases
# ---------------------------------------------------------------------------------------------

def test_cookbook_real_valued_function_of_a_complex_variable() -> None:
    # f(x + iy) = u(x, y): grad gives du/dx - i du/dy, a covector in the complex plane
    def u(x: Any, y: Any, np_: Any) -> Any:
        return np_.sin(x) * y ** 2 + x * y

    def ours(z: Any) -> Any:
        return u(fnp.real(z), fnp.imag(z), fnp)

    def theirs(z: Any) -> Any:
        return u(jnp.real(z), jnp.imag(z), jnp)
    z = 0.7 - 1.2j
    x, y = z.real, z.imag
    du_dx, du_dy = np.cos(x) * y ** 2 + y, 2 * np.sin(x) * y + x
    np.testing.assert_allclose(ft.grad(ours)(z), du_dx - 1j * du_dy, rtol=1e-13)
    _same(ft.grad(ours)(z), _jit(jax.grad)(theirs)(z))


def test_cookbook_grad_of_abs_squared() -> None:
    assert ft.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j) == pytest.approx(6 - 8j)
    _same(ft.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j),
          _jit(jax.grad)(lambda z: jnp.abs(z) ** 2)(3 + 4j))


def test_cookbook_holomorphic_functions() -> None:
    for z in (1.0 + 1j, -0.3 + 2j):
        np.testing.assert_allclose(ft.grad(fnp.sin, holomorphic=True)(z), np.cos(z))
        _same(ft.grad(lambda w: w ** 3 - 2 * w, holomorphic=True)(z),
              _jit(jax.grad)(lambda w: w ** 3 - 2 * w, holomorphic=True)(z))


def test_cookbook_jvp_and_vjp_with_the_full_complex_jacobian() -> None:
    # a C -> C function f(x + iy) = u + iv that is not holomorphic: jvp pushes a tangent
    # through the 2x2 real Jacobian; the vjp with a cotangent c is its plain transpose
    def f(z: Any, np_: Any) -> Any:
        x, y = np_.real(z), np_.imag(z)
        return np_.sin(x) * y + 1j * (x ** 2 - y)

    z = 0.4 + 0.9j
    for t in (1.0 + 0j, 1j):
        _same(ft.jvp(lambda w: f(w, fnp), (z,), (t,)), _jax_jvp(lambda w: f(w, jnp), (z,), (t,)))
    for c in (1.0 + 0j, 1j, 0.3 - 2j):
        _same(ft.vjp(lambda w: f(w, fnp), z)[1](c), _jax_vjp(lambda w: f(w, jnp), z)[1](c))


def test_cookbook_grad_through_complex_intermediates_of_a_real_function() -> None:
    # real input and output with complex numbers in between (a Fourier-like sum)
    def ours(x: Any) -> Any:
        phases = fnp.exp(1j * fnp.outer(np.arange(3.0), x))
        return fnp.sum(fnp.abs(fnp.sum(phases, axis=1)) ** 2)

    def theirs(x: Any) -> Any:
        phases = jnp.exp(1j * jnp.outer(jnp.arange(3.0), x))
        return jnp.sum(jnp.abs(jnp.sum(phases, axis=1)) ** 2)
    _same(ft.grad(ours)(X), _jit(jax.grad)(theirs)(X))
    _same(ft.hessian(ours)(X), _jit(jax.hessian)(theirs)(X), rtol=1e-8)


def test_cookbook_holomorphic_grad_through_a_complex_cholesky() -> None:
    a = np.array([[5.0, 2 + 3j, 5j], [2 - 3j, 7.0, 1 + 7j], [-5j, 1 - 7j, 12.0]])

    def loss(m: Any, np_: Any) -> Any:
        chol = np_.linalg.cholesky(m)
        return np_.sum((chol - np_.sin(chol)) ** 2)
    try:
        ours = ft.grad(lambda m: loss(m, fnp), holomorphic=True)(a)
    except TypeError as err:  # complex decompositions are added separately
        if "complex" not in str(err):
            raise
        pytest.skip(f"complex cholesky is not available: {err}")
    _same(ours, _jit(jax.grad)(lambda m: loss(m, jnp), holomorphic=True)(a), rtol=1e-8)
