"""Train a tiny recurrent network whose time loop is one lax scan.

The scan's body is traced once; grad differentiates it as a scan (a known forward scan that
saves residuals, then a reverse scan of the transposed body), and jit compiles the whole step.
The gradient is checked against the same RNN unrolled in Python.
"""

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.lax.control_flow import scan


def rnn_loss(params, xs, targets):
    w, u, v = params

    def step(h, x):
        h = fnp.tanh(w @ h + u @ x)
        return h, v @ h

    _, ys = scan(step, fnp.zeros(w.shape[0]), xs)
    return fnp.mean((ys - targets) ** 2)


def rnn_loss_unrolled(params, xs, targets):
    w, u, v = params
    h, ys = np.zeros(w.shape[0]), []
    for x in xs:
        h = fnp.tanh(w @ h + u @ x)
        ys.append(v @ h)
    return fnp.mean((fnp.stack(ys) - targets) ** 2)


def main() -> None:
    rng = np.random.default_rng(0)
    hidden, steps = 8, 20
    params = (rng.standard_normal((hidden, hidden)) * 0.2,
              rng.standard_normal((hidden, 1)) * 0.5,
              rng.standard_normal(hidden) * 0.2)
    xs = rng.standard_normal((steps, 1))
    targets = np.cumsum(xs[:, 0]) * 0.3  # learn a leaky running sum

    g_scan = ft.grad(rnn_loss)(params, xs, targets)
    g_loop = ft.grad(rnn_loss_unrolled)(params, xs, targets)
    print("grad(scan) == grad(unrolled):",
          all(np.allclose(a, b) for a, b in zip(g_scan, g_loop)))

    update = ft.jit(ft.value_and_grad(rnn_loss))
    for epoch in range(201):
        loss, grads = update(params, xs, targets)
        params = tuple(p - 0.1 * g for p, g in zip(params, grads))
        if epoch % 50 == 0:
            print(f"epoch {epoch:3d}  loss {float(loss):.4f}")


if __name__ == "__main__":
    main()
