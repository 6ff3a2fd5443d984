"""cond, switch, while_loop, fori_loop, scan and map under every transformation.

Oracles: the same computation written with Python control flow (unrolled), NumPy, and
finite differences (check_grads).
"""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.core import ConcretizationError
from ftrans.lax.control_flow import (
    cond, fori_loop, scan, switch, while_loop,
)
from ftrans.lax.control_flow import map as lax_map
from ftrans.test_util import check_grads

RNG = np.random.default_rng(0)
W = RNG.standard_normal((3, 3)) * 0.5
U = RNG.standard_normal((3, 2)) * 0.5
H0 = RNG.standard_normal(3)
XS = RNG.standard_normal((4, 2))


def close(a, b, tol=1e-9):
    la, lb = ft.tree_util.tree_leaves(a), ft.tree_util.tree_leaves(b)
    if len(la) != len(lb):  # e.g. a batched result against a list of per-example results
        la, lb = [np.asarray(a)], [np.asarray(b)]
    for x, y in zip(la, lb):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


def all_eqns(jaxpr):
    """Every equation of a program, nested programs included (a loop, not recursion)."""
    pending, out = [jaxpr.jaxpr if hasattr(jaxpr, "consts") else jaxpr], []
    while pending:
        j = pending.pop()
        for eqn in j.eqns:
            out.append(eqn)
            for p in eqn.params.values():
                for q in (p if isinstance(p, tuple) else (p,)):
                    if hasattr(q, "jaxpr") and hasattr(q, "consts"):
                        pending.append(q.jaxpr)
    return out




# Work that is linear in its (tangent) inputs; anything else in a linear program is primal work.
LINEAR_PRIMITIVES = {"mul", "add", "add_any", "sub", "neg", "reshape", "dot_general",
                     "reduce_sum", "transpose", "broadcast_in_dim", "convert_element_type",
                     "select_n", "scan", "cond", "div", "squeeze", "expand_dims"}


# ---------------------------------------------------------------------------------------------
# An RNN: scan versus the unrolled Python loop
# ---------------------------------------------------------------------------------------------


def rnn_step(params, h, x):
    w, u = params
    h = fnp.tanh(w @ h + u @ x)
    return h, fnp.sum(h * h)


def rnn_scan(w, u, h0, xs):
    h, ys = scan(lambda h, x: rnn_step((w, u), h, x), h0, xs)
    return fnp.sum(h) + fnp.sum(ys * fnp.arange(1.0, 5.0))


def rnn_unrolled(w, u, h0, xs):
    h, total = h0, 0.0
    for i in range(xs.shape[0]):
        h, y = rnn_step((w, u), h, xs[i])
        total = total + y * (i + 1.0)
    return fnp.sum(h) + total


ARGS = (W, U, H0, XS)


def test_rnn_value_and_grad_match_unrolled():
    close(rnn_scan(*ARGS), rnn_unrolled(*ARGS))
    close(ft.grad(rnn_scan, (0, 1, 2, 3))(*ARGS), ft.grad(rnn_unrolled, (0, 1, 2, 3))(*ARGS))


def test_rnn_jvp_vmap_jit_match_unrolled():
    tangents = tuple(RNG.standard_normal(np.shape(a)) for a in ARGS)
    close(ft.jvp(rnn_scan, ARGS, tangents), ft.jvp(rnn_unrolled, ARGS, tangents))
    batch = np.stack([XS, 2 * XS, -XS])
    close(ft.vmap(rnn_scan, (None, None, None, 0))(W, U, H0, batch),
          [rnn_unrolled(W, U, H0, b) for b in batch])
    close(ft.jit(rnn_scan)(*ARGS), rnn_unrolled(*ARGS))
    close(ft.jit(ft.grad(rnn_scan))(*ARGS), ft.grad(rnn_unrolled)(*ARGS))
    close(ft.jit(ft.vmap(rnn_scan, (None, None, 0, None)))(W, U, np.stack([H0, H0 + 1]), XS),
          [rnn_unrolled(W, U, h, XS) for h in (H0, H0 + 1)])


def test_rnn_grad_of_jit():
    close(ft.grad(ft.jit(rnn_scan), 2)(*ARGS), ft.grad(rnn_unrolled, 2)(*ARGS))


