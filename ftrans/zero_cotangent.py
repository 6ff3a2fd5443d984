"""The zero-cotangent mode: a zero tangent or cotangent times an infinite partial is zero.

``grad(lambda x: where(x > 0, sqrt(x), 0.))(0.)`` is NaN in JAX, PyTorch and by default here:
the masked branch receives a zero cotangent, and the transpose of ``sqrt``'s derivative
multiplies it by ``1 / (2 sqrt(0)) = inf``. Inside :func:`zero_cotangent_wins` the derivative
rules of the singular primitives (``sqrt``, ``rsqrt``, ``log``, ``log1p``, ``exp``, ``expm1``,
``div``, ``pow``, ``integer_pow``) apply the partial derivative to the tangent with
``mul_zero_wins`` / ``div_zero_wins`` instead of ``mul`` / ``div``: the same operation except
that a result that would be NaN because one factor is zero (``0 * inf``, ``0 * nan``,
``0 / 0``) is exactly 0. The mode is read when a rule runs (at trace time), so it is baked
into linear programs: their transposes use the same zero-wins operations, which makes reverse
mode exact as well; ``jit`` keys its cache on the mode. Off by default.

This module owns the mode (a ContextVar plus a process-wide default) and the two primitives
with their rules; ``lax.elementwise``'s ``tangent_mul`` / ``tangent_div``, which its jvp rules
call, pick the zero-wins primitive when the mode is on. It sits below ``ftrans.lax``: the
primitives' own rules reach ``lax`` lazily. See docs/beyond_jax_memory.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Any, Iterator

import numpy as np

from ftrans.core import Primitive, ShapedArray, make_aval
from ftrans.interpreters.batching import defbroadcasting
from ftrans.interpreters.jvp import defjvp
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules

__all__ = ["zero_cotangent_wins", "zero_cotangent_enabled", "set_zero_cotangent_wins",
           "mul_zero_wins", "mul_zero_wins_p", "div_zero_wins", "div_zero_wins_p"]

# ---------------------------------------------------------------------------------------------
# The mode
# ---------------------------------------------------------------------------------------------

# None: not set in this context, use the process-wide default (the config flag).
_mode: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "ftrans_zero_cotangent_wins", default=None)
_default = os.environ.get("FTRANS_ZERO_COTANGENT_WINS", "").lower() in ("1", "true", "yes")


def zero_cotangent_enabled() -> bool:
    """Whether derivative rules traced now use the zero-cotangent-wins products."""
    mode = _mode.get()
    return _default if mode is None else mode


def set_zero_cotangent_wins(enabled: bool) -> None:
    """The config flag: the mode everywhere a :func:`zero_cotangent_wins` block does not say
    otherwise (also set by the environment variable ``FTRANS_ZERO_COTANGENT_WINS=1``)."""
    global _default
    _default = bool(enabled)


@contextlib.contextmanager
def zero_cotangent_wins(enabled: bool = True) -> Iterator[None]:
    """Within the block, a zero tangent or cotangent times a non-finite partial derivative of
    ``sqrt``, ``rsqrt``, ``log``, ``log1p``, ``exp``, ``expm1``, ``div``, ``pow`` or
    ``integer_pow`` is exactly zero, so branches masked by ``where`` stay masked.

    Only results that would otherwise be NaN from ``0 * inf``, ``0 * nan`` or ``0 / 0`` in
    those rules change. The mode is read when derivatives are traced; ``jit`` caches keep
    programs traced in the two modes apart. Thread- and context-local; nests.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> f = lambda x: fnp.where(x > 0, fnp.sqrt(x), 0.0)
    >>> with ft.zero_cotangent_wins():
    ...     ft.grad(f)(0.0)
    np.float64(0.0)
    """
    token = _mode.set(bool(enabled))
    try:
        yield
    finally:
        _mode.reset(token)


# ---------------------------------------------------------------------------------------------
# The primitives: mul and div where a zero operand wins
# ---------------------------------------------------------------------------------------------


def _abstract_eval(name: str) -> Any:
    def abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
        if x.dtype != y.dtype:
            raise TypeError(f"{name} needs operands of one dtype, got {x.str_short()} and "
                            f"{y.str_short()}")
        if x.dtype.kind not in "fc":
            raise TypeError(f"{name} needs floating operands, got {x.str_short()}")
        if x.shape == y.shape:
            return x
        try:
            shape = tuple(np.broadcast_shapes(x.shape, y.shape))
        except ValueError:
            raise ValueError(f"{name}: shapes {x.shape} and {y.shape} do not broadcast "
                             f"together") from None
        return make_aval(shape, x.dtype)
    return abstract_eval


def _zero_where_nan(out: Any, zero_operand: Any) -> Any:
    nan = np.isnan(out)
    if not np.any(nan):
        return out
    return np.where(nan & zero_operand, np.zeros((), np.result_type(out)), out)[()]


def _mul_zero_wins_impl(x: Any, y: Any) -> Any:
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.multiply(x, y)
    return _zero_where_nan(out, np.equal(x, 0) | np.equal(y, 0))


def _div_zero_wins_impl(x: Any, y: Any) -> Any:
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = np.true_divide(x, y)
    return _zero_where_nan(out, np.equal(x, 0))


# x * y, except that 0 * inf and 0 * nan (either order) are 0; bilinear like mul.
mul_zero_wins_p = Primitive("mul_zero_wins", impl=_mul_zero_wins_impl,
                            abstract_eval=_abstract_eval("mul_zero_wins"))
# x / y, except that 0 / 0 and 0 / nan are 0; linear in x like div.
div_zero_wins_p = Primitive("div_zero_wins", impl=_div_zero_wins_impl,
                            abstract_eval=_abstract_eval("div_zero_wins"))


def mul_zero_wins(x: Any, y: Any) -> Any:
    """Elementwise ``x * y`` where a zero operand wins: ``0 * inf == 0 * nan == 0``.

    >>> import numpy as np
    >>> mul_zero_wins(np.array([0.0, 2.0]), np.array([np.inf, np.inf]))
    array([ 0., inf])
    """
    return mul_zero_wins_p.bind(x, y)


def div_zero_wins(x: Any, y: Any) -> Any:
    """Elementwise ``x / y`` where a zero numerator wins: ``0 / 0 == 0 / nan == 0``.

    >>> import numpy as np
    >>> div_zero_wins(np.array([0.0, 1.0]), np.array([0.0, 0.0]))
    array([ 0., inf])
    """
    return div_zero_wins_p.bind(x, y)


def _unbroadcast(x: Any, aval: ShapedArray) -> Any:
    from ftrans.lax.elementwise import unbroadcast  # cycle: lax.elementwise imports zero_cotangent
    return unbroadcast(x, aval)


def _neg(x: Any) -> Any:
    from ftrans.lax import neg  # cycle: lax.elementwise imports zero_cotangent
    return neg(x)


defjvp(mul_zero_wins_p,
       lambda g, ans, x, y: mul_zero_wins(g, y),
       lambda g, ans, x, y: mul_zero_wins(x, g))
# d(x / y)/dy = -(x / y) / y: written so that a zero x (hence a zero ans) keeps it zero
defjvp(div_zero_wins_p,
       lambda g, ans, x, y: div_zero_wins(g, y),
       lambda g, ans, x, y: _neg(mul_zero_wins(g, div_zero_wins(ans, y))))


def _mul_zero_wins_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    if is_undefined(x) and is_undefined(y):
        raise NonLinearError("mul_zero_wins of two linear values is not linear")
    if is_undefined(x):
        return [_unbroadcast(mul_zero_wins(ct, y), x.aval), None]
    return [None, _unbroadcast(mul_zero_wins(x, ct), y.aval)]


def _div_zero_wins_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    if is_undefined(y):
        raise NonLinearError("div_zero_wins is not linear in its denominator")
    return [_unbroadcast(div_zero_wins(ct, y), x.aval), None]


transpose_rules[mul_zero_wins_p] = _mul_zero_wins_transpose
transpose_rules[div_zero_wins_p] = _div_zero_wins_transpose
defbroadcasting(mul_zero_wins_p)
defbroadcasting(div_zero_wins_p)
