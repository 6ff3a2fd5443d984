"""Newton-CG with Hessian-vector products: second-order optimisation without the Hessian.

Newton's method solves H p = -g for the step p. Conjugate gradients (CG) solves it using only
products H v, and forward-over-reverse differentiation gives H v at about the cost of two
gradients: ``jvp(grad(f), (w,), (v,))``. The d x d Hessian is never formed.

Run:  python examples/newton_hvp.py           (a few seconds)
      FTRANS_EXAMPLES_QUICK=1 python examples/newton_hvp.py
"""

import os

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp

QUICK = os.environ.get("FTRANS_EXAMPLES_QUICK") == "1"
N, D = (500, 20) if QUICK else (5000, 200)
L2 = 1e-2


def make_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, D)) / np.sqrt(D)
    y = (x @ rng.normal(size=D) + 0.3 * rng.normal(size=N) > 0).astype(float)
    return x, y


def objective(w, x, y):
    """L2-regularised logistic regression: smooth and strictly convex."""
    signed = (2.0 * y - 1.0) * fnp.dot(x, w)
    return fnp.mean(fnp.logaddexp(0.0, -signed)) + 0.5 * L2 * fnp.sum(w ** 2)


value_and_gradient = ft.jit(ft.value_and_grad(objective))


@ft.jit
def hvp(w, v, x, y):
    """H(w) @ v by forward-over-reverse: the directional derivative of the gradient."""
    return ft.jvp(lambda w: ft.grad(objective)(w, x, y), (w,), (v,))[1]


def conjugate_gradient(matvec, b, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """Solve A p = b for symmetric positive definite A, given only p -> A p."""
    p = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = r @ r
    for i in range(1, max_iter + 1):
        ad = matvec(d)
        alpha = rr / (d @ ad)
        p += alpha * d
        r -= alpha * ad
        rr_new = r @ r
        if np.sqrt(rr_new) < tol:
            return p, i
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p, max_iter


def main() -> None:
    x, y = make_problem()
    w = np.zeros(D)
    print(f"logistic regression with L2 = {L2}: {N} examples, {D} parameters"
          f"{' (quick mode)' if QUICK else ''}")

    # The product matches the explicit Hessian (formed here only to check, on a few columns).
    v = np.random.default_rng(1).normal(size=D)
    explicit = ft.hessian(objective)(w, x[:50], y[:50]) @ v
    assert np.allclose(hvp(w, v, x[:50], y[:50]), explicit)
    print("check: jvp(grad(f)) equals hessian(f) @ v")

    print("\niter   objective        |gradient|   CG steps")
    for it in range(1, 16):
        value, g = value_and_gradient(w, x, y)
        g_norm = np.linalg.norm(g)
        if g_norm < 1e-10:
            print(f"{it:4d}   {value:.12f}   {g_norm:.2e}   converged")
            break
        step, cg_steps = conjugate_gradient(lambda v: hvp(w, v, x, y), -g,
                                            tol=min(0.5, np.sqrt(g_norm)) * g_norm,
                                            max_iter=D)
        print(f"{it:4d}   {value:.12f}   {g_norm:.2e}   {cg_steps:4d}")
        w = w + step  # the objective is convex and smooth: full Newton steps converge here
    assert g_norm < 1e-8
    print("The gradient norm falls superlinearly: Newton's method, with only H @ v products.")


if __name__ == "__main__":
    main()
