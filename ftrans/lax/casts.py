"""Casts and gradient control: ``convert_element_type`` and ``stop_gradient``. See
docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.compile.simplify import forward_operand, forward_same_type
from ftrans.compile.tables import forwarding_rules, scalar_lowerings, views
from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import (
    defvectorized,
)
from ftrans.interpreters.jvp import (
    Zero,
    defjvp_zero,
    jvp_rules,
)
from ftrans.interpreters.transpose import transpose_rules
from ftrans.lax.elementwise_base import (
    ANY, FLOAT, PYTHON_SCALARS, check_operand, unary_primitive,
)
from ftrans.tree_util import tree_map

__all__ = [
    "convert_element_type", "convert_element_type_p", "forwarding_rules", "jvp_rules",
    "scalar_lowerings", "stop_gradient", "stop_gradient_p", "transpose_rules",
]


# ---------------------------------------------------------------------------------------------
# Casts and gradient control
# ---------------------------------------------------------------------------------------------


def _convert_element_type_impl(x: Any, new_dtype: np.dtype) -> Any:
    if np.result_type(x).kind == "c" and new_dtype.kind != "c":
        # complex to real keeps the real part (to bool: nonzero), without NumPy's warning
        x = np.not_equal(x, 0) if new_dtype.kind == "b" else np.real(x)
    return np.asarray(x).astype(new_dtype)[()] if np.ndim(x) == 0 else x.astype(new_dtype)


def _convert_element_type_abstract_eval(x: ShapedArray, new_dtype: np.dtype) -> ShapedArray:
    return make_aval(x.shape, new_dtype)


convert_element_type_p = Primitive("convert_element_type", impl=_convert_element_type_impl,
                                   abstract_eval=_convert_element_type_abstract_eval)


def convert_element_type(x: Any, new_dtype: Any) -> Any:
    """``x`` cast to ``new_dtype`` (NumPy's ``astype``: floats to ints truncate; complex to
    real keeps the real part, and its transpose is ``complex(ct, 0)``)."""
    new_dtype = np.dtype(new_dtype)
    if type(x) in PYTHON_SCALARS:
        return np.asarray(x, dtype=new_dtype)[()]
    if get_aval(x).dtype == new_dtype:
        return x
    return convert_element_type_p.bind(x, new_dtype=new_dtype)


def _convert_element_type_jvp(primals: Sequence[Any], tangents: Sequence[Any],
                              new_dtype: np.dtype) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    ans = convert_element_type_p.bind(x, new_dtype=new_dtype)
    if type(t) is Zero or new_dtype.kind not in FLOAT:
        return ans, Zero(get_aval(ans))
    return ans, convert_element_type_p.bind(t, new_dtype=new_dtype)


jvp_rules[convert_element_type_p] = _convert_element_type_jvp
transpose_rules[convert_element_type_p] = lambda ct, x, new_dtype: [
    convert_element_type(ct, x.aval.dtype)]
defvectorized(convert_element_type_p)
forwarding_rules[convert_element_type_p] = forward_same_type


stop_gradient_p = unary_primitive("stop_gradient", lambda x: x, ANY)


def stop_gradient(x: Any) -> Any:
    """``x`` itself, with a zero derivative: differentiation treats it as a constant.

    Applies to every leaf of a pytree.
    """
    return tree_map(lambda leaf: stop_gradient_p.bind(check_operand(leaf, "stop_gradient")), x)


defjvp_zero(stop_gradient_p)
defvectorized(stop_gradient_p)
forwarding_rules[stop_gradient_p] = forward_operand
scalar_lowerings[stop_gradient_p] = "{0}"
views.add(stop_gradient_p)
