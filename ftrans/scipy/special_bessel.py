"""Bessel functions of ``ftrans.scipy.special`` (re-exported there): i0, i0e, i1, i1e of
order 0 and 1, jn / yn (j0, j1, y0, y1) of integer order and ive / iv of real order, on the
``ftrans.lax`` Bessel primitives; derivatives in ``x`` to every order."""

from __future__ import annotations

from typing import Any

from ftrans import numpy as fnp
from ftrans.lax import special_bessel_jy as lax_bessel_jy
from ftrans.lax import special_bessel_zeta as lax_bessel_zeta
from ftrans.scipy.special_args import as_float, as_floats

__all__ = ["i0", "i0e", "i1", "i1e", "iv", "ive", "j0", "j1", "jn", "y0", "y1", "yn"]


def i0e(x: Any) -> Any:
    """The exponentially scaled modified Bessel function ``exp(-|x|) I0(x)``.

    >>> from ftrans.scipy.special import i0e
    >>> round(float(i0e(1e4)), 12)
    0.003989472675
    """
    return lax_bessel_zeta.bessel_i0e(as_float(x))


def i1e(x: Any) -> Any:
    """The exponentially scaled modified Bessel function ``exp(-|x|) I1(x)``.

    >>> from ftrans.scipy.special import i1e
    >>> round(float(i1e(1.0)), 10)
    0.2079104153
    """
    return lax_bessel_zeta.bessel_i1e(as_float(x))


def i0(x: Any) -> Any:
    """The modified Bessel function of order 0, ``I0(x)``.

    >>> from ftrans.scipy.special import i0
    >>> round(float(i0(1.0)), 12)
    1.266065877752
    """
    x = as_float(x)
    return fnp.exp(fnp.abs(x)) * i0e(x)


def i1(x: Any) -> Any:
    """The modified Bessel function of order 1, ``I1(x)``.

    >>> from ftrans.scipy.special import i1
    >>> round(float(i1(1.0)), 12)
    0.565159103992
    """
    x = as_float(x)
    return fnp.exp(fnp.abs(x)) * i1e(x)


def _order_zero_like(x: Any) -> Any:
    return fnp.zeros_like(x)


def jn(n: Any, x: Any) -> Any:
    """The Bessel function of the first kind ``J_n(x)`` of integer order ``n`` (NaN for a
    non-integer ``n``); differentiable in ``x`` (``J_n' = (J_{n-1} - J_{n+1}) / 2``).

    >>> from ftrans.scipy.special import jn
    >>> round(float(jn(2, 3.0)), 12)
    0.486091260586
    """
    order, x = as_floats(n, x)
    return lax_bessel_jy.bessel_jn(*fnp.broadcast_arrays(order, x))


def yn(n: Any, x: Any) -> Any:
    """The Bessel function of the second kind ``Y_n(x)`` of integer order ``n``, ``x > 0``
    (``-inf`` at 0, NaN for ``x < 0``).

    >>> from ftrans.scipy.special import yn
    >>> round(float(yn(2, 3.0)), 12)
    -0.160400393485
    """
    order, x = as_floats(n, x)
    return lax_bessel_jy.bessel_yn(*fnp.broadcast_arrays(order, x))


def j0(x: Any) -> Any:
    """``J_0(x)``, the Bessel function of the first kind of order 0.

    >>> from ftrans.scipy.special import j0
    >>> round(float(j0(1.0)), 12)
    0.765197686558
    """
    x = as_float(x)
    return lax_bessel_jy.bessel_jn(_order_zero_like(x), x)


def j1(x: Any) -> Any:
    """``J_1(x)``, the Bessel function of the first kind of order 1."""
    x = as_float(x)
    return lax_bessel_jy.bessel_jn(_order_zero_like(x) + 1, x)


def y0(x: Any) -> Any:
    """``Y_0(x)``, the Bessel function of the second kind of order 0 (``x > 0``)."""
    x = as_float(x)
    return lax_bessel_jy.bessel_yn(_order_zero_like(x), x)


def y1(x: Any) -> Any:
    """``Y_1(x)``, the Bessel function of the second kind of order 1 (``x > 0``)."""
    x = as_float(x)
    return lax_bessel_jy.bessel_yn(_order_zero_like(x) + 1, x)


def ive(v: Any, x: Any) -> Any:
    """The exponentially scaled modified Bessel function ``exp(-|x|) I_v(x)`` of real order
    ``v`` (NaN for ``x < 0`` unless ``v`` is an integer); differentiable in ``x``.

    >>> from ftrans.scipy.special import ive
    >>> round(float(ive(2.5, 3.0)), 12)
    0.075444308632
    """
    order, x = as_floats(v, x)
    return lax_bessel_jy.bessel_ive(*fnp.broadcast_arrays(order, x))


def iv(v: Any, x: Any) -> Any:
    """The modified Bessel function ``I_v(x)`` of real order ``v`` (``inf`` where it
    overflows, as SciPy).

    >>> from ftrans.scipy.special import iv
    >>> round(float(iv(2.5, 3.0)), 12)
    1.515339446682
    """
    order, x = as_floats(v, x)
    return fnp.exp(fnp.abs(x)) * lax_bessel_jy.bessel_ive(*fnp.broadcast_arrays(order, x))
