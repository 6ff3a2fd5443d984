"""The rest of the pytree vocabulary, written on the registry and the structure: reductions
over leaves, transposes of nested structures, treedef helpers, one-level flattening,
``register_static`` and ``Partial``. See docs/pytrees.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from ftrans.tree_util.registry import (
    MISSING, node_handler, IsLeaf, node_registry, register_pytree_node,
    register_pytree_with_keys,
)
from ftrans.tree_util.structure import (
    PyTreeDef, flatten_up_to_prefix, tree_flatten, tree_flatten_with_path, tree_map, tree_structure,
)

__all__ = [
    "KeyEntry", "KeyPath", "Partial", "flatten_one_level", "flatten_one_level_with_keys",
    "is_tree_node", "register_pytree_with_keys_class", "register_static", "tree_all",
    "tree_broadcast", "tree_leaves_with_path", "tree_reduce", "tree_reduce_associative",
    "tree_transpose", "treedef_children", "treedef_is_leaf", "treedef_tuple",
]


# ---------------------------------------------------------------------------- reductions

def tree_reduce(function: Callable[[Any, Any], Any], tree: Any, initializer: Any = MISSING,
                is_leaf: IsLeaf = None) -> Any:
    """``functools.reduce`` over the leaves of ``tree``.

    Raises:
        TypeError: if ``tree`` has no leaves and no initializer is given.

    >>> tree_reduce(lambda a, b: a + b, {'a': 1, 'b': (2, 3)})
    6
    """
    leaves = tree_flatten(tree, is_leaf)[0]
    if initializer is MISSING:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: Any, *, is_leaf: IsLeaf = None) -> bool:
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

    >>> from ftrans.tree_util import keystr
    >>> [(keystr(p), x) for p, x in tree_leaves_with_path({'a': [1, 2]})]
    [("['a'][0]", 1), ("['a'][1]", 2)]
    """
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_broadcast(prefix_tree: Any, full_tree: Any, is_leaf: IsLeaf = None) -> Any:
    """``prefix_tree`` grown to the structure of ``full_tree``: each leaf of the prefix is
    repeated at every leaf of the subtree it covers.

    Raises:
        ValueError: if ``prefix_tree`` is not a prefix of ``full_tree``.

    >>> tree_broadcast([1, 2], [(3, 4), 5])
    [(1, 1), 2]
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = flatten_up_to_prefix(prefix_def, full_tree, "tree_broadcast", "prefix_tree",
                              "full_tree")
    return prefix_def.unflatten([tree_map(lambda _, p=p: p, sub, is_leaf=is_leaf)
                                 for p, sub in zip(prefix_leaves, subtrees)])


def tree_reduce_associative(operation: Callable[[Any, Any], Any], tree: Any, *,
                            identity: Any = MISSING, is_leaf: IsLeaf = None) -> Any:
    """Combine the leaves of ``tree`` with an associative ``operation``, pairwise in a
    balanced tree (depth log2 of the number of leaves).

    Raises:
        TypeError: if ``tree`` has no leaves and no ``identity`` is given.

    >>> tree_reduce_associative(lambda a, b: a + b, [1, (2, 3), 4])
    10
    """
    leaves = tree_flatten(tree, is_leaf)[0]
    if not leaves:
        if identity is MISSING:
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
    nodes: list = [(node_registry[tuple], None, len(treedefs))]
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
    h = node_handler(tree)
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
    h = node_handler(tree)
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
        return obj_or_type in node_registry or (issubclass(obj_or_type, tuple)
                                            and hasattr(obj_or_type, "_fields"))
    return node_handler(obj_or_type) is not None


def register_static(cls: type) -> type:
    """Class decorator: instances of ``cls`` are pytree nodes with no children, the instance
    itself being aux data (so part of the structure: it must be hashable).

    >>> from ftrans.tree_util import tree_leaves
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

    >>> from ftrans.tree_util import tree_leaves
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
