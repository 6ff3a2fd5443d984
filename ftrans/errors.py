"""The errors ftrans raises, in one namespace (the counterpart of ``jax.errors``).

Each class is defined where it is raised; this module only gathers them so user code can write
``except ftrans.errors.TracerBoolConversionError``. The conversion errors are all
``ConcretizationError`` (a ``TypeError``); ``NonConcreteBooleanIndexError`` is also an
``IndexError``. See docs/sharp_bits.md, "Exceptions and messages".

>>> import ftrans as ft
>>> try:
...     ft.jit(lambda x: 1 if x > 0 else 2)(1.0)
... except ft.errors.TracerBoolConversionError as e:
...     print(type(e).__name__, isinstance(e, ft.errors.ConcretizationTypeError))
TracerBoolConversionError True
"""

from ftrans.core import (  # noqa: F401
    ArgumentTypeError,
    ConcretizationError,
    EscapedTracerError,
    FtransError,
    MissingRuleError,
    NonConcreteBooleanIndexError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
)
from ftrans.debugging import LeakedTracerError  # noqa: F401

ConcretizationTypeError = ConcretizationError  # JAX's name for the general conversion error
UnexpectedTracerError = EscapedTracerError  # JAX's name for a tracer used after its transform

__all__ = ["ArgumentTypeError", "ConcretizationError", "ConcretizationTypeError",
           "EscapedTracerError", "FtransError", "LeakedTracerError", "MissingRuleError",
           "NonConcreteBooleanIndexError", "TracerArrayConversionError",
           "TracerBoolConversionError", "TracerIntegerConversionError", "UnexpectedTracerError"]
