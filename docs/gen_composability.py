"""Generate docs/composability.md: every primitive and construct x every transformation.

Each cell is the result of running a small check now, on one example per primitive:

- eval: the function runs and its result has the shape and dtype ``make_jaxpr`` predicts;
- jvp: the tangent matches central finite differences;
- vjp: ``vjp`` agrees with ``jvp`` (``<ct, J t> == <J^T ct, t>``);
- vmap: ``vmap`` over a batch of two equals a Python loop;
- jit: ``jit`` equals eager evaluation;
- 2nd order: a Hessian-vector product (``jvp`` of ``grad``) matches finite differences of
  ``grad``.

A cell is "yes" only when its check passed; otherwise it holds the error a user gets (or
"wrong" and the discrepancy). "n/a" marks derivatives of functions with no floating-point
input or output. Run ``python docs/gen_composability.py`` to rewrite the page;
``tests/test_composability_doc.py`` fails when it is stale.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pathlib
import pkgutil
import re
import sys
import warnings
from typing import Any, Callable

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ftrans as ft  # noqa: E402
import ftrans.debug  # noqa: E402, F401  (ft.debug, until ftrans/__init__ exports it)
import ftrans.numpy as fnp  # noqa: E402
from ftrans import lax  # noqa: E402
from ftrans.core import Primitive  # noqa: E402

COLUMNS = ["eval", "jvp", "vjp", "vmap", "jit", "2nd order"]
RNG_SEED = 0


def _x(*shape: int, lo: float = 0.2, hi: float = 0.9, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def _spd() -> np.ndarray:
    a = _x(3, 3, seed=5)
    return a @ a.T + 3 * np.eye(3)


def _newton(a: Any) -> Any:
    def body(c: Any) -> Any:
        return 0.5 * (c[0] + a / c[0]), c[1] + 1
    return lax.while_loop(lambda c: (fnp.abs(c[0] * c[0] - a) > 1e-12) & (c[1] < 50), body,
                          (a + 1.0, 0))[0]


def _custom_jvp_example() -> Callable:
    @ft.custom_jvp
    def f(x: Any) -> Any:
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals: Any, tangents: Any) -> Any:
        return fnp.sin(primals[0]), fnp.cos(primals[0]) * tangents[0]
    return f


def _custom_vjp_example() -> Callable:
    @ft.custom_vjp
    def f(x: Any) -> Any:
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), x), lambda x, ct: (fnp.cos(x) * ct,))
    return f


def _lax_mod(name: str) -> Any:
    return importlib.import_module(f"ftrans.lax.{name}")


def _named(fun: Callable) -> Callable:
    """``fun`` applied on a vmapped axis named "i" (collectives need one)."""
    return ft.vmap(fun, axis_name="i")


# name -> (function, example arguments). Primitives not listed are probed: the wrapper of the
# same name in the primitive's module, on one to three float vectors.
EXAMPLES: dict[str, tuple[Callable, tuple]] = {
    "add_any": (lambda x, y: ft.interpreters.jvp.add_any_p.bind(x, y), (_x(3), _x(3, seed=2))),
    "integer_pow": (lambda x: lax.integer_pow(x, 3), (_x(3),)),
    "convert_element_type": (lambda x: lax.convert_element_type(x, np.float32), (_x(3),)),
    "round": (lambda x: lax.round(x * 4), (_x(3),)),
    # the complex-part primitives, between real inputs and real outputs
    "real": (lambda x, y: lax.real(lax.mul(lax.complex(x, y), lax.complex(y, x))),
             (_x(3), _x(3, seed=2))),
    "imag": (lambda x, y: lax.imag(lax.mul(lax.complex(x, y), lax.complex(x, x))),
             (_x(3), _x(3, seed=2))),
    "complex": (lambda x, y: lax.abs(lax.complex(x, y)), (_x(3), _x(3, seed=2))),
    "conj": (lambda x, y: lax.imag(lax.mul(lax.conj(lax.complex(x, y)), lax.complex(y, y))),
             (_x(3), _x(3, seed=2))),
    "select_n": (lambda p, x, y: lax.select_n(p, x, y), (np.array([True, False, True]),
                                                         _x(3), _x(3, seed=2))),
    "pow": (lambda x, y: lax.pow(x, y), (_x(3), _x(3, seed=2))),
    "rem": (lambda x, y: lax.rem(x, y), (_x(3) + 1.0, _x(3, seed=2))),
    "and": (lambda x, y: lax.bitwise_and(x, y) if hasattr(lax, "bitwise_and") else
            lax.elementwise.and_p.bind(x, y), (np.array([1, 2, 3]), np.array([3, 1, 2]))),
    "or": (lambda x, y: lax.elementwise.or_p.bind(x, y), (np.array([1, 2, 3]),
                                                          np.array([3, 1, 2]))),
    "xor": (lambda x, y: lax.elementwise.xor_p.bind(x, y), (np.array([1, 2, 3]),
                                                            np.array([3, 1, 2]))),
    "not": (lambda x: lax.elementwise.not_p.bind(x), (np.array([True, False]),)),
    "reduce_sum": (lambda x: lax.reduce_sum(x, (1,)), (_x(2, 3),)),
    "reduce_prod": (lambda x: lax.reduce_prod(x, (1,)), (_x(2, 3),)),
    "reduce_max": (lambda x: lax.reduce_max(x, (1,)), (_x(2, 3),)),
    "reduce_min": (lambda x: lax.reduce_min(x, (1,)), (_x(2, 3),)),
    "reduce_and": (lambda x: lax.reduce_and(x > 0.5, (1,)), (_x(2, 3),)),
    "reduce_or": (lambda x: lax.reduce_or(x > 0.5, (1,)), (_x(2, 3),)),
    "argmax": (lambda x: lax.argmax(x, 1), (_x(2, 3),)),
    "argmin": (lambda x: lax.argmin(x, 1), (_x(2, 3),)),
    "cumsum": (lambda x: lax.cumsum(x, 1), (_x(2, 3),)),
    "cumprod": (lambda x: lax.cumprod(x, 1), (_x(2, 3),)),
    "cummax": (lambda x: lax.cummax(x, 1), (_x(2, 3),)),
    "cummin": (lambda x: lax.cummin(x, 1), (_x(2, 3),)),
    "linear_recurrence": (lambda a, b: lax.linear_recurrence(a, b), (_x(4), _x(4, seed=2))),
    "broadcast_in_dim": (lambda x: lax.broadcast_in_dim(x, (2, 3), (1,)), (_x(3),)),
    "concatenate": (lambda x, y: lax.concatenate([x, y], 0), (_x(3), _x(2, seed=2))),
    "iota": (lambda x: x * lax.iota(np.float64, 3), (_x(3),)),
    "pad": (lambda x: lax.pad(x, 0.0, [(1, 2, 1)]), (_x(3),)),
    "reshape": (lambda x: lax.reshape(x, (3, 2)), (_x(2, 3),)),
    "rev": (lambda x: lax.rev(x, (0,)), (_x(3),)),
    "squeeze": (lambda x: lax.squeeze(x, (0,)), (_x(1, 3),)),
    "transpose": (lambda x: lax.transpose(x, (1, 0)), (_x(2, 3),)),
    "slice": (lambda x: lax.slice(x, (1,), (3,)), (_x(4),)),
    "dynamic_slice": (lambda x: lax.dynamic_slice(x, (np.int64(1),), (2,)), (_x(4),)),
    "dynamic_update_slice": (lambda x, u: lax.dynamic_update_slice(x, u, (np.int64(1),)),
                             (_x(4), _x(2, seed=2))),
    "gather": (lambda x: fnp.take(x, np.array([2, 0, 2])), (_x(4),)),
    "scatter": (lambda x, u: _lax_mod("gather_scatter").scatter(x, np.array([[0], [2]]), u, (0,)),
                (_x(4), _x(2, seed=2))),
    "scatter_add": (lambda x, u: _lax_mod("gather_scatter").scatter_add(
        x, np.array([[1], [1], [3]]), u, (0,)), (_x(4), _x(3, seed=2))),
    "scatter_mul": (lambda x, u: _lax_mod("gather_scatter").scatter_mul(
        x, np.array([[0], [2]]), u, (0,)), (_x(4), _x(2, seed=2))),
    "scatter_max": (lambda x, u: _lax_mod("gather_scatter").scatter_max(
        x, np.array([[0], [2]]), u, (0,)), (_x(4), _x(2, seed=2) + 0.3)),
    "scatter_min": (lambda x, u: _lax_mod("gather_scatter").scatter_min(
        x, np.array([[0], [2]]), u, (0,)), (_x(4), _x(2, seed=2) - 0.3)),
    "reduce_window_sum": (lambda x: lax.reduce_window_sum(x, (2, 2), (1, 2), "SAME"),
                          (_x(3, 4),)),
    "reduce_window_max": (lambda x: lax.reduce_window_max(x, (2, 2), (2, 1), "SAME"),
                          (_x(3, 4),)),
    "reduce_window_min": (lambda x: lax.reduce_window_min(x, (2, 2), (1, 1)), (_x(3, 4),)),
    "reduce_window_prod": (lambda x: lax.reduce_window_prod(x, (2, 2), (1, 1)), (_x(3, 4),)),
    "select_and_gather_add": (lambda t, x: lax.select_and_gather_add(t, x, "max", (2, 2),
                                                                     (2, 1), "SAME"),
                              (_x(3, 4, seed=2), _x(3, 4))),
    "select_and_scatter_add": (lambda s, x: lax.select_and_scatter_add(s, x, "max", (2, 2),
                                                                       (2, 1), "SAME"),
                               (_x(2, 4, seed=2), _x(3, 4))),
    "dot_general": (lambda x, y: lax.dot_general(x, y, (((1,), (0,)), ((), ()))),
                    (_x(2, 3), _x(3, 2, seed=2))),
    "conv_general_dilated": (lambda x, w: lax.conv_general_dilated(x, w, (2,), "SAME"),
                             (_x(1, 2, 5), _x(3, 2, 2, seed=2))),
    "psum": (_named(lambda x: lax.psum(x, "i")), (_x(2, 3),)),
    "pmax": (_named(lambda x: lax.pmax(x, "i")), (_x(2, 3),)),
    "pmin": (_named(lambda x: lax.pmin(x, "i")), (_x(2, 3),)),
    "all_gather": (_named(lambda x: lax.all_gather(x, "i")), (_x(2, 3),)),
    "axis_index": (_named(lambda x: x * lax.axis_index("i")), (_x(2, 3),)),
    "sort": (lambda x: fnp.sort(x), (_x(4),)),
    "cholesky": (lambda a: fnp.linalg.cholesky(a), (_spd(),)),
    "solve": (lambda a, b: fnp.linalg.solve(a, b), (_spd(), _x(3, seed=2))),
    "eigh": (lambda a: fnp.linalg.eigh(a)[0], (_spd(),)),
    "svd": (lambda a: fnp.linalg.svd(a, compute_uv=False), (_spd(),)),
    "qr": (lambda a: fnp.linalg.qr(a)[1], (_spd(),)),
    "det": (lambda a: fnp.linalg.det(a), (_spd(),)),
    "slogdet": (lambda a: fnp.linalg.slogdet(a)[1], (_spd(),)),
    "triangular_solve": (lambda a, b: _lax_mod("linalg_decompositions").triangular_solve(
        a, b, left_side=True, lower=True), (np.tril(_spd()), _x(3, 2, seed=2))),
    "eig": (lambda a: _lax_mod("linalg_eig").eig(a, compute_left_eigenvectors=False,
                                                  enable_eigvec_derivs=True)[1].real,
            (_x(3, 3, seed=6) + np.diag([1.0, 2.0, 3.0]),)),
    "schur": (lambda a: _lax_mod("linalg_eig").schur(a)[0], (_spd(),)),
    "lu": (lambda a: _lax_mod("linalg_lu").lu(a)[0], (_x(3, 3, seed=6) + np.eye(3),)),
    "lu_pivots_to_permutation": (lambda p: _lax_mod("linalg_lu").lu_pivots_to_permutation(
        p, 4), (np.array([2, 2, 3], np.int32),)),
    "fft": (lambda x: lax.real(fnp.fft.ifft(fnp.fft.rfft(x, n=6) * x[:4], n=5)), (_x(4),)),
    "threefry2x32": (lambda k: _lax_mod("prng").threefry2x32(k, k, k, k)[0],
                     (np.arange(3, dtype=np.uint32),)),
    "custom_lin": (lambda x: ft.vjp(_custom_vjp_example(), x)[1](x)[0], (_x(3),)),
    "polygamma": (lambda x: lax.special.polygamma(1, x + 1.0), (_x(3),)),
    "erf_inv": (lambda x: lax.special.erf_inv(x - 0.5), (_x(3),)),
    # special functions whose parameters need a valid range (or, for the incomplete gamma
    # and beta functions, are held fixed where second derivatives in them do not exist)
    "expn": (lambda x: lax.expn(np.full(3, 2.0), x), (_x(3),)),
    "zeta": (lambda s, q: lax.zeta(s + 1.5, q), (_x(3), _x(3, seed=2))),
    "zeta_ds": (lambda s, q: lax.zeta_ds(s + 1.5, q, 1), (_x(3), _x(3, seed=2))),
    "igamma": (lambda x: lax.igamma(np.full(3, 1.5), x), (_x(3),)),
    "igammac": (lambda x: lax.igammac(np.full(3, 1.5), x), (_x(3),)),
    "igamma_grad_a": (lambda x: lax.igamma_grad_a(np.full(3, 1.5), x), (_x(3),)),
    "regularized_incomplete_beta": (lambda x: lax.betainc(np.full(3, 1.5), np.full(3, 2.5), x),
                                    (_x(3),)),
    # constructs holding programs
    "cond": (lambda x: lax.cond(x[0] > 0.5, fnp.sin, fnp.cos, x), (_x(3),)),
    "scan": (lambda x: lax.scan(lambda c, v: (c * v + 1.0, fnp.sin(c)), x[0], x)[1], (_x(3),)),
    "while": (_newton, (np.float64(1.7),)),
    # the backward loop of reverse-mode while_loop under jit / vmap (an internal primitive)
    "while_backward": (lambda x: ft.vmap(ft.grad(_newton))(x), (_x(3) + 1.0,)),
    "jit": (lambda x: ft.jit(lambda v: fnp.sin(v) * v)(x), (_x(3),)),
    "remat": (lambda x: ft.checkpoint(lambda v: fnp.sin(fnp.sin(v)))(x), (_x(3),)),
    "custom_jvp_call": (lambda x: _custom_jvp_example()(x), (_x(3),)),
    "custom_vjp_call": (lambda x: _custom_vjp_example()(x), (_x(3),)),
    "debug_print": (lambda x: ft.debug.print("{}", x, ad=True) * x, (_x(3),)),
    "clamp": (lambda x, y: lax.clamp(x - 0.5, y, x + 0.5), (_x(3), _x(3, seed=2))),
    "reduce_precision": (lambda x: lax.reduce_precision(x, 11, 52), (_x(3),)),  # float64 itself
    "name": (lambda x: ft.checkpoint_name(fnp.sin(x), "s"), (_x(3),)),
    "linear_solve": (lambda a, b: lax.custom_linear_solve(
        lambda v: a @ v, b, lambda mv, r: fnp.linalg.solve(a, r), symmetric=True),
        (_spd(), _x(3, seed=2))),
}


# ---------------------------------------------------------------------------------------------
# Finding the primitives
# ---------------------------------------------------------------------------------------------


def primitives() -> dict[str, tuple[Primitive, Any]]:
    """Every Primitive defined in ftrans (name -> (primitive, its module)), lax first."""
    found: dict[str, tuple[Primitive, Any]] = {}
    modules = [m.name for m in pkgutil.walk_packages(lax.__path__, "ftrans.lax.")]
    modules += ["ftrans.interpreters.jvp", "ftrans.checkpoint", "ftrans.custom_derivatives",
                "ftrans.debug"]
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, Primitive) and value.name not in found:
                found[value.name] = (value, module)
    return dict(sorted(found.items()))


def example(name: str, module: Any) -> tuple[Callable, tuple] | None:
    if name in EXAMPLES:
        return EXAMPLES[name]
    wrapper = getattr(module, name, None)
    if not callable(wrapper):
        return None
    for args in [(_x(3),), (_x(3), _x(3, seed=2)), (_x(3), _x(3, seed=2), _x(3, seed=3))]:
        try:
            with np.errstate(all="ignore"):
                wrapper(*args)
            return wrapper, args
        except Exception:  # noqa: BLE001  (probing arities)
            continue
    return None


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def _is_float(x: Any) -> bool:
    return np.asarray(x).dtype.kind == "f"


def _allclose(a: Any, b: Any, tol: float = 1e-5) -> bool:
    la, lb = ft.tree_util.tree_leaves(a), ft.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(
        np.shape(x) == np.shape(y) and np.allclose(np.asarray(x, float), np.asarray(y, float),
                                                   rtol=tol, atol=tol)
        for x, y in zip(la, lb))


class Mismatch(Exception):
    pass


def _float_part(fun: Callable, args: tuple) -> tuple[Callable, list[int]]:
    """``fun`` as a function of its float arguments only (others fixed)."""
    idx = [i for i, a in enumerate(args) if _is_float(a)]

    def g(*floats: Any) -> Any:
        full = list(args)
        for i, v in zip(idx, floats):
            full[i] = v
        out = fun(*full)
        return out
    return g, idx


def _dot(a: Any, b: Any) -> float:
    return float(sum(np.vdot(np.asarray(x, float), np.asarray(y, float))
                     for x, y in zip(ft.tree_util.tree_leaves(a), ft.tree_util.tree_leaves(b))))


ZERO_DERIVATIVE = {"stop_gradient"}
# Examples whose primitive an enclosing transformation of the example itself rewrites away
# (collectives under their named vmap, custom_lin under the vjp), so a staged program of the
# example does not show it.
CONSUMED = {"psum", "pmax", "pmin", "all_gather", "axis_index", "custom_lin"}
_NAMES: dict[int, str] = {}


def name_of(fun: Callable) -> str:
    return _NAMES.get(id(fun), "")


def check_eval(fun: Callable, args: tuple) -> None:
    out = fun(*args)
    name = name_of(fun)
    program = str(ft.make_jaxpr(fun)(*args))
    if name and name not in CONSUMED and not re.search(rf"\b{re.escape(name)}\b", program):
        raise Mismatch(f"the example does not apply {name}")
    expected = ft.eval_shape(fun, *args) if hasattr(ft, "eval_shape") else None
    if expected is not None:
        for o, e in zip(ft.tree_util.tree_leaves(out), ft.tree_util.tree_leaves(expected)):
            if np.shape(o) != tuple(e.shape):
                raise Mismatch(f"shape {np.shape(o)} but abstract evaluation says {e.shape}")


def _differentiable(fun: Callable, args: tuple) -> bool:
    out = fun(*args)
    return any(_is_float(a) for a in args) and any(
        _is_float(o) for o in ft.tree_util.tree_leaves(out))


def check_jvp(fun: Callable, args: tuple) -> None:
    g, idx = _float_part(fun, args)
    primals = [args[i] for i in idx]
    tangents = [_x(*np.shape(p), lo=-1, hi=1, seed=7) for p in primals]
    out, out_t = ft.jvp(g, primals, tangents)
    single = any(np.asarray(o).dtype == np.float32 for o in ft.tree_util.tree_leaves(out))
    eps, tol = (1e-2, 1e-2) if single else (1e-6, 1e-4)
    if name_of(fun) in ZERO_DERIVATIVE:  # zero by definition, not by finite differences
        if not all(not np.any(np.asarray(t)) for t in ft.tree_util.tree_leaves(out_t)):
            raise Mismatch("tangent should be zero")
        return
    plus = g(*[p + eps * t for p, t in zip(primals, tangents)])
    minus = g(*[p - eps * t for p, t in zip(primals, tangents)])
    fd = ft.tree_util.tree_map(lambda a, b: (np.asarray(a, float) - np.asarray(b, float))
                               / (2 * eps), plus, minus)
    if not _allclose(out_t, fd, tol):
        raise Mismatch("tangent differs from finite differences")


def check_vjp(fun: Callable, args: tuple) -> None:
    g, idx = _float_part(fun, args)
    primals = [args[i] for i in idx]
    tangents = [_x(*np.shape(p), lo=-1, hi=1, seed=7) for p in primals]
    out, f_vjp = ft.vjp(g, *primals)
    ct = ft.tree_util.tree_map(lambda o: np.asarray(_x(*np.shape(o), lo=-1, hi=1, seed=8),
                                                    np.result_type(o))
                               if _is_float(o) else np.zeros(np.shape(o), ft.float0), out)
    cts_in = f_vjp(ct)
    _, out_t = ft.jvp(g, primals, tangents)
    if not np.isclose(_dot(ct, out_t), _dot(cts_in, tangents), rtol=1e-6, atol=1e-8):
        raise Mismatch("vjp disagrees with jvp")


def check_vmap(fun: Callable, args: tuple) -> None:
    batch = [np.stack([a, a * 0.9 + 0.05 if _is_float(a) else a[::-1] if np.ndim(a) else a])
             for a in args]
    out = ft.vmap(fun)(*batch)
    loop = [fun(*[b[k] for b in batch]) for k in range(2)]
    expected = ft.tree_util.tree_map(lambda *xs: np.stack(xs), *loop)
    if not _allclose(out, expected, 1e-9):
        raise Mismatch("vmap differs from a loop")


def check_jit(fun: Callable, args: tuple) -> None:
    if not _allclose(ft.jit(fun)(*args), fun(*args), 1e-9):
        raise Mismatch("jit differs from eager")


def check_second_order(fun: Callable, args: tuple) -> None:
    g, idx = _float_part(fun, args)
    primals = [args[i] for i in idx]
    out = g(*primals)
    weights = ft.tree_util.tree_map(lambda o: _x(*np.shape(o), lo=-1, hi=1, seed=9), out)

    def scalar(x: Any) -> Any:
        full = list(primals)
        full[0] = x
        leaves = ft.tree_util.tree_leaves(g(*full))
        return sum(fnp.sum(o * w) for o, w in zip(leaves, ft.tree_util.tree_leaves(weights))
                   if _is_float(w))
    x, t = primals[0], _x(*np.shape(primals[0]), lo=-1, hi=1, seed=7)
    _, hvp = ft.jvp(ft.grad(scalar), (x,), (t,))
    eps = 1e-5
    fd = (np.asarray(ft.grad(scalar)(x + eps * t)) - np.asarray(ft.grad(scalar)(x - eps * t))) \
        / (2 * eps)
    if not _allclose(hvp, fd, 1e-4):
        raise Mismatch("Hessian-vector product differs from finite differences")


CHECKS = [check_eval, check_jvp, check_vjp, check_vmap, check_jit, check_second_order]
DERIVATIVE = {check_jvp, check_vjp, check_second_order}


def _cell(check: Callable, fun: Callable, args: tuple, differentiable: bool) -> str:
    if check in DERIVATIVE and not differentiable:
        return "n/a"
    try:  # stdout discarded: the debug_print example prints
        with warnings.catch_warnings(), np.errstate(all="ignore"), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            check(fun, args)
    except Mismatch as err:
        return f"wrong: {err}"
    except Exception as err:  # noqa: BLE001  (the cell reports what the user would see)
        text = str(err).split("\n")[0].replace("|", "\\|")
        if len(text) > 90:
            text = text[:87] + "..."
        return f"{type(err).__name__}: {text}"
    return "yes"


def rows() -> list[tuple[str, str, list[str]]]:
    out = []
    for name, (_, module) in primitives().items():
        where = module.__name__.removeprefix("ftrans.")
        ex = example(name, module)
        if ex is None:
            out.append((name, where, ["no example (add one to docs/gen_composability.py)"]
                        + [""] * (len(COLUMNS) - 1)))
            continue
        fun, args = ex
        _NAMES[id(fun)] = name
        try:
            with np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
                differentiable = _differentiable(fun, args)
        except Exception:  # noqa: BLE001  (eval fails: every cell reports it)
            differentiable = True
        out.append((name, where, [_cell(c, fun, args, differentiable) for c in CHECKS]))
    return out


def render() -> str:
    table = rows()
    yes = sum(cell == "yes" for _, _, cells in table for cell in cells)
    lines = [
        "# Composability matrix",
        "",
        "<!-- generated by docs/gen_composability.py; do not edit by hand -->",
        "",
        "Every primitive (and every construct that holds a program: `cond`, `scan`, `while`,",
        "`jit`, `remat`, custom derivatives, `debug_print`) against every transformation.",
        "Each cell is the result of running a check on one example when this page was",
        "generated: **yes** means the check passed (eval: shapes match abstract evaluation; jvp:",
        "finite differences; vjp: agrees with jvp; vmap: equals a loop; jit: equals eager;",
        "2nd order: a Hessian-vector product matches finite differences of `grad`). Anything",
        "else is the error a user gets. **n/a**: no floating-point input or output.",
        "`tests/test_composability_doc.py` regenerates the page and fails when it is stale",
        "(`python docs/gen_composability.py` rewrites it).",
        "",
        f"{len(table)} primitives, {yes} of {len(table) * len(COLUMNS)} cells yes.",
        "",
        "| primitive | module | " + " | ".join(COLUMNS) + " |",
        "| --- | --- | " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    for name, where, cells in table:
        lines.append(f"| `{name}` | {where} | " + " | ".join(cells) + " |")
    lines += ["", "See also [beyond_jax.md](beyond_jax.md) (reverse-mode `while_loop`, debug "
              "printing, saved residuals).", ""]
    return "\n".join(lines)


def main() -> None:
    path = ROOT / "docs" / "composability.md"
    path.write_text(render())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
