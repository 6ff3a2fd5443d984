"""Pytrees: nested containers seen as a flat list of leaves plus a hashable structure.

A pytree is any nesting of container nodes (tuple, list, dict, None, namedtuples,
OrderedDict, defaultdict and user-registered types); everything else is a leaf.
``tree_flatten`` splits a tree into its leaves and a ``PyTreeDef``; the treedef rebuilds
a tree from new leaves and, being hashable, serves as a cache key for transformations.

This module owns the node registry, flattening and unflattening, key paths, prefix
matching (``tree_map`` over several trees, ``broadcast_prefix``) and structure-mismatch
errors. It uses only the standard library.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

__all__ = [
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath", "Partial",
    "PyTreeDef", "SequenceKey", "all_leaves", "broadcast_prefix", "flatten_one_level",
    "flatten_one_level_with_keys", "is_tree_node", "keystr", "register_dataclass",
    "register_pytree_node", "register_pytree_node_class", "register_pytree_with_keys",
    "register_pytree_with_keys_class", "register_static", "tree_all", "tree_broadcast",
    "tree_flatten", "tree_flatten_with_path", "tree_leaves", "tree_leaves_with_path",
    "tree_map", "tree_map_with_path", "tree_reduce", "tree_reduce_associative",
    "tree_structure", "tree_transpose", "tree_unflatten", "treedef_children",
    "treedef_is_leaf", "treedef_tuple",
]

_MISSING: Any = object()
_IsLeaf = Callable[[Any], bool] | None


# ----------------------------------------------------------------------------- key paths

@dataclasses.dataclass(frozen=True, slots=True)
class DictKey:
    """Key path entry for a mapping child; prints as ``['a']``."""
    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True, slots=True)
class SequenceKey:
    """Key path entry for a tuple or list child; prints as ``[0]``."""
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx}]"


@dataclasses.dataclass(frozen=True, slots=True)
class GetAttrKey:
    """Key path entry for an attribute (namedtuple, dataclass); prints as ``.name``."""
    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True, slots=True)
class FlattenedIndexKey:
    """Key path entry for the i-th child of a custom node registered without keys."""
    key: int

    def __str__(self) -> str:
        return f"[{self.key}]"


_KEY_TYPES = (DictKey, SequenceKey, GetAttrKey, FlattenedIndexKey)


def keystr(keys: Iterable[Any], *, simple: bool = False, separator: str = "") -> str:
    """Render a key path.

    Args:
        keys: key path entries, as produced by ``tree_flatten_with_path``.
        simple: print bare keys (``a``, ``0``, ``field``) instead of ``['a']``.
        separator: string placed between entries.
    Returns:
        The rendered path; ``''`` for the root.

    >>> keystr((DictKey('a'), SequenceKey(0), GetAttrKey('field')))
    "['a'][0].field"
    >>> keystr((DictKey('a'), SequenceKey(0)), simple=True, separator='/')
    'a/0'
    """
    if not simple:
        return separator.join(map(str, keys))
    # Each key class has exactly one slot: the bare key.
    return separator.join(
        str(getattr(k, next(iter(k.__slots__))) if isinstance(k, _KEY_TYPES) else k)
        for k in keys)


# ------------------------------------------------------------------------------ registry

class _NodeType:
    """How one container type is taken apart, rebuilt, keyed and printed."""

    __slots__ = ("describe", "flatten", "fmt", "keyed_flatten", "keys", "unflatten")

    def __init__(self, name, flatten, unflatten, keys=None, keyed_flatten=None,
                 fmt=None, describe=None):
        self.flatten, self.unflatten, self.keyed_flatten = flatten, unflatten, keyed_flatten
        self.keys = keys or (lambda aux, ch: map(FlattenedIndexKey, range(len(ch))))
        self.fmt = fmt or (lambda aux, ch: f"CustomNode({name}[{aux!r}], [{', '.join(ch)}])")
        self.describe = describe or (lambda aux, n: f"{name} node with aux data {aux!r} "
                                                    f"and {n} children")

    def flatten_with_keys(self, x):
        if self.keyed_flatten is not None:
            keyed, aux = self.keyed_flatten(x)
            return [tuple(kc) for kc in keyed], aux
        children, aux = self.flatten(x)
        return list(zip(self.keys(aux, children), children)), aux


def _sorted_keys(d) -> tuple:
    try:
        return tuple(sorted(d))
    except TypeError:  # mixed key types: any fixed order beats crashing
        return tuple(sorted(d, key=lambda k: (type(k).__name__, repr(k))))


def _dict_flatten(d):
    keys = _sorted_keys(d)
    return [d[k] for k in keys], keys


def _defaultdict_flatten(d):
    children, keys = _dict_flatten(d)
    return children, (d.default_factory, keys)


def _mapping_str(keys, ch) -> str:
    return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(keys, ch)) + "}"


def _seq_keys(aux, ch):
    return map(SequenceKey, range(len(ch)))


def _dict_keys(aux, ch):
    return map(DictKey, aux)


_registry: dict[type, _NodeType] = {
    tuple: _NodeType(
        "tuple", lambda x: (x, None), lambda aux, ch: tuple(ch), _seq_keys,
        fmt=lambda aux, ch: "(" + ", ".join(ch) + ("," if len(ch) == 1 else "") + ")",
        describe=lambda aux, n: f"tuple of length {n}"),
    list: _NodeType(
        "list", lambda x: (x, None), lambda aux, ch: list(ch), _seq_keys,
        fmt=lambda aux, ch: "[" + ", ".join(ch) + "]",
        describe=lambda aux, n: f"list of length {n}"),
    dict: _NodeType(
        "dict", _dict_flatten, lambda aux, ch: dict(zip(aux, ch)), _dict_keys,
        fmt=_mapping_str, describe=lambda aux, n: f"dict with keys {list(aux)!r}"),
    type(None): _NodeType(
        "None", lambda x: ((), None), lambda aux, ch: None,
        fmt=lambda aux, ch: "None", describe=lambda aux, n: "None"),
    collections.OrderedDict: _NodeType(
        "OrderedDict", lambda x: (list(x.values()), tuple(x)),
        lambda aux, ch: collections.OrderedDict(zip(aux, ch)), _dict_keys,
        fmt=lambda aux, ch: f"OrderedDict({_mapping_str(aux, ch)})",
        describe=lambda aux, n: f"OrderedDict with keys {list(aux)!r}"),
    collections.defaultdict: _NodeType(
        "defaultdict", _defaultdict_flatten,
        lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch)),
        lambda aux, ch: map(DictKey, aux[1]),
        fmt=lambda aux, ch: (f"defaultdict({getattr(aux[0], '__name__', aux[0])}, "
                             f"{_mapping_str(aux[1], ch)})"),
        describe=lambda aux, n: f"defaultdict with keys {list(aux[1])!r}"),
}

# Namedtuples are recognised structurally (tuple subclass with _fields) rather than
# registered, so every namedtuple class works without a registration step.
_NAMEDTUPLE = _NodeType(
    "namedtuple", lambda x: (x, type(x)), lambda aux, ch: aux(*ch),
    lambda aux, ch: map(GetAttrKey, aux._fields),
    fmt=lambda aux, ch: f"{aux.__name__}({', '.join(map('{}={}'.format, aux._fields, ch))})",
    describe=lambda aux, n: f"namedtuple {aux.__qualname__}")


def _handler(x) -> _NodeType | None:
    h = _registry.get(type(x))
    if h is None and isinstance(x, tuple) and hasattr(x, "_fields"):
        return _NAMEDTUPLE
    return h


def _register(nodetype: type, handler: _NodeType) -> None:
    if nodetype in _registry:
        raise ValueError(f"Duplicate pytree node registration for type {nodetype!r}.")
    _registry[nodetype] = handler


def register_pytree_node(nodetype: type, flatten_func: Callable[[Any], tuple[Iterable, Any]],
                         unflatten_func: Callable[[Any, tuple], Any],
                         flatten_with_keys_func: Callable | None = None) -> None:
    """Make instances of ``nodetype`` (exactly; not subclasses) pytree nodes.

    Args:
        nodetype: the type to register.
        flatten_func: ``x -> (children, aux_data)``; aux_data is part of the structure,
            so it must be hashable and comparable with ``==``.
        unflatten_func: ``(aux_data, children_tuple) -> x``.
        flatten_with_keys_func: optional ``x -> (((key, child), ...), aux_data)``.
    Raises:
        ValueError: if ``nodetype`` is already registered.

    >>> class Box:
    ...     def __init__(self, v): self.v = v
    >>> register_pytree_node(Box, lambda b: ((b.v,), None), lambda aux, ch: Box(*ch))
    >>> tree_leaves([Box(1), Box((2, 3))])
    [1, 2, 3]
    """
    def flatten(x):  # the flatten loop needs len() and reversed() on the children
        children, aux = flatten_func(x)
        return tuple(children), aux

    _register(nodetype, _NodeType(nodetype.__name__, flatten,
                                  lambda aux, ch: unflatten_func(aux, tuple(ch)),
                                  keyed_flatten=flatten_with_keys_func))


def register_pytree_with_keys(nodetype: type, flatten_with_keys: Callable,
                              unflatten_func: Callable,
                              flatten_func: Callable | None = None) -> None:
    """Register ``nodetype`` with a flatten function that also names each child.

    Args:
        flatten_with_keys: ``x -> (iterable of (key, child), aux_data)``.
        unflatten_func: ``(aux_data, children_tuple) -> x``.
        flatten_func: faster keyless flatten; derived from ``flatten_with_keys`` if omitted.
    Raises:
        ValueError: if ``nodetype`` is already registered.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_with_keys(
    ...     Pair, lambda p: (((GetAttrKey('a'), p.a), (GetAttrKey('b'), p.b)), None),
    ...     lambda aux, ch: Pair(*ch))
    >>> [keystr(k) for k, _ in tree_flatten_with_path(Pair(1, 2))[0]]
    ['.a', '.b']
    """
    def keyless(x: Any) -> tuple[list[Any], Any]:
        keyed, aux = flatten_with_keys(x)
        return [c for _, c in keyed], aux
    register_pytree_node(nodetype, keyless if flatten_func is None else flatten_func,
                         unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: register ``cls`` via its ``tree_flatten`` / ``tree_unflatten``.

    Args:
        cls: has ``tree_flatten(self) -> (children, aux)`` and classmethod
            ``tree_unflatten(aux, children)``.
    Returns:
        ``cls`` unchanged.
    Raises:
        ValueError: if ``cls`` is already registered.

    >>> @register_pytree_node_class
    ... class Scaled:
    ...     def __init__(self, x, k): self.x, self.k = x, k
    ...     def tree_flatten(self): return (self.x,), self.k
    ...     @classmethod
    ...     def tree_unflatten(cls, k, ch): return cls(ch[0], k)
    >>> tree_structure(Scaled(1.0, 2))
    PyTreeDef(CustomNode(Scaled[2], [*]))
    """
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_dataclass(nodetype: type | None = None, data_fields: Iterable[str] | None = None,
                       meta_fields: Iterable[str] | None = None) -> Any:
    """Register a class whose data fields are children and meta fields are static aux data.

    Works as ``register_dataclass(C, ...)``, ``@register_dataclass`` or
    ``@register_dataclass(meta_fields=[...])``. On a dataclass, omitted field lists are
    inferred: meta fields are those with ``metadata={'static': True}`` (or the ones not in
    ``data_fields``), data fields are the rest. Meta values must be hashable; instances are
    rebuilt through the constructor.

    Args:
        nodetype: the class (omit to get a decorator).
        data_fields: names of fields holding subtrees.
        meta_fields: names of fields that are part of the structure.
    Returns:
        ``nodetype``, or a decorator when ``nodetype`` is None.
    Raises:
        TypeError: if field lists must be inferred but ``nodetype`` is not a dataclass.
        ValueError: if the lists overlap, do not match the dataclass's init fields, or
            the type is already registered.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Layer:
    ...     w: Any
    ...     act: str = dataclasses.field(default='relu', metadata={'static': True})
    >>> tree_flatten(Layer(w=1.0))
    ([1.0], PyTreeDef(CustomNode(Layer[('relu',)], [*])))
    """
    if nodetype is None:
        return lambda cls: register_dataclass(cls, data_fields, meta_fields)
    is_dc = dataclasses.is_dataclass(nodetype)
    # Only init fields: instances are rebuilt through the constructor.
    fields = [f for f in dataclasses.fields(nodetype) if f.init] if is_dc else []
    if data_fields is None or meta_fields is None:
        if not is_dc:
            raise TypeError(f"register_dataclass: {nodetype!r} is not a dataclass; "
                            "pass both data_fields and meta_fields.")
        if meta_fields is None:
            meta_fields = ([f.name for f in fields if f.metadata.get("static", False)]
                           if data_fields is None else
                           [f.name for f in fields if f.name not in data_fields])
        if data_fields is None:
            data_fields = [f.name for f in fields if f.name not in meta_fields]
    data, meta = tuple(data_fields), tuple(meta_fields)
    both, names = set(data) & set(meta), {f.name for f in fields}
    wrong = (names ^ (set(data) | set(meta))) if is_dc else set()
    if both or wrong:
        raise ValueError(f"register_dataclass: {nodetype.__name__}: fields in both lists "
                         f"{sorted(both)}; missing or not init fields {sorted(wrong)}.")
    _register(nodetype, _NodeType(
        nodetype.__name__,
        lambda x: ([getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)),
        lambda aux, ch: nodetype(**dict(zip(meta, aux)), **dict(zip(data, ch))),
        lambda aux, ch: map(GetAttrKey, data)))
    return nodetype


