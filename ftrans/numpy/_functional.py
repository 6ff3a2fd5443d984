"""Functions of functions: vectorize, apply_along_axis, apply_over_axes, piecewise.

``vectorize`` and ``apply_along_axis`` are ``vmap`` (one per loop axis), so the user's
function is traced once, not called per element, and everything composes with the other
transformations. ``piecewise`` evaluates every piece on the whole input and selects, as
JAX does. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.numpy._promotion import asarray_strong, cast
from ftrans.api import vmap
from ftrans.numpy._axes import check_no_out, normalize_axis
from ftrans.numpy._shapes import moveaxis
from ftrans.numpy._indexing import at as _at

__all__ = ["vectorize", "apply_along_axis", "apply_over_axes", "piecewise"]

_DIM = r"\w+"
_CORE = rf"\((?:{_DIM}(?:,{_DIM})*)?\)"
_ARGS = rf"{_CORE}(?:,{_CORE})*"
_SIGNATURE = rf"^{_ARGS}->{_ARGS}$"


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    compact = signature.replace(" ", "")
    if not re.match(_SIGNATURE, compact):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = compact.split("->")

    def cores(part: str) -> list[tuple[str, ...]]:
        return [tuple(d for d in c.split(",") if d) for c in re.findall(r"\(([^)]*)\)", part)]
    return cores(ins), cores(outs)


def vectorize(pyfunc: Callable[..., Any], *, excluded: frozenset = frozenset(),
              signature: str | None = None) -> Callable[..., Any]:
    """``pyfunc`` lifted to arrays by ``vmap`` over broadcast loop axes.

    Without ``signature`` the function sees scalars; a gufunc ``signature`` such as
    ``'(n),(n)->()'`` names core axes that the function sees whole. Arguments in
    ``excluded`` (positions or keyword names) are passed through unchanged.

    Args:
      pyfunc: the function of scalars (or core arrays).
      excluded: positional indices or keyword names not to vectorize.
      signature: a generalized-ufunc signature.

    Returns:
      The vectorized function.

    Raises:
      TypeError: ``pyfunc`` is not callable.
      ValueError: a bad signature, wrong argument ranks or inconsistent core sizes (when
        the vectorized function is called).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> dot = fnp.vectorize(lambda a, b: fnp.sum(a * b), signature="(n),(n)->()")
    >>> dot(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    if not callable(pyfunc):
        raise TypeError(f"vectorize: pyfunc must be callable, got {type(pyfunc).__name__}")
    parsed = _parse_signature(signature) if signature is not None else None

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        fixed_kw = {k: v for k, v in kwargs.items() if k in excluded}
        free_kw = {k: v for k, v in kwargs.items() if k not in excluded}
        positions = [i for i in range(len(args)) if i not in excluded]
        free = [asarray_strong(args[i]) for i in positions]
        names = list(free_kw)
        free += [asarray_strong(free_kw[k]) for k in names]
        cores = parsed[0] if parsed is not None else [()] * len(free)
        if len(cores) != len(free):
            raise ValueError(f"vectorize: the signature has {len(cores)} inputs, got "
                             f"{len(free)} vectorized arguments")
        sizes: dict[str, int] = {}
        loops = []
        for arg, core in zip(free, cores):
            shape = get_aval(arg).shape
            if len(shape) < len(core):
                raise ValueError(f"vectorize: an argument of shape {shape} has fewer axes "
                                 f"than its core dimensions {core}")
            for name, size in zip(core, shape[len(shape) - len(core):]):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"vectorize: inconsistent size for core dimension "
                                     f"{name!r}: {sizes[name]} vs {size}")
            loops.append(shape[:len(shape) - len(core)])
        loop_shape = tuple(np.broadcast_shapes(*loops)) if loops else ()
        free = [lax.broadcast_to(a, loop_shape + get_aval(a).shape[len(s):])
                for a, s in zip(free, loops)]

        def core_fn(*values: Any) -> Any:
            full = list(args)
            for i, v in zip(positions, values[:len(positions)]):
                full[i] = v
            kw = dict(fixed_kw)
            kw.update(zip(names, values[len(positions):]))
            return pyfunc(*full, **kw)

        fn = core_fn
        for _ in loop_shape:
            fn = vmap(fn)
        return fn(*free)

    wrapped.__name__ = getattr(pyfunc, "__name__", "vectorized")
    wrapped.__doc__ = getattr(pyfunc, "__doc__", None)
    return wrapped


