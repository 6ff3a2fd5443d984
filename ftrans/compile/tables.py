"""What the compiler knows about particular primitives: tables keyed by ``Primitive``, filled in
each primitive's own block (beside its jvp and batching rules), as JAX registers a lowering
beside ``sin_p``. The compiler never matches a primitive by name, so a new primitive needs no
edit here, and a renamed one keeps its optimisations. See docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Any, Callable

from ftrans.core import Primitive
from ftrans.ir import JaxprEqn, Var

__all__ = [
    "cancellation_rules", "commutative", "effects", "forwarding_rules", "fresh_results",
    "in_place_forms", "inlined_calls", "lowerings", "rearrangements", "reshapes", "rewrite_rules",
    "scalar_lowerings", "scaling_rules", "uniform_binary", "uniform_rules", "views",
    "zero_embeddings",
]

# forwarding_rules[p](eqn, known) -> the input atom that the equation's single output equals
# (an algebraic no-op: ``x * 1``, a same-type cast), or None. ``known`` maps the constant
# variables to their arrays. Helpers to write them: ``ftrans.compile.simplify.forward_*``.
forwarding_rules: dict[Primitive, Callable[[JaxprEqn, dict[Var, Any]], Any]] = {}

# cancellation_rules[p](eqn, inner) -> the atom ``p(p(x))`` equals (``neg(neg(x))`` is ``x``),
# or None; ``inner`` is the equation of the same primitive that produced ``eqn``'s operand.
cancellation_rules: dict[Primitive, Callable[[JaxprEqn, JaxprEqn], Any]] = {}

# scaling_rules[p](eqn) -> ``(c, x)`` when the equation computes ``c * x`` for a scalar ``c``
# and an ``x`` of the output's type, or None. Chains of scalings merge into one product,
# written with the binary primitive among them (the one whose rule reads two operands).
scaling_rules: dict[Primitive, Callable[[JaxprEqn], tuple[Any, Any] | None]] = {}

# rewrite_rules[p](eqn, known) -> an equivalent, cheaper equation (or ``eqn`` itself).
rewrite_rules: dict[Primitive, Callable[[JaxprEqn, dict[Var, Any]], JaxprEqn]] = {}

# uniform_rules[p](scalar) -> the scalar filling the output of a unary ``p`` whose operand is
# filled with ``scalar`` (a broadcast of it, its negation), tracked so that ``ones * x`` reads
# ``1.0 * x``.
uniform_rules: dict[Primitive, Callable[[Any], Any]] = {}

# Broadcasting binary elementwise primitives whose operand filled with one scalar may be
# replaced by that scalar (a Literal) when the other operand has the output's type.
uniform_binary: set[Primitive] = set()

# Primitives whose operands may be swapped (common subexpressions match either order).
commutative: set[Primitive] = set()

# Primitives with effects (printing, callbacks): never merged, folded or dropped as dead code.
effects: set[Primitive] = set()

# Call primitives whose ``jaxpr`` param is inlined into the calling program.
inlined_calls: set[Primitive] = set()

# scalar_lowerings[p]: how ``p`` reads on Python floats, for programs whose values are all 0-d
# float64. A format string over the operands' expressions (``"math.sin({0})"``, used only for
# applications without params), or a function ``(operands: list[str], **params) -> str | None``
# (None: no scalar form for these params).
scalar_lowerings: dict[Primitive, str | Callable[..., str | None]] = {}

# Primitives whose NumPy implementation returns a view of its first operand (no new buffer),
# for the memory estimator.
views: set[Primitive] = set()

# zero_embeddings[p](eqn) -> one ``(start, stop, step)`` per axis when the equation's output is
# zeros (exactly +0) with its first operand at that basic index (a zero padding), or None.
# ``compile.fused`` turns ``a + embedding`` into an addition into a slice of ``a``.
zero_embeddings: dict[Primitive, Callable[[JaxprEqn], tuple[tuple[int, int, int], ...] | None]] = {}

# Primitives, besides NumPy ufuncs, whose result is a fresh array that shares memory with none
# of its operands: their operands stay overwritable, and so does their result.
fresh_results: set[Primitive] = set()

# in_place_forms[p]: an implementation of ``p`` (same arguments) that may write its result into
# its first operand and return it, used when that operand is a dead buffer of the program's.
in_place_forms: dict[Primitive, Callable[..., Any]] = {}

# lowerings[p](eqn) -> an implementation of ``p`` specialised to this equation (its params and
# operand types), computing with the same NumPy operations as ``p.impl`` (so the same results)
# but deciding once what the impl decides on every call; or None. Generated code calls it.
lowerings: dict[Primitive, Callable[[JaxprEqn], Callable[..., Any] | None]] = {}

# Primitives whose result holds each element of the operand exactly once (a reshape, a
# transpose): a view of it or a copy. A dead buffer of the program's that one of them reads
# stays overwritable through its result.
rearrangements: set[Primitive] = set()

# Primitives whose result is the operand's elements in row-major order in the result's shape
# (a reshape, a squeeze). ``passes.reassociate_products`` moves one that only inserts
# unit dimensions past an elementwise operation, reusing its params.
reshapes: set[Primitive] = set()
