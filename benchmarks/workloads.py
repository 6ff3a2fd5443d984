"""The benchmark workloads: ftrans programs, their hand-written NumPy references, and peers.

Each model is written once against a NumPy-like module (``xp``) and a ``stop_gradient``, so
ftrans, JAX, autograd, PyTorch and mygrad run the same program text (PyTorch through a small
NumPy-named adapter); the NumPy reference is written by hand the way a competent person would
(vectorised, BLAS matmuls, no Python loop over a batch).

W1-W4 are lists of :class:`Case`: a reference and its contenders, timed interleaved by
``run.py``. W5 (time to first result) and W6 (peak memory) are measured by ``run.py`` from the
pieces here. Peers are optional: :func:`load_peers` returns only what imports, and says which
did not.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from typing import Any, Callable

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.tree_util import tree_leaves, tree_map

MLP_SIZES = (784, 512, 512, 10)
MLP_BATCH = 128
PER_EXAMPLE_SIZES = (100, 64, 10)
PER_EXAMPLE_BATCH = 256
CHAIN_OPS = 1000        # primitives in the W1 chain: each step is a mul and a sin
CHAIN_SCALE = 1.0001
HESSIAN_DIM = 100
HVP_DIM = 10_000
CNN_BATCH = 128         # W7: LeNet-sized, 28x28x1 -> conv5x5(6) -> pool -> conv5x5(16) -> pool
CNN_SHAPES = ((5, 5, 1, 6), (5, 5, 6, 16), (256, 120), (120, 10))


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Contender:
    """One way of computing a case's result: ``fn()`` runs it to completion."""

    name: str
    fn: Callable[[], Any]
    kind: str = "ftrans"            # "numpy" (the reference), "ftrans", "peer" or "context"
    target: float | None = None     # the project's target: at most this much ...
    target_unit: str = "x"          # ... of: "x" (ratio to NumPy) or "µs/op" (per primitive)


@dataclasses.dataclass
class Case:
    """A reference and the contenders timed against it, interleaved."""

    workload: str                   # "W1" ... "W4"
    title: str
    reference: Contender
    contenders: list[Contender]
    rtol: float = 1e-7
    atol: float = 1e-9
    ops: int | None = None          # primitives in the program, for a per-op column


def float_leaves(tree: Any) -> list[np.ndarray]:
    """The leaves of nested lists/tuples as NumPy arrays (JAX arrays included)."""
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(reversed(node))
        else:
            out.append(np.asarray(node))
    return out


def mismatch(result: Any, expected: Any, rtol: float, atol: float,
             scalar_dtypes: bool = True) -> str | None:
    """Why ``result`` differs from ``expected`` (None when they agree). With
    ``scalar_dtypes=False`` a 0-d output may come in another float dtype."""
    got, want = float_leaves(result), float_leaves(expected)
    if len(got) != len(want):
        return f"{len(got)} outputs, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape:
            return f"output {i} has shape {g.shape}, expected {w.shape}"
        lenient = not scalar_dtypes and g.ndim == 0 and g.dtype.kind == w.dtype.kind == "f"
        if g.dtype != w.dtype and not lenient:
            return f"output {i} has dtype {g.dtype}, expected {w.dtype}"
        if not np.allclose(g, w, rtol=rtol, atol=atol):
            err = np.max(np.abs(g.astype(np.float64) - w))
            return f"output {i} differs from the reference by up to {err:.3g}"
    return None


def stack_results(results: list[Any]) -> Any:
    """Per-example results of a loop, stacked along a new leading axis (as vmap returns)."""
    return tree_map(lambda *xs: np.stack(xs), *results)


# ---------------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------------


PEER_PACKAGES = {"jax": "jax", "autograd": "autograd", "torch": "torch", "mygrad": "mygrad"}


@dataclasses.dataclass
class Peers:
    """The optional peer libraries that imported (None where not installed)."""

    jax: Any = None
    autograd: Any = None
    torch: Any = None
    mygrad: Any = None
    missing: list[str] = dataclasses.field(default_factory=list)  # peers that did not import

    def names(self) -> list[str]:
        import importlib.metadata
        found = []
        if self.jax is not None:
            found.append(f"jax {self.jax.__version__} (x64; eager and jit)")
        if self.autograd is not None:
            found.append(f"autograd {importlib.metadata.version('autograd')}")
        if self.torch is not None:
            found.append(f"torch {self.torch.__version__} (CPU, eager; float64, and float32 "
                         f"where a case has it)")
        if self.mygrad is not None:
            found.append(f"mygrad {importlib.metadata.version('mygrad')}")
        return found


def load_peers(enabled: bool = True) -> Peers:
    """Import JAX (configured for float64 on the CPU), autograd, PyTorch and mygrad where
    installed; the others are listed in ``missing``."""
    peers = Peers()
    if not enabled:
        return peers
    for name in PEER_PACKAGES:
        try:
            module = importlib.import_module(name)
            if name == "jax":
                module.config.update("jax_enable_x64", True)
                module.config.update("jax_platforms", "cpu")
            elif name == "autograd":
                importlib.import_module("autograd.numpy")
        except Exception:  # any failure to import a peer just skips it
            peers.missing.append(name)
        else:
            setattr(peers, name, module)
    return peers