# ------------------------------------------------------------------------------ treedefs

class PyTreeDef:
    """The structure of a pytree: node types and aux data, without the leaves.

    Hashable (hash cached) and comparable with ``==``. Nodes are kept as a flat pre-order
    list (leaf = ``None``, node = ``(nodetype, aux, arity)``) so that hashing, comparison
    and rebuilding need no recursion and deep trees are safe.
    """

    __slots__ = ("_hash", "_nodes", "_num_leaves")

    def __init__(self, nodes: list, num_leaves: int):
        self._nodes, self._num_leaves, self._hash = nodes, num_leaves, None

    @property
    def num_leaves(self) -> int:
        """Number of leaves."""
        return self._num_leaves

    @property
    def num_nodes(self) -> int:
        """Number of nodes, leaves and ``None`` nodes included."""
        return len(self._nodes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return self is other or (self._num_leaves == other._num_leaves
                                 and self._nodes == other._nodes)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._nodes))
        return self._hash

    def _fold(self, leaves: Sequence[Any], node_fn: Callable) -> Any:
        # Reversed pre-order visits every child before its parent, so one value stack
        # rebuilds the tree bottom-up; the first child ends up on top of the stack.
        stack: list = []
        push, i = stack.append, len(leaves)
        for rec in reversed(self._nodes):
            if rec is None:
                i -= 1
                push(leaves[i])
                continue
            h, aux, k = rec
            children = stack[-k:] if k else []
            if k:
                del stack[-k:]
                children.reverse()
            push(node_fn(h, aux, children))
        return stack[0]

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        """Build a tree of this structure from ``leaves`` (in flatten order).

        Raises:
            ValueError: if ``leaves`` does not hold exactly ``num_leaves`` values.

        >>> tree_structure({'a': 0, 'b': (0, 0)}).unflatten([1, 2, 3])
        {'a': 1, 'b': (2, 3)}
        """
        if type(leaves) is not list and type(leaves) is not tuple:
            leaves = list(leaves)
        n, nodes = self._num_leaves, self._nodes
        if len(leaves) != n:
            raise ValueError(f"Wrong number of leaves to unflatten {self}: "
                             f"expected {n}, got {len(leaves)}.")
        root = nodes[0]
        if root is None:
            return leaves[0]
        if root[2] == n and len(nodes) == n + 1:  # all children of the root are leaves
            return root[0].unflatten(root[1], leaves)
        return self._fold(leaves, lambda h, aux, ch: h.unflatten(aux, ch))

    def children(self) -> list[PyTreeDef]:
        """Treedefs of the root's children (``[]`` for a leaf).

        >>> tree_structure((1, [2, 3])).children()
        [PyTreeDef(*), PyTreeDef([*, *])]
        """
        nodes, out, pos = self._nodes, [], 1
        for _ in range(0 if nodes[0] is None else nodes[0][2]):
            start, pending = pos, 1
            while pending:
                pending += -1 if nodes[pos] is None else nodes[pos][2] - 1
                pos += 1
            out.append(PyTreeDef(nodes[start:pos], nodes[start:pos].count(None)))
        return out

    def flatten_up_to(self, tree: Any) -> list:
        """Flatten ``tree`` only as deep as this structure; each leaf here takes a subtree.

        Raises:
            ValueError: if this structure is not a prefix of ``tree``.

        >>> tree_structure((0, 0)).flatten_up_to(([1, 2], {'a': 3}))
        [[1, 2], {'a': 3}]
        """
        return _flatten_up_to(self, tree, "flatten_up_to", "the prefix", "the tree")

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        """The structure with ``inner`` put at every leaf of this one.

        >>> tree_structure((0, 0)).compose(tree_structure([0, 0]))
        PyTreeDef(([*, *], [*, *]))
        """
        nodes: list = []
        for rec in self._nodes:
            if rec is None:
                nodes.extend(inner._nodes)
            else:
                nodes.append(rec)
        return PyTreeDef(nodes, self._num_leaves * inner._num_leaves)

    def __repr__(self) -> str:
        body = self._fold(["*"] * self._num_leaves, lambda h, aux, ch: h.fmt(aux, ch))
        return f"PyTreeDef({body})"


