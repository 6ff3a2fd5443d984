"""ftrans.numpy (with linalg and fft) against jax.numpy (x64) over the table of
tests/numpy/_sweep_cases.py: values, shapes and dtypes (NumPy's dtype where JAX's differs),
the exception class where JAX raises, and for differentiable cases ``grad`` of the sum against
``jax.grad``, ``jit`` against eager, ``vmap`` against a loop, ``jacfwd`` against ``jacrev`` and
``hessian`` against ``jax.hessian``.

JAX runs eagerly under ``jax.disable_jit()`` (its compilation is the cost), and its answers
are cached per case in ``_sweep_jax_cache.pkl.gz`` (keyed by the case, its argument shapes and
the JAX version; a missing or stale entry is recomputed), so a run without changes to the
table costs only ftrans's time. A test run never writes into the source tree: after changing
the table or JAX, refresh the file with ``FTRANS_UPDATE_SWEEP_CACHE=1 python -m pytest
tests/numpy/test_sweep_vs_jax.py``. The value checks cover every case, the
derivative checks the first differentiable case of each function. ``KNOWN`` lists the
cases where ftrans deliberately differs (NumPy's rules, documented in docs/sharp_bits.md and
docs/numpy-coverage.md) or where JAX's answer is at a non-differentiable point. Skipped without
JAX.
"""

from __future__ import annotations

import atexit
import gzip
import os
import pathlib
import pickle
import warnings
from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
import ftrans.numpy.fft  # noqa: F401
import ftrans.numpy.linalg  # noqa: F401
from tests.numpy import _sweep_cases as sc

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

# (case, check) -> why ftrans differs; check "*" for all checks of the case.
KNOWN = {
    # NumPy's rules (ftrans follows NumPy's dtypes, values and errors)
    ("reciprocal[int]", "value"): "NumPy: integer reciprocal stays an integer",
    ("gcd[float_err]", "value"): "NumPy's TypeError for float operands (JAX: ValueError)",
    ("lcm[float_err]", "value"): "NumPy's TypeError for float operands (JAX: ValueError)",
    ("dot[bad]", "value"): "NumPy's ValueError for mismatched shapes (JAX: TypeError)",
    ("matmul[bad]", "value"): "NumPy's ValueError for mismatched shapes (JAX: TypeError)",
    ("quantile[bad]", "value"): "NumPy raises for q outside [0, 1] (JAX: nan)",
    ("quantile[nearest_half]", "value"): "NumPy's 'nearest' rounds half to even (JAX: down)",
    ("histogram[d]", "value"): "a value on an edge: NumPy's bin (rounding of the edges)",
    ("result_type[d]", "value"): "NumPy's promotion: float32 with int64 is float64",
    ("einsum_path[d]", "value"): "NumPy's path report",
    ("partition[d]", "value"): "a full sort satisfies partition's contract; JAX's order differs",
    ("argpartition[d]", "value"): "as partition",
    ("linalg.eigh[U]", "value"): "eigenvector signs are arbitrary",
    ("gradient[edge2]", "value"): "JAX does not support edge_order=2",
    ("fromiter[d]", "value"): "JAX does not implement fromiter",
    ("searchsorted[method]", "value"): "JAX's method='sort' gives int32 indices (x64)",
    ("digitize[method]", "value"): "as searchsorted[method]",
    # NumPy accepts lists where JAX requires arrays
    **{(k, "value"): "NumPy accepts a list argument (JAX raises TypeError)" for k in (
        "repeat[axis]", "delete[axis]", "take[d]", "take[axis]", "take[clip]", "take[wrap]",
        "compress[d]", "compress[flat]", "place[d]", "put[d]", "percentile[axis]",
        "ediff1d[to]", "polyint[mk]")},
    # data-dependent sizes: JAX raises too without size=
    **{(k, c): "data-dependent output size (JAX raises too)" for k in (
        "extract[d]", "trim_zeros[d]", "trim_zeros[f]", "roots[d]", "roots[cplx]",
        "unique[d]", "unique[all]", "unique[axis]", "unique[sorted]", "unique_values[d]",
        "unique_counts[d]", "unique_inverse[d]", "unique_all[d]", "union1d[d]",
        "intersect1d[d]", "intersect1d[idx]", "setdiff1d[d]", "setxor1d[d]")
       for c in ("jit", "vmap")},
    # derivatives: the unique values follow the input (JAX's are zero); ties and kinks
    **{(k, "grad"): "the unique values are differentiable (JAX: zero)" for k in (
        "unique[d]", "unique[all]", "unique[sorted]", "unique_values[d]", "unique_counts[d]",
        "unique_inverse[d]", "unique_all[d]", "union1d[d]", "intersect1d[d]",
        "intersect1d[idx]", "setdiff1d[d]", "setxor1d[d]")},
    ("quantile[ties]", "grad"): "tied order statistics: which one gets the derivative",
    ("interp[lr]", "grad"): "x on a sample point (a kink)",
    ("std[f0d]", "grad"): "std of one value: 0 (JAX: nan from sqrt at 0)",
    ("std[f0d]", "hessian"): "as grad",
    ("polyfit[d]", "*"): "JAX's derivative is nan (lstsq through svd); ftrans's is finite",
    ("polyfit[w]", "*"): "as polyfit[d]",
    ("polyfit[2d]", "*"): "as polyfit[d]",
    ("mean[where]", "jacfwd_jacrev"): "a fully masked mean is nan",
    ("unique[axis]", "*"): "axis= only on concrete input (documented)",
    ("linalg.qr[complete]", "*"): "no derivative of complete QR for m > n (JAX neither)",
    ("linalg.svd[d]", "*"): "no derivative of full_matrices SVD of a non-square matrix",
    ("roots[d]", "hessian"): "JAX refuses non-symmetric eigenvector derivatives",
    ("roots[cplx]", "hessian"): "as roots[d]",
}

