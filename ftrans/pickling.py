"""How ftrans objects pickle: by reference to what the receiving process already has.

Primitives pickle as (defining module, name) and come back as the registered instance, so
every rule table still knows them (``core.Primitive.__reduce__``); pytree node handlers
likewise (``tree_util``). Programs (``ClosedJaxpr``) pickle their equations and constants but
never what was derived from them (jvp, transposed, compiled forms): those caches are rebuilt on
first use. Functions wrapped by ``jit`` or ``checkpoint`` (and ``custom_jvp`` /
``custom_vjp`` functions) pickle as the global they are bound to when there is one, else as
"wrap this function again", so a worker never receives a cache or generated code. See
docs/internals.md, "Serialisation".
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__all__ = [
    "WrappedFunction", "importable_name",
]


def importable_name(obj: Any) -> str | None:
    """``obj``'s qualified name when importing its module and looking the name up gives ``obj``
    itself (then pickling it by name is exact), else None.

    A script's ``__main__`` never counts: another process has a different ``__main__``, so
    objects defined there travel by value (cloudpickle, which Dask uses, handles that).
    """
    module_name = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not isinstance(module_name, str) or not isinstance(qualname, str) \
            or module_name == "__main__" or "<locals>" in qualname:
        return None
    target: Any = sys.modules.get(module_name)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return qualname if target is obj else None


class WrappedFunction:
    """Base of the callables ftrans wraps around a user function (``jit``, ``checkpoint``):
    they look like the function (``functools.update_wrapper``), bind as methods, and pickle as
    the global they are bound to, or else as ``rebuild`` applied to ``rebuild_args``
    (subclasses set both), never with their caches."""

    if TYPE_CHECKING:
        def __call__(self, *args: Any, **kwargs: Any) -> Any: ...  # each subclass defines it

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else types.MethodType(self, obj)

    def rebuild(self) -> tuple[Any, tuple]:
        raise NotImplementedError

    def __reduce__(self) -> Any:
        name = importable_name(self)
        return name if name is not None else self.rebuild()
