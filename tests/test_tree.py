"""ftrans.tree (the short names) and the tree_util names added with it: Partial, key paths with
is_leaf_takes_path, broadcast, reduce_associative, treedef helpers, one-level flattening."""

from __future__ import annotations

import collections
import functools

import numpy as np
import pytest

import ftrans as ft
from ftrans import tree, tree_util


def test_short_names_are_tree_util_functions() -> None:
    pairs = {"map": "tree_map", "leaves": "tree_leaves", "structure": "tree_structure",
             "flatten": "tree_flatten", "unflatten": "tree_unflatten",
             "transpose": "tree_transpose", "reduce": "tree_reduce", "all": "tree_all",
             "leaves_with_path": "tree_leaves_with_path", "map_with_path": "tree_map_with_path",
             "flatten_with_path": "tree_flatten_with_path", "broadcast": "tree_broadcast",
             "reduce_associative": "tree_reduce_associative"}
    for short, long in pairs.items():
        assert getattr(tree, short) is getattr(tree_util, long)
    assert sorted(tree.__all__) == sorted(pairs)


def test_short_names_behave() -> None:
    t = {"b": (1, 2), "a": [3, None]}
    assert tree.leaves(t) == [3, 1, 2]
    assert tree.map(lambda x, y: x + y, t, t) == {"b": (2, 4), "a": [6, None]}
    assert tree.map(lambda x: 0, t, is_leaf=lambda x: isinstance(x, tuple)) == \
        {"b": 0, "a": [0, None]}
    leaves, treedef = tree.flatten(t)
    assert tree.unflatten(treedef, [x * 10 for x in leaves]) == {"b": (10, 20), "a": [30, None]}
    assert tree.structure(t) == treedef
    assert tree.reduce(lambda a, b: a * b, t, 1) == 6
    assert tree.all([True, (1,)]) and not tree.all({"x": 0})
    outer, inner = tree.structure([0, 0]), tree.structure((0, 0))
    assert tree.transpose(outer, inner, [(1, 2), (3, 4)]) == ([1, 3], [2, 4])


def test_paths_and_is_leaf_takes_path() -> None:
    t = {"a": [1, 2], "b": 3}
    paths = [tree_util.keystr(p) for p, _ in tree.leaves_with_path(t)]
    assert paths == ["['a'][0]", "['a'][1]", "['b']"]
    stop_at_depth_one = tree.leaves_with_path(t, is_leaf=lambda p, x: len(p) == 1,
                                              is_leaf_takes_path=True)
    assert [x for _, x in stop_at_depth_one] == [[1, 2], 3]
    out = tree.map_with_path(lambda p, x: len(p), t, is_leaf=lambda p, x: p == (
        tree_util.DictKey("a"),), is_leaf_takes_path=True)
    assert out == {"a": 1, "b": 1}
    pairs, treedef = tree.flatten_with_path(t)
    assert treedef == tree.structure(t) and len(pairs) == 3


def test_broadcast() -> None:
    assert tree.broadcast([1, 2], [(3, 4), 5]) == [(1, 1), 2]
    assert tree.broadcast({"a": 0.5}, {"a": {"x": 1, "y": [2, 3]}}) == \
        {"a": {"x": 0.5, "y": [0.5, 0.5]}}
    with pytest.raises(ValueError, match="prefix_tree"):
        tree.broadcast([1, 2, 3], [1, 2])


def test_reduce_associative() -> None:
    calls = []

    def add(a, b):
        calls.append((a, b))
        return a + b
    assert tree.reduce_associative(add, list(range(8))) == 28
    assert len(calls) == 7
    assert tree.reduce_associative(lambda a, b: a + b, [], identity=0) == 0
    with pytest.raises(TypeError, match="identity"):
        tree.reduce_associative(lambda a, b: a + b, [])
    # order is kept (only associativity is assumed)
    assert tree.reduce_associative(lambda a, b: a + b, ["a", ("b", "c"), "d"]) == "abcd"


