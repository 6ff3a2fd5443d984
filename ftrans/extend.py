"""The documented extension API: everything needed to add primitives and transformations.

Import from here, not from the internal modules: these names are the stable surface for
researchers. It re-exports the core (primitives, traces, tracers, the current-trace context),
the program representation, and each interpreter's rule table with its def-helpers; its only
code of its own is :func:`interpret` and :func:`bind_eqn`, a loop for writing jaxpr
interpreters. The tutorial is docs/extending.md; worked transformations are in examples/
(interval.py, count_flops.py, inverse.py).

>>> import numpy as np
>>> from ftrans import extend
>>> double_p = extend.Primitive("double", impl=lambda x: 2 * x,
...                             abstract_eval=lambda aval: aval)
>>> extend.deflinear(double_p, transpose=lambda ct, x: [double_p.bind(ct)])  # jvp, transpose
>>> extend.defvectorized(double_p)                                   # vmap
>>> import ftrans as ft
>>> ft.grad(lambda x: double_p.bind(x) ** 2)(1.5)
np.float64(12.0)
"""

from __future__ import annotations


from ftrans.core import (
    ConcretizationError,
    EscapedTracerError,
    EvalTrace,
    FtransError,
    MissingRuleError,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    current_trace,
    eval_trace,
    get_aval,
    inline_rules,
    new_trace,
    set_current_trace,
)
from ftrans.interpreters.batching import (
    BatchTrace,
    BatchTracer,
    batch_jaxpr,
    batching_rules,
    broadcast_batch,
    collectives,
    defbroadcasting,
    defcollective,
    defreducer,
    defvectorized,
    move_batch_axis,
    not_mapped,
)
from ftrans.interpreters.jvp import (
    JVPTrace,
    JVPTracer,
    Zero,
    add_any_p,
    defbilinear,
    defjvp,
    defjvp_zero,
    deflinear,
    instantiate_zeros,
    jvp_jaxpr,
    jvp_rules,
)
from ftrans.interpreters.linearize import IDENTITY, NEGATE, LinearizeTrace, partial_rules
from ftrans.interpreters.partial_eval import (
    PartialEvalTrace,
    partial_eval_jaxpr,
    partial_eval_rules,
)
from ftrans.interpreters.staging import StagingTrace, StagingTracer, trace_flat
from ftrans.interpreters.transpose import (
    NonLinearError,
    UndefPrimal,
    backward_pass,
    is_undefined,
    transpose_jaxpr,
    transpose_rules,
)
from ftrans.ir import (  # noqa: F401
    EqnRule,
    bind_eqn,
    interpret,
    ClosedJaxpr,
    Jaxpr,
    JaxprEqn,
    JaxprTypeError,
    Literal,
    Var,
    eval_jaxpr,
    jaxpr_as_fun,
    typecheck,
)
from ftrans.lax.call import jit_p
from ftrans.lax.elementwise import defpartials, unbroadcast

__all__ = [
    # primitives, abstract values, errors
    "Primitive", "ShapedArray", "get_aval",
    "FtransError", "MissingRuleError", "ConcretizationError", "EscapedTracerError",
    # traces, tracers and the current-trace context
    "Trace", "Tracer", "EvalTrace", "eval_trace", "current_trace", "set_current_trace",
    "new_trace",
    # programs
    "inline_rules",
    "Var", "Literal", "JaxprEqn", "Jaxpr", "ClosedJaxpr", "eval_jaxpr", "jaxpr_as_fun",
    "typecheck", "JaxprTypeError", "jit_p", "interpret", "bind_eqn",
    # staging (make_jaxpr, jit)
    "StagingTrace", "StagingTracer", "trace_flat",
    # forward mode
    "JVPTrace", "JVPTracer", "Zero", "instantiate_zeros", "jvp_rules", "defjvp", "deflinear",
    "defbilinear", "defjvp_zero", "add_any_p", "jvp_jaxpr",
    "defpartials", "IDENTITY", "NEGATE",
    # linearize (partial evaluation)
    "PartialEvalTrace", "partial_eval_rules", "partial_eval_jaxpr", "LinearizeTrace",
    "partial_rules",
    # transposition (reverse mode)
    "UndefPrimal", "is_undefined", "transpose_rules", "unbroadcast",
    "NonLinearError", "backward_pass", "transpose_jaxpr",
    # batching (vmap)
    "BatchTrace", "BatchTracer", "not_mapped", "batching_rules", "collectives",
    "defcollective", "defvectorized", "defbroadcasting", "defreducer", "move_batch_axis",
    "broadcast_batch", "batch_jaxpr",
]