# ----------------------------------------------------------------------------- flattening

def tree_flatten(tree: Any, is_leaf: _IsLeaf = None) -> tuple[list, PyTreeDef]:
    """Split a pytree into its leaves and its structure.

    Args:
        tree: the pytree.
        is_leaf: optional predicate; a subtree for which it returns True is one leaf.
    Returns:
        ``(leaves, treedef)``; dict children come in sorted key order.

    >>> tree_flatten((1, {'b': [2, 3], 'a': 4}, None))
    ([1, 4, 2, 3], PyTreeDef((*, {'a': *, 'b': [*, *]}, None)))
    """
    leaves: list = []
    nodes: list = []
    stack = [tree]
    pop, push, add_leaf, add_node = stack.pop, stack.extend, leaves.append, nodes.append
    get = _registry.get
    while stack:
        x = pop()
        if is_leaf is not None and is_leaf(x):
            add_leaf(x)
            add_node(None)
            continue
        h = get(type(x))
        if h is None:
            if not (isinstance(x, tuple) and hasattr(x, "_fields")):
                add_leaf(x)
                add_node(None)
                continue
            h = _NAMEDTUPLE
        children, aux = h.flatten(x)
        add_node((h, aux, len(children)))
        push(reversed(children))
    return leaves, PyTreeDef(nodes, len(leaves))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a pytree from a structure and leaves (``treedef.unflatten(leaves)``).

    Raises:
        ValueError: if ``len(leaves) != treedef.num_leaves``; the message gives both.

    >>> leaves, td = tree_flatten([1, (2, 3)])
    >>> tree_unflatten(td, [x * 10 for x in leaves])
    [10, (20, 30)]
    """
    return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: _IsLeaf = None) -> list:
    """The leaves of ``tree`` in flatten order.

    >>> tree_leaves({'x': None, 'y': [1, 2]})
    [1, 2]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: _IsLeaf = None) -> PyTreeDef:
    """The structure of ``tree``.

    >>> tree_structure([1, None])
    PyTreeDef([*, None])
    """
    return tree_flatten(tree, is_leaf)[1]