def test_treedef_helpers_and_one_level() -> None:
    assert tree_util.treedef_is_leaf(tree.structure(1.0))
    assert tree_util.treedef_is_leaf(tree.structure(None))
    assert not tree_util.treedef_is_leaf(tree.structure([1]))
    parts = [tree.structure(1), tree.structure({"a": 0, "b": 0})]
    tup = tree_util.treedef_tuple(parts)
    assert tup == tree.structure((0, {"a": 0, "b": 0}))
    assert tree_util.treedef_children(tup) == parts
    assert tree_util.flatten_one_level({"b": 1, "a": (2, 3)}) == ([(2, 3), 1], ("a", "b"))
    keyed, _ = tree_util.flatten_one_level_with_keys([5, 6])
    assert keyed == [(tree_util.SequenceKey(0), 5), (tree_util.SequenceKey(1), 6)]
    with pytest.raises(ValueError, match="leaf"):
        tree_util.flatten_one_level(1.0)
    assert tree_util.is_tree_node((1,)) and tree_util.is_tree_node(collections.OrderedDict)
    assert not tree_util.is_tree_node(np.ones(2)) and not tree_util.is_tree_node(float)


def test_register_static_and_keys_class() -> None:
    @tree_util.register_static
    class Tag:
        def __init__(self, name):
            self.name = name

        def __eq__(self, other):
            return isinstance(other, Tag) and other.name == self.name

        def __hash__(self):
            return hash(self.name)

    assert tree.leaves([Tag("a"), 1.0]) == [1.0]
    assert tree.structure(Tag("a")) != tree.structure(Tag("b"))
    out = ft.jit(lambda t, x: x * 2 if t.name == "a" else x)(Tag("a"), 1.5)
    assert out == 3.0

    @tree_util.register_pytree_with_keys_class
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

        def tree_flatten_with_keys(self):
            return ((tree_util.GetAttrKey("a"), self.a), (tree_util.GetAttrKey("b"), self.b)), None

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(*children)

    assert [tree_util.keystr(p) for p, _ in tree.leaves_with_path(Pair(1, 2))] == [".a", ".b"]
    doubled = tree.map(lambda x: 2 * x, Pair(1, 2))
    assert (doubled.a, doubled.b) == (2, 4)


def test_partial_is_a_pytree() -> None:
    def scale(a, x, *, b=0.0):
        return a * x + b

    p = tree_util.Partial(scale, np.float64(2.0), b=np.float64(1.0))
    assert p(3.0) == 7.0
    assert tree.leaves(p) == [2.0, 1.0]
    doubled = tree.map(lambda v: v * 2, p)
    assert isinstance(doubled, tree_util.Partial) and doubled(3.0) == 14.0
    assert ft.jit(lambda f, x: f(x))(p, 3.0) == 7.0
    assert ft.grad(lambda a: tree_util.Partial(scale, a)(3.0))(2.0) == 3.0
    # a plain functools.partial inside stays static structure, its arguments are not leaves
    inner = tree_util.Partial(functools.partial(scale, np.float64(5.0)))
    assert tree.leaves(inner) == [] and inner(2.0) == 10.0
    # same function, same structure: jit does not retrace
    f = ft.jit(lambda g, x: g(x))
    f(tree_util.Partial(scale, 1.0), 1.0)
    f(tree_util.Partial(scale, 2.0), 1.0)
    assert f.cache_size() == 1


def test_vjp_returns_partial() -> None:
    import ftrans.numpy as fnp
    x = np.array([0.5, 1.0])
    y, pullback = ft.vjp(lambda v: fnp.sin(v) * v, x)
    assert isinstance(pullback, tree_util.Partial)
    assert len(tree.leaves(pullback)) >= 1
    expected = np.cos(x) * x + np.sin(x)
    np.testing.assert_allclose(pullback(np.ones(2))[0], expected)
    np.testing.assert_allclose(ft.jit(lambda f, c: f(c))(pullback, np.ones(2))[0], expected)
    out = ft.jit(lambda v: ft.vjp(fnp.sin, v)[1])(x)  # returned from a jitted function
    np.testing.assert_allclose(out(np.ones(2))[0], np.cos(x))
    with pytest.raises(TypeError, match="one cotangent"):
        pullback(np.ones(2), np.ones(2))