NONSMOOTH = set("""abs absolute fabs max min amax amin ptp median nanmax nanmin nanmedian sort
partition percentile quantile nanpercentile nanquantile clip fmax fmin maximum minimum mod fmod
remainder divmod floor_divide sign copysign unique unique_values union1d intersect1d setdiff1d
setxor1d sort_complex norm vector_norm matrix_norm cond interp histogram take_along_axis
piecewise select where nan_to_num unwrap svd svdvals pinv matrix_rank trim_zeros hypot cbrt
sqrt histogram2d histogramdd histogram_bin_edges modf""".split())


def _all_cases() -> list[sc.Case]:
    mods = {"": (fnp, jnp), "linalg": (fnp.linalg, jnp.linalg), "fft": (fnp.fft, jnp.fft)}
    cases = sc.auto_cases() + sc.manual_cases() + sc.linalg_cases() + sc.fft_cases()
    return [c for c in cases if all(hasattr(m, c.name) for m in mods[c.module])]


CASES = _all_cases()


def key(c: sc.Case) -> str:
    return f"{c.module + '.' if c.module else ''}{c.name}[{c.label}]"


assert len({key(c) for c in CASES}) == len(CASES), "two cases share a label"


def known(c: sc.Case, check: str) -> bool:
    return (key(c), check) in KNOWN or (key(c), "*") in KNOWN


def fn(c: sc.Case, lib: str) -> Callable:
    m = {"f": {"": fnp, "linalg": fnp.linalg, "fft": fnp.fft},
         "j": {"": jnp, "linalg": jnp.linalg, "fft": jnp.fft},
         "n": {"": np, "linalg": np.linalg, "fft": np.fft}}[lib][c.module]
    return getattr(m, c.name)


