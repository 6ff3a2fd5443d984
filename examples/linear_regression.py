"""Fit a linear model by gradient descent, with gradients from ftrans.grad.

Run: python examples/linear_regression.py
"""

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp


def loss(params, x, y):
    prediction = fnp.dot(x, params["w"]) + params["b"]
    return fnp.mean((prediction - y) ** 2)


def main() -> None:
    rng = np.random.default_rng(0)
    true_w, true_b = np.array([2.0, -3.0, 0.5]), 1.0
    x = rng.normal(size=(200, 3))
    y = x @ true_w + true_b + 0.01 * rng.normal(size=200)

    params = {"w": np.zeros(3), "b": 0.0}
    value_and_grad = ft.value_and_grad(loss)
    for step in range(200):
        value, g = value_and_grad(params, x, y)
        params = ft.tree_util.tree_map(lambda p, d: p - 0.1 * d, params, g)
        if step % 50 == 0:
            print(f"step {step:3d}  loss {value:.6f}")
    print("learned w:", np.round(params["w"], 3), " b:", round(float(params["b"]), 3))
    assert np.allclose(params["w"], true_w, atol=0.02) and abs(params["b"] - true_b) < 0.02


if __name__ == "__main__":
    main()
