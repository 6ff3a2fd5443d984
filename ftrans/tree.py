"""The short pytree names: ``ftrans.tree.map``, ``leaves``, ``structure``, ``flatten``, ...

The same functions as ``ftrans.tree_util`` (``tree.map`` is ``tree_util.tree_map``), under the
names written as ``jax.tree.<name>``; the logic lives in ``ftrans.tree_util``. See
docs/pytrees.md.

>>> import ftrans as ft
>>> ft.tree.map(lambda x: x * 2, {'a': 1, 'b': (2, 3)})
{'a': 2, 'b': (4, 6)}
>>> ft.tree.leaves([1, (2, None)])
[1, 2]
"""

from __future__ import annotations

from ftrans.tree_util import (
    tree_all as all,  # noqa: A004  (the module's names shadow builtins only as attributes)
    tree_broadcast as broadcast,
    tree_flatten as flatten,
    tree_flatten_with_path as flatten_with_path,
    tree_leaves as leaves,
    tree_leaves_with_path as leaves_with_path,
    tree_map as map,  # noqa: A004
    tree_map_with_path as map_with_path,
    tree_reduce as reduce,
    tree_reduce_associative as reduce_associative,
    tree_structure as structure,
    tree_transpose as transpose,
    tree_unflatten as unflatten,
)

__all__ = ["all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path",
           "map", "map_with_path", "reduce", "reduce_associative", "structure", "transpose",
           "unflatten"]
