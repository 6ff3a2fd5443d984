"""Generated source: names for variables and namespace entries, and turning the lines of a
generated function into the function. Source never contains user text: constants, callables
and parameters reach it through the namespace dict. A long function is split into chunks of
at most ``chunks.CHUNK_LINES`` statements (``chunks.split``), compiled one at a time, so compiling
costs time and memory linear in the program's length. See docs/internals.md, "jit".
"""

from __future__ import annotations

import contextvars
import math
from typing import Any, Callable

import numpy as np

from ftrans.compile.buffers import Program
from ftrans.compile import chunks
from ftrans.ir import Var

__all__ = [
    "Names", "build",
]


class Names:
    """Generated names for variables (v0, v1, ...) and for namespace entries (c0, f0, ...)."""

    def __init__(self) -> None:
        self.vars: dict[Var, str] = {}
        self.namespace: dict[str, Any] = {"np": np, "math": math}
        self.shared: dict[Any, str] = {}

    def var(self, v: Var) -> str:
        name = self.vars.get(v)
        if name is None:
            name = self.vars[v] = f"v{len(self.vars)}"
        return name

    def value(self, value: Any, prefix: str, key: Any = None) -> str:
        """A namespace name for ``value``; values given one ``key`` (not None) share a name,
        so a long program's namespace (and its code's table of names) stays small."""
        if key is not None:
            name = self.shared.get(key)
            if name is not None:
                return name
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        if key is not None:
            self.shared[key] = name
        return name


# Set by a compiler around a code generator that reads nothing of its program once the source
# is written (codegen_scalar calls build last): ``build`` calls it first, so that the program
# (the optimised jaxpr) is freed before its code is compiled and the two are never both held
# whole. Called at most once per setting; context-local.
release_program: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "ftrans_release_program", default=None)


def build(lines: list[str], namespace: dict[str, Any], free_slots: bool = True) -> Program:
    """The function ``program`` whose source is ``lines`` (its ``def`` line, then one simple
    statement a line), defined in ``namespace`` (``free_slots``: see ``chunks.split``).
    ``lines`` is consumed (emptied): each chunk's text is dropped once it is compiled, so the
    source and the code are not both held whole. ``release_program`` is called first."""
    release = release_program.get()
    if release is not None:
        release()
    if chunks.needs_split(lines):
        functions: list[list[str] | None] = list(chunks.split(lines, free_slots))
    else:
        functions = [list(lines)]
    lines.clear()
    sources = []
    for i, function in enumerate(functions):  # one at a time: the compiler's memory is one
        assert function is not None           # chunk's
        functions[i] = None
        source = "\n".join(function) + "\n"
        del function
        exec(compile(source, "<ftrans.compile>", "exec"), namespace)
        sources.append(source)
    program = namespace["program"]
    program.source = "".join(sources)
    return program
