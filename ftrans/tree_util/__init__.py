"""Pytrees: nested containers seen as a flat list of leaves plus a hashable structure.

A pytree is any nesting of container nodes (tuple, list, dict, None, namedtuples,
OrderedDict, defaultdict and user-registered types); everything else is a leaf.
``tree_flatten`` splits a tree into its leaves and a ``PyTreeDef``; the treedef rebuilds
a tree from new leaves and, being hashable, serves as a cache key for transformations.

This module owns the node registry, flattening and unflattening, key paths, prefix
matching (``tree_map`` over several trees, ``broadcast_prefix``) and structure-mismatch
errors. It uses only the standard library.
"""

from ftrans.tree_util.registry import (
    DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey, keystr,
    register_dataclass, register_pytree_node, register_pytree_node_class,
    register_pytree_with_keys,
)
from ftrans.tree_util.structure import (
    PyTreeDef, all_leaves, broadcast_prefix, tree_flatten, tree_flatten_with_path, tree_leaves,
    tree_map, tree_map_with_path, tree_structure, tree_unflatten,
)
from ftrans.tree_util.vocabulary import (
    KeyEntry, KeyPath, Partial, flatten_one_level, flatten_one_level_with_keys, is_tree_node,
    register_static,
    register_pytree_with_keys_class, tree_all, tree_broadcast, tree_leaves_with_path,
    tree_reduce, tree_reduce_associative, tree_transpose, treedef_children, treedef_is_leaf,
    treedef_tuple,
)

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

# doctest.testmod(ftrans.tree_util) runs the examples of the names defined in its modules
__test__ = {name: obj for name, obj in list(globals().items())
            if name in __all__ and getattr(obj, "__module__", "").startswith(__name__ + ".")}
