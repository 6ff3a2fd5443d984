"""Taylor coefficients by nested jvp: derivatives of any order, of any function of arrays.

The k-th derivative of f at x along a direction v is k nested jvps: each jvp differentiates the
previous one. Dividing by k! gives the Taylor coefficients of t -> f(x + t v), which we check
against known series and use to approximate f.

Run:  python examples/higher_order.py         (a second)
      FTRANS_EXAMPLES_QUICK=1 python examples/higher_order.py
"""

import math
import os

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp

QUICK = os.environ.get("FTRANS_EXAMPLES_QUICK") == "1"
ORDER = 5 if QUICK else 8


def directional_derivatives(f, x, v, order: int) -> list:
    """[f(x), f'(x)[v], f''(x)[v, v], ...] up to ``order``, by nesting jvp ``order`` times.

    ``derivative[k](x)`` is the k-th derivative along v as a function of x; the next one is its
    jvp along v. (Each nesting doubles the work: fine for small orders. JAX's jet does this in
    linear time with Taylor-mode arithmetic.)
    """
    derivative = [f]
    for _ in range(order):
        previous = derivative[-1]
        derivative.append(lambda x, previous=previous: ft.jvp(previous, (x,), (v,))[1])
    return [d(x) for d in derivative]


def taylor_coefficients(f, x, v, order: int) -> np.ndarray:
    """Coefficients c_k of f(x + t v) = sum_k c_k t^k."""
    derivs = directional_derivatives(f, x, v, order)
    return np.array([float(d) / math.factorial(k) for k, d in enumerate(derivs)])


def show(name: str, coefficients: np.ndarray, expected: np.ndarray) -> None:
    print(f"{name:28s}" + " ".join(f"{c + 0.0:9.5f}" for c in np.round(coefficients, 12)))
    assert np.allclose(coefficients, expected, atol=1e-10), (coefficients, expected)


def main() -> None:
    k = np.arange(ORDER + 1)
    print(f"Taylor coefficients c_0 .. c_{ORDER} at 0, by {ORDER} nested jvps"
          f"{' (quick mode)' if QUICK else ''}:")
    show("exp(t)", taylor_coefficients(fnp.exp, 0.0, 1.0, ORDER),
         np.array([1 / math.factorial(i) for i in k]))
    show("sin(t)", taylor_coefficients(fnp.sin, 0.0, 1.0, ORDER),
         np.array([0.0 if i % 2 == 0 else (-1) ** (i // 2) / math.factorial(i) for i in k]))
    show("1 / (1 - t)", taylor_coefficients(lambda t: 1.0 / (1.0 - t), 0.0, 1.0, ORDER),
         np.ones(ORDER + 1))
    show("log(1 + t)", taylor_coefficients(fnp.log1p, 0.0, 1.0, ORDER),
         np.array([0.0] + [(-1) ** (i + 1) / i for i in k[1:]]))

    # A function of a vector, along a direction: g(x + t v) with g(x) = sum(tanh(A x)).
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 3)) / 2
    x, v = rng.normal(size=3), rng.normal(size=3)

    def g(x):
        return fnp.sum(fnp.tanh(fnp.dot(a, x)))

    coefficients = taylor_coefficients(g, x, v, ORDER)
    print(f"\ng(x + t v), g(x) = sum(tanh(A x)), A 4x3:"
          f"\n{'':28s}" + " ".join(f"{c:9.5f}" for c in coefficients))
    # The second coefficient is v^T H v / 2 from the Hessian.
    assert np.isclose(coefficients[2], v @ ft.hessian(g)(x) @ v / 2)
    print(f"{'':28s}(c_2 = v.H.v / 2 = {v @ ft.hessian(g)(x) @ v / 2:.5f}, from ft.hessian)")
    print("\n t      g(x + t v)    Taylor polynomial    error")
    for t in (0.05, 0.1, 0.2):
        exact = float(g(x + t * v))
        approx = float(np.polyval(coefficients[::-1], t))
        print(f"{t:4.2f}   {exact:12.8f}   {approx:12.8f}      {abs(exact - approx):.1e}")
        assert abs(exact - approx) < 10 * t ** (ORDER + 1)


if __name__ == "__main__":
    main()