def _jax_call(jax: Any, fun: Callable, *args: Any) -> Callable[[], Any]:
    """A call of a jitted JAX function on device-resident arguments, waiting for the result."""
    args = jax.tree_util.tree_map(jax.numpy.asarray, args)
    return lambda: jax.block_until_ready(fun(*args))


def _autograd_stop_gradient(x: Any) -> Any:
    from autograd.tracer import getval
    return getval(x)


class TorchNumPy:
    """The few NumPy names the programs use, on PyTorch tensors (``axis``/``keepdims`` become
    ``dim``/``keepdim``), so PyTorch runs the same program text as the others."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.sin, self.tanh, self.exp, self.log = torch.sin, torch.tanh, torch.exp, torch.log
        self.dot = torch.matmul

    def sum(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return self.torch.sum(x) if axis is None else self.torch.sum(x, dim=axis,
                                                                    keepdim=keepdims)

    def max(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return self.torch.amax(x) if axis is None else self.torch.amax(x, dim=axis,
                                                                      keepdim=keepdims)


def _torch_stop_gradient(x: Any) -> Any:
    return x.detach()


def _mygrad_stop_gradient(x: Any) -> Any:
    return getattr(x, "data", x)


def _to_numpy(tree: Any) -> Any:
    """PyTorch tensors (or mygrad tensors) of a result tree as NumPy arrays."""
    return tree_map(lambda t: t.detach().numpy() if hasattr(t, "detach") else
                    np.asarray(getattr(t, "data", t)), tree)


def torch_value_and_grad(torch: Any, loss: Callable, params: Any, *data: Any
                         ) -> Callable[..., Any]:
    """One eager step of PyTorch autograd: ``loss(params, *data)``, ``backward()``, and the
    value with the gradients of the leaf tensors made from ``params`` (as NumPy arrays).
    Without ``data`` the step takes it at each call (as tensors)."""
    tensors = tree_map(lambda a: torch.tensor(np.asarray(a)).requires_grad_(), params)
    leaves = tree_leaves(tensors)
    bound = tuple(torch.tensor(np.asarray(d)) for d in data)

    def step(*args: Any) -> Any:
        for t in leaves:
            t.grad = None
        value = loss(tensors, *(args or bound))
        value.backward()
        return value.detach().numpy(), tree_map(lambda t: t.grad.numpy(), tensors)
    return step


def mygrad_value_and_grad(mg: Any, loss: Callable, params: Any, *data: Any
                          ) -> Callable[..., Any]:
    """The same with mygrad: ``backward()`` on the loss, the leaves' ``.grad``."""
    tensors = tree_map(lambda a: mg.tensor(a), params)
    leaves = tree_leaves(tensors)

    def step(*args: Any) -> Any:
        for t in leaves:
            t.null_grad()
        value = loss(tensors, *(args or data))
        value.backward()
        return np.asarray(value.data), tree_map(lambda t: t.grad, tensors)
    return step


# ---------------------------------------------------------------------------------------------
# Programs, written once for every library
# ---------------------------------------------------------------------------------------------