def all_leaves(iterable: Iterable[Any], is_leaf: _IsLeaf = None) -> bool:
    """Whether every element of ``iterable`` is a leaf (``None`` is not).

    >>> all_leaves([1, 'a']), all_leaves([1, (2,)]), all_leaves([None])
    (True, False, False)
    """
    return all((is_leaf is not None and is_leaf(x)) or _handler(x) is None for x in iterable)


def tree_flatten_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                           is_leaf_takes_path: bool = False
                           ) -> tuple[list[tuple[tuple, Any]], PyTreeDef]:
    """Like ``tree_flatten`` but pairs each leaf with its key path.

    Args:
        tree: the pytree.
        is_leaf: optional predicate ``is_leaf(x)``, or ``is_leaf(path, x)`` when
            ``is_leaf_takes_path`` is True; a subtree for which it is True is one leaf.
        is_leaf_takes_path: whether ``is_leaf`` receives the key path too.
    Returns:
        ``([(keypath, leaf), ...], treedef)``; a key path is a tuple of ``DictKey``,
        ``SequenceKey``, ``GetAttrKey`` or ``FlattenedIndexKey`` entries.

    >>> pairs, _ = tree_flatten_with_path({'a': [1, 2]})
    >>> [(keystr(p), x) for p, x in pairs]
    [("['a'][0]", 1), ("['a'][1]", 2)]
    """
    out: list = []
    nodes: list = []
    stack: list = [((), tree)]
    while stack:
        path, x = stack.pop()
        stop = is_leaf is not None and (is_leaf(path, x) if is_leaf_takes_path else is_leaf(x))
        h = None if stop else _handler(x)
        if h is None:
            out.append((path, x))
            nodes.append(None)
            continue
        keyed, aux = h.flatten_with_keys(x)
        nodes.append((h, aux, len(keyed)))
        stack.extend((path + (k,), c) for k, c in reversed(keyed))
    return out, PyTreeDef(nodes, len(out))


