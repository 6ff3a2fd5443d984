"""Comparisons, bitwise logic and ``select_n``: elementwise primitives whose outputs are
piecewise constant in their inputs (zero derivatives), and the elementwise choice between
cases. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import operator

import numpy as np

from ftrans.compile.tables import commutative
from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import (
    defbroadcasting, defvectorized,
)
from ftrans.interpreters.jvp import (
    Zero,
    defjvp_zero,
    instantiate_zeros,
    jvp_rules,
)
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax.elementwise_base import (
    ANY, PYTHON_SCALARS, bind_binary, binary_primitive, broadcast_shapes, check_operand,
    coerce_scalars, unary_primitive, unbroadcast,
)
from ftrans.lax.structural import broadcast_to

__all__ = [
    "and_p", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "eq", "eq_p", "ge", "ge_p",
    "gt", "gt_p", "jvp_rules", "le", "le_p", "lt", "lt_p", "ne", "ne_p", "not_p", "or_p", "select",
    "select_n", "select_n_p", "transpose_rules", "xor_p",
]


# ---------------------------------------------------------------------------------------------
# Comparisons and logic
# ---------------------------------------------------------------------------------------------

eq_p = binary_primitive("eq", np.equal, ANY, bool, operator.eq)
ne_p = binary_primitive("ne", np.not_equal, ANY, bool, operator.ne)
lt_p = binary_primitive("lt", np.less, ANY, bool, operator.lt)
le_p = binary_primitive("le", np.less_equal, ANY, bool, operator.le)
gt_p = binary_primitive("gt", np.greater, ANY, bool, operator.gt)
ge_p = binary_primitive("ge", np.greater_equal, ANY, bool, operator.ge)


def eq(x: Any, y: Any) -> Any:
    """Elementwise ``x == y``."""
    return bind_binary(eq_p, x, y)


def ne(x: Any, y: Any) -> Any:
    """Elementwise ``x != y``."""
    return bind_binary(ne_p, x, y)


def lt(x: Any, y: Any) -> Any:
    """Elementwise ``x < y``."""
    return bind_binary(lt_p, x, y)


def le(x: Any, y: Any) -> Any:
    """Elementwise ``x <= y``."""
    return bind_binary(le_p, x, y)


def gt(x: Any, y: Any) -> Any:
    """Elementwise ``x > y``."""
    return bind_binary(gt_p, x, y)


def ge(x: Any, y: Any) -> Any:
    """Elementwise ``x >= y``."""
    return bind_binary(ge_p, x, y)


and_p = binary_primitive("and", np.bitwise_and, "biu")
or_p = binary_primitive("or", np.bitwise_or, "biu")
xor_p = binary_primitive("xor", np.bitwise_xor, "biu")
not_p = unary_primitive("not", np.invert, "biu")


def bitwise_and(x: Any, y: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) and."""
    return bind_binary(and_p, x, y)


def bitwise_or(x: Any, y: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) or."""
    return bind_binary(or_p, x, y)


def bitwise_xor(x: Any, y: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) exclusive or."""
    return bind_binary(xor_p, x, y)


def bitwise_not(x: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) not."""
    return not_p.bind(check_operand(x, "lax.bitwise_not"))


for _prim in (eq_p, ne_p, lt_p, le_p, gt_p, ge_p, and_p, or_p, xor_p):
    defjvp_zero(_prim)
    defbroadcasting(_prim)
commutative.update((eq_p, ne_p, and_p, or_p, xor_p))
defjvp_zero(not_p)
defvectorized(not_p)


# ---------------------------------------------------------------------------------------------
# select_n
# ---------------------------------------------------------------------------------------------


def _select_n_impl(which: Any, *cases: Any) -> Any:
    if len(cases) == 1:
        return np.broadcast_to(cases[0], np.broadcast_shapes(np.shape(which),
                                                              np.shape(cases[0])))
    if len(cases) == 2:
        return np.where(which, cases[1], cases[0])
    return np.choose(which, cases)


def _select_n_abstract_eval(which: ShapedArray, *cases: ShapedArray) -> ShapedArray:
    if len(cases) == 0:
        raise TypeError("select_n needs at least one case")
    if which.dtype.kind not in "biu":
        raise TypeError(f"select_n: the selector must be bool or int, got {which.str_short()}")
    if which.dtype.kind == "b" and len(cases) > 2:
        raise TypeError("select_n: a bool selector chooses between at most two cases")
    dtypes = {c.dtype for c in cases}
    if len(dtypes) > 1:
        raise TypeError(f"select_n: cases must have one dtype, got "
                        f"{', '.join(c.str_short() for c in cases)}")
    shape = broadcast_shapes("select_n", which.shape, *[c.shape for c in cases])
    return make_aval(shape, cases[0].dtype)


select_n_p = Primitive("select_n", impl=_select_n_impl, abstract_eval=_select_n_abstract_eval)


def select_n(which: Any, *cases: Any) -> Any:
    """Elementwise choice: ``cases[which]``; a bool ``which`` picks ``cases[1]`` where True.
    Shapes broadcast."""
    if any(type(c) in PYTHON_SCALARS for c in cases):
        cases = tuple(coerce_scalars(*cases))
    return select_n_p.bind(which, *cases)


def select(pred: Any, on_true: Any, on_false: Any) -> Any:
    """Elementwise ``on_true`` where the bool ``pred`` is True, else ``on_false``
    (``select_n(pred, on_false, on_true)``)."""
    return select_n(check_operand(pred, "lax.select"), check_operand(on_false, "lax.select"),
                    check_operand(on_true, "lax.select"))


def _select_n_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    which, *cases = primals
    ans = select_n_p.bind(which, *cases)
    case_dots = tangents[1:]
    if all(type(t) is Zero for t in case_dots):
        return ans, Zero(get_aval(ans))
    out_dot = select_n_p.bind(which, *[instantiate_zeros(t) for t in case_dots])
    aval = get_aval(ans)
    if get_aval(out_dot).shape != aval.shape:
        out_dot = broadcast_to(out_dot, aval.shape)
    return ans, out_dot


jvp_rules[select_n_p] = _select_n_jvp


def _select_n_transpose(ct: Any, which: Any, *cases: Any) -> list[Any]:
    if is_undefined(which):
        raise NonLinearError("select_n is not linear in its selector")
    zero = np.zeros((), get_aval(ct).dtype)
    cts: list[Any] = [None]
    for i, case in enumerate(cases):
        if not is_undefined(case):
            cts.append(None)
            continue
        picked = select_n_p.bind(which, *[ct if j == i else zero for j in range(len(cases))])
        cts.append(unbroadcast(picked, case.aval))
    return cts


transpose_rules[select_n_p] = _select_n_transpose
defbroadcasting(select_n_p)

del _prim
