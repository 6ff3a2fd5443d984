import collections
import dataclasses
import doctest
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftrans import tree_util as tu

Point = collections.namedtuple("Point", "x y")
Other = collections.namedtuple("Other", "x y")


# ------------------------------------------------------------------------------- helpers

def same_tree(a, b) -> bool:
    """Structural equality with leaves compared by identity (works for numpy leaves)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)) and (type(a) in (tuple, list) or hasattr(a, "_fields")):
        return len(a) == len(b) and all(same_tree(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):  # plain dicts come back in sorted key order
        keys_match = list(a) == list(b) if type(a) is not dict else a.keys() == b.keys()
        return keys_match and all(same_tree(a[k], b[k]) for k in a)
    return a is b


leaf_st = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(0, 3).map(lambda n: np.arange(n, dtype=np.float32)),
)


def _extend(children):
    return st.one_of(
        st.lists(children, max_size=3).map(tuple),
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from("abcd"), children, max_size=3),
        st.builds(Point, children, children),
        st.just(None),
    )


tree_st = st.recursive(leaf_st | st.just(None), _extend, max_leaves=12)


# ---------------------------------------------------------------------- flatten/unflatten

@settings(max_examples=60, deadline=None, database=None)
@given(tree_st)
def test_round_trip(tree):
    leaves, treedef = tu.tree_flatten(tree)
    assert treedef.num_leaves == len(leaves)
    rebuilt = tu.tree_unflatten(treedef, leaves)
    assert same_tree(rebuilt, tree)
    leaves2, treedef2 = tu.tree_flatten(rebuilt)
    assert treedef2 == treedef and hash(treedef2) == hash(treedef)
    assert all(a is b for a, b in zip(leaves, leaves2, strict=True))


@settings(max_examples=60, deadline=None, database=None)
@given(tree_st)
def test_structure_ignores_leaf_values_and_unflatten_accepts_iterators(tree):
    zeros = tu.tree_map(lambda _: 0, tree)
    td = tu.tree_structure(tree)
    assert tu.tree_structure(zeros) == td
    assert hash(tu.tree_structure(zeros)) == hash(td)
    assert str(tu.tree_structure(zeros)) == str(td)
    assert tu.tree_leaves(td.unflatten(iter(range(td.num_leaves)))) == list(range(td.num_leaves))


@settings(max_examples=40, deadline=None, database=None)
@given(tree_st)
def test_wrapping_changes_structure(tree):
    td = tu.tree_structure(tree)
    assert tu.tree_structure([tree]) != td
    assert tu.tree_structure((tree,)) != tu.tree_structure([tree])
    assert tu.tree_structure({"k": tree}) != tu.tree_structure({"j": tree})


def test_flatten_order_and_repr():
    leaves, td = tu.tree_flatten((1, {"b": [2, 3], "a": 4}, None))
    assert leaves == [1, 4, 2, 3]
    assert repr(td) == "PyTreeDef((*, {'a': *, 'b': [*, *]}, None))"
    assert str(td) == repr(td)
    assert td.num_leaves == 4
    assert td.num_nodes == 8  # tuple, dict, list, None and four leaves
    assert repr(tu.tree_structure((1,))) == "PyTreeDef((*,))"
    assert repr(tu.tree_structure(5)) == "PyTreeDef(*)"
    assert repr(tu.tree_structure(Point(1, [2]))) == "PyTreeDef(Point(x=*, y=[*]))"


def test_dict_keys_sorted_and_restored():
    d = {"b": 1, "a": 2, "c": 3}
    leaves, td = tu.tree_flatten(d)
    assert leaves == [2, 1, 3]
    assert td.unflatten([10, 20, 30]) == {"a": 10, "b": 20, "c": 30}
    assert tu.tree_structure({"a": 0, "b": 0}) == tu.tree_structure({"b": 5, "a": 6})


def test_dict_with_unsortable_keys_is_deterministic():
    d1 = {1: "i", "a": "s", (2,): "t"}
    d2 = {(2,): "t", "a": "s", 1: "i"}
    l1, td1 = tu.tree_flatten(d1)
    l2, td2 = tu.tree_flatten(d2)
    assert l1 == l2 and sorted(l1) == ["i", "s", "t"]
    assert td1 == td2
    assert td1.unflatten(l1) == d1


def test_none_is_a_node_without_leaves():
    assert tu.tree_leaves(None) == []
    assert tu.tree_leaves([None, 1, (None,)]) == [1]
    td = tu.tree_structure(None)
    assert td.num_leaves == 0 and td.num_nodes == 1
    assert td.unflatten([]) is None
    assert tu.tree_structure(None) != tu.tree_structure(0)


def test_is_leaf_stops_recursion():
    tree = [(1, 2), [3, (4,)]]
    leaves = tu.tree_leaves(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert leaves == [(1, 2), 3, (4,)]
    assert tu.tree_leaves([None, 1], is_leaf=lambda x: x is None) == [None, 1]
    assert tu.tree_leaves(tree, is_leaf=lambda x: x is tree) == [tree]


def test_what_is_a_leaf():
    class MyList(list):
        pass

    class MyDict(dict):
        pass

    arr = np.ones(3)
    things = [arr, np.float32(1.0), "str", b"b", 3, 2.5, MyList([1, 2]), MyDict(a=1), object()]
    leaves = tu.tree_leaves(things)
    assert len(leaves) == len(things) and all(a is b for a, b in zip(leaves, things))
    assert tu.all_leaves(things)
    assert not tu.all_leaves([1, Point(1, 2)])
    assert not tu.all_leaves([None])
    assert tu.all_leaves([None, (1,)], is_leaf=lambda x: x is None or isinstance(x, tuple))
    assert tu.tree_leaves(Point(1, (2, 3))) == [1, 2, 3]


def test_structure_inequalities():
    s = tu.tree_structure
    assert s((1, 2)) != s([1, 2])
    assert s((1, 2)) != s((1, 2, 3))
    assert s({"a": 1}) != s({"b": 1})
    assert s({"a": 1}) != s(collections.OrderedDict(a=1))
    assert s(Point(1, 2)) != s(Other(1, 2))
    assert s(Point(1, 2)) != s((1, 2))
    assert s((1, None)) != s((1, 2))
    assert s([[1], 2]) != s([1, [2]])
    assert s((1, 2)) != "PyTreeDef((*, *))"
    cache = {s((1, {"a": 2})): "hit"}
    assert cache[s((7, {"a": 8}))] == "hit"


def test_ordered_dict_and_defaultdict():
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    leaves, td = tu.tree_flatten(od)
    assert leaves == [1, 2]
    rebuilt = td.unflatten([3, 4])
    assert type(rebuilt) is collections.OrderedDict and list(rebuilt.items()) == [("b", 3),
                                                                                 ("a", 4)]
    assert td != tu.tree_structure(collections.OrderedDict([("a", 1), ("b", 2)]))

    dd = collections.defaultdict(list, {"b": 1, "a": 2})
    leaves, td = tu.tree_flatten(dd)
    assert leaves == [2, 1]
    rebuilt = td.unflatten([5, 6])
    assert type(rebuilt) is collections.defaultdict and rebuilt.default_factory is list
    assert dict(rebuilt) == {"a": 5, "b": 6}
    assert td != tu.tree_structure(collections.defaultdict(set, {"b": 1, "a": 2}))
    assert td != tu.tree_structure({"b": 1, "a": 2})


def test_children_flatten_up_to_compose():
    td = tu.tree_structure((1, [2, 3], {"a": None}))
    kids = td.children()
    assert kids == [tu.tree_structure(0), tu.tree_structure([0, 0]),
                    tu.tree_structure({"a": None})]
    assert [k.num_leaves for k in kids] == [1, 2, 0]
    assert tu.tree_structure(0).children() == []
    assert tu.tree_structure((0, 0)).flatten_up_to(([1, 2], 3)) == [[1, 2], 3]
    composed = tu.tree_structure((0, 0)).compose(tu.tree_structure([0, None]))
    assert composed == tu.tree_structure(([1, None], [2, None]))
    assert composed.num_leaves == 2


def test_unflatten_wrong_leaf_count():
    td = tu.tree_structure({"a": 1, "b": (2, 3)})
    with pytest.raises(ValueError, match=r"expected 3, got 2") as e:
        td.unflatten([1, 2])
    assert "{'a': *, 'b': (*, *)}" in str(e.value)
    with pytest.raises(ValueError, match=r"expected 3, got 4"):
        tu.tree_unflatten(td, [1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"expected 2, got 3"):
        tu.tree_structure((1, 2)).unflatten([1, 2, 3])


# ------------------------------------------------------------------------------ tree_map

def test_tree_map_single_and_multiple():
    tree = {"a": 1, "b": (2, None, [3])}
    assert tu.tree_map(lambda x: x * 10, tree) == {"a": 10, "b": (20, None, [30])}
    other = {"a": 100, "b": (200, None, [300])}
    assert tu.tree_map(lambda x, y, z: x + y + z, tree, other, other) == \
        {"a": 201, "b": (402, None, [603])}
    arr = np.arange(3.0)
    out = tu.tree_map(lambda x: x + 1, (arr, Point(arr, 1)))
    assert type(out[1]) is Point and np.array_equal(out[1].x, arr + 1)


def test_tree_map_prefix_rule():
    out = tu.tree_map(lambda x, y: (x, y), [1, 2], [(3, 4), {"k": 5}])
    assert out == [(1, (3, 4)), (2, {"k": 5})]
    # Leaves of the first tree may cover None in the others.
    assert tu.tree_map(lambda x, y: y, [1], [None]) == [None]
    # The first tree must be the prefix, not the other way around.
    with pytest.raises(ValueError):
        tu.tree_map(lambda x, y: x, [(3, 4), 5], [1, 2])
    # is_leaf applies to the first tree and so widens what the others may hold there.
    out = tu.tree_map(lambda x, y: len(y), [(1, 2)], [[7, 8, 9]],
                      is_leaf=lambda x: isinstance(x, tuple))
    assert out == [3]


def test_tree_map_mismatch_message_shows_both_structures_and_location():
    with pytest.raises(ValueError) as e:
        tu.tree_map(lambda x, y: x, {"a": 1, "b": (1, 2)}, {"a": 1, "b": (1, 2, 3)})
    msg = str(e.value)
    assert "PyTreeDef({'a': *, 'b': (*, *)})" in msg
    assert "PyTreeDef({'a': *, 'b': (*, *, *)})" in msg
    assert "at ['b']: tuple of length 2 vs tuple of length 3" in msg
    assert "argument 1" in msg

    with pytest.raises(ValueError) as e:
        tu.tree_map(lambda *a: 0, [{"x": 1}], [{"x": 1}], [{"y": 1}])
    msg = str(e.value)
    assert "argument 2" in msg and "at [0]" in msg
    assert "['x']" in msg and "['y']" in msg

    with pytest.raises(ValueError, match=r"at \[1\]: list of length 2 vs leaf of type int"):
        tu.tree_map(lambda x, y: x, [1, [2, 3]], [1, 5])
    with pytest.raises(ValueError, match=r"at the root: tuple of length 2 vs list of length 2"):
        tu.tree_map(lambda x, y: x, (1, 2), [1, 2])
    with pytest.raises(ValueError, match=r"namedtuple Point vs namedtuple Other"):
        tu.tree_map(lambda x, y: x, Point(1, 2), Other(1, 2))


# ---------------------------------------------------------------------- custom nodes

class Box:
    def __init__(self, value, tag):
        self.value, self.tag = value, tag


tu.register_pytree_node(Box, lambda b: (iter([b.value]), b.tag),
                        lambda tag, ch: Box(ch[0], tag))


@tu.register_pytree_node_class
class Pair:
    def __init__(self, a, b, name="p"):
        self.a, self.b, self.name = a, b, name

    def tree_flatten(self):
        return (self.a, self.b), self.name

    @classmethod
    def tree_unflatten(cls, name, children):
        assert isinstance(children, tuple)
        return cls(*children, name=name)


def test_custom_node():
    leaves, td = tu.tree_flatten([Box((1, 2), "t"), 3])
    assert leaves == [1, 2, 3]
    assert repr(td) == "PyTreeDef([CustomNode(Box['t'], [(*, *)]), *])"
    rebuilt = td.unflatten([4, 5, 6])
    assert isinstance(rebuilt[0], Box) and rebuilt[0].value == (4, 5) and rebuilt[0].tag == "t"
    assert td != tu.tree_structure([Box((1, 2), "u"), 3])
    assert td == tu.tree_structure([Box((7, 8), "t"), 9])
    paths = [tu.keystr(p) for p, _ in tu.tree_flatten_with_path(Box([1], "t"))[0]]
    assert paths == ["[0][0]"]
    assert tu.tree_flatten_with_path(Box(1, "t"))[0][0][0] == (tu.FlattenedIndexKey(0),)


def test_register_pytree_node_class():
    p = Pair(1, [2], name="q")
    leaves, td = tu.tree_flatten(p)
    assert leaves == [1, 2]
    q = td.unflatten([10, 20])
    assert isinstance(q, Pair) and (q.a, q.b, q.name) == (10, [20], "q")
    assert td != tu.tree_structure(Pair(1, [2], name="r"))


def test_duplicate_registration_is_an_error():
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(Box, lambda b: ((), None), lambda a, c: Box(None, None))
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(tuple, lambda b: ((), None), lambda a, c: ())
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node_class(Pair)


def test_register_pytree_with_keys():
    class Named:
        def __init__(self, x, y):
            self.x, self.y = x, y

    tu.register_pytree_with_keys(
        Named, lambda n: (((tu.GetAttrKey("x"), n.x), (tu.GetAttrKey("y"), n.y)), None),
        lambda aux, ch: Named(*ch))
    pairs, td = tu.tree_flatten_with_path({"n": Named(1, (2,))})
    assert [tu.keystr(p) for p, _ in pairs] == ["['n'].x", "['n'].y[0]"]
    assert td == tu.tree_structure({"n": Named(5, (6,))})
    assert tu.tree_leaves(Named(1, 2)) == [1, 2]


# -------------------------------------------------------------------------- dataclasses

@tu.register_dataclass
@dataclasses.dataclass
class Layer:
    w: Any
    b: Any
    act: str = dataclasses.field(default="relu", metadata={"static": True})


@dataclasses.dataclass(frozen=True)
class Opt:
    lr: Any
    state: Any
    name: str


tu.register_dataclass(Opt, data_fields=["state", "lr"], meta_fields=["name"])


def test_register_dataclass_decorator_with_static_field():
    layer = Layer(w=np.ones(2), b=0.5)
    leaves, td = tu.tree_flatten(layer)
    assert len(leaves) == 2 and leaves[0] is layer.w and leaves[1] == 0.5
    rebuilt = td.unflatten([1, 2])
    assert rebuilt == Layer(w=1, b=2, act="relu")
    assert td == tu.tree_structure(Layer(w=3, b=4))
    assert td != tu.tree_structure(Layer(w=3, b=4, act="tanh"))
    assert tu.tree_map(lambda x: x * 2, Layer(w=1, b=2, act="tanh")) == Layer(2, 4, "tanh")


def test_register_dataclass_call_with_explicit_fields():
    leaves, td = tu.tree_flatten(Opt(lr=0.1, state=(1, 2), name="sgd"))
    assert leaves == [1, 2, 0.1]  # data_fields order, not declaration order
    assert td.unflatten([3, 4, 0.2]) == Opt(lr=0.2, state=(3, 4), name="sgd")
    assert td != tu.tree_structure(Opt(lr=0.1, state=(1, 2), name="adam"))
    pairs, _ = tu.tree_flatten_with_path(Opt(lr=0.1, state=(1, 2), name="sgd"))
    assert [tu.keystr(p) for p, _ in pairs] == [".state[0]", ".state[1]", ".lr"]


def test_register_dataclass_decorator_factory_and_errors():
    @tu.register_dataclass(meta_fields=["n"])
    @dataclasses.dataclass
    class C:
        x: Any
        n: int

    assert tu.tree_leaves(C(x=[1, 2], n=3)) == [1, 2]
    assert tu.tree_structure(C(1, 3)) != tu.tree_structure(C(1, 4))

    class NotDC:
        pass

    with pytest.raises(TypeError):
        tu.register_dataclass(NotDC)

    @dataclasses.dataclass
    class D:
        x: Any
        y: Any

    with pytest.raises(ValueError):
        tu.register_dataclass(D, data_fields=["x", "y"], meta_fields=["y"])
    with pytest.raises(ValueError):
        tu.register_dataclass(D, data_fields=["x"], meta_fields=[])


# ------------------------------------------------------------------------------ key paths

def test_keypaths_and_keystr():
    tree = {"a": [1, Point(x=2, y=(3,))], "b": None, "c": Layer(w=4, b=5)}
    pairs, td = tu.tree_flatten_with_path(tree)
    assert [x for _, x in pairs] == [1, 2, 3, 4, 5]
    assert [tu.keystr(p) for p, _ in pairs] == [
        "['a'][0]", "['a'][1].x", "['a'][1].y[0]", "['c'].w", "['c'].b"]
    assert pairs[0][0] == (tu.DictKey("a"), tu.SequenceKey(0))
    assert td == tu.tree_structure(tree)
    assert tu.keystr(pairs[2][0], simple=True, separator="/") == "a/1/y/0"
    assert tu.keystr(()) == ""
    assert tu.tree_flatten_with_path(7)[0] == [((), 7)]


def test_tree_map_with_path():
    out = tu.tree_map_with_path(lambda p, x, y: f"{tu.keystr(p)}={x + y}",
                                {"a": (1, 2)}, {"a": (10, 20)})
    assert out == {"a": ("['a'][0]=11", "['a'][1]=22")}
    with pytest.raises(ValueError, match="tuple of length 2 vs tuple of length 1"):
        tu.tree_map_with_path(lambda p, x, y: x, {"a": (1, 2)}, {"a": (1,)})


# ----------------------------------------------------------------------------- reductions

def test_tree_reduce_and_all():
    tree = {"a": 1, "b": (2, [3])}
    assert tu.tree_reduce(lambda a, b: a + b, tree) == 6
    assert tu.tree_reduce(lambda a, b: a + [b], tree, []) == [1, 2, 3]
    assert tu.tree_reduce(lambda a, b: a + b, None, 5) == 5
    with pytest.raises(TypeError):
        tu.tree_reduce(lambda a, b: a + b, [None])
    assert tu.tree_reduce(lambda a, b: a + b, [(1, 2), [(3,)]], (),
                          is_leaf=lambda x: type(x) is tuple) == (1, 2, 3)
    assert tu.tree_all([True, (1, None)])
    assert not tu.tree_all({"a": 1, "b": [0]})
    assert tu.tree_all([])


def test_tree_transpose():
    outer = tu.tree_structure([0, 0, 0])
    inner = tu.tree_structure({"x": 0, "y": 0})
    tree = [{"x": 1, "y": 2}, {"x": 3, "y": 4}, {"x": 5, "y": 6}]
    expected = {"x": [1, 3, 5], "y": [2, 4, 6]}
    assert tu.tree_transpose(outer, inner, tree) == expected
    assert tu.tree_transpose(outer, None, tree) == expected
    with pytest.raises(ValueError, match="tree_transpose"):
        tu.tree_transpose(outer, inner, [{"x": 1, "y": 2}, {"x": 3, "z": 4}, {"x": 5, "y": 6}])


# ----------------------------------------------------------------------- broadcast_prefix

def test_broadcast_prefix():
    full = ([1, 2], {"a": 3, "b": (4, 5)}, 6)
    assert tu.broadcast_prefix((0, None, 1), full) == [0, 0, None, None, None, 1]
    assert tu.broadcast_prefix((0, {"a": 1, "b": None}, 2), full) == [0, 0, 1, None, None, 2]
    assert tu.broadcast_prefix(None, full) == [None] * 6
    assert tu.broadcast_prefix(7, full) == [7] * 6
    # A prefix leaf over a None subtree covers zero leaves.
    assert tu.broadcast_prefix((0, 1), (None, [2, 3])) == [1, 1]
    # is_leaf applies to the full tree.
    assert tu.broadcast_prefix((0, 1), ((1, 2), 3), is_leaf=lambda x: x == (1, 2)) == [0, 1]


def test_broadcast_prefix_mismatch_message():
    with pytest.raises(ValueError) as e:
        tu.broadcast_prefix((0, (1, 2)), (np.ones(2), (3, 4, 5)))
    msg = str(e.value)
    assert "broadcast_prefix" in msg
    assert "at [1]: tuple of length 2 vs tuple of length 3" in msg
    assert "PyTreeDef((*, (*, *)))" in msg and "PyTreeDef((*, (*, *, *)))" in msg
    with pytest.raises(ValueError, match=r"at \['p'\]: dict with keys \['a'\] vs None"):
        tu.broadcast_prefix({"p": {"a": 0}}, {"p": None})


# -------------------------------------------------------------------------- deep nesting

@pytest.mark.parametrize("depth", [500, 5000])
def test_deep_nesting(depth):
    tree: Any = 1
    for i in range(depth):
        tree = [tree] if i % 2 else {"k": tree}
    leaves, td = tu.tree_flatten(tree)
    assert leaves == [1]
    assert td.num_nodes == depth + 1
    rebuilt = td.unflatten([2])
    assert tu.tree_structure(rebuilt) == td and tu.tree_leaves(rebuilt) == [2]
    assert hash(td) == hash(tu.tree_structure(rebuilt))
    assert repr(td).count("*") == 1
    assert tu.tree_leaves(tu.tree_map(lambda a, b: a + b, tree, rebuilt)) == [3]
    pairs, _ = tu.tree_flatten_with_path(tree)
    assert len(pairs[0][0]) == depth
    assert tu.broadcast_prefix(tree, rebuilt) == [1]
    assert len(td.children()) == 1


def test_docstring_examples():
    result = doctest.testmod(tu, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0
