"""The program representation: variables, equations, jaxprs; evaluation, checking, printing.

A :class:`Jaxpr` is a straight-line program ``out = prim[params] ins`` over typed variables.
Higher-order primitives carry :class:`ClosedJaxpr` values in their params. Every walk here is
a loop over equations, never recursion, so programs of any length work. See
docs/internals.md, "The IR".
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence, final

import numpy as np

from ftrans.core import FtransError, Primitive, ShapedArray, get_aval, short_dtype_name

__all__ = [
    "Atom", "ClosedJaxpr", "EqnRule", "Jaxpr", "JaxprEqn", "JaxprTypeError", "Literal", "Namer",
    "Var", "bind_eqn", "eval_jaxpr", "interpret", "jaxpr_as_fun", "pp_eqn", "pp_jaxpr",
    "pp_literal", "pp_param", "programs_in_params", "typecheck",
]


@final  # never subclassed: `type(x) is Var` (fast) is then a complete test for checkers
class Var:
    """A variable of a program; its name is chosen when the program is printed."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Var({self.aval.str_short()})"


@final
class Literal:
    """A scalar constant written inline in a program."""

    __slots__ = ("val", "aval")

    def __init__(self, val: Any, aval: ShapedArray | None = None):
        self.val = val
        self.aval = get_aval(val) if aval is None else aval

    def __repr__(self) -> str:
        return f"Literal({self.val!r})"


Atom = Var | Literal


class JaxprEqn:
    """One equation: ``outvars = primitive[params] inputs``."""

    __slots__ = ("primitive", "inputs", "params", "outvars")

    def __init__(self, primitive: Primitive, inputs: Sequence[Atom], params: dict[str, Any],
                 outvars: Sequence[Var]):
        # lists when recorded, tuples when rebuilt from a compact program (plan.Compact): read
        # only, never changed in place
        self.primitive = primitive
        self.inputs = inputs
        self.params = params
        self.outvars = outvars

    def __repr__(self) -> str:
        return pp_eqn(self, Namer()).strip()


class Jaxpr:
    """A program: constant variables, input variables, equations and outputs."""

    __slots__ = ("constvars", "invars", "eqns", "outvars")

    def __init__(self, constvars: list[Var], invars: list[Var], eqns: list[JaxprEqn],
                 outvars: list[Atom]):
        self.constvars = constvars
        self.invars = invars
        self.eqns = eqns
        self.outvars = outvars

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def __str__(self) -> str:
        return pp_jaxpr(self)

    __repr__ = __str__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's plain-text display: the printed program, never a truncated repr
        printer.text(str(self))

    def _repr_html_(self) -> str:
        """Jupyter's view: the program syntax-coloured, nested programs foldable."""
        from ftrans.display import jaxpr_html  # display imports ir, so import lazily
        return jaxpr_html(self)


class ClosedJaxpr:
    """A :class:`Jaxpr` together with the values of its constant variables.

    ``derived`` memoizes what transformations derive from this program (its jvp, transpose,
    batched and compiled forms), so they live exactly as long as the program does.
    """

    __slots__ = ("jaxpr", "consts", "derived")

    def __init__(self, jaxpr: Jaxpr, consts: Sequence[Any]):
        self.jaxpr = jaxpr
        self.consts = list(consts)
        self.derived: dict[Any, Any] = {}

    def __reduce__(self) -> tuple:
        # the program and its constants travel; what was derived from it is rebuilt on use
        return ClosedJaxpr, (self.jaxpr, self.consts)

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.jaxpr.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.jaxpr.out_avals

    @property
    def eqns(self) -> list[JaxprEqn]:
        return self.jaxpr.eqns

    def __call__(self, *args: Any) -> list[Any]:
        return eval_jaxpr(self.jaxpr, self.consts, *args)

    def to_dot(self, **kwargs: Any) -> str:
        """The computational graph as Graphviz DOT text (see :func:`ftrans.viz.to_dot`)."""
        from ftrans.viz import to_dot  # viz imports ir, so import lazily
        return to_dot(self, **kwargs)

    def __str__(self) -> str:
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's plain-text display: the printed program, never a truncated repr
        printer.text(str(self))

    def _repr_html_(self) -> str:
        """Jupyter's view: the program syntax-coloured, nested programs foldable."""
        from ftrans.display import jaxpr_html  # display imports ir, so import lazily
        return jaxpr_html(self)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence[Any], *args: Any) -> list[Any]:
    """Run a program by binding each equation's primitive, so the run is itself traceable
    (``interpret(jaxpr, bind_eqn, *args, consts=consts)``, without a rule call an equation)."""
    return _walk(jaxpr, consts, args, None)


