"""Generated source: names for variables and namespace entries, and turning the lines of a
generated function into the function. Source never contains user text: constants, callables
and parameters reach it through the namespace dict. See docs/internals.md, "jit".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ftrans.compile.buffers import Program
from ftrans.ir import Var

__all__ = [
    "Names", "build",
]


class Names:
    """Generated names for variables (v0, v1, ...) and for namespace entries (c0, f0, ...)."""

    def __init__(self) -> None:
        self.vars: dict[Var, str] = {}
        self.namespace: dict[str, Any] = {"np": np, "math": math}

    def var(self, v: Var) -> str:
        name = self.vars.get(v)
        if name is None:
            name = self.vars[v] = f"v{len(self.vars)}"
        return name

    def value(self, value: Any, prefix: str) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name


def build(lines: list[str], namespace: dict[str, Any]) -> Program:
    source = "\n".join(lines) + "\n"
    code = compile(source, "<ftrans.compile>", "exec")
    exec(code, namespace)  # the source holds generated names only; values live in namespace
    program = namespace["program"]
    program.source = source
    return program
