"""The leak checker: leaks are reported for every transformation, naming it, the function,
the call site and the holder; ordinary programs (scan, jvp, vmap, checkpoint, custom_jvp,
errors caught by the caller) report nothing."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

pytestmark = pytest.mark.allow_leaks  # these tests manage the checker themselves

_saved: list = []


def _leaky(x):
    _saved.append(x)
    return x * 2.0


TRANSFORMS = {
    "jit": lambda f: ft.jit(f)(1.0),
    "grad": lambda f: ft.grad(f)(1.0),
    "vjp": lambda f: ft.vjp(f, 1.0)[0],
    "jvp": lambda f: ft.jvp(f, (1.0,), (1.0,)),
    "linearize": lambda f: ft.linearize(f, 1.0)[0],
    "vmap": lambda f: ft.vmap(f)(np.ones(2)),
    "make_jaxpr": lambda f: ft.make_jaxpr(f)(1.0),
    "scan body": lambda f: lax.scan(lambda c, x: (f(c), x), 1.0, np.ones(2)),
    "while body": lambda f: lax.while_loop(lambda c: c < 3.0, f, 1.0),
    "checkpoint": lambda f: ft.grad(ft.checkpoint(f))(1.0),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_leak_is_reported_with_transformation_function_and_holder(name):
    _saved.clear()
    with pytest.raises(ft.LeakedTracerError) as info:
        with ft.checking_leaks():
            TRANSFORMS[name](_leaky)
    message = str(info.value)
    assert "_leaky" in message or "<lambda>" in message
    assert "test_leaks.py" in message
    assert f"the {name.split()[0]}" in message or "grad" in message
    assert "global variable '_saved'" in message
    _saved.clear()
    with ft.checking_leaks():  # the next ordinary call works and reports nothing
        TRANSFORMS[name](lambda x: x * 2.0)


def test_custom_rule_leak_is_reported():
    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        _saved.append(tangents[0])
        return fnp.sin(primals[0]), fnp.cos(primals[0]) * tangents[0]

    _saved.clear()
    leak = "(?s)jit transformation.*global variable '_saved'"
    with pytest.raises(ft.LeakedTracerError, match=leak):
        with ft.checking_leaks():
            ft.jit(lambda x: ft.jvp(f, (x,), (x,))[1])(1.0)
    _saved.clear()


def test_leak_into_an_attribute_and_a_closure():
    class Model:
        pass
    model = Model()

    def f(x):
        model.state = x
        return x
    with pytest.raises(ft.LeakedTracerError, match="attribute 'state' of a .*Model"):
        with ft.checking_leaks():
            ft.grad(f)(1.0)
    del model.state

    box = []

    def g(x):
        box.append(x)
        return x
    leak = "list <- a closure variable .* function .*<locals>.g"
    with pytest.raises(ft.LeakedTracerError, match=leak):
        with ft.checking_leaks():
            ft.vmap(g)(np.ones(2))
            ft.jit(lambda x: x)(1.0)  # later transformations do not hide it


def test_config_flag_and_check_leaks_function():
    _saved.clear()
    ft.config.update("checking_leaks", True)
    try:
        ft.jit(lambda x: _leaky(x))(1.0)
        with pytest.raises(ft.LeakedTracerError):
            ft.check_leaks()
    finally:
        ft.config.update("checking_leaks", False)
        _saved.clear()


def test_no_false_positives():
    @ft.custom_jvp
    def softplus(x):
        return fnp.log1p(fnp.exp(x))
    softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] / (1.0 + fnp.exp(-p[0]))))

    def body(c, x):
        return c * 0.9 + fnp.sin(x), c

    def f(x):
        c, ys = lax.scan(body, x, np.linspace(0, 1, 4))
        return softplus(c) + fnp.sum(ys)

    with ft.checking_leaks():
        ft.grad(f)(1.0)
        ft.jvp(f, (1.0,), (1.0,))
        ft.vmap(f)(np.ones(3))
        ft.jit(ft.grad(ft.checkpoint(f)))(1.0)
        ft.hessian(lambda x: fnp.sum(fnp.sin(x) ** 2))(np.ones(2))
        ft.vmap(ft.grad(f))(np.ones(2))
        with pytest.raises(ft.ConcretizationError):  # an error caught by the caller
            ft.jit(lambda x: float(x))(1.0)
        ft.grad(f)(2.0)


def test_tracers_held_by_a_kept_exception_are_not_leaks():
    # pytest.raises (or any caller) keeping an exception keeps its traceback's tracers alive
    # while later transformations run; they are examined once, at the end of the block
    def fails(x):
        raise ValueError("inside the transformation")
    with ft.checking_leaks():
        kept = []
        for _ in range(3):
            try:
                ft.grad(fails)(1.0)
            except ValueError as err:
                kept.append(err)
        for _ in range(5):
            ft.jit(lambda x: x * 2.0)(1.0)
        del kept


def test_many_leaking_transformations_are_reported_before_the_block_ends(monkeypatch):
    from ftrans import debugging
    monkeypatch.setattr(debugging, "_MAX_DEFERRED", 8)
    box = []
    reached = []
    with pytest.raises(ft.LeakedTracerError, match="closure variable"):
        with ft.checking_leaks():
            for i in range(debugging._MAX_DEFERRED + 5):
                ft.jit(lambda x: box.append(x) or x)(float(i))
                reached.append(i)
    assert len(reached) < debugging._MAX_DEFERRED + 5  # raised at a quiet moment
    box.clear()