def _walk(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any],
          rule: EqnRule | None) -> list[Any]:
    """The interpreter loop of :func:`eval_jaxpr` (``rule`` None: bind each equation) and
    :func:`interpret`."""
    if len(args) != len(jaxpr.invars):
        raise TypeError(f"program takes {len(jaxpr.invars)} inputs, got {len(args)}")
    env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        invals = [env[x] if type(x) is Var else x.val for x in eqn.inputs]
        if rule is None:
            out = eqn.primitive.bind(*invals, **eqn.params)
            if eqn.primitive.multiple_results:
                env.update(zip(eqn.outvars, out))
            else:
                env[eqn.outvars[0]] = out
            continue
        outvals = rule(eqn, invals)
        if len(outvals) != len(eqn.outvars):
            raise TypeError(f"interpreter rule for '{eqn.primitive.name}' returned "
                            f"{len(outvals)} values for {len(eqn.outvars)} outputs")
        env.update(zip(eqn.outvars, outvals))
    return [env[x] if type(x) is Var else x.val for x in jaxpr.outvars]


def jaxpr_as_fun(closed: ClosedJaxpr) -> Callable[..., list[Any]]:
    """A Python function running ``closed``; binds primitives, so it composes with transforms."""
    def run(*args: Any) -> list[Any]:
        return eval_jaxpr(closed.jaxpr, closed.consts, *args)
    return run


# ---------------------------------------------------------------------------------------------
# Writing jaxpr interpreters
# ---------------------------------------------------------------------------------------------

# rule(eqn, invals) -> outvals: the values of eqn's inputs in, one value per eqn.outvars out.
EqnRule = Callable[[JaxprEqn, list[Any]], Sequence[Any]]


def bind_eqn(eqn: JaxprEqn, invals: Sequence[Any]) -> list[Any]:
    """Apply ``eqn``'s primitive to ``invals`` on the current trace; always returns a list.

    The rule of plain evaluation: an interpreter falls back to it for the equations it does
    not change, and stays transformable because it binds.
    """
    out = eqn.primitive.bind(*invals, **eqn.params)
    return list(out) if eqn.primitive.multiple_results else [out]


def interpret(program: Jaxpr | ClosedJaxpr, rule: EqnRule, *args: Any,
              consts: Sequence[Any] | None = None) -> list[Any]:
    """Run ``program`` forwards on ``args``, giving every equation to ``rule``.

    ``rule(eqn, invals)`` receives one equation and the values of its inputs (a literal's
    value for a :class:`Literal` input) and returns a sequence holding one value per
    ``eqn.outvars``. Values are whatever the interpreter works on: arrays, tracers, abstract
    values, or markers of its own. ``interpret(program, bind_eqn, *args)`` is ``eval_jaxpr``.
    The walk is a loop over equations, so programs of any length work; a rule that wants to
    descend into a nested program (``eqn.params["jaxpr"]`` of a ``jit_p`` call) calls
    ``interpret`` on it.

    Args:
      program: a :class:`ClosedJaxpr`, or a :class:`Jaxpr` with its ``consts``.
      rule: the per-equation rule.
      *args: one value per input of the program.
      consts: values of a bare Jaxpr's constant variables (a ClosedJaxpr brings its own).

    Returns:
      The values of the program's outputs, as a list.

    Raises:
      TypeError: when the number of arguments or constants does not match the program.

    >>> import ftrans as ft
    >>> closed = ft.make_jaxpr(lambda x: x * 2.0 + 1.0)(3.0)
    >>> names = []
    >>> def log_and_eval(eqn, invals):
    ...     names.append(eqn.primitive.name)
    ...     return bind_eqn(eqn, invals)
    >>> interpret(closed, log_and_eval, 3.0), names
    ([np.float64(7.0)], ['mul', 'add'])
    """
    if isinstance(program, ClosedJaxpr):
        jaxpr, consts = program.jaxpr, program.consts
    else:
        jaxpr, consts = program, [] if consts is None else consts
    if len(consts) != len(jaxpr.constvars):
        raise TypeError(f"program has {len(jaxpr.constvars)} constants, got {len(consts)}")
    return _walk(jaxpr, consts, args, rule)


# ---------------------------------------------------------------------------------------------
# Type checking
# ---------------------------------------------------------------------------------------------


def programs_in_params(params: dict[str, Any]) -> Iterator[Jaxpr | ClosedJaxpr]:
    """The programs an equation holds in its params: held directly (a loop's body) or in a
    tuple or list (cond's branches). Every walk into nested programs (typecheck, the memory
    estimator, the compiler's passes, the graph picture) goes through here, so none of them
    can miss a program held one level down."""
    for value in params.values():
        if isinstance(value, (Jaxpr, ClosedJaxpr)):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, (Jaxpr, ClosedJaxpr)):
                    yield item


class JaxprTypeError(FtransError, TypeError):
    """A program is malformed: a variable used before definition, or types that disagree."""