# ------------------------------------------------------------------------ prefix matching

def _find_mismatch(treedef: PyTreeDef, tree: Any) -> tuple[tuple, str] | None:
    stack: list = [((), tree)]
    for rec in treedef._nodes:
        path, x = stack.pop()
        if rec is None:
            continue
        h, aux, n = rec
        xh = _handler(x)
        if xh is None:
            return path, f"{h.describe(aux, n)} vs leaf of type {type(x).__name__}"
        keyed, xaux = xh.flatten_with_keys(x)
        if xh is not h or len(keyed) != n or xaux != aux:
            return path, f"{h.describe(aux, n)} vs {xh.describe(xaux, len(keyed))}"
        stack.extend((path + (k,), c) for k, c in reversed(keyed))
    return None


def _flatten_up_to(treedef: PyTreeDef, tree: Any, context: str, prefix_name: str,
                   tree_name: str) -> list:
    out: list = []
    stack = [tree]
    for rec in treedef._nodes:
        x = stack.pop()
        if rec is None:
            out.append(x)
            continue
        h, aux, n = rec
        if _handler(x) is h:
            children, xaux = h.flatten(x)
            if len(children) == n and xaux == aux:
                stack.extend(reversed(children))
                continue
        # Mismatch: walk again, this time tracking key paths, to say where.
        found = _find_mismatch(treedef, tree)
        where = f" at {keystr(found[0]) or 'the root'}: {found[1]}" if found else ""
        raise ValueError(
            f"{context}: {tree_name} does not match the structure of {prefix_name}{where}.\n"
            f"  {prefix_name} structure: {treedef}\n"
            f"  {tree_name} structure: {tree_structure(tree)}")
    return out


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: _IsLeaf = None) -> Any:
    """Apply ``f`` leafwise, returning a tree with the structure of ``tree``.

    Args:
        f: called as ``f(x, *xs)`` with a leaf of ``tree`` and the matching parts of ``rest``.
        tree: must be a prefix of every tree in ``rest``: each of its leaves matches a
            whole subtree of the others.
        *rest: further trees.
        is_leaf: applies to ``tree`` only.
    Returns:
        The mapped tree.
    Raises:
        ValueError: if ``tree`` is not a prefix of a tree in ``rest``; the message shows
            both structures and the key path where they first differ.

    >>> tree_map(lambda x, y: (x, y), [1, 2], [(3, 4), 5])
    [(1, (3, 4)), (2, 5)]
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return treedef.unflatten(list(map(f, leaves)))
    others = [_flatten_up_to(treedef, r, "tree_map", "argument 0", f"argument {i + 1}")
              for i, r in enumerate(rest)]
    return treedef.unflatten([f(*xs) for xs in zip(leaves, *others)])


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any,
                       is_leaf: Callable[..., bool] | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """Like ``tree_map`` but calls ``f(keypath, x, *xs)``; ``is_leaf`` as in
    :func:`tree_flatten_with_path`.

    Raises:
        ValueError: as ``tree_map``.

    >>> tree_map_with_path(lambda p, x: keystr(p), {'a': (0, 0)})
    {'a': ("['a'][0]", "['a'][1]")}
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [_flatten_up_to(treedef, r, "tree_map_with_path", "argument 0",
                             f"argument {i + 1}") for i, r in enumerate(rest)]
    return treedef.unflatten([f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


def _is_none(x: Any) -> bool:
    return x is None


def broadcast_prefix(prefix_tree: Any, full_tree: Any, is_leaf: _IsLeaf = None) -> list:
    """For each leaf of ``full_tree`` (flatten order), the leaf of ``prefix_tree`` above it.

    ``None`` in ``prefix_tree`` is a leaf here (e.g. "not mapped") covering a whole subtree.

    Args:
        prefix_tree: a tree whose structure is a prefix of ``full_tree``'s.
        full_tree: the full tree.
        is_leaf: used when flattening ``full_tree`` (not ``prefix_tree``).
    Returns:
        A list of ``len(tree_leaves(full_tree, is_leaf))`` prefix leaves.
    Raises:
        ValueError: if ``prefix_tree`` is not a prefix of ``full_tree``; the message shows
            both structures and the key path where they first differ.

    >>> broadcast_prefix((0, None), ([1, 2], {'a': 3, 'b': 4}))
    [0, 0, None, None]
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, _is_none)
    subtrees = _flatten_up_to(prefix_def, full_tree, "broadcast_prefix", "prefix",
                              "full tree")
    out: list = []
    for p, sub in zip(prefix_leaves, subtrees):
        out.extend([p] * len(tree_flatten(sub, is_leaf)[0]))
    return out


# ---------------------------------------------------------------------------- reductions

def tree_reduce(function: Callable[[Any, Any], Any], tree: Any, initializer: Any = _MISSING,
                is_leaf: _IsLeaf = None) -> Any:
    """``functools.reduce`` over the leaves of ``tree``.

    Raises:
        TypeError: if ``tree`` has no leaves and no initializer is given.

    >>> tree_reduce(lambda a, b: a + b, {'a': 1, 'b': (2, 3)})
    6
    """
    leaves = tree_flatten(tree, is_leaf)[0]
    if initializer is _MISSING:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: Any, *, is_leaf: _IsLeaf = None) -> bool:
    """Whether all leaves are truthy (True when there are none).

    >>> tree_all([True, (1, None)]), tree_all({'a': 0})
    (True, False)
    """
    return all(tree_flatten(tree, is_leaf)[0])


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
    """Turn an outer-of-inner tree into an inner-of-outer tree.

    Args:
        outer_treedef: structure of the outer level.
        inner_treedef: structure of each inner tree; inferred from the first if None.
        pytree_to_transpose: a tree of structure ``outer_treedef.compose(inner_treedef)``.
    Returns:
        A tree of structure ``inner_treedef.compose(outer_treedef)``.
    Raises:
        ValueError: if the tree does not have exactly the composed structure.

    >>> tree_transpose(tree_structure([0, 0]), tree_structure((0, 0)), [(1, 2), (3, 4)])
    ([1, 3], [2, 4])
    """
    leaves, treedef = tree_flatten(pytree_to_transpose)
    if inner_treedef is None:
        subtrees = outer_treedef.flatten_up_to(pytree_to_transpose)
        if not subtrees:
            raise ValueError("tree_transpose: cannot infer inner_treedef without leaves.")
        inner_treedef = tree_structure(subtrees[0])
    expected = outer_treedef.compose(inner_treedef)
    if treedef != expected:
        raise ValueError(f"tree_transpose: structure {treedef} is not outer {outer_treedef} "
                         f"composed with inner {inner_treedef}, i.e. {expected}.")
    ni = inner_treedef.num_leaves
    return inner_treedef.unflatten([outer_treedef.unflatten(leaves[j::ni]) for j in range(ni)])


# ------------------------------------------------------- more of the pytree vocabulary

KeyEntry = Any  # one step of a key path: DictKey, SequenceKey, GetAttrKey, FlattenedIndexKey
KeyPath = tuple  # a tuple of KeyEntry


def tree_leaves_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                          is_leaf_takes_path: bool = False) -> list[tuple[tuple, Any]]:
    """The ``(key path, leaf)`` pairs of ``tree``, in flatten order.

    >>> [(keystr(p), x) for p, x in tree_leaves_with_path({'a': [1, 2]})]
    [("['a'][0]", 1), ("['a'][1]", 2)]
    """
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_broadcast(prefix_tree: Any, full_tree: Any, is_leaf: _IsLeaf = None) -> Any:
    """``prefix_tree`` grown to the structure of ``full_tree``: each leaf of the prefix is
    repeated at every leaf of the subtree it covers.

    Raises:
        ValueError: if ``prefix_tree`` is not a prefix of ``full_tree``.

    >>> tree_broadcast([1, 2], [(3, 4), 5])
    [(1, 1), 2]
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = _flatten_up_to(prefix_def, full_tree, "tree_broadcast", "prefix_tree",
                              "full_tree")
    return prefix_def.unflatten([tree_map(lambda _, p=p: p, sub, is_leaf=is_leaf)
                                 for p, sub in zip(prefix_leaves, subtrees)])


def tree_reduce_associative(operation: Callable[[Any, Any], Any], tree: Any, *,
                            identity: Any = _MISSING, is_leaf: _IsLeaf = None) -> Any:
    """Combine the leaves of ``tree`` with an associative ``operation``, pairwise in a
    balanced tree (depth log2 of the number of leaves).

    Raises:
        TypeError: if ``tree`` has no leaves and no ``identity`` is given.

    >>> tree_reduce_associative(lambda a, b: a + b, [1, (2, 3), 4])
    10
    """
    leaves = tree_flatten(tree, is_leaf)[0]
    if not leaves:
        if identity is _MISSING:
            raise TypeError("tree_reduce_associative: the tree has no leaves; pass identity= "
                            "for the value of an empty reduction")
        return identity
    while len(leaves) > 1:
        paired = [operation(a, b) for a, b in zip(leaves[::2], leaves[1::2])]
        leaves = paired + ([leaves[-1]] if len(leaves) % 2 else [])
    return leaves[0]


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether ``treedef`` has a single node (a leaf, or a childless node such as ``None``).

    >>> treedef_is_leaf(tree_structure(1)), treedef_is_leaf(tree_structure([1]))
    (True, False)
    """
    return treedef.num_nodes == 1


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root's children (``treedef.children()``)."""
    return treedef.children()


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose children have the structures ``treedefs``.

    >>> treedef_tuple([tree_structure(1), tree_structure([1, 2])])
    PyTreeDef((*, [*, *]))
    """
    treedefs = list(treedefs)
    nodes: list = [(_registry[tuple], None, len(treedefs))]
    for td in treedefs:
        nodes.extend(td._nodes)
    return PyTreeDef(nodes, sum(td.num_leaves for td in treedefs))


def flatten_one_level(tree: Any) -> tuple[list, Any]:
    """The children and aux data of ``tree``'s root node.

    Raises:
        ValueError: if ``tree`` is a leaf.

    >>> flatten_one_level({'a': 1, 'b': (2, 3)})
    ([1, (2, 3)], ('a', 'b'))
    """
    h = _handler(tree)
    if h is None:
        raise ValueError(f"flatten_one_level: a leaf of type {type(tree).__name__} has no "
                         f"children")
    children, aux = h.flatten(tree)
    return list(children), aux


def flatten_one_level_with_keys(tree: Any) -> tuple[list[tuple[Any, Any]], Any]:
    """Like :func:`flatten_one_level`, with each child paired with its key.

    >>> flatten_one_level_with_keys((1, 2))[0]
    [(SequenceKey(idx=0), 1), (SequenceKey(idx=1), 2)]
    """
    h = _handler(tree)
    if h is None:
        raise ValueError(f"flatten_one_level_with_keys: a leaf of type "
                         f"{type(tree).__name__} has no children")
    return h.flatten_with_keys(tree)


def is_tree_node(obj_or_type: Any) -> bool:
    """Whether a value (or a type) is a pytree node rather than a leaf.

    >>> is_tree_node([1]), is_tree_node(1.0), is_tree_node(dict)
    (True, False, True)
    """
    if isinstance(obj_or_type, type):
        return obj_or_type in _registry or (issubclass(obj_or_type, tuple)
                                            and hasattr(obj_or_type, "_fields"))
    return _handler(obj_or_type) is not None


def register_static(cls: type) -> type:
    """Class decorator: instances of ``cls`` are pytree nodes with no children, the instance
    itself being aux data (so part of the structure: it must be hashable).

    >>> @register_static
    ... class Tag:
    ...     def __hash__(self): return 0
    ...     def __eq__(self, other): return isinstance(other, Tag)
    >>> tree_leaves([Tag(), 1.0])
    [1.0]
    """
    register_pytree_node(cls, lambda x: ((), x), lambda aux, ch: aux)
    return cls


def register_pytree_with_keys_class(cls: type) -> type:
    """Class decorator: register ``cls`` via its ``tree_flatten_with_keys`` (``-> (((key,
    child), ...), aux)``) and classmethod ``tree_unflatten(aux, children)``; a
    ``tree_flatten`` method, if present, is the faster keyless flatten.
    """
    flatten = getattr(cls, "tree_flatten", None)
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten,
                              None if flatten is None else (lambda x: x.tree_flatten()))
    return cls


class Partial(functools.partial):
    """``functools.partial`` that is a pytree: the bound arguments are its children and the
    function is structure, so a ``Partial`` can be passed to and returned from jitted and
    transformed functions (``vjp`` returns its backward function as one).

    >>> import ftrans as ft
    >>> add_one = Partial(lambda a, b: a + b, 1.0)
    >>> ft.jit(lambda f, x: f(x))(add_one, 2.0)
    np.float64(3.0)
    >>> tree_leaves(add_one)
    [1.0]
    """

    def __new__(cls, func: Callable, *args: Any, **kw: Any) -> Partial:
        # A Partial of a plain functools.partial would expose the inner one's arguments as
        # structure; wrapping keeps the bound function itself as the only static part.
        if isinstance(func, functools.partial) and not isinstance(func, Partial):
            inner = func
            func = functools.wraps(inner)(lambda *a, **k: inner(*a, **k))
        return super().__new__(cls, func, *args, **kw)


register_pytree_node(
    Partial, lambda p: ((p.args, p.keywords), p.func),
    lambda func, ch: Partial(func, *ch[0], **ch[1]))
