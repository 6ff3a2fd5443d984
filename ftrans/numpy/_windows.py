"""Window functions: bartlett, blackman, hamming, hanning (NumPy's, their length is static)
and kaiser, whose shape parameter may be traced and differentiated (it goes through i0).
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import bartlett, blackman, hamming, hanning  # noqa: F401  (constants of M)

from ftrans import lax
from ftrans.numpy._promotion import asarray_strong, cast
from ftrans.numpy._float_ops import i0

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def kaiser(M: int, beta: Any) -> Any:  # noqa: N803  (NumPy's name)
    """The Kaiser window of length ``M``: ``i0(beta sqrt(1 - (2n/(M-1) - 1)**2)) / i0(beta)``;
    ``beta`` may be traced.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> bool(np.allclose(fnp.kaiser(5, 3.0), np.kaiser(5, 3.0)))
    True
    """
    M = int(M)  # noqa: N806
    if M <= 0:
        return np.zeros(0)
    if M == 1:
        return np.ones(1)
    beta = cast(asarray_strong(beta), np.dtype(np.float64))
    n = np.arange(M)
    ratio = np.sqrt(np.clip(1 - ((2.0 * n / (M - 1)) - 1) ** 2, 0, None))
    return lax.div(i0(lax.mul(beta, ratio)), i0(beta))