def test_rnn_vmap_of_grad_and_hessian():
    close(ft.vmap(ft.grad(rnn_scan), (0, None, None, None))(np.stack([W, 2 * W]), U, H0, XS),
          [ft.grad(rnn_unrolled)(w, U, H0, XS) for w in (W, 2 * W)])
    close(ft.hessian(rnn_scan, 2)(*ARGS), ft.hessian(rnn_unrolled, 2)(*ARGS), tol=1e-7)


def test_rnn_second_derivatives():
    check_grads(rnn_scan, ARGS, order=2)


def test_linearized_scan_holds_no_primal_work():
    _, f_jvp = ft.linearize(rnn_scan, *ARGS)
    names = {eqn.primitive.name for eqn in all_eqns(f_jvp.jaxpr)}
    assert "scan" in names
    assert names <= LINEAR_PRIMITIVES, names - LINEAR_PRIMITIVES
    tangents = tuple(RNG.standard_normal(np.shape(a)) for a in ARGS)
    close(f_jvp(*tangents), ft.jvp(rnn_unrolled, ARGS, tangents)[1])


# ---------------------------------------------------------------------------------------------
# scan
# ---------------------------------------------------------------------------------------------


def test_scan_pytrees_reverse_and_length():
    def f(carry, x):
        a, b = carry["a"], carry["b"]
        return {"a": a + x[0], "b": b * 2}, (a, x[1] * b)
    xs = (np.arange(3.0), np.ones(3))
    carry, (ys0, ys1) = scan(f, {"a": 0.0, "b": 1.0}, xs)
    close(carry, {"a": 3.0, "b": 8.0})
    close(ys0, [0, 0, 1])
    close(ys1, [1, 2, 4])
    carry, ys = scan(lambda c, x: (c + x, c), 0.0, np.arange(3.0), reverse=True)
    close(ys, [3, 2, 0])
    carry, ys = scan(lambda c, _: (c + 1, c * 2), 0, None, length=3)
    close(ys, [0, 2, 4])
    assert ys.dtype == np.int64
    carry, ys = scan(lambda c, x: (c, x), 0.0, np.zeros((0, 2)))
    assert ys.shape == (0, 2)


def test_scan_reverse_derivatives():
    def f(x, xs):
        c, ys = scan(lambda c, x: (fnp.sin(c) * x, c * x), x, xs, reverse=True)
        return c + fnp.sum(ys)

    def unrolled(x, xs):
        c, total = x, 0.0
        for i in reversed(range(xs.shape[0])):
            c, y = fnp.sin(c) * xs[i], c * xs[i]
            total = total + y
        return c + total
    xs = np.array([0.5, 1.5, -0.7])
    close(ft.grad(f, (0, 1))(0.3, xs), ft.grad(unrolled, (0, 1))(0.3, xs))
    check_grads(f, (0.3, xs), order=2)


def test_scan_errors_show_both_sides():
    with pytest.raises(TypeError, match=r"(?s)init.*f64\[\].*body.*f64\[2\]"):
        scan(lambda c, x: (c * np.ones(2), x), 0.0, np.ones(3))
    with pytest.raises(TypeError, match="pair"):
        scan(lambda c, x: c, 0.0, np.ones(3))
    with pytest.raises(ValueError, match="length"):
        scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ValueError, match="disagree"):
        scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))


def test_scan_batched_xs_unbatched_carry_and_batched_consts():
    def f(c0, xs, k):
        return scan(lambda c, x: (c + x * k, c * k), c0, xs)
    xs = np.arange(6.0).reshape(2, 3)  # batch axis 1 below: each member scans 2 steps
    out = ft.vmap(f, (None, 1, None))(1.0, xs, 2.0)
    expected = [f(1.0, xs[:, i], 2.0) for i in range(3)]
    close(out[0], [e[0] for e in expected])
    close(out[1], np.stack([e[1] for e in expected], 0))
    out = ft.vmap(f, (None, None, 0))(1.0, xs[:, 0], np.array([1.0, 2.0]))
    close(out[0], [f(1.0, xs[:, 0], k)[0] for k in (1.0, 2.0)])