def typecheck(jaxpr: Jaxpr | ClosedJaxpr) -> None:
    """Check that every variable is defined once before use and every equation's output types
    match its primitive's shape/dtype rule. Raises :class:`JaxprTypeError`."""
    if isinstance(jaxpr, ClosedJaxpr):
        for v, c in zip(jaxpr.jaxpr.constvars, jaxpr.consts):
            if get_aval(c) != v.aval:
                raise JaxprTypeError(f"constant of type {get_aval(c)} bound to {v.aval}")
        jaxpr = jaxpr.jaxpr
    defined: set[Var] = set()

    def define(v: Var) -> None:
        if v in defined:
            raise JaxprTypeError(f"variable {v} defined twice")
        defined.add(v)

    def read(x: Atom, where: str) -> ShapedArray:
        if type(x) is Var and x not in defined:
            raise JaxprTypeError(f"variable {x} used before definition in {where}")
        return x.aval

    for v in jaxpr.constvars + jaxpr.invars:
        define(v)
    namer = Namer()
    for eqn in jaxpr.eqns:
        where = pp_eqn(eqn, namer).strip()
        in_avals = [read(x, where) for x in eqn.inputs]
        try:
            expected = eqn.primitive.abstract_eval(*in_avals, **eqn.params)
        except Exception as err:
            raise JaxprTypeError(f"ill-typed equation {where}: {err}") from err
        if not eqn.primitive.multiple_results:
            expected = [expected]
        got = [v.aval for v in eqn.outvars]
        if list(expected) != got:
            raise JaxprTypeError(
                f"equation {where} has output types {[a.str_short() for a in got]} but its "
                f"primitive gives {[a.str_short() for a in expected]}")
        for program in programs_in_params(eqn.params):
            try:
                typecheck(program)
            except JaxprTypeError as err:
                outs = " ".join(namer(v) for v in eqn.outvars)
                raise JaxprTypeError(f"in a program held by the {eqn.primitive.name} equation "
                                     f"that defines {outs}: {err}") from err
        for v in eqn.outvars:
            define(v)
    for x in jaxpr.outvars:
        read(x, "the outputs")


# ---------------------------------------------------------------------------------------------
# Pretty printing
# ---------------------------------------------------------------------------------------------


class Namer:
    """Gives variables short names (a, b, ..., z, ba, bb, ...) in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[Var, str] = {}

    def __call__(self, v: Var) -> str:
        name = self.names.get(v)
        if name is None:
            name = self.names[v] = _short_name(len(self.names))
        return name


def _short_name(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    name = letters[i % 26]
    i //= 26
    while i:
        name = letters[i % 26] + name
        i //= 26
    return name


def _pp_atom(x: Atom, namer: Namer) -> str:
    if type(x) is Var:
        return namer(x)
    return pp_literal(x)


def pp_literal(lit: Literal) -> str:
    val = np.asarray(lit.val)
    text = repr(val.item()) if val.ndim == 0 else np.array2string(val, separator=",")
    if val.dtype in (np.float64, np.int64, np.bool_):
        return text
    return f"{text}:{lit.aval.str_short()}"


def pp_param(value: Any, namer: Namer, indent: int) -> str:
    if isinstance(value, ClosedJaxpr):
        value = value.jaxpr
    if isinstance(value, Jaxpr):
        return pp_jaxpr(value, indent + 4).lstrip()
    if isinstance(value, np.dtype):
        return short_dtype_name(value)
    if isinstance(value, type) and issubclass(value, np.generic):
        return short_dtype_name(np.dtype(value))
    if isinstance(value, Primitive):
        return value.name
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    if isinstance(value, (tuple, list)) and value and any(
            isinstance(v, (Jaxpr, ClosedJaxpr)) for v in value):
        inner = ("\n" + " " * (indent + 4)).join(pp_param(v, namer, indent) for v in value)
        return f"(\n{' ' * (indent + 4)}{inner}\n{' ' * indent})"
    return repr(value)


def pp_eqn(eqn: JaxprEqn, namer: Namer, indent: int = 4) -> str:
    outs = " ".join(f"{namer(v)}:{v.aval.str_short()}" for v in eqn.outvars)
    ins = " ".join(_pp_atom(x, namer) for x in eqn.inputs)
    params = ""
    if eqn.params:
        params = "[" + " ".join(f"{k}={pp_param(v, namer, indent)}"
                                for k, v in eqn.params.items()) + "]"
    return f"{' ' * indent}{outs} = {eqn.primitive.name}{params} {ins}".rstrip()


def pp_jaxpr(jaxpr: Jaxpr, indent: int = 0) -> str:
    """The program as text: ``{ lambda consts ; inputs. let eqns in (outputs,) }``."""
    namer = Namer()
    pad = " " * indent

    def binders(vs: list[Var]) -> str:
        return " ".join(f"{namer(v)}:{v.aval.str_short()}" for v in vs)

    consts = binders(jaxpr.constvars)
    ins = binders(jaxpr.invars)
    lines = [f"{pad}{{ lambda {consts + ' ' if consts else ''}; {ins}. let"]
    lines.extend(pp_eqn(eqn, namer, indent + 4) for eqn in jaxpr.eqns)
    outs = " ".join(_pp_atom(x, namer) + "," for x in jaxpr.outvars)
    if len(jaxpr.outvars) > 1:
        outs = outs[:-1]
    lines.append(f"{pad}  in ({outs}) }}")
    return "\n".join(lines)
