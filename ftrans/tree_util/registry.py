"""The pytree node registry and key paths: which types are container nodes, how each one
flattens (with the keys of its children) and rebuilds. See docs/pytrees.md.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Hashable, Iterable
from typing import Any, cast

__all__ = [
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "IsLeaf", "MISSING", "NAMEDTUPLE", "SequenceKey",
    "keystr", "node_handler", "node_registry", "register_dataclass", "register_pytree_node",
    "register_pytree_node_class", "register_pytree_with_keys",
]

MISSING: Any = object()
IsLeaf = Callable[[Any], bool] | None


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
        str(getattr(k, cast("tuple[str]", k.__slots__)[0]) if isinstance(k, _KEY_TYPES) else k)
        for k in keys)


# ------------------------------------------------------------------------------ registry

class _NodeType:
    """How one container type is taken apart, rebuilt, keyed and printed."""

    __slots__ = ("describe", "flatten", "fmt", "keyed_flatten", "keys", "nodetype", "unflatten")

    def __init__(self, name, flatten, unflatten, keys=None, keyed_flatten=None,
                 fmt=None, describe=None):
        # set when registered (None: namedtuples, recognised structurally)
        self.nodetype: type | None = None
        self.flatten, self.unflatten, self.keyed_flatten = flatten, unflatten, keyed_flatten
        self.keys = keys or (lambda aux, ch: map(FlattenedIndexKey, range(len(ch))))
        self.fmt = fmt or (lambda aux, ch: f"CustomNode({name}[{aux!r}], [{', '.join(ch)}])")
        self.describe = describe or (lambda aux, n: f"{name} node with aux data {aux!r} "
                                                    f"and {n} children")

    def __reduce__(self):
        # Treedefs compare handlers by identity, so a pickled treedef refers to the handler
        # registered for its type in the unpickling process, never to a copy.
        return _registered_handler, (self.nodetype,)

    def flatten_with_keys(self, x):
        if self.keyed_flatten is not None:
            keyed, aux = self.keyed_flatten(x)
            return [tuple(kc) for kc in keyed], aux
        children, aux = self.flatten(x)
        return list(zip(self.keys(aux, children), children)), aux


def sorted_dict_keys(d: Any) -> tuple:
    """A dict's keys in the order its children flatten."""
    try:
        return tuple(sorted(d))
    except TypeError:  # mixed key types: any fixed order beats crashing
        return tuple(sorted(d, key=lambda k: (type(k).__name__, repr(k))))


def _dict_flatten(d):
    keys = sorted_dict_keys(d)
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


node_registry: dict[type, _NodeType] = {
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
NAMEDTUPLE = _NodeType(
    "namedtuple", lambda x: (x, type(x)), lambda aux, ch: aux(*ch),
    lambda aux, ch: map(GetAttrKey, aux._fields),
    fmt=lambda aux, ch: f"{aux.__name__}({', '.join(map('{}={}'.format, aux._fields, ch))})",
    describe=lambda aux, n: f"namedtuple {aux.__qualname__}")


for _nodetype, _node_handler in node_registry.items():
    _node_handler.nodetype = _nodetype
del _nodetype, _node_handler


def _registered_handler(nodetype: type | None) -> _NodeType:
    """The handler registered for ``nodetype`` here: how a pickled treedef finds its nodes."""
    if nodetype is None:
        return NAMEDTUPLE
    handler = node_registry.get(nodetype)
    if handler is None:
        raise TypeError(f"pytree node type {nodetype.__qualname__} is not registered in this "
                        f"process: register it at import time of the module defining it (as "
                        f"a class decorator, say), so that unpickling the class registers it")
    return handler


def node_handler(x) -> _NodeType | None:
    h = node_registry.get(type(x))
    if h is None and isinstance(x, tuple) and hasattr(x, "_fields"):
        return NAMEDTUPLE
    return h


def _register(nodetype: type, handler: _NodeType) -> None:
    if nodetype in node_registry:
        raise ValueError(f"Duplicate pytree node registration for type {nodetype!r}.")
    handler.nodetype = nodetype
    node_registry[nodetype] = handler


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

    >>> from ftrans.tree_util import tree_leaves
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

    >>> from ftrans.tree_util import tree_flatten_with_path
    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_with_keys(
    ...     Pair, lambda p: (((GetAttrKey('a'), p.a), (GetAttrKey('b'), p.b)), None),
    ...     lambda aux, ch: Pair(*ch))
    >>> [keystr(k) for k, _ in tree_flatten_with_path(Pair(1, 2))[0]]
    ['.a', '.b']
    """
    if flatten_func is None:
        def flatten_from_keys(x):
            keyed, aux = flatten_with_keys(x)
            return [c for _, c in keyed], aux
        flatten_func = flatten_from_keys
    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: register ``cls`` via its ``tree_flatten`` / ``tree_unflatten``.

    Args:
        cls: has ``tree_flatten(self) -> (children, aux)`` and classmethod
            ``tree_unflatten(aux, children)``.
    Returns:
        ``cls`` unchanged.
    Raises:
        ValueError: if ``cls`` is already registered.

    >>> from ftrans.tree_util import tree_structure
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

    >>> import dataclasses
    >>> from typing import Any
    >>> from ftrans.tree_util import tree_flatten
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
        if meta_fields is None and data_fields is None:
            meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
        elif meta_fields is None:
            assert data_fields is not None  # (both None is the case above)
            meta_fields = [f.name for f in fields if f.name not in data_fields]
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
