"""The two Gumbel distributions, mirror images of each other (gumbel_r: maxima, gumbel_l:
minima); the public modules ``gumbel_r`` and ``gumbel_l`` bind the side."""

from __future__ import annotations

from typing import Any

from ftrans import numpy as fnp
from ftrans.scipy.stats._util import constant, finish, log1mexp, promote, standardize


def _z(x: Any, loc: Any, scale: Any, right: bool) -> tuple[Any, Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    return (z if right else -z), log_scale, ok


def logpdf(x: Any, loc: Any, scale: Any, right: bool) -> Any:
    z, log_scale, ok = _z(x, loc, scale, right)
    return finish(ok, -(z + fnp.exp(-z)) - log_scale)


def log_lower(x: Any, loc: Any, scale: Any, right: bool) -> Any:
    """log of the CDF of gumbel_r (of the SF of gumbel_l): ``-exp(-z)``."""
    z, _, ok = _z(x, loc, scale, right)
    return finish(ok, -fnp.exp(-z))


def log_upper(x: Any, loc: Any, scale: Any, right: bool) -> Any:
    """log(1 - exp(-exp(-z))), accurate where it is tiny or near 0."""
    z, _, ok = _z(x, loc, scale, right)
    return finish(ok, log1mexp(-fnp.exp(-z)))


def quantile(p: Any, loc: Any, scale: Any, right: bool) -> Any:
    p, loc, scale = promote(p, loc, scale)
    inside = (p >= 0) & (p <= 1)
    p = fnp.where(inside, p, constant(0.5, p))
    # gumbel_r: -log(-log p); gumbel_l: log(-log1p(-p))
    z = -fnp.log(-fnp.log(p)) if right else fnp.log(-fnp.log1p(-p))
    return finish((scale > 0) & inside, loc + scale * z)

