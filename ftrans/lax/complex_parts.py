"""Complex numbers: the parts of a complex array, its conjugate, and construction from parts.

Transposition is the plain linear transpose of a real-linear map under the pairing
<a, b> = real(a * b), with no implicit conjugation: real's transpose is complex(ct, 0),
imag's complex(0, -ct), conj's conj, complex's [real(ct), -imag(ct)]. With holomorphic rules
written with the complex derivative, grad of a real-valued function of z is the conjugate of
its Wirtinger gradient 2 df/dz-bar (grad(abs(z) ** 2) at z is 2 conj(z)).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import defbroadcasting, defvectorized
from ftrans.interpreters.jvp import deflinear
from ftrans.interpreters.transpose import is_undefined
from ftrans.lax.elementwise_base import (
    FLOAT, bind_binary, broadcast_shapes, check_kind, check_operand, unbroadcast,
)

__all__ = ["complex", "complex_dtype", "complex_p", "conj", "conj_p", "imag", "imag_p", "real",
           "real_p"]


def complex_dtype(dtype: Any) -> np.dtype:
    """The complex dtype whose parts have ``dtype`` (float32 -> complex64; complex stays)."""
    return np.result_type(np.dtype(dtype), np.complex64)


def _complex_part_abstract_eval(name: str) -> Callable[..., ShapedArray]:
    def abstract_eval(x: ShapedArray) -> ShapedArray:
        if x.dtype.kind != "c":
            raise TypeError(f"{name} needs a complex operand, got {x.str_short()} (the "
                            f"ftrans.numpy function also accepts real arrays)")
        return make_aval(x.shape, np.finfo(x.dtype).dtype)
    return abstract_eval


def _part_impl(name: str, part: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def impl(x: Any) -> Any:
        if np.result_type(x).kind != "c":  # NumPy would accept it; lax's contract does not
            _complex_part_abstract_eval(name)(get_aval(x))
        # np.real / np.imag return views of the complex buffer: a copy keeps each result
        # its own array, so that writing into it never changes the complex operand
        return np.array(part(x))[()] if np.ndim(x) == 0 else part(x).copy()
    return impl


real_p = Primitive("real", impl=_part_impl("real", np.real),
                   abstract_eval=_complex_part_abstract_eval("real"))


def real(x: Any) -> Any:
    """The real part of a complex array (a real array of the matching precision).

    >>> import numpy as np; from ftrans import lax
    >>> lax.real(np.complex128(3 + 4j))
    np.float64(3.0)
    """
    return real_p.bind(check_operand(x, "lax.real"))


deflinear(real_p, transpose=lambda ct, x: [complex(ct, np.zeros((), get_aval(ct).dtype))])
defvectorized(real_p)


imag_p = Primitive("imag", impl=_part_impl("imag", np.imag),
                   abstract_eval=_complex_part_abstract_eval("imag"))


def imag(x: Any) -> Any:
    """The imaginary part of a complex array (a real array of the matching precision).

    >>> import numpy as np; from ftrans import lax
    >>> lax.imag(np.complex128(3 + 4j))
    np.float64(4.0)
    """
    return imag_p.bind(check_operand(x, "lax.imag"))


# complex(0, -ct), written as a conjugate so that this module needs no arithmetic
deflinear(imag_p, transpose=lambda ct, x: [conj(complex(np.zeros((), get_aval(ct).dtype), ct))])
defvectorized(imag_p)


def _conj_impl(x: Any) -> Any:
    if type(x) is not np.ndarray or x.dtype.kind not in FLOAT:  # refuse what lax refuses
        _conj_abstract_eval(get_aval(x))
    x = np.asarray(x)
    out = np.conjugate(x) if x.dtype.kind == "c" else x.astype(complex_dtype(x.dtype))
    return out[()] if out.ndim == 0 else out


def _conj_abstract_eval(x: ShapedArray) -> ShapedArray:
    check_kind("conj", x, FLOAT)
    return make_aval(x.shape, complex_dtype(x.dtype))


conj_p = Primitive("conj", impl=_conj_impl, abstract_eval=_conj_abstract_eval)


def conj(x: Any) -> Any:
    """The complex conjugate; a real floating operand becomes complex (as lax does in JAX;
    ``ftrans.numpy.conj`` keeps real arrays real).

    >>> import numpy as np; from ftrans import lax
    >>> lax.conj(np.complex128(3 + 4j))
    np.complex128(3-4j)
    """
    return conj_p.bind(check_operand(x, "lax.conj"))


# conj is its own transpose on complex operands; for a real operand (cast to complex and
# conjugated) the transpose keeps the real part
deflinear(conj_p, transpose=lambda ct, x: [
    conj(ct) if x.aval.dtype.kind == "c" else real(ct)])
defvectorized(conj_p)


def _complex_impl(x: Any, y: Any) -> Any:
    # assigning the parts keeps infinities and NaNs where they are (x + 1j * y would mix them)
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype != y.dtype or x.dtype.kind != "f":
        _complex_abstract_eval(get_aval(x), get_aval(y))
    out = np.empty(np.broadcast_shapes(x.shape, y.shape), complex_dtype(x.dtype))
    out.real = x
    out.imag = y
    return out[()] if out.ndim == 0 else out


def _complex_abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
    if x.dtype != y.dtype or x.dtype.kind != "f":
        raise TypeError(f"complex needs two real floating operands of one dtype, got "
                        f"{x.str_short()} and {y.str_short()}; convert with "
                        f"convert_element_type first")
    return make_aval(broadcast_shapes("complex", x.shape, y.shape), complex_dtype(x.dtype))


complex_p = Primitive("complex", impl=_complex_impl, abstract_eval=_complex_abstract_eval)


def complex(x: Any, y: Any) -> Any:  # noqa: A001  (lax's name)
    """The complex array ``x + 1j * y`` from real floating parts of one dtype (shapes
    broadcast; a Python scalar takes the other part's dtype).

    >>> import numpy as np; from ftrans import lax
    >>> lax.complex(np.float64(3.0), 4.0)
    np.complex128(3+4j)
    """
    return bind_binary(complex_p, x, y)


def _complex_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    return [unbroadcast(real(ct), x.aval) if is_undefined(x) else None,
            unbroadcast(imag(conj(ct)), y.aval) if is_undefined(y) else None]


deflinear(complex_p, transpose=_complex_transpose)
defbroadcasting(complex_p)
