"""Serialisation: primitives by reference, programs without their caches, wrapped functions as
globals or rebuilt, treedefs with the registered node handlers; in this process and another."""

from __future__ import annotations

import dataclasses
import os
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.core import Primitive
from ftrans.tree_util import register_dataclass, tree_flatten, tree_structure

cloudpickle = pytest.importorskip("cloudpickle")
ROOT = pathlib.Path(__file__).resolve().parent.parent


@ft.jit
def jitted_sin(x):
    return fnp.sin(x) * 2.0


def _cube(x):
    return x ** 3


cube_jit = ft.jit(_cube)  # bound to another name than the function's: rebuilt on arrival


@ft.checkpoint
def remat_sin(x):
    return fnp.sin(fnp.sin(x))


@ft.custom_jvp
def soft(x):
    return fnp.log1p(fnp.exp(x))


@soft.defjvp
def _soft_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return soft(x), t * 2.0  # a deliberately wrong rule, so that the rule is seen to survive


@ft.custom_vjp
def clip_grad(x):
    return x


clip_grad.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))


@register_dataclass
@dataclasses.dataclass
class Layer:
    w: np.ndarray
    b: np.ndarray


def _roundtrip(obj, dumps=pickle.dumps):
    return pickle.loads(dumps(obj))


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_primitives_come_back_as_the_registered_instance(dumps):
    assert _roundtrip(lax.sin_p, dumps) is lax.sin_p
    closed = ft.make_jaxpr(lambda x: fnp.sin(x) * fnp.exp(x))(0.3)
    back = _roundtrip(closed, dumps)
    assert [e.primitive for e in back.eqns] == [e.primitive for e in closed.eqns]
    assert str(back) == str(closed)
    # the rule tables know the primitives, so the reloaded program differentiates
    assert ft.grad(lambda x: back(x)[0])(0.3) == pytest.approx(
        np.cos(0.3) * np.exp(0.3) + np.sin(0.3) * np.exp(0.3))


def test_program_caches_are_not_pickled():
    closed = ft.make_jaxpr(lambda x: fnp.sin(x))(1.0)
    ft.jvp(lambda x: closed(x)[0], (1.0,), (1.0,))
    from ftrans.compile import compiled
    compiled(closed)(1.0)
    assert closed.derived
    back = _roundtrip(closed)
    assert back.derived == {}
    assert back(1.0)[0] == np.sin(1.0)


def test_a_shadowed_primitive_refuses_to_pickle():
    first = Primitive("pickling_test_twice", impl=np.negative, abstract_eval=lambda x: x)
    second = Primitive("pickling_test_twice", impl=np.negative, abstract_eval=lambda x: x)
    assert _roundtrip(second) is second
    with pytest.raises(pickle.PicklingError, match="unique name"):
        pickle.dumps(first)


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_wrapped_functions(dumps):
    jitted_sin(0.5)  # traced and compiled: its caches hold generated code
    assert _roundtrip(jitted_sin, dumps) is jitted_sin  # a module global travels by name
    back = _roundtrip(cube_jit, dumps)
    assert back is not cube_jit and back(2.0) == 8.0 and back.cache_size() == 1
    assert _roundtrip(remat_sin, dumps) is remat_sin
    assert ft.grad(_roundtrip(soft, dumps))(0.0) == 2.0
    assert ft.grad(_roundtrip(clip_grad, dumps))(5.0) == 1.0


def test_closures_pickle_with_cloudpickle():
    scale = np.array(3.0)
    f = ft.jit(lambda x: x * scale)
    f(1.0)
    g = ft.checkpoint(lambda x: fnp.sin(x) * scale)
    back_f, back_g = cloudpickle.loads(cloudpickle.dumps((f, g)))
    assert back_f(2.0) == 6.0
    assert ft.grad(back_g)(0.0) == pytest.approx(3.0)


def test_lowered_and_compiled():
    lowered = ft.jit(lambda x, y: fnp.sin(x) * y).lower(np.ones(3), 2.0)
    compiled = lowered.compile()
    back_lowered, back_compiled = _roundtrip((lowered, compiled))
    assert back_lowered.as_text() == lowered.as_text()
    np.testing.assert_allclose(back_compiled(np.ones(3), 2.0), 2.0 * np.sin(np.ones(3)))
    np.testing.assert_allclose(back_lowered.compile()(np.zeros(3), 1.0), np.zeros(3))


def test_treedefs_and_registered_nodes():
    tree = {"layers": [Layer(np.ones(2), np.zeros(2))], "step": (1, None)}
    leaves, treedef = tree_flatten(tree)
    back = _roundtrip(treedef)
    assert back == treedef and hash(back) == hash(treedef)
    assert isinstance(back.unflatten(leaves)["layers"][0], Layer)
    assert _roundtrip(tree_structure(lax.__name__.split("."))) == tree_structure(["a", "b"])


def test_another_process_reloads_programs_and_functions(tmp_path):
    closed = ft.make_jaxpr(lambda x: fnp.tanh(x) * 2.0)(np.ones(3))
    lowered = jitted_sin.lower(np.ones(3))
    payload = {"closed": closed, "compiled": lowered.compile(), "jitted": jitted_sin,
               "soft": soft, "treedef": tree_structure([Layer(1.0, 2.0)])}
    path = tmp_path / "payload.pkl"
    path.write_bytes(pickle.dumps(payload))
    script = (
        "import pickle, sys, numpy as np, ftrans as ft\n"
        "p = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "g = ft.grad(lambda x: p['closed'](x)[0].sum())(np.zeros(3))\n"
        "print(g.tolist(), p['compiled'](np.zeros(3)).tolist(), p['jitted'](0.0),\n"
        "      ft.grad(p['soft'])(0.0), p['treedef'].num_leaves)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]))
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[2.0,", "2.0,", "2.0]", "[0.0,", "0.0,", "0.0]", "0.0",
                                  "2.0", "2"]
