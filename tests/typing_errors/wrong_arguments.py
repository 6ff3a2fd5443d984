"""Programs the type checker must reject (tests/test_typing.py): each line ending in an
"expect" comment naming a pyright rule is an error of that rule, because transformations keep
the parameters of the function they transform (ParamSpec). The calls are never made; the file
is outside pyright's include list."""

from __future__ import annotations

from typing import Any

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp


def scaled(w: np.ndarray, k: float = 1.0) -> Any:
    return fnp.sum(w * k)


def wrong_calls() -> None:  # never called: pytest imports this file, pyright reads it
    w = np.ones(3)
    ft.grad(scaled)(w, scale=2.0)  # expect: reportCallIssue
    ft.value_and_grad(scaled)(w, 1.0, 2.0)  # expect: reportCallIssue
    ft.jacrev(scaled)(w, k="two")  # expect: reportArgumentType
    ft.vmap(scaled)(w, 1.0, extra=True)  # expect: reportCallIssue
    ft.make_jaxpr(scaled)()  # expect: reportCallIssue
    ft.jit(scaled)(w, scale=2.0)  # expect: reportCallIssue
