"""``ftrans.scipy.optimize``: unconstrained minimization by BFGS, as one ``while_loop``.

``minimize`` runs quasi-Newton BFGS with a strong-Wolfe line search (bracketing, then zooming
by safeguarded quadratic interpolation, Nocedal & Wright's algorithms 3.5 and 3.6). Both loops
are ``lax.while_loop`` over fixed-shape states and the gradient comes from ``value_and_grad``,
so ``minimize`` works under ``jit`` and ``vmap`` (each batch member stops on its own). The loop
is not reverse-mode differentiable (differentiate the optimum by the implicit function theorem
instead, e.g. with ``lax.custom_root``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.api import value_and_grad
from ftrans.numpy._linalg import matmul

__all__ = ["minimize", "OptimizeResults"]


class OptimizeResults(NamedTuple):
    """What :func:`minimize` returns (a pytree of arrays).

    Attributes:
      x: the final point. success: whether the gradient norm fell below ``gtol``.
      status: 0 converged, 1 the iteration limit was reached, 3 the line search failed to
        find a point satisfying the Wolfe conditions.
      fun, jac: the function value and gradient at ``x``.
      hess_inv: the final BFGS approximation of the inverse Hessian.
      nfev, njev: numbers of function and gradient evaluations (one each per evaluation).
      nit: the number of BFGS iterations.
    """

    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


def _dot(a: Any, b: Any) -> Any:
    return lax.reduce_sum(lax.mul(a, b), (0,))


def _where(c: Any, a: Any, b: Any) -> Any:
    return lax.select_n(c, b, a)


def _line_search(value_and_grad: Callable[[Any], tuple[Any, Any]], x: Any, p: Any, f0: Any,
                 g0: Any, f_before: Any, maxiter: int, c1: float = 1e-4,
                 c2: float = 0.9) -> tuple:
    """A step ``alpha`` along ``p`` satisfying the strong Wolfe conditions. The first trial
    step assumes the same decrease as the previous iteration's (``f_before - f0``), capped at
    1 (the quasi-Newton step).

    Returns (failed, alpha, x_new, f_new, g_new, evaluations)."""
    dtype = get_aval(x).dtype

    def c(v: float) -> Any:
        return np.asarray(v, dtype)[()]

    dphi0 = _dot(g0, p)
    zero, one = c(0.0), c(1.0)
    guess = lax.div(lax.mul(c(2.02), lax.sub(f0, f_before)), dphi0)
    first = _where(lax.bitwise_and(lax.gt(guess, zero), lax.eq(guess, guess)),
                   lax.min(guess, one), one)
    # state: (stage 0 bracketing / 1 zooming / 2 done, iteration, failed,
    #         lo, phi_lo, dphi_lo, hi, phi_hi, trial step, best point, value, gradient)
    init = (np.int32(0), np.int32(0), np.False_, zero, f0, dphi0, zero, f0, first, x, f0, g0)

    def cond(state: Any) -> Any:
        stage, i = state[0], state[1]
        return lax.bitwise_and(lax.lt(stage, np.int32(2)), lax.lt(i, np.int32(maxiter)))

    def body(state: Any) -> Any:
        stage, i, failed, lo, phi_lo, dphi_lo, hi, phi_hi, step, bx, bf, bg = state
        zooming = lax.eq(stage, np.int32(1))
        # the zoom's trial: the minimiser of the quadratic through (lo, phi_lo, dphi_lo) and
        # (hi, phi_hi), kept inside the middle 80% of the bracket (else the midpoint)
        width = lax.sub(hi, lo)
        denom = lax.mul(c(2.0), lax.sub(lax.sub(phi_hi, phi_lo), lax.mul(dphi_lo, width)))
        safe = _where(lax.eq(denom, zero), one, denom)
        quad = lax.sub(lo, lax.div(lax.mul(dphi_lo, lax.mul(width, width)), safe))
        a_min = lax.min(lo, hi)
        a_max = lax.max(lo, hi)
        span = lax.sub(a_max, a_min)
        inside = lax.bitwise_and(lax.gt(quad, lax.add(a_min, lax.mul(c(0.1), span))),
                                 lax.lt(quad, lax.sub(a_max, lax.mul(c(0.1), span))))
        inside = lax.bitwise_and(inside, lax.ne(denom, zero))
        mid = lax.mul(c(0.5), lax.add(lo, hi))
        alpha = _where(zooming, _where(inside, quad, mid), step)
        x_a = lax.add(x, lax.mul(alpha, p))
        f_a, g_a = value_and_grad(x_a)
        dphi_a = _dot(g_a, p)
        armijo_fails = lax.bitwise_or(lax.gt(f_a, lax.add(f0, lax.mul(lax.mul(c(c1), alpha),
                                                                        dphi0))),
                                      lax.bitwise_not(lax.eq(f_a, f_a)))
        curvature_ok = lax.le(lax.abs(dphi_a), lax.mul(c(-c2), dphi0))
        # bracketing (stage 0)
        worse = lax.bitwise_or(armijo_fails,
                               lax.bitwise_and(lax.gt(i, np.int32(0)), lax.ge(f_a, phi_lo)))
        b_to_zoom_hi = worse                                   # zoom(lo=prev, hi=alpha)
        b_done = lax.bitwise_and(lax.bitwise_not(worse), curvature_ok)
        b_to_zoom_rev = lax.bitwise_and(lax.bitwise_not(worse),  # zoom(lo=alpha, hi=prev)
                                        lax.bitwise_and(lax.bitwise_not(curvature_ok),
                                                        lax.ge(dphi_a, zero)))
        # zooming (stage 1)
        z_shrink_hi = lax.bitwise_or(armijo_fails, lax.ge(f_a, phi_lo))
        z_done = lax.bitwise_and(lax.bitwise_not(z_shrink_hi), curvature_ok)
        z_flip = lax.bitwise_and(lax.bitwise_not(z_shrink_hi),
                                 lax.ge(lax.mul(dphi_a, lax.sub(hi, lo)), zero))
        done = _where(zooming, z_done, b_done)
        # new bracket
        new_lo = _where(zooming, _where(z_shrink_hi, lo, alpha),
                        _where(b_to_zoom_hi, lo, alpha))
        new_phi_lo = _where(zooming, _where(z_shrink_hi, phi_lo, f_a),
                            _where(b_to_zoom_hi, phi_lo, f_a))
        new_dphi_lo = _where(zooming, _where(z_shrink_hi, dphi_lo, dphi_a),
                             _where(b_to_zoom_hi, dphi_lo, dphi_a))
        new_hi = _where(zooming, _where(z_shrink_hi, alpha, _where(z_flip, lo, hi)),
                        _where(b_to_zoom_hi, alpha, _where(b_to_zoom_rev, lo, hi)))
        new_phi_hi = _where(zooming, _where(z_shrink_hi, f_a, _where(z_flip, phi_lo, phi_hi)),
                            _where(b_to_zoom_hi, f_a, _where(b_to_zoom_rev, phi_lo, phi_hi)))
        to_zoom = lax.bitwise_or(b_to_zoom_hi, b_to_zoom_rev)
        new_stage = _where(done, np.int32(2),
                           _where(zooming, np.int32(1),
                                  _where(to_zoom, np.int32(1), np.int32(0))))
        new_step = _where(zooming, step, lax.mul(step, c(2.0)))
        # remember the accepted point (or, failing that, the best sufficient-decrease one)
        better = lax.bitwise_and(lax.bitwise_not(armijo_fails), lax.lt(f_a, bf))
        keep = lax.bitwise_or(done, better)
        bx = _where(keep, x_a, bx)
        bf = _where(keep, f_a, bf)
        bg = _where(keep, g_a, bg)
        tiny_bracket = lax.bitwise_and(zooming, lax.le(span, lax.mul(c(1e-12), lax.max(
            a_max, one))))
        failed = lax.bitwise_and(lax.bitwise_not(done), tiny_bracket)
        new_stage = _where(failed, np.int32(3), new_stage)
        return (new_stage, lax.add(i, np.int32(1)), failed, new_lo, new_phi_lo, new_dphi_lo,
                new_hi, new_phi_hi, new_step, bx, bf, bg)

    descent = lax.lt(dphi0, zero)
    out = lax.while_loop(cond, body, init)
    stage, evaluations = out[0], out[1]
    failed = lax.bitwise_or(lax.ne(stage, np.int32(2)), lax.bitwise_not(descent))
    return failed, out[9], out[10], out[11], evaluations


def _bfgs(fun: Callable[[Any], Any], x0: Any, maxiter: int, gtol: float, norm: float,
          line_search_maxiter: int) -> OptimizeResults:
    dtype = get_aval(x0).dtype
    n = get_aval(x0).shape[0]
    vg = value_and_grad(lambda v: cast(asarray_strong(fun(v)), dtype))

    def grad_norm(g: Any) -> Any:
        if norm == np.inf:
            return lax.reduce_max(lax.abs(g), (0,))
        return lax.pow(lax.reduce_sum(lax.pow(lax.abs(g), np.asarray(norm, dtype)[()]), (0,)),
                       np.asarray(1.0 / norm, dtype)[()])

    f0, g0 = vg(x0)
    eye = np.eye(n, dtype=dtype)
    # state: (iteration, evaluations, converged, failed, x, f, g, inverse Hessian, the
    # previous f: initially as if the last step had decreased f by |g| / 2, SciPy's guess)
    f_before = lax.add(f0, lax.mul(lax.sqrt(_dot(g0, g0)), np.asarray(0.5, dtype)[()]))
    init = (np.int32(0), np.int32(1), lax.lt(grad_norm(g0), np.asarray(gtol, dtype)[()]),
            np.False_, x0, f0, g0, eye, f_before)

    def cond(state: Any) -> Any:
        k, _, converged, failed = state[:4]
        running = lax.bitwise_not(lax.bitwise_or(converged, failed))
        return lax.bitwise_and(running, lax.lt(k, np.int32(maxiter)))

    def body(state: Any) -> Any:
        k, nfev, _, _, x, f, g, h, f_before = state
        p = lax.neg(matmul(h, g))
        failed, x_new, f_new, g_new, evaluations = _line_search(vg, x, p, f, g, f_before,
                                                                line_search_maxiter)
        s = lax.sub(x_new, x)
        y = lax.sub(g_new, g)
        sy = _dot(s, y)
        # the BFGS update of the inverse Hessian; skipped without positive curvature
        positive = lax.gt(sy, np.asarray(0, dtype)[()])
        rho = lax.div(np.asarray(1, dtype)[()], _where(positive, sy, np.asarray(1, dtype)[()]))
        left = lax.sub(eye, lax.mul(rho, lax.mul(lax.reshape(s, (n, 1)), y)))
        right = lax.sub(eye, lax.mul(rho, lax.mul(lax.reshape(y, (n, 1)), s)))
        h_new = lax.add(matmul(matmul(left, h), right),
                        lax.mul(rho, lax.mul(lax.reshape(s, (n, 1)), s)))
        h_new = _where(positive, h_new, h)
        converged = lax.lt(grad_norm(g_new), np.asarray(gtol, dtype)[()])
        x_new = _where(failed, x, x_new)
        f_new = _where(failed, f, f_new)
        g_new = _where(failed, g, g_new)
        h_new = _where(failed, h, h_new)
        converged = lax.bitwise_and(converged, lax.bitwise_not(failed))
        return (lax.add(k, np.int32(1)), lax.add(nfev, evaluations), converged, failed,
                x_new, f_new, g_new, h_new, f)

    k, nfev, converged, failed, x, f, g, h, _ = lax.while_loop(cond, body, init)
    status = _where(converged, np.int32(0), _where(failed, np.int32(3), np.int32(1)))
    return OptimizeResults(x=x, success=converged, status=status, fun=f, jac=g, hess_inv=h,
                           nfev=nfev, njev=nfev, nit=k)


def minimize(fun: Callable[..., Any], x0: Any, args: tuple = (), *, method: str = "BFGS",
             tol: float | None = None, options: Mapping[str, Any] | None = None
             ) -> OptimizeResults:
    """Minimise a scalar function of a 1-d array, as ``scipy.optimize.minimize``.

    Args:
      fun: ``fun(x, *args)``, a scalar; it must be differentiable (its gradient comes from
        ``value_and_grad``).
      x0: the 1-d starting point.
      args: extra arguments for ``fun``.
      method: 'BFGS' (case-insensitive), the only method.
      tol: the gradient-norm tolerance (``gtol``; default 1e-5).
      options: ``maxiter`` (default ``200 * x0.size``), ``gtol``, ``norm`` (default inf) and
        ``line_search_maxiter`` (default 10).

    Returns:
      An :class:`OptimizeResults`.

    Raises:
      ValueError: an unknown method or option, or a non-1-d ``x0``.

    >>> import numpy as np, ftrans.numpy as fnp
    >>> from ftrans.scipy.optimize import minimize
    >>> res = minimize(lambda x: fnp.sum((x - 3.0) ** 2), np.zeros(2))
    >>> np.round(res.x, 6), bool(res.success)
    (array([3., 3.]), True)
    """
    if method.lower() != "bfgs":
        raise ValueError(f"minimize: method {method!r} is not supported (only 'BFGS')")
    options = dict(options or {})
    unknown = set(options) - {"maxiter", "gtol", "norm", "line_search_maxiter"}
    if unknown:
        raise ValueError(f"minimize: unknown options {sorted(unknown)} (supported: maxiter, "
                         f"gtol, norm, line_search_maxiter)")
    x0 = asarray_strong(x0)
    if get_aval(x0).ndim != 1:
        raise ValueError(f"minimize: x0 must be a 1-d array, got shape {get_aval(x0).shape}")
    x0 = cast(x0, result_type(x0, 1.0))
    maxiter = options.get("maxiter")
    maxiter = int(get_aval(x0).shape[0] * 200 if maxiter is None else maxiter)
    gtol = options.get("gtol", 1e-5 if tol is None else tol)
    return _bfgs(lambda x: fun(x, *args), x0, maxiter, float(gtol),
                 float(options.get("norm", np.inf)), int(options.get("line_search_maxiter",
                                                                        10)))
