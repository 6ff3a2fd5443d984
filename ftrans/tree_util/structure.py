"""Tree structure: ``PyTreeDef``, flattening and unflattening (with key paths), and prefix
matching (``tree_map`` over several trees, ``broadcast_prefix``) with structure-mismatch
errors that name where two trees differ. See docs/pytrees.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from ftrans.tree_util.registry import (
    NAMEDTUPLE, IsLeaf,
    node_handler, node_registry, keystr,
)

__all__ = [
    "PyTreeDef", "all_leaves", "broadcast_prefix", "flatten_up_to_prefix", "tree_flatten",
    "tree_flatten_with_path", "tree_leaves", "tree_map", "tree_map_with_path", "tree_structure",
    "tree_unflatten",
]


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

    def __reduce__(self):
        # the cached hash stays behind: string hashes differ from one process to the next
        return PyTreeDef, (self._nodes, self._num_leaves)

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

    def _fold(self, leaves: Sequence, node_fn: Callable) -> Any:
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
        return flatten_up_to_prefix(self, tree, "flatten_up_to", "the prefix", "the tree")

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

def tree_flatten(tree: Any, is_leaf: IsLeaf = None) -> tuple[list, PyTreeDef]:
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
    get = node_registry.get
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
            h = NAMEDTUPLE
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


def tree_leaves(tree: Any, is_leaf: IsLeaf = None) -> list:
    """The leaves of ``tree`` in flatten order.

    >>> tree_leaves({'x': None, 'y': [1, 2]})
    [1, 2]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: IsLeaf = None) -> PyTreeDef:
    """The structure of ``tree``.

    >>> tree_structure([1, None])
    PyTreeDef([*, None])
    """
    return tree_flatten(tree, is_leaf)[1]


def all_leaves(iterable: Iterable[Any], is_leaf: IsLeaf = None) -> bool:
    """Whether every element of ``iterable`` is a leaf (``None`` is not).

    >>> all_leaves([1, 'a']), all_leaves([1, (2,)]), all_leaves([None])
    (True, False, False)
    """
    return all((is_leaf is not None and is_leaf(x)) or node_handler(x) is None for x in iterable)


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
        h = None if stop else node_handler(x)
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
        xh = node_handler(x)
        if xh is None:
            return path, f"{h.describe(aux, n)} vs leaf of type {type(x).__name__}"
        keyed, xaux = xh.flatten_with_keys(x)
        if xh is not h or len(keyed) != n or xaux != aux:
            return path, f"{h.describe(aux, n)} vs {xh.describe(xaux, len(keyed))}"
        stack.extend((path + (k,), c) for k, c in reversed(keyed))
    return None


def flatten_up_to_prefix(treedef: PyTreeDef, tree: Any, context: str, prefix_name: str,
                   tree_name: str) -> list:
    out: list = []
    stack = [tree]
    for rec in treedef._nodes:
        x = stack.pop()
        if rec is None:
            out.append(x)
            continue
        h, aux, n = rec
        if node_handler(x) is h:
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


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: IsLeaf = None) -> Any:
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
    others = [flatten_up_to_prefix(treedef, r, "tree_map", "argument 0", f"argument {i + 1}")
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
    others = [flatten_up_to_prefix(treedef, r, "tree_map_with_path", "argument 0",
                             f"argument {i + 1}") for i, r in enumerate(rest)]
    return treedef.unflatten([f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


def _is_none(x: Any) -> bool:
    return x is None


def broadcast_prefix(prefix_tree: Any, full_tree: Any, is_leaf: IsLeaf = None) -> list:
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
    subtrees = flatten_up_to_prefix(prefix_def, full_tree, "broadcast_prefix", "prefix",
                              "full tree")
    out: list = []
    for p, sub in zip(prefix_leaves, subtrees):
        out.extend([p] * len(tree_flatten(sub, is_leaf)[0]))
    return out