def test_scan_carry_becomes_batched():
    # the carry starts unbatched but the body mixes in a batched x: the fixpoint batches it
    def f(xs):
        return scan(lambda c, x: (c + x, c), 0.0, xs)
    xs = np.arange(6.0).reshape(3, 2)
    out = ft.vmap(f, 1)(xs)
    close(out[0], xs.sum(0))
    close(out[1], np.stack([f(xs[:, i])[1] for i in range(2)]))


def test_map_and_psum_in_scan():
    close(lax_map(lambda x: x ** 2, np.arange(4.0)), np.arange(4.0) ** 2)
    close(lax_map(lambda x: {"y": x[0] + x[1]}, (np.arange(3.0), np.ones(3))),
          {"y": np.arange(3.0) + 1})
    f = ft.vmap(lambda x: scan(lambda c, y: (c + ft.lax.psum(y, "i"), c), 0.0, x)[0],
                axis_name="i")
    close(f(np.ones((2, 3))), [6.0, 6.0])


def test_scan_closure_over_tracers_and_nesting():
    def f(a):
        def body(c, x):
            inner = scan(lambda d, z: (d * a + z, d), c, x)[0]
            return inner, inner * a
        return fnp.sum(scan(body, 1.0, np.ones((2, 3)))[1])

    def unrolled(a):
        c, total = 1.0, 0.0
        for _ in range(2):
            for _ in range(3):
                c = c * a + 1.0
            total = total + c * a
        return total
    close(f(0.7), unrolled(0.7))
    close(ft.grad(f)(0.7), ft.grad(unrolled)(0.7))
    close(ft.grad(ft.grad(f))(0.7), ft.grad(ft.grad(unrolled))(0.7))


def test_vmap_of_grad_of_scan_closure():
    def f(a):
        return scan(lambda c, x: (c * a + x, c), 1.0, np.ones(3))[0]
    close(ft.vmap(ft.grad(f))(np.array([0.7, 0.2])), [ft.grad(f)(a) for a in (0.7, 0.2)])


def test_scan_int_carry_and_grad_of_const_only():
    def f(w):
        (_, acc), _ = scan(lambda c, x: ((c[0] + 1, c[1] + w * x), None), (0, 0.0),
                           np.arange(4.0))
        return acc
    close(ft.grad(f)(2.0), 6.0)
    check_grads(f, (2.0,), order=2)


# ---------------------------------------------------------------------------------------------
# cond and switch
# ---------------------------------------------------------------------------------------------


def branchy(x, y):
    return cond(x > 0, lambda a, b: fnp.sin(a) * b, lambda a, b: a - b * b, x, y)


def branchy_py(x, y):
    return np.sin(x) * y if x > 0 else x - y * y


def test_cond_eval_pytrees_and_printing():
    assert branchy(1.0, 2.0) == branchy_py(1.0, 2.0)
    assert branchy(-1.0, 2.0) == branchy_py(-1.0, 2.0)
    out = cond(True, lambda d: {"s": d["a"] + 1}, lambda d: {"s": d["a"] - 1}, {"a": 1.0})
    assert out == {"s": 2.0}
    text = str(ft.make_jaxpr(branchy)(1.0, 2.0))
    assert "cond[branches=(" in text and "sin" in text and "sub" in text


def test_cond_branch_mismatch_shows_both_sides():
    with pytest.raises(TypeError, match=r"(?s)false_fun.*f64\[\].*true_fun.*f64\[3\]"):
        cond(True, lambda x: x * np.ones(3), lambda x: x, 1.0)
    with pytest.raises(TypeError, match=r"(?s)structure.*false_fun.*true_fun"):
        cond(True, lambda x: (x, x), lambda x: x, 1.0)
    with pytest.raises(TypeError, match="i64"):
        cond(True, lambda x: x, lambda x: 1, 1.0)
    with pytest.raises(TypeError, match="scalar"):
        cond(np.array([True, False]), lambda x: x, lambda x: x, 1.0)


def test_cond_derivatives():
    for x in (1.0, -1.0):
        g = ft.grad(branchy, (0, 1))(x, 2.0)
        expected = (np.cos(x) * 2.0, np.sin(x)) if x > 0 else (1.0, -4.0)
        close(g, expected)
        check_grads(branchy, (x, 2.0), order=2)
    close(ft.grad(ft.grad(branchy))(1.0, 2.0), -np.sin(1.0) * 2.0)
    close(ft.jit(ft.grad(branchy))(-1.0, 2.0), 1.0)
    close(ft.grad(ft.jit(branchy))(1.0, 2.0), np.cos(1.0) * 2)