def leaves(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return [leaf for e in x for leaf in leaves(e)]
    return [x]


def assert_matches(ours: Any, theirs: Any, numpy_ref: Any = None, rtol: float = 1e-7,
                   atol: float = 1e-10) -> None:
    lo, lt = leaves(ours), leaves(theirs)
    assert len(lo) == len(lt), f"{len(lo)} results vs JAX's {len(lt)}"
    ln = leaves(numpy_ref) if numpy_ref is not None else None
    for i, (o, t) in enumerate(zip(lo, lt)):
        if not hasattr(t, "shape") and not isinstance(t, (int, float, complex, bool)):
            assert o == t or str(o) == str(t), (o, t)
            continue
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape, f"result {i}: shape {o.shape} vs JAX's {t.shape}"
        if o.dtype != t.dtype:  # NumPy's dtype rules where JAX's differ
            assert ln is not None and len(ln) == len(lo) and np.asarray(ln[i]).dtype == o.dtype, \
                f"result {i}: dtype {o.dtype} vs JAX's {t.dtype}"
        if "c" in o.dtype.kind + t.dtype.kind or "f" in o.dtype.kind + t.dtype.kind:
            np.testing.assert_allclose(o.astype(complex), t.astype(complex), rtol=rtol,
                                       atol=atol, equal_nan=True, err_msg=f"result {i}")
        else:
            np.testing.assert_array_equal(o, t, err_msg=f"result {i}")


def call(f: Callable, c: sc.Case) -> tuple[Any, BaseException | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f(*c.args, **c.kwargs), None
        except Exception as e:  # noqa: BLE001
            return None, e


CACHE_FILE = pathlib.Path(__file__).with_name("_sweep_jax_cache.pkl.gz")


def _load_cache() -> dict:
    try:
        with gzip.open(CACHE_FILE, "rb") as f:
            cache = pickle.load(f)
    except Exception:  # noqa: BLE001  (missing, corrupt, or naming classes this JAX lacks)
        return {}
    return cache if isinstance(cache, dict) else {}


_CACHE = _load_cache()
_DIRTY: list[bool] = []


@atexit.register
def _save_cache() -> None:
    if _DIRTY and os.environ.get("FTRANS_UPDATE_SWEEP_CACHE") == "1":
        try:
            data = pickle.dumps(dict(sorted(_CACHE.items())), protocol=4)
            with open(CACHE_FILE, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb",
                                                              mtime=0) as f:
                f.write(data)
        except OSError:  # a read-only checkout: recomputed next time
            pass


def _signature(c: sc.Case) -> str:
    def describe(a: Any) -> str:
        if isinstance(a, np.ndarray):
            return f"{a.dtype}{a.shape}:{float(np.sum(np.abs(a), dtype=float)):.12g}"
        if isinstance(a, (list, tuple)):
            return "(" + ",".join(describe(e) for e in a) + ")"
        return a.__name__ if callable(a) and hasattr(a, "__name__") else repr(a)
    return f"{jax.__version__}|{describe(c.args)}|{describe(tuple(sorted(c.kwargs.items())))}"


def _plain(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(e) for e in x) if type(x) in (list, tuple) else tuple(
            _plain(e) for e in x)
    return np.asarray(x) if isinstance(x, jax.Array) else x


def jax_cached(c: sc.Case, check: str, thunk: Callable[[], Any]) -> Any:
    """JAX's answer for one check of one case: ``(value, None)`` or ``(None, exception
    class)``, from the cache when it is there for this case, argument signature and JAX."""
    k = (key(c), check)
    sig = _signature(c)
    hit = _CACHE.get(k)
    if hit is not None and hit[0] == sig:
        return hit[1]
    with warnings.catch_warnings(), jax.disable_jit():
        warnings.simplefilter("ignore")
        try:
            result: Any = (_plain(thunk()), None)
        except Exception as e:  # noqa: BLE001
            result = (None, type(e))
    try:
        pickle.dumps(result)
    except Exception:  # noqa: BLE001  (an unpicklable answer is not cached)
        return result
    _CACHE[k] = (sig, result)
    _DIRTY.append(True)
    return result


def jax_value(i: int) -> tuple[Any, Any]:
    c = CASES[i]
    return jax_cached(c, "value", lambda: fn(c, "j")(*c.args, **c.kwargs))


def float_argnums(c: sc.Case) -> tuple[int, ...]:
    return tuple(i for i, a in enumerate(c.args)
                 if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size)


def bind(f: Callable, c: sc.Case, argnums: tuple[int, ...]) -> Callable:
    def g(*dyn: Any) -> Any:
        full = list(c.args)
        for i, d in zip(argnums, dyn):
            full[i] = d
        return f(*full, **c.kwargs)
    return g


def floats_of(out: Any) -> list:
    return [leaf for leaf in leaves(out)
            if getattr(leaf, "dtype", None) is not None and np.dtype(leaf.dtype).kind in "fc"]


def sum_floats(out: Any, lib: Any) -> Any:
    total = 0.0
    for leaf in floats_of(out):
        total = total + lib.sum(lib.real(leaf))
    return total


def ravel_floats(out: Any, lib: Any) -> Any:
    parts = [lib.ravel(lib.real(leaf)) for leaf in floats_of(out)]
    return lib.concatenate(parts) if len(parts) > 1 else parts[0]


def _differentiable(c: sc.Case) -> bool:
    if not c.diff or c.name in sc.NONDIFF_NAMES or not float_argnums(c) or known(c, "value"):
        return False
    ours, err = call(fn(c, "f"), c)
    return err is None and bool(floats_of(ours))


def _derivative_cases(per_name: int) -> list[int]:
    """Indices of the first ``per_name`` differentiable cases of each function."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for i, c in enumerate(CASES):
        k = (c.module, c.name)
        if seen.get(k, 0) < per_name and _differentiable(c):
            seen[k] = seen.get(k, 0) + 1
            out.append(i)
    return out


DERIV = _derivative_cases(1)
REGRESSIONS = {"multiples", "integers", "fill", "fill_value", "desc", "desc_ties", "grad",
               "density", "w", "desc_axis0", "odd", "odd_long", "sym_odd", "min", "median",
               "stat_length", "end_values", "lin", "max", "mean"}
DERIV += [i for i, c in enumerate(CASES) if c.label in REGRESSIONS and i not in DERIV and
          _differentiable(c)]
HESS = [i for i in DERIV if CASES[i].name not in NONSMOOTH and
        CASES[i].args[float_argnums(CASES[i])[0]].size <= 6]


def ids(indices: list[int]) -> list[str]:
    return [key(CASES[i]) for i in indices]


def _skip_known(c: sc.Case, check: str) -> None:
    if known(c, check):
        pytest.skip(KNOWN.get((key(c), check), KNOWN.get((key(c), "*"), "")))


@pytest.mark.parametrize("i", range(len(CASES)), ids=ids(list(range(len(CASES)))))
def test_value_dtype_and_errors_like_jax(i: int) -> None:
    c = CASES[i]
    _skip_known(c, "value")
    ours, err = call(fn(c, "f"), c)
    theirs, jax_err = jax_value(i)
    if jax_err is not None:
        assert err is not None, f"JAX raises {jax_err.__name__}"
        assert isinstance(err, jax_err) or issubclass(jax_err, type(err)), \
            f"{type(err).__name__} where JAX raises {jax_err.__name__}"
        return
    assert err is None, f"{type(err).__name__}: {err}"
    assert_matches(ours, theirs, call(fn(c, "n"), c)[0])


@pytest.mark.parametrize("i", DERIV, ids=ids(DERIV))
def test_grad_like_jax(i: int) -> None:
    c = CASES[i]
    _skip_known(c, "grad")
    argnums = float_argnums(c)
    dyn = [c.args[k] for k in argnums]
    nums = tuple(range(len(dyn)))
    g_f, g_j = bind(fn(c, "f"), c, argnums), bind(fn(c, "j"), c, argnums)
    ours = ft.grad(lambda *d: sum_floats(g_f(*d), fnp), argnums=nums)(*dyn)
    theirs, jax_err = jax_cached(c, "grad", lambda: jax.grad(
        lambda *d: sum_floats(g_j(*d), jnp), argnums=nums)(*dyn))
    assert jax_err is None, f"JAX raises {jax_err}"
    assert_matches(ours, theirs, rtol=1e-6, atol=1e-9)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("i", DERIV, ids=ids(DERIV))
def test_jit_vmap_and_jacobians(i: int) -> None:
    c = CASES[i]
    argnums = float_argnums(c)
    dyn = [c.args[k] for k in argnums]
    g = bind(fn(c, "f"), c, argnums)
    eager = g(*dyn)
    if not known(c, "jit"):
        assert_matches(ft.jit(g)(*dyn), eager)
    if not known(c, "vmap"):
        batch = [np.stack([d, d * 0.97 + 0.01]) for d in dyn]
        loop = [leaves(g(*[b[k] for b in batch])) for k in range(2)]
        assert_matches(leaves(ft.vmap(g)(*batch)),
                       [np.stack([lp[j] for lp in loop]) for j in range(len(loop[0]))])
    if not known(c, "jacfwd_jacrev"):
        h = bind(fn(c, "f"), c, argnums[:1])
        assert_matches(ft.jacfwd(lambda d: ravel_floats(h(d), fnp))(dyn[0]),
                       ft.jacrev(lambda d: ravel_floats(h(d), fnp))(dyn[0]), rtol=1e-6,
                       atol=1e-9)


@pytest.mark.parametrize("i", HESS, ids=ids(HESS))
def test_hessian_like_jax(i: int) -> None:
    c = CASES[i]
    _skip_known(c, "hessian")
    argnums = float_argnums(c)[:1]
    h_f, h_j = bind(fn(c, "f"), c, argnums), bind(fn(c, "j"), c, argnums)
    x = c.args[argnums[0]]
    ours = ft.hessian(lambda d: sum_floats(h_f(d), fnp))(x)
    theirs, jax_err = jax_cached(c, "hessian", lambda: jax.hessian(
        lambda d: sum_floats(h_j(d), jnp))(x))
    assert jax_err is None, f"JAX raises {jax_err}"
    assert_matches(ours, theirs, rtol=1e-6, atol=1e-8)