def make_chain(xp: Any, ops: int) -> Callable[[Any], Any]:
    """``ops`` scalar primitives: ``x = sin(x * 1.0001)``, ``ops / 2`` times."""
    def chain(x):
        for _ in range(ops // 2):
            x = xp.sin(x * CHAIN_SCALE)
        return x
    return chain


def softmax_cross_entropy(xp: Any, stop_gradient: Callable, logits: Any, labels: Any) -> Any:
    """Summed cross-entropy of one-hot ``labels`` against ``softmax(logits)`` on the last axis.

    Written with max / exp / log / sum because ftrans has no ``log_softmax`` or ``logsumexp``.
    The max only shifts for stability, so no gradient flows through it (as in logsumexp).
    """
    z = logits - stop_gradient(xp.max(logits, axis=-1, keepdims=True))
    log_probs = z - xp.log(xp.sum(xp.exp(z), axis=-1, keepdims=True))
    return -xp.sum(labels * log_probs)


def make_mlp_loss(xp: Any, stop_gradient: Callable) -> Callable[..., Any]:
    """Mean softmax cross-entropy of a tanh MLP over a batch."""
    def mlp_loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = xp.tanh(h @ w + b)
        w, b = params[-1]
        return softmax_cross_entropy(xp, stop_gradient, h @ w + b, y) / x.shape[0]
    return mlp_loss


def make_example_loss(xp: Any, stop_gradient: Callable) -> Callable[..., Any]:
    """Cross-entropy of a one-hidden-layer tanh MLP on one example (for per-example grads)."""
    def example_loss(params, x, y):
        (w1, b1), (w2, b2) = params
        h = xp.tanh(x @ w1 + b1)
        return softmax_cross_entropy(xp, stop_gradient, h @ w2 + b2, y)
    return example_loss


def make_tanh_square(xp: Any, a: Any) -> Callable[[Any], Any]:
    def tanh_square(x):
        return xp.sum(xp.tanh(xp.dot(a, x)) ** 2)
    return tanh_square


def make_rosenbrock(xp: Any) -> Callable[[Any], Any]:
    def rosenbrock(x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return rosenbrock


# ---------------------------------------------------------------------------------------------
# Hand-written NumPy references
# ---------------------------------------------------------------------------------------------


def chain_numpy(x: np.float64, ops: int) -> tuple[np.float64, np.float64]:
    """Value and derivative of the chain, forward then backward, on NumPy scalars."""
    saved = []
    for _ in range(ops // 2):
        u = x * CHAIN_SCALE
        saved.append(u)
        x = np.sin(u)
    g = np.float64(1.0)
    for u in reversed(saved):
        g = g * np.cos(u) * CHAIN_SCALE
    return x, g


def chain_value_numpy(x: np.float64, ops: int) -> np.float64:
    """The chain's value alone, on NumPy scalars."""
    for _ in range(ops // 2):
        x = np.sin(x * CHAIN_SCALE)
    return x


def chain_value_math(x: float, ops: int) -> float:
    for _ in range(ops // 2):
        x = math.sin(x * CHAIN_SCALE)
    return x


def chain_math(x: float, ops: int) -> tuple[float, float]:
    """The same on Python floats with ``math``: context for what scalar code can cost."""
    saved = []
    for _ in range(ops // 2):
        u = x * CHAIN_SCALE
        saved.append(u)
        x = math.sin(u)
    g = 1.0
    for u in reversed(saved):
        g = g * math.cos(u) * CHAIN_SCALE
    return x, g


def mlp_numpy(params: list, x: np.ndarray, y: np.ndarray) -> tuple[Any, list]:
    """Loss and gradients of ``mlp_loss`` by hand-written backpropagation."""
    hs = [x]
    h = x
    for w, b in params[:-1]:
        h = np.tanh(h @ w + b)
        hs.append(h)
    w, b = params[-1]
    z = h @ w + b
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.sum(y * (z - np.log(s))) / n
    g = (e / s - y) / n  # d loss / d logits, for one-hot rows of y
    grads = [(h.T @ g, g.sum(axis=0))]
    g = g @ w.T
    for i in range(len(params) - 2, -1, -1):
        g = g * (1 - hs[i + 1] * hs[i + 1])
        grads.append((hs[i].T @ g, g.sum(axis=0)))
        if i:
            g = g @ params[i][0].T
    return loss, grads[::-1]


def per_example_numpy(params: list, x: np.ndarray, y: np.ndarray) -> list:
    """Per-example gradients of ``example_loss``, vectorised over the batch by hand."""
    (w1, b1), (w2, b2) = params
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    g_z = e / e.sum(axis=1, keepdims=True) - y
    g_pre = (g_z @ w2.T) * (1 - h * h)
    return [(x[:, :, None] * g_pre[:, None, :], g_pre),
            (h[:, :, None] * g_z[:, None, :], g_z)]


def tanh_square_hessian_numpy(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``A^T diag(f''(Ax)) A`` for ``f(u) = tanh(u)^2``."""
    t = np.tanh(a @ x)
    d = 2 * (1 - t * t) * (1 - 3 * t * t)
    return a.T @ (d[:, None] * a)


def rosenbrock_hvp_numpy(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The Rosenbrock Hessian is tridiagonal: ``Hv`` from its diagonals."""
    diag = np.zeros_like(x)
    diag[:-1] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def mlp_params(rng: np.random.Generator, sizes: tuple[int, ...], dtype: Any = np.float64
               ) -> list[tuple[np.ndarray, np.ndarray]]:
    return [((rng.normal(size=(m, n)) / np.sqrt(m)).astype(dtype),
             (0.1 * rng.normal(size=n)).astype(dtype))
            for m, n in zip(sizes[:-1], sizes[1:])]


def mlp_data(rng: np.random.Generator, batch: int, sizes: tuple[int, ...],
             dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)
    y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], batch)]
    return x, y


# ---------------------------------------------------------------------------------------------
# W1-W4
# ---------------------------------------------------------------------------------------------


def w1_cases(peers: Peers) -> list[Case]:
    x = np.float64(0.3)
    chain = make_chain(fnp, CHAIN_OPS)
    jax, torch, mg = peers.jax, peers.torch, peers.mygrad

    # value and grad
    eager = ft.value_and_grad(chain)
    jitted = ft.jit(ft.value_and_grad(chain))
    contenders = [
        Contender("ftrans value_and_grad (eager)", lambda: eager(x), target=3.0,
                  target_unit="µs/op"),
        Contender("ftrans jit(value_and_grad), cached", lambda: jitted(x), target=0.20),
        Contender("Python floats + math (hand-written)", lambda: chain_math(float(x), CHAIN_OPS),
                  kind="context"),
    ]
    if jax is not None:
        jchain = make_chain(jax.numpy, CHAIN_OPS)
        contenders += [
            Contender("jax jit(value_and_grad)",
                      _jax_call(jax, jax.jit(jax.value_and_grad(jchain)), x), "peer"),
            Contender("jax value_and_grad (eager)",
                      _jax_call(jax, jax.value_and_grad(jchain), x), "peer")]
    if peers.autograd is not None:
        f = peers.autograd.value_and_grad(make_chain(peers.autograd.numpy, CHAIN_OPS))
        contenders.append(Contender("autograd value_and_grad", lambda f=f: f(x), "peer"))
    if torch is not None:
        contenders.append(Contender("torch backward() (eager, float64)", torch_value_and_grad(
            torch, make_chain(torch, CHAIN_OPS), x), "peer"))
    if mg is not None:
        contenders.append(Contender("mygrad backward()", mygrad_value_and_grad(
            mg, make_chain(mg, CHAIN_OPS), x), "peer"))
    reference = Contender("NumPy scalars (hand-written)", lambda: chain_numpy(x, CHAIN_OPS),
                          "numpy")
    cases = [Case("W1", f"scalar chain, {CHAIN_OPS:,} ops, value and grad", reference,
                  contenders, ops=CHAIN_OPS)]

    # value only
    chain_jit = ft.jit(chain)
    contenders = [
        Contender("ftrans (eager)", lambda: chain(x), target=3.0),
        Contender("ftrans jit, cached", lambda: chain_jit(x), target=0.17),
        Contender("Python floats + math (hand-written)",
                  lambda: chain_value_math(float(x), CHAIN_OPS), kind="context"),
    ]
    if jax is not None:
        jchain = make_chain(jax.numpy, CHAIN_OPS)
        contenders += [Contender("jax jit", _jax_call(jax, jax.jit(jchain), x), "peer"),
                       Contender("jax (eager)", _jax_call(jax, jchain, x), "peer")]
    if peers.autograd is not None:
        f = make_chain(peers.autograd.numpy, CHAIN_OPS)
        contenders.append(Contender("autograd.numpy (no trace)", lambda f=f: f(x), "peer"))
    if torch is not None:
        f, xt = make_chain(torch, CHAIN_OPS), torch.tensor(x)
        contenders.append(Contender("torch (eager, float64, no grad)",
                                    lambda f=f, xt=xt: f(xt).numpy(), "peer"))
    if mg is not None:
        f, xm = make_chain(mg, CHAIN_OPS), mg.tensor(x)

        def mygrad_value(f: Callable = f, xm: Any = xm) -> Any:
            with mg.no_autodiff:
                return np.asarray(f(xm).data)
        contenders.append(Contender("mygrad (no_autodiff)", mygrad_value, "peer"))
    reference = Contender("NumPy scalars (hand-written)",
                          lambda: chain_value_numpy(x, CHAIN_OPS), "numpy")
    cases.append(Case("W1", f"scalar chain, {CHAIN_OPS:,} ops, value only", reference,
                      contenders, ops=CHAIN_OPS))
    return cases


def w2_cases(peers: Peers) -> list[Case]:
    cases = []
    jax, torch, mg = peers.jax, peers.torch, peers.mygrad
    for dtype, jit_target, eager_target, rtol, atol in (
            (np.float64, 0.90, 1.15, 1e-7, 1e-10), (np.float32, 1.00, None, 2e-3, 2e-5)):
        rng = np.random.default_rng(0)
        params = mlp_params(rng, MLP_SIZES, dtype)
        x, y = mlp_data(rng, MLP_BATCH, MLP_SIZES, dtype)
        loss = make_mlp_loss(fnp, ft.stop_gradient)
        eager = ft.value_and_grad(loss)
        jitted = ft.jit(ft.value_and_grad(loss))
        contenders = [
            Contender("ftrans value_and_grad (eager)", lambda e=eager, p=params, x=x, y=y:
                      e(p, x, y), target=eager_target),
            Contender("ftrans jit(value_and_grad)", lambda j=jitted, p=params, x=x, y=y:
                      j(p, x, y), target=jit_target),
        ]
        if jax is not None:
            f = jax.value_and_grad(make_mlp_loss(jax.numpy, jax.lax.stop_gradient))
            contenders += [
                Contender("jax jit(value_and_grad)", _jax_call(jax, jax.jit(f), params, x, y),
                          "peer"),
                Contender("jax value_and_grad (eager)", _jax_call(jax, f, params, x, y),
                          "peer")]
        if peers.autograd is not None:
            f = peers.autograd.value_and_grad(make_mlp_loss(peers.autograd.numpy,
                                                            _autograd_stop_gradient))
            contenders.append(Contender("autograd value_and_grad",
                                        lambda f=f, p=params, x=x, y=y: f(p, x, y), "peer"))
        name = np.dtype(dtype).name
        if torch is not None:
            contenders.append(Contender(f"torch backward() (eager, {name})", torch_value_and_grad(
                torch, make_mlp_loss(TorchNumPy(torch), _torch_stop_gradient), params, x, y),
                "peer"))
        if mg is not None:
            contenders.append(Contender("mygrad backward()", mygrad_value_and_grad(
                mg, make_mlp_loss(mg, _mygrad_stop_gradient), params, x, y), "peer"))
        reference = Contender("NumPy (hand-written backprop)",
                              lambda p=params, x=x, y=y: mlp_numpy(p, x, y), "numpy")
        cases.append(Case("W2", f"MLP 784-512-512-10, batch {MLP_BATCH}, {name}", reference,
                          contenders, rtol=rtol, atol=atol))
    return cases


def w3_cases(peers: Peers) -> list[Case]:
    rng = np.random.default_rng(1)
    params = mlp_params(rng, PER_EXAMPLE_SIZES)
    x, y = mlp_data(rng, PER_EXAMPLE_BATCH, PER_EXAMPLE_SIZES)
    n = PER_EXAMPLE_BATCH
    loss = make_example_loss(fnp, ft.stop_gradient)
    per_example = ft.vmap(ft.grad(loss), in_axes=(None, 0, 0))
    per_example_jit = ft.jit(per_example)
    grad = ft.grad(loss)
    grad_jit = ft.jit(ft.grad(loss))
    contenders = [
        Contender("ftrans vmap(grad) (eager)", lambda: per_example(params, x, y), target=1.3),
        Contender("ftrans jit(vmap(grad))", lambda: per_example_jit(params, x, y), target=0.95),
        Contender("ftrans loop of grad (eager)",
                  lambda: stack_results([grad(params, x[i], y[i]) for i in range(n)])),
        Contender("ftrans loop of jit(grad)",
                  lambda: stack_results([grad_jit(params, x[i], y[i]) for i in range(n)])),
    ]
    jax = peers.jax
    if jax is not None:
        f = jax.jit(jax.vmap(jax.grad(make_example_loss(jax.numpy, jax.lax.stop_gradient)),
                             in_axes=(None, 0, 0)))
        contenders.append(Contender("jax jit(vmap(grad))", _jax_call(jax, f, params, x, y),
                                    "peer"))
    if peers.jax is not None:
        f = jax.vmap(jax.grad(make_example_loss(jax.numpy, jax.lax.stop_gradient)),
                     in_axes=(None, 0, 0))
        contenders.append(Contender("jax vmap(grad) (eager)", _jax_call(jax, f, params, x, y),
                                    "peer"))
    if peers.autograd is not None:
        g = peers.autograd.grad(make_example_loss(peers.autograd.numpy,
                                                  _autograd_stop_gradient))
        contenders.append(Contender(
            "autograd loop of grad",
            lambda: stack_results([g(params, x[i], y[i]) for i in range(n)]), "peer"))
    if peers.torch is not None:
        torch = peers.torch
        tloss = make_example_loss(TorchNumPy(torch), _torch_stop_gradient)
        tparams = tree_map(torch.tensor, params)
        tx, ty = torch.tensor(x), torch.tensor(y)
        f = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))
        contenders.append(Contender("torch.func vmap(grad) (eager)",
                                    lambda f=f: _to_numpy(f(tparams, tx, ty)), "peer"))
        step = torch_value_and_grad(torch, tloss, params)
        contenders.append(Contender("torch loop of backward()", lambda: stack_results(
            [step(tx[i], ty[i])[1] for i in range(n)]), "peer"))
    if peers.mygrad is not None:
        mstep = mygrad_value_and_grad(peers.mygrad, make_example_loss(
            peers.mygrad, _mygrad_stop_gradient), params)
        contenders.append(Contender("mygrad loop of backward()", lambda: stack_results(
            [mstep(x[i], y[i])[1] for i in range(n)]), "peer"))
    reference = Contender("NumPy (hand-vectorised per-example formula)",
                          lambda: per_example_numpy(params, x, y), "numpy")
    return [Case("W3", f"per-example gradients, MLP 100-64-10, batch {n}", reference,
                 contenders)]


def w4_cases(peers: Peers) -> list[Case]:
    rng = np.random.default_rng(2)
    a = rng.normal(size=(HESSIAN_DIM, HESSIAN_DIM)) / np.sqrt(HESSIAN_DIM)
    xh = rng.normal(size=HESSIAN_DIM)
    xs = np.float64(0.3)
    xr, vr = 0.5 * rng.normal(size=HVP_DIM), rng.normal(size=HVP_DIM)
    jax, autograd, torch = peers.jax, peers.autograd, peers.torch

    # Hessian of sum(tanh(A x)^2)
    hess = ft.hessian(make_tanh_square(fnp, a))
    hess_jit = ft.jit(hess)
    contenders = [Contender("ftrans hessian (eager)", lambda: hess(xh)),
                  Contender("ftrans jit(hessian)", lambda: hess_jit(xh), target=1.5)]
    if jax is not None:
        f = jax.hessian(make_tanh_square(jax.numpy, jax.numpy.asarray(a)))
        contenders += [Contender("jax jit(hessian)", _jax_call(jax, jax.jit(f), xh), "peer"),
                       Contender("jax hessian (eager)", _jax_call(jax, f, xh), "peer")]
    if autograd is not None:
        f = autograd.hessian(make_tanh_square(autograd.numpy, a))
        contenders.append(Contender("autograd hessian", lambda f=f: f(xh), "peer"))
    if torch is not None:
        f = torch.func.hessian(make_tanh_square(TorchNumPy(torch), torch.tensor(a)))
        xt = torch.tensor(xh)
        contenders.append(Contender("torch.func hessian (eager)",
                                    lambda f=f, xt=xt: f(xt).numpy(),
                                    "peer"))
    cases = [Case("W4", f"hessian of sum(tanh(A x)^2), x in R^{HESSIAN_DIM}",
                  Contender("NumPy (hand-written A^T diag(d) A)",
                            lambda: tanh_square_hessian_numpy(a, xh), "numpy"),
                  contenders)]

    # third derivative of sin
    d3 = ft.grad(ft.grad(ft.grad(fnp.sin)))
    d3_jit = ft.jit(d3)
    contenders = [Contender("ftrans grad(grad(grad(sin))) (eager)", lambda: d3(xs)),
                  Contender("ftrans jit(grad(grad(grad(sin))))", lambda: d3_jit(xs),
                            target=3.0)]
    if jax is not None:
        f = jax.grad(jax.grad(jax.grad(jax.numpy.sin)))
        contenders += [Contender("jax jit(grad(grad(grad(sin))))",
                                 _jax_call(jax, jax.jit(f), xs), "peer"),
                       Contender("jax grad(grad(grad(sin))) (eager)", _jax_call(jax, f, xs),
                                 "peer")]
    if autograd is not None:
        f = autograd.grad(autograd.grad(autograd.grad(autograd.numpy.sin)))
        contenders.append(Contender("autograd grad(grad(grad(sin)))", lambda f=f: f(xs), "peer"))
    if torch is not None:
        f = torch.func.grad(torch.func.grad(torch.func.grad(torch.sin)))
        xt = torch.tensor(xs)
        contenders.append(Contender("torch.func grad(grad(grad(sin))) (eager)",
                                    lambda f=f, xt=xt: f(xt).numpy(), "peer"))

        def torch_d3(xt: Any = xt) -> Any:
            # eager autograd: backward() through two graphs built with create_graph
            t = xt.detach().requires_grad_()
            (g1,) = torch.autograd.grad(torch.sin(t), t, create_graph=True)
            (g2,) = torch.autograd.grad(g1, t, create_graph=True)
            g2.backward()
            return t.grad.numpy()
        contenders.append(Contender("torch backward() of autograd.grad(create_graph)",
                                    torch_d3, "peer"))
    cases.append(Case("W4", "third derivative of sin, scalar",
                      Contender("NumPy -cos(x)", lambda: -np.cos(xs), "numpy"), contenders))

    # Hessian-vector product of Rosenbrock, forward over reverse
    rosen = make_rosenbrock(fnp)

    def hvp(x, v):
        return ft.jvp(ft.grad(rosen), (x,), (v,))[1]
    hvp_jit = ft.jit(hvp)
    contenders = [Contender("ftrans jvp(grad) (eager)", lambda: hvp(xr, vr)),
                  Contender("ftrans jit(jvp(grad))", lambda: hvp_jit(xr, vr), target=1.2)]
    if jax is not None:
        rosen_jax = make_rosenbrock(jax.numpy)

        def jhvp(x, v):
            return jax.jvp(jax.grad(rosen_jax), (x,), (v,))[1]
        contenders += [Contender("jax jit(jvp(grad))", _jax_call(jax, jax.jit(jhvp), xr, vr),
                                 "peer"),
                       Contender("jax jvp(grad) (eager)", _jax_call(jax, jhvp, xr, vr), "peer")]
    if autograd is not None:
        f = autograd.hessian_vector_product(make_rosenbrock(autograd.numpy))
        contenders.append(Contender("autograd hessian_vector_product (rev-over-rev)",
                                    lambda f=f: f(xr, vr), "peer"))
    if torch is not None:
        rosen_torch = make_rosenbrock(TorchNumPy(torch))
        f = torch.func.grad(rosen_torch)
        xt, vt = torch.tensor(xr), torch.tensor(vr)
        contenders.append(Contender("torch.func jvp(grad) (eager)",
                                    lambda f=f, xt=xt, vt=vt: torch.func.jvp(
                                        f, (xt,), (vt,))[1].numpy(), "peer"))

        def torch_hvp(xt: Any = xt, vt: Any = vt) -> Any:
            # eager autograd, reverse over reverse: backward() of <grad, v>
            t = xt.detach().requires_grad_()
            (g,) = torch.autograd.grad(rosen_torch(t), t, create_graph=True)
            torch.sum(g * vt).backward()
            return t.grad.numpy()
        contenders.append(Contender("torch backward() of <grad, v> (rev-over-rev)", torch_hvp,
                                    "peer"))
    cases.append(Case("W4", f"Hessian-vector product of Rosenbrock, x in R^{HVP_DIM:,}",
                      Contender("NumPy (hand-written tridiagonal Hv)",
                                lambda: rosenbrock_hvp_numpy(xr, vr), "numpy"),
                      contenders, rtol=1e-9, atol=1e-6))
    return cases


# ---------------------------------------------------------------------------------------------
# W7: a LeNet-sized convolutional network
# ---------------------------------------------------------------------------------------------


def make_cnn_loss(conv: Callable, max_pool: Callable, xp: Any,
                  stop_gradient: Callable) -> Callable[..., Any]:
    """Mean softmax cross-entropy of (conv 5x5 -> ReLU -> max pool 2x2) x 2 -> dense 120
    (ReLU) -> dense 10, channels last; ``conv(x, w)`` is a VALID NHWC/HWIO convolution."""
    def cnn_loss(params, x, y):
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
        h = max_pool(xp.maximum(conv(x, w1) + b1, 0.0))
        h = max_pool(xp.maximum(conv(h, w2) + b2, 0.0))
        h = xp.reshape(h, (h.shape[0], -1))
        h = xp.maximum(h @ w3 + b3, 0.0)
        return softmax_cross_entropy(xp, stop_gradient, h @ w4 + b4, y) / x.shape[0]
    return cnn_loss


def _ftrans_conv(x: Any, w: Any) -> Any:
    return ft.lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                       dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _ftrans_pool(x: Any) -> Any:
    return ft.nn.max_pool(x, (2, 2), strides=(2, 2))


def _windows(x: np.ndarray, k: int) -> np.ndarray:
    """(B, H-k+1, W-k+1, C, k, k): every k x k patch of an NHWC array (a view)."""
    return np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))