def test_cond_branches_with_different_zero_tangents_and_residuals():
    # one branch ignores x (zero tangent, no residuals), the other needs two residuals
    def f(x, y):
        return cond(x > 0, lambda a, b: (fnp.exp(a) * fnp.cos(b), a), lambda a, b: (3.0, b),
                              x, y)
    for x in (0.5, -0.5):
        check_grads(f, (x, 0.3), order=2)
    _, f_jvp = ft.linearize(f, 0.5, 0.3)
    names = {eqn.primitive.name for eqn in all_eqns(f_jvp.jaxpr)}
    assert names <= LINEAR_PRIMITIVES, names


def test_cond_closure_over_tracers():
    def f(a, x):
        return cond(x > 0, lambda z: z * a, lambda z: z + fnp.sin(a), x)
    close(ft.grad(f)(0.3, 2.0), 2.0)
    close(ft.grad(f)(0.3, -2.0), np.cos(0.3))
    close(ft.vmap(f, (0, None))(np.array([1.0, 2.0]), 3.0), [3.0, 6.0])


def test_cond_vmap_batched_and_unbatched_predicate():
    xs, ys = np.array([1.0, -1.0, 2.0]), np.array([2.0, 3.0, 4.0])
    close(ft.vmap(branchy)(xs, ys), [branchy_py(x, y) for x, y in zip(xs, ys)])
    close(ft.vmap(branchy, (None, 0))(-1.0, ys), [branchy_py(-1.0, y) for y in ys])
    close(ft.vmap(ft.grad(branchy))(xs, ys), [ft.grad(branchy)(x, y) for x, y in zip(xs, ys)])
    close(ft.jit(ft.vmap(branchy))(xs, ys), [branchy_py(x, y) for x, y in zip(xs, ys)])
    text = str(ft.make_jaxpr(ft.vmap(branchy))(xs, ys))
    assert "select_n" in text and "cond" not in text
    assert "cond" in str(ft.make_jaxpr(ft.vmap(branchy, (None, 0)))(1.0, ys))


def test_switch():
    branches = [lambda x: x, lambda x: x + 1, lambda x: fnp.sin(x) * 10]
    for i, expected in [(-5, 4.0), (0, 4.0), (1, 5.0), (2, np.sin(4.0) * 10), (9, np.sin(4.) * 10)]:
        close(switch(i, branches, 4.0), expected)
    close(ft.grad(lambda x: switch(2, branches, x))(4.0), np.cos(4.0) * 10)
    idx = np.array([0, 1, 2, 3])
    close(ft.vmap(lambda i, x: switch(i, branches, x))(idx, np.full(4, 4.0)),
          [4.0, 5.0, np.sin(4.0) * 10, np.sin(4.0) * 10])
    close(ft.vmap(ft.grad(lambda x, i: switch(i, branches, x)), (0, 0))(np.full(3, 4.0),
                                                                      idx[:3]),
          [1.0, 1.0, np.cos(4.0) * 10])
    assert switch(0, [lambda x: x * 3], 2.0) == 6.0
    with pytest.raises(TypeError, match="integer"):
        switch(1.0, branches, 4.0)


def test_cond_inside_scan_inside_vmap():
    def f(x, xs):
        def body(c, v):
            return (cond(v > 0, lambda c: c * v, lambda c: c - v, c), c)
        return scan(body, x, xs)[0]

    def unrolled(x, xs):
        for v in xs:
            x = x * v if v > 0 else x - v
        return x
    xs = np.array([[1.5, -2.0, 0.5], [-1.0, 2.0, 3.0]])
    close(ft.vmap(f, (None, 0))(2.0, xs), [unrolled(2.0, v) for v in xs])
    close(ft.vmap(ft.grad(f), (None, 0))(2.0, xs), [ft.grad(unrolled)(2.0, v) for v in xs])
    check_grads(f, (2.0, xs[0]), order=2)


# ---------------------------------------------------------------------------------------------
# while_loop and fori_loop
# ---------------------------------------------------------------------------------------------


