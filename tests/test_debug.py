"""ft.debug.print under every transformation, and ft.debug.saved_residuals."""

from __future__ import annotations

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import debug
from ftrans.lax import scan, while_loop


def lines(capsys):
    return capsys.readouterr().out.strip().splitlines()


def square(x):
    x = debug.print("x = {}", x, ad=True)
    return x * x


def test_eval_and_jit_print_when_run_not_when_traced(capsys):
    square(3.0)
    assert lines(capsys) == ["x = 3.0"]
    f = ft.jit(square)
    ft.make_jaxpr(square)(1.0)
    assert lines(capsys) == []  # staging records, prints nothing
    f(3.0)
    f(4.0)  # cached program: still prints
    assert lines(capsys) == ["[jit] x = 3.0", "[jit] x = 4.0"]


def test_jvp_prints_tangent_and_grad_prints_cotangent(capsys):
    ft.jvp(square, (3.0,), (1.0,))
    assert lines(capsys) == ["[jvp] x = 3.0", "[jvp, tangent] x = 1.0"]
    assert ft.grad(square)(3.0) == 6.0
    assert lines(capsys) == ["[grad] x = 3.0", "[grad, cotangent] x = 6.0"]
    _, f_vjp = ft.vjp(square, 3.0)
    f_vjp(2.0)
    assert lines(capsys) == ["[vjp] x = 3.0", "[vjp, cotangent] x = 12.0"]
    _, f_jvp = ft.linearize(square, 3.0)
    f_jvp(5.0)
    assert lines(capsys) == ["[linearize] x = 3.0", "[linearize, tangent] x = 5.0"]
    ft.jit(ft.grad(square))(3.0)
    assert lines(capsys) == ["[jit, grad] x = 3.0", "[jit, grad, cotangent] x = 6.0"]
    ft.grad(ft.jit(square))(3.0)
    assert lines(capsys) == ["[jit] x = 3.0", "[jit, cotangent] x = 6.0"]


def test_without_ad_only_the_forward_pass_prints(capsys):
    def f(x):
        debug.print("y = {y}", y=x + 1.0)
        return x * x
    ft.jvp(f, (3.0,), (1.0,))
    ft.grad(f)(3.0)
    assert lines(capsys) == ["[jvp] y = 4.0", "[grad] y = 4.0"]
    assert debug.print("no values") is None
    assert lines(capsys) == ["no values"]


def test_vmap_prints_each_member(capsys):
    ft.vmap(square)(np.array([1.0, 2.0]))
    assert lines(capsys) == ["[vmap, member 0] x = 1.0", "[vmap, member 1] x = 2.0"]
    ft.vmap(ft.vmap(lambda x, y: debug.print("{} {}", x, y)), (0, None))(
        np.array([[1.0, 2.0]]), np.array([7.0, 8.0]))
    assert lines(capsys) == ["[vmap, member (0, 0)] 1.0 7.0", "[vmap, member (0, 1)] 2.0 8.0"]
    ft.jit(ft.vmap(square))(np.array([1.0, 2.0]))
    assert lines(capsys) == ["[jit, vmap, member 0] x = 1.0", "[jit, vmap, member 1] x = 2.0"]
    ft.vmap(ft.grad(square))(np.array([1.0, 2.0]))
    out = lines(capsys)
    assert "[vmap, grad, cotangent, member 1] x = 4.0" in out and len(out) == 4


def test_inside_loops_and_kept_by_the_compiler(capsys):
    def halve(a):
        def body(c):
            return debug.print("c = {}", c, ad=True) * 0.5
        return while_loop(lambda c: c > 1.0, body, a)
    assert ft.grad(halve)(5.0) == 0.125
    assert lines(capsys) == ["[while_loop] c = 5.0", "[while_loop] c = 2.5",
                             "[while_loop] c = 1.25", "[while_loop, cotangent] c = 0.5",
                             "[while_loop, cotangent] c = 0.25",
                             "[while_loop, cotangent] c = 0.125"]
    scan(lambda c, x: (debug.print("{}", c + x, ad=True), None), 0.0, np.arange(2.0))
    assert lines(capsys) == ["[scan] 0.0", "[scan] 1.0"]
    # a print whose result is unused is not dead code, and two identical ones are not merged
    f = ft.jit(lambda x: (debug.print("p {}", x), debug.print("p {}", x), x * 2.0)[2])
    f(1.0)
    f(1.0)  # the second call runs the optimised, generated program
    assert lines(capsys) == ["[jit] p 1.0"] * 4


def test_pytrees_and_keywords(capsys):
    out = debug.print("{0[a]} {b}", {"a": np.arange(2)}, b=(1.0, 2.0), ad=True)
    assert lines(capsys) == ["[0 1] (1.0, 2.0)"]
    assert isinstance(out, tuple) and out[0]["a"].shape == (2,)


# ---------------------------------------------------------------------------------------------
# saved_residuals
# ---------------------------------------------------------------------------------------------


def mlp(w, x):
    h = fnp.tanh(fnp.dot(w, x))  # HIDDEN-LAYER
    return fnp.sum(fnp.tanh(fnp.dot(w, h)))


def test_saved_residuals_shapes_bytes_and_source_lines():
    w, x = np.ones((4, 4)) * 0.1, np.ones(4)
    rows = debug.saved_residuals(mlp, w, x)
    assert all(r.nbytes == int(np.prod(r.shape)) * 8 for r in rows)
    sources = [r.source for r in rows]
    assert any("argument 0" == s for s in sources)
    assert any("test_debug.py" in s and "HIDDEN-LAYER" in s for s in sources)


def test_saved_residuals_show_what_checkpoint_saves(capsys):
    w, x = np.ones((4, 4)) * 0.1, np.ones(4)
    full = sum(r.nbytes for r in debug.saved_residuals(mlp, w, x))
    remat = ft.checkpoint(mlp)
    saved = debug.saved_residuals(remat, w, x)
    assert {r.source for r in saved} == {"argument 0", "argument 1"}
    assert sum(r.nbytes for r in saved) < full
    dots = ft.checkpoint(mlp, policy=ft.checkpoint_policies.dots_saveable)
    assert len(debug.saved_residuals(dots, w, x)) > len(saved)
    debug.print_saved_residuals(remat, w, x)
    out = lines(capsys)
    assert out[0].split() == ["shape", "dtype", "bytes", "source"]
    assert out[-1] == "total: 2 values, 160 bytes"