def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Any, *args: Any,
                     **kwargs: Any) -> Any:
    """``func1d`` applied to every 1-d slice of ``arr`` along ``axis`` (by ``vmap``); the
    function's output axes replace ``axis`` in the result, as in NumPy.

    Raises:
      ValueError: ``axis`` out of range.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.apply_along_axis(lambda v: v[0] + v[-1], 1, np.arange(6.0).reshape(2, 3))
    array([2., 8.])
    """
    arr = asarray_strong(arr)
    ndim = get_aval(arr).ndim
    axis = normalize_axis(axis, ndim)
    moved = moveaxis(arr, axis, -1)
    fn: Callable[..., Any] = lambda v: func1d(v, *args, **kwargs)  # noqa: E731
    for _ in range(ndim - 1):
        fn = vmap(fn)
    out = asarray_strong(fn(moved))
    out_ndim = get_aval(out).ndim - (ndim - 1)
    # the function's axes (last) go where ``axis`` was
    order = list(range(ndim - 1))
    perm = order[:axis] + list(range(ndim - 1, ndim - 1 + out_ndim)) + order[axis:]
    return lax.transpose(out, perm)


def apply_over_axes(func: Callable[[Any, int], Any], a: Any, axes: int | Sequence[int]) -> Any:
    """``func(a, axis)`` applied repeatedly, once per axis in ``axes``; a result with one
    axis fewer gets it back (size 1), so the rank is kept.

    Raises:
      ValueError: ``func`` returned a result of the wrong rank.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.apply_over_axes(fnp.sum, np.arange(6.0).reshape(2, 3), [0, 1])
    array([[15.]])
    """
    out = asarray_strong(a)
    ndim = get_aval(out).ndim
    for axis in ([axes] if isinstance(axes, (int, np.integer)) else axes):
        axis = int(axis) + ndim if axis < 0 else int(axis)
        result = asarray_strong(func(out, axis))
        if get_aval(result).ndim == ndim:
            out = result
        elif get_aval(result).ndim == ndim - 1:
            out = lax.expand_dims(result, (axis,))
        else:
            raise ValueError("function is not returning an array of the correct shape")
    return out


def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """A function defined piece by piece: where ``condlist[i]`` holds, ``funclist[i]``
    (a callable of ``x``, or a constant); one extra function is the default elsewhere, else
    0. Later conditions win, as in NumPy. Every piece is evaluated on all of ``x``, so every
    piece must accept all of ``x``; the result has ``x``'s dtype.

    Raises:
      ValueError: the number of functions is neither ``len(condlist)`` nor one more.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> fnp.piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: v ** 2, 7.0])
    array([2., 7., 9.])
    """
    x = asarray_strong(x)
    shape = get_aval(x).shape
    dtype = get_aval(x).dtype
    # NumPy's rule for a single condition given without a list around it
    single = not isinstance(condlist, (list, tuple))
    if isinstance(condlist, (bool, np.bool_)) or (
            single and get_aval(asarray_strong(condlist)).ndim == 0):
        condlist = [condlist]
    elif not isinstance(condlist[0], (list, np.ndarray, Tracer)) and len(shape) != 0:
        condlist = [condlist]
    conds = [lax.broadcast_to(_as_bool(c), shape) for c in condlist]
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are "
                         f"expected")

    def value(f: Any) -> Any:
        out = f(x, *args, **kw) if callable(f) else f
        return lax.broadcast_to(cast(asarray_strong(out), dtype), shape)

    out: Any = np.zeros(shape, dtype)
    if len(funclist) == n + 1:
        otherwise = conds[0] if n else np.zeros(shape, bool)
        for c in conds[1:]:
            otherwise = lax.bitwise_or(otherwise, c)
        out = lax.select_n(otherwise, value(funclist[n]), out)
    for c, f in zip(conds, funclist):
        out = lax.select_n(c, out, value(f))
    return out