def newton_sqrt(a):
    """Newton iterations for sqrt(a), run to convergence (a data-dependent trip count)."""
    def body(c):
        x, i = c
        return 0.5 * (x + a / x), i + 1
    return while_loop(lambda c: (fnp.abs(c[0] * c[0] - a) > 1e-12 * a) & (c[1] < 100), body,
                      (a, 0))


def test_while_eval_jvp_jit():
    assert while_loop(lambda x: x < 100, lambda x: x * 2, 1) == 128
    x, steps = newton_sqrt(2.0)
    close(x, np.sqrt(2.0))
    close(ft.jvp(lambda a: newton_sqrt(a)[0], (4.0,), (1.0,))[1], 0.25, tol=1e-6)
    close(ft.jit(lambda a: newton_sqrt(a)[0])(9.0), 3.0)
    y, f_jvp = ft.linearize(lambda a: newton_sqrt(a)[0], 4.0)
    close(f_jvp(1.0), 0.25, tol=1e-6)
    close(ft.jacfwd(lambda a: newton_sqrt(a)[0])(16.0), 0.125, tol=1e-6)


def test_while_vmap_batched_predicate_runs_each_member_to_convergence():
    a = np.array([1.0, 4.0, 100.0, 1e6])
    x, steps = ft.vmap(newton_sqrt)(a)
    close(x, np.sqrt(a))
    assert list(steps) == [int(newton_sqrt(v)[1]) for v in a]  # finished members froze
    close(ft.jit(ft.vmap(newton_sqrt))(a)[0], np.sqrt(a))
    # unbatched predicate, batched carry
    def f(x):
        return while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * 2.0), (0, x))[1]
    close(ft.vmap(f)(np.array([1.0, 2.0])), [8.0, 16.0])


def test_while_vmap_of_jacfwd():
    a = np.array([1.0, 4.0, 100.0])
    def root(v):
        return newton_sqrt(v)[0]
    close(ft.vmap(ft.jacfwd(root))(a), [ft.jacfwd(root)(v) for v in a])


def test_while_reverse_mode_through_a_data_dependent_trip_count():
    # reverse mode through while_loop (beyond JAX): see tests/test_while_reverse.py
    close(ft.grad(lambda a: newton_sqrt(a)[0])(4.0), 0.25, tol=1e-6)


def test_while_errors():
    with pytest.raises(TypeError, match="bool scalar"):
        while_loop(lambda x: x, lambda x: x, 1.0)
    with pytest.raises(TypeError, match=r"(?s)init_val.*f64\[\].*body_fun.*f64\[2\]"):
        while_loop(lambda x: x < 1, lambda x: x * np.ones(2), 0.0)


def test_fori_loop_static_bounds_lower_to_scan_and_differentiate():
    def f(x):
        return fori_loop(0, 5, lambda i, c: fnp.sin(c) * i + c, x)

    def unrolled(x):
        for i in range(5):
            x = fnp.sin(x) * i + x
        return x
    close(f(0.3), unrolled(0.3))
    assert "scan" in str(ft.make_jaxpr(f)(0.3))
    close(ft.grad(f)(0.3), ft.grad(unrolled)(0.3))
    check_grads(f, (0.3,), order=2)
    close(fori_loop(3, 1, lambda i, c: c + 1.0, 0.0), 0.0)


def test_fori_loop_traced_bounds_use_while():
    def g(x, n):
        return fori_loop(0, n, lambda i, c: c * 2.0, x)
    assert "while" in str(ft.make_jaxpr(g)(1.5, 3))
    close(ft.jit(g)(1.5, 3), 12.0)
    close(ft.vmap(g)(np.array([1.0, 2.0]), np.array([1, 3])), [2.0, 16.0])
    close(ft.jvp(lambda x: ft.jit(g)(x, 3), (1.5,), (1.0,)), (12.0, 8.0))


# ---------------------------------------------------------------------------------------------
# Python control flow on abstract values
# ---------------------------------------------------------------------------------------------


def python_if(x):
    if x > 0:
        return x
    return -x


@pytest.mark.parametrize("transform", [ft.vmap, ft.jit, ft.make_jaxpr])
def test_python_if_on_abstract_value_suggests_cond(transform):
    with pytest.raises(ConcretizationError) as info:
        transform(python_if)(np.ones(3) if transform is ft.vmap else 1.0)
    for hint in ("lax.cond", "where", "static_argnums"):
        assert hint in str(info.value)
