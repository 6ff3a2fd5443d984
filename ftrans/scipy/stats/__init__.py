"""``ftrans.scipy.stats``: probability distributions under JAX's (``jax.scipy.stats``) names and
signatures, one module per distribution (``stats.norm.logpdf(x, loc, scale)``), written in
``ftrans.numpy`` and ``ftrans.scipy.special``, so every transformation applies. Values follow
SciPy: ``-inf`` log-density outside the support, NaN for invalid parameters (never an
exception, so they are safe inside ``jit``). See docs/scipy.md.

>>> import ftrans as ft
>>> from ftrans.scipy import stats
>>> round(float(ft.grad(stats.norm.logpdf)(1.0)), 12)  # d/dx of -x^2/2
-1.0
"""

from ftrans.scipy.stats import (  # noqa: F401
    bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm, geom,
    gumbel_l, gumbel_r, laplace, logistic, multinomial, multivariate_normal, nbinom, norm,
    pareto, poisson, t, truncnorm, uniform, vonmises, wrapcauchy,
)
from ftrans.scipy.stats._descriptive import mode, rankdata, sem  # noqa: F401

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
           "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "mode",
           "multinomial", "multivariate_normal", "nbinom", "norm", "pareto", "poisson",
           "rankdata", "sem", "t", "truncnorm", "uniform", "vonmises", "wrapcauchy"]