def _as_bool(c: Any) -> Any:
    c = asarray_strong(c)
    return c if get_aval(c).dtype.kind == "b" else lax.ne(c, np.zeros((), get_aval(c).dtype)[()])


class ufunc:  # noqa: N801  (NumPy's and JAX's name)
    """A universal function built from a Python function of scalars: elementwise calls with
    broadcasting (by ``vmap``), and for binary functions ``outer``, ``reduce``,
    ``accumulate`` and ``at``, all traceable. ``reduce`` and ``accumulate`` run a ``scan``
    along the axis (left to right, as NumPy does for a generic function).

    Args:
      func: a function of ``nin`` scalars returning ``nout`` scalars (a tuple when
        ``nout > 1``).
      nin, nout: the numbers of inputs and outputs.
      name: the name (defaults to ``func``'s).
      identity: the identity of a binary function (the result of reducing an empty axis).

    Raises:
      ValueError: ``nin`` or ``nout`` below 1, or methods used with the wrong arity.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> hyp = fnp.ufunc(lambda a, b: fnp.sqrt(a * a + b * b), 2, 1, identity=0.0)
    >>> hyp(np.array([3.0, 5.0]), 4.0), hyp.reduce(np.array([3.0, 4.0, 12.0]))
    (array([5.        , 6.40312424]), np.float64(13.0))
    """

    def __init__(self, func: Callable[..., Any], /, nin: int, nout: int, *,
                 name: str | None = None, identity: Any = None) -> None:
        if int(nin) < 1 or int(nout) < 1:
            raise ValueError(f"ufunc: nin and nout must be at least 1, got {nin} and {nout}")
        if not callable(func):
            raise TypeError(f"ufunc: func must be callable, got {type(func).__name__}")
        self._func = func
        self.nin = int(nin)
        self.nout = int(nout)
        self.nargs = self.nin + self.nout
        self.identity = identity
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self._vectorized = vectorize(func)

    def __repr__(self) -> str:
        return f"<ftrans.numpy.ufunc {self.__name__!r}>"

    def __call__(self, *args: Any, out: None = None, where: None = None) -> Any:
        check_no_out(out, self.__name__)
        if where is not None:
            raise NotImplementedError(f"{self.__name__}: where= is not supported")
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__} takes {self.nin} arguments, got {len(args)}")
        return self._vectorized(*args)

    def _binary(self, method: str) -> None:
        if self.nin != 2 or self.nout != 1:
            raise ValueError(f"{method} only supported for binary ufuncs with one output "
                             f"(this one has nin={self.nin}, nout={self.nout})")

    def outer(self, A: Any, B: Any, /) -> Any:  # noqa: N803
        """``self(a, b)`` for every pair: the result has shape ``A.shape + B.shape``."""
        self._binary("outer")
        A, B = asarray_strong(A), asarray_strong(B)  # noqa: N806
        a_shape, b_shape = get_aval(A).shape, get_aval(B).shape
        return self(lax.reshape(A, a_shape + (1,) * len(b_shape)), B)

    def _reduce(self, a: Any, axis: Any, initial: Any) -> tuple[Any, int]:
        a = asarray_strong(a)
        if axis is None:
            a, axis = lax.reshape(a, (-1,)), 0
        axis = normalize_axis(axis, get_aval(a).ndim)
        moved = moveaxis(a, axis, 0)
        n = get_aval(moved).shape[0]
        rest = get_aval(moved).shape[1:]
        if initial is None:
            if n == 0:
                if self.identity is None:
                    raise ValueError(f"zero-size array to reduction operation "
                                     f"{self.__name__} which has no identity")
                initial = self.identity
            else:
                first = lax.index_in_dim(moved, 0, 0, False)
                moved = lax.slice_in_dim(moved, 1, None, 1, 0)
                initial = first
        init = lax.broadcast_to(asarray_strong(initial), rest)

        def step(carry: Any, x: Any) -> tuple[Any, None]:
            new = asarray_strong(self._func(carry, x))
            return lax.broadcast_to(cast(new, get_aval(carry).dtype), rest), None

        return lax.scan(step, init, moved)[0], axis

    def reduce(self, a: Any, axis: int | None = 0, dtype: Any = None, out: None = None,
               keepdims: bool = False, initial: Any = None) -> Any:
        """The reduction ``f(...f(f(a0, a1), a2)..., an)`` along ``axis`` (None: all)."""
        check_no_out(out, f"{self.__name__}.reduce")
        self._binary("reduce")
        a = asarray_strong(a)
        if dtype is not None:
            a = cast(a, np.dtype(dtype))
        ndim = get_aval(a).ndim
        result, axis_done = self._reduce(a, axis, initial)
        if keepdims:
            result = lax.reshape(result, (1,) * ndim) if axis is None else \
                lax.expand_dims(result, (axis_done,))
        return result

    def accumulate(self, a: Any, axis: int = 0, dtype: Any = None, out: None = None) -> Any:
        """The running reductions along ``axis``: the first element, then ``f(a0, a1)``, ..."""
        check_no_out(out, f"{self.__name__}.accumulate")
        self._binary("accumulate")
        a = asarray_strong(a)
        if dtype is not None:
            a = cast(a, np.dtype(dtype))
        axis = normalize_axis(axis, get_aval(a).ndim)
        moved = moveaxis(a, axis, 0)
        if get_aval(moved).shape[0] == 0:
            return a
        first = lax.index_in_dim(moved, 0, 0, False)
        rest_shape = get_aval(first).shape

        def step(carry: Any, x: Any) -> tuple[Any, Any]:
            new = lax.broadcast_to(cast(asarray_strong(self._func(carry, x)),
                                        get_aval(carry).dtype), rest_shape)
            return new, new

        _, history = lax.scan(step, first, lax.slice_in_dim(moved, 1, None, 1, 0))
        stacked = lax.concatenate([lax.reshape(first, (1,) + rest_shape), history], 0)
        return moveaxis(stacked, 0, axis)

    def at(self, a: Any, indices: Any, b: Any = None, /, *, inplace: bool = True) -> Any:
        """``a`` with ``a[i] = f(a[i], b)`` applied for each index in turn (repeated indices
        apply repeatedly, as NumPy's unbuffered ``at``). Pass ``inplace=False``."""
        if inplace:
            raise ValueError(f"{self.__name__}.at cannot modify its argument in place; pass "
                             f"inplace=False and use the returned array")
        a = asarray_strong(a)
        idx = cast(lax.reshape(asarray_strong(indices), (-1,)), np.dtype(np.int64))
        k = get_aval(idx).shape[0]
        if b is None:
            if self.nin != 1:
                raise ValueError(f"{self.__name__}.at needs b for a binary ufunc")
            values = np.zeros(k, get_aval(a).dtype)
        else:
            self._binary("at")
            values = lax.broadcast_to(cast(asarray_strong(b), get_aval(a).dtype),
                                      (k,) + get_aval(a).shape[1:])

        def step(carry: Any, item: Any) -> tuple[Any, None]:
            i, v = item
            current = _at(carry)[i].get()
            new = self._func(current) if b is None else self._func(current, v)
            return _at(carry)[i].set(cast(asarray_strong(new), get_aval(carry).dtype)), None

        return lax.scan(step, a, (idx, values))[0]


def frompyfunc(func: Callable[..., Any], /, nin: int, nout: int, *,
               identity: Any = None) -> ufunc:
    """A :class:`ufunc` from a Python function of scalars (traceable, unlike NumPy's object
    ufuncs).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.frompyfunc(lambda a, b: a * 10 + b, 2, 1).accumulate(np.array([1, 2, 3]))
    array([  1,  12, 123])
    """
    return ufunc(func, nin, nout, identity=identity)


__all__ += ["ufunc", "frompyfunc"]