def _conv_numpy(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """VALID NHWC x HWIO convolution: patches contracted with the kernel by tensordot."""
    return np.tensordot(_windows(x, w.shape[0]), w, axes=((3, 4, 5), (2, 0, 1)))


def _pool_numpy(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling and the mask of the elements that won (ties are measure zero after
    ReLU for the gradient: tied zeros get no gradient from ReLU's backward anyway)."""
    b, hh, ww, c = h.shape
    blocks = h.reshape(b, hh // 2, 2, ww // 2, 2, c)
    pooled = blocks.max(axis=(2, 4))
    return pooled, blocks == pooled[:, :, None, :, None, :]


def _unpool_numpy(g: np.ndarray, mask: np.ndarray) -> np.ndarray:
    b, h, _, w, _, c = mask.shape
    return (mask * g[:, :, None, :, None, :]).reshape(b, 2 * h, 2 * w, c)


def cnn_numpy(params: list, x: np.ndarray, y: np.ndarray) -> tuple[Any, list]:
    """Loss and parameter gradients of ``cnn_loss`` by hand: convolutions and their weight
    gradients as tensordots over sliding-window views, the input gradient of the second
    convolution as a full correlation with the flipped kernel."""
    (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
    n = x.shape[0]
    a1 = _conv_numpy(x, w1) + b1
    r1 = np.maximum(a1, 0.0)
    p1, m1 = _pool_numpy(r1)
    a2 = _conv_numpy(p1, w2) + b2
    r2 = np.maximum(a2, 0.0)
    p2, m2 = _pool_numpy(r2)
    f = p2.reshape(n, -1)
    a3 = f @ w3 + b3
    r3 = np.maximum(a3, 0.0)
    z = r3 @ w4 + b4
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    loss = -np.sum(y * (z - np.log(s))) / n
    g = (e / s - y) / n
    grads4 = (r3.T @ g, g.sum(axis=0))
    g = (g @ w4.T) * (a3 > 0)
    grads3 = (f.T @ g, g.sum(axis=0))
    g = _unpool_numpy((g @ w3.T).reshape(p2.shape), m2) * (a2 > 0)
    grads2 = (np.tensordot(_windows(p1, 5), g, axes=((0, 1, 2), (0, 1, 2))).transpose(1, 2, 0, 3),
              g.sum(axis=(0, 1, 2)))
    k = w2.shape[0]
    padded = np.pad(g, ((0, 0), (k - 1, k - 1), (k - 1, k - 1), (0, 0)))
    g = np.tensordot(_windows(padded, k), w2[::-1, ::-1], axes=((3, 4, 5), (3, 0, 1)))
    g = _unpool_numpy(g, m1) * (a1 > 0)
    grads1 = (np.tensordot(_windows(x, 5), g, axes=((0, 1, 2), (0, 1, 2))).transpose(1, 2, 0, 3),
              g.sum(axis=(0, 1, 2)))
    return loss, [grads1, grads2, grads3, grads4]


def cnn_params(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for shape in CNN_SHAPES:
        fan_in = int(np.prod(shape[:-1]))
        out.append((rng.normal(size=shape) * np.sqrt(2.0 / fan_in),
                    0.1 * rng.normal(size=shape[-1])))
    return out


def _torch_cnn(torch: Any, params: list, x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    """The same network in PyTorch (NCHW, float64): loss.backward() on leaf tensors."""
    fn = torch.nn.functional
    tensors = []
    for i, (w, b) in enumerate(params):
        w = torch.tensor(w.transpose(3, 2, 0, 1).copy() if i < 2 else w.T.copy())
        tensors.append((w.requires_grad_(), torch.tensor(b).requires_grad_()))
    xt = torch.tensor(x.transpose(0, 3, 1, 2).copy())
    labels = torch.tensor(y.argmax(axis=1))

    def step():
        for w, b in tensors:
            w.grad = b.grad = None
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = tensors
        h = fn.max_pool2d(torch.relu(fn.conv2d(xt, w1, b1)), 2)
        h = fn.max_pool2d(torch.relu(fn.conv2d(h, w2, b2)), 2)
        h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # NHWC flattening, as the others
        h = torch.relu(fn.linear(h, w3, b3))
        loss = fn.cross_entropy(fn.linear(h, w4, b4), labels)
        loss.backward()
        grads = []
        for i, (w, b) in enumerate(tensors):
            gw = w.grad.numpy()
            grads.append((gw.transpose(2, 3, 1, 0) if i < 2 else gw.T, b.grad.numpy()))
        return loss.detach().numpy(), grads

    return step


def w7_cases(peers: Peers) -> list[Case]:
    rng = np.random.default_rng(3)
    params = cnn_params(rng)
    x = rng.random((CNN_BATCH, 28, 28, 1))
    y = np.eye(10)[rng.integers(0, 10, CNN_BATCH)]
    loss = make_cnn_loss(_ftrans_conv, _ftrans_pool, fnp, ft.stop_gradient)
    eager = ft.value_and_grad(loss)
    jitted = ft.jit(ft.value_and_grad(loss))
    contenders = [
        Contender("ftrans value_and_grad (eager)", lambda: eager(params, x, y)),
        Contender("ftrans jit(value_and_grad)", lambda: jitted(params, x, y)),
    ]
    if peers.jax is not None:
        jax = peers.jax

        def jax_conv(h, w):
            return jax.lax.conv_general_dilated(h, w, (1, 1), "VALID",
                                                dimension_numbers=("NHWC", "HWIO", "NHWC"))

        def jax_pool(h):
            return jax.lax.reduce_window(h, -np.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                                         "VALID")

        f = jax.value_and_grad(make_cnn_loss(jax_conv, jax_pool, jax.numpy,
                                             jax.lax.stop_gradient))
        contenders += [Contender("jax jit(value_and_grad)",
                                 _jax_call(jax, jax.jit(f), params, x, y), "peer"),
                       Contender("jax value_and_grad (eager)", _jax_call(jax, f, params, x, y),
                                 "peer")]
    if peers.torch is not None:
        contenders.append(Contender("torch loss.backward() (eager, float64)",
                                    _torch_cnn(peers.torch, params, x, y), "peer"))
    if peers.mygrad is not None:
        mg = peers.mygrad
        from mygrad.nnet.layers import conv_nd, max_pool

        def mygrad_conv(h, w):  # NHWC x HWIO through mygrad's NCHW x OIHW conv_nd
            out = conv_nd(mg.transpose(h, (0, 3, 1, 2)), mg.transpose(w, (3, 2, 0, 1)),
                          stride=1)
            return mg.transpose(out, (0, 2, 3, 1))

        def mygrad_pool(h):
            out = max_pool(mg.transpose(h, (0, 3, 1, 2)), (2, 2), 2)
            return mg.transpose(out, (0, 2, 3, 1))
        contenders.append(Contender("mygrad backward() (conv_nd and max_pool, NCHW)",
                                    mygrad_value_and_grad(mg, make_cnn_loss(
                                        mygrad_conv, mygrad_pool, mg, _mygrad_stop_gradient),
                                        params, x, y), "peer"))
    reference = Contender("NumPy (hand-written: sliding_window_view + tensordot)",
                          lambda: cnn_numpy(params, x, y), "numpy")
    return [Case("W7", f"LeNet-sized CNN value_and_grad, batch {CNN_BATCH}, 28x28, float64",
                 reference, contenders, rtol=1e-7, atol=1e-10)]


# What to know about an installed peer in a workload (shown under its table).
PEER_NOTES = {
    "W4": {"mygrad": "mygrad is not measured on W4: it has no higher-order derivatives."},
    "W7": {"mygrad": "mygrad runs the same program through its NCHW `conv_nd` and `max_pool`, "
                     "with transposes to and from NHWC around each."},
}

CASE_BUILDERS: dict[str, Callable[[Peers], list[Case]]] = {
    "W1": w1_cases, "W2": w2_cases, "W3": w3_cases, "W4": w4_cases, "W7": w7_cases,
}
