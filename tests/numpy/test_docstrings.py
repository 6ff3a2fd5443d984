"""The examples in ftrans.numpy's docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["ftrans.numpy", "ftrans.numpy._elementwise", "ftrans.numpy._math",
           "ftrans.numpy._reductions", "ftrans.numpy._shapes", "ftrans.numpy._creation",
           "ftrans.numpy._linalg", "ftrans.numpy._indexing", "ftrans.numpy.linalg",
           "ftrans.numpy._sorting", "ftrans.numpy._statistics", "ftrans.numpy._more_shapes",
           "ftrans.numpy._calculus", "ftrans.numpy.fft"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
