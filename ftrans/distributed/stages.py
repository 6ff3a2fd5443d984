"""Splitting one shard's program into stages at its collectives over the shard axis.

A shard's function is traced once (per shard shape) into a program whose collectives over the
shard axis (``psum``, ``pmax``, ``pmin``, ``all_gather``) are ordinary equations. No shard can
compute past such an equation alone, so the program is cut there: every equation gets a
*level*, the number of collectives its value depends on in sequence, and stage ``s`` is the
equations of level ``s``. Collectives whose operands have level ``s`` form *round* ``s``: they
are reduced across shards between stage ``s`` and stage ``s + 1`` (all of them in one tree),
and their results are the same on every shard (*replicated*).

Each stage has a *shard program* (one task per shard) and, when later stages or the outputs
need replicated values it computes, a *replicated program* (one task in all: its inputs are
replicated, so every shard would compute the same). ``axis_index`` over the shard axis becomes
an input (the shard's number). Calls that contain shard collectives (jit, checkpoint, custom
derivative functions) are inlined first; loops and conditionals holding one are rejected.
This module is pure IR: ``ftrans.distributed.graph`` turns a plan into a Dask graph.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.checkpoint import remat_p
from ftrans.compile import inline_calls
from ftrans.core import make_aval
from ftrans.custom_derivatives import custom_jvp_call_p, custom_vjp_call_p
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, programs_in_params
from ftrans.lax.call import jit_p
from ftrans.lax.parallel import all_gather_p, axis_index_p, pmax_p, pmin_p, psum_p

__all__ = [
    "COLLECTIVE_KINDS", "Collective", "INDEX_AVAL", "Plan", "Source", "Stage", "StageProgram",
    "split",
]

# how each collective combines the shards' operands (graph.py implements the kinds)
COLLECTIVE_KINDS = {psum_p: "sum", pmax_p: "max", pmin_p: "min", all_gather_p: "gather"}
# calls whose program can be inlined, and the param holding it: after tracing, a shard only
# evaluates, so a custom derivative call is just its primal program
_CALL_PROGRAMS = {jit_p: "jaxpr", remat_p: "jaxpr", custom_jvp_call_p: "call_jaxpr",
                  custom_vjp_call_p: "call_jaxpr"}
INDEX_AVAL = make_aval((), np.dtype(np.int64))

# Where a stage input (or a result of shard_map) comes from:
#   ("arg", j)            flat argument j (a chunk of a mapped argument, or an unmapped value)
#   ("index",)            the shard's number
#   ("shard", s, k)       output k of stage s's shard program, on the same shard
#   ("rep", s, k)         output k of stage s's replicated program
#   ("collective", r, k)  the result of collective k of round r
#   ("literal", value)    a constant
Source = tuple


class Collective:
    """One collective of a round: how it combines (``kind``: sum, max, min, gather), its
    gather params, and its operand and result types."""

    __slots__ = ("kind", "axis", "tiled", "operand_aval", "out_aval", "name")

    def __init__(self, eqn: JaxprEqn):
        self.name = eqn.primitive.name
        self.kind = COLLECTIVE_KINDS[eqn.primitive]
        self.axis = eqn.params.get("axis", 0)
        self.tiled = eqn.params.get("tiled", False)
        self.operand_aval = eqn.inputs[0].aval
        self.out_aval = eqn.outvars[0].aval

    def signature(self) -> tuple:
        return (self.kind, self.axis, self.tiled, self.operand_aval, self.out_aval)


class StageProgram:
    """A program of one stage, with where each of its inputs comes from."""

    __slots__ = ("closed", "inputs")

    def __init__(self, closed: ClosedJaxpr, inputs: list[Source]):
        self.closed = closed
        self.inputs = inputs


class Stage:
    """Stage ``index``: its shard program (outputs: per-shard values later stages or results
    need, then the operands of round ``index``), and its replicated program or None."""

    __slots__ = ("index", "shard", "rep", "num_operands")

    def __init__(self, index: int, shard: StageProgram | None, rep: StageProgram | None,
                 num_operands: int):
        self.index = index
        self.shard = shard
        self.rep = rep
        self.num_operands = num_operands


class Plan:
    """A shard's program as stages: ``rounds[r]`` are the collectives after stage ``r``;
    ``outputs[o]`` is where result ``o`` comes from; ``replicated[o]`` whether it is the same
    on every shard."""

    __slots__ = ("stages", "rounds", "outputs", "replicated", "out_avals")

    def __init__(self, stages: list[Stage], rounds: list[list[Collective]],
                 outputs: list[Source], replicated: list[bool], out_avals: list[Any]):
        self.stages = stages
        self.rounds = rounds
        self.outputs = outputs
        self.replicated = replicated
        self.out_avals = out_avals

    def signature(self) -> tuple:
        """What every shard must agree on: the collectives, round by round."""
        return tuple(tuple(c.signature() for c in round_) for round_ in self.rounds)


def _names(axis_name: Any) -> tuple:
    return axis_name if isinstance(axis_name, tuple) else (axis_name,)


def _is_shard_collective(eqn: JaxprEqn, axis_name: Any) -> bool:
    return (eqn.primitive in COLLECTIVE_KINDS or eqn.primitive is axis_index_p) \
        and axis_name in _names(eqn.params.get("axis_name"))


def _find_shard_collective(closed: ClosedJaxpr | Jaxpr, axis_name: Any) -> JaxprEqn | None:
    """A collective over the shard axis anywhere in ``closed``, nested programs included."""
    stack = [closed.jaxpr if isinstance(closed, ClosedJaxpr) else closed]
    while stack:
        for eqn in stack.pop().eqns:
            if _is_shard_collective(eqn, axis_name):
                return eqn
            stack.extend(p.jaxpr if isinstance(p, ClosedJaxpr) else p
                         for p in programs_in_params(eqn.params))
    return None


def _flatten_calls(closed: ClosedJaxpr, axis_name: Any) -> ClosedJaxpr:
    """Inline the calls that contain shard collectives; reject other holders of one."""
    def program_of(eqn: JaxprEqn) -> ClosedJaxpr | None:
        held = list(programs_in_params(eqn.params))
        if not held:
            return None
        found = next((c for c in map(lambda p: _find_shard_collective(p, axis_name), held)
                      if c is not None), None)
        if found is None:
            return None
        param = _CALL_PROGRAMS.get(eqn.primitive)
        if param is None:
            raise NotImplementedError(
                f"shard_map: {found.primitive.name} over the shard axis {axis_name!r} inside "
                f"{eqn.primitive.name} is not supported: a collective across shards must be "
                f"at the top level of the shard's function. Restructure: compute the "
                f"collective before or after the {eqn.primitive.name} (e.g. reduce each "
                f"step's values after a scan, or select between branch results with "
                f"fnp.where instead of cond).")
        return eqn.params[param]
    return inline_calls(closed, program_of)


def split(closed: ClosedJaxpr, mapped: Sequence[bool], axis_name: Any) -> Plan:
    """The stages of ``closed``, whose inputs are the flat arguments (``mapped[j]``: argument j
    differs between shards)."""
    closed = _flatten_calls(closed, axis_name)
    jaxpr = closed.jaxpr
    index_var = Var(INDEX_AVAL)
    renamed: dict[Var, Any] = {}  # axis_index outputs -> the shard-number input
    level: dict[Var, int] = {}
    rep: dict[Var, bool] = {v: True for v in jaxpr.constvars}
    rep.update((v, not m) for v, m in zip(jaxpr.invars, mapped))
    rep[index_var] = False
    const_values = dict(zip(jaxpr.constvars, closed.consts))
    produced_in: dict[Var, int] = {}  # var -> stage whose equation computes it
    collective_of: dict[Var, tuple[int, int]] = {}  # collective result -> (round, position)
    stage_eqns: list[list[JaxprEqn]] = []
    rounds: list[list[Collective]] = []
    operands: list[list[Any]] = []  # per round, the operand atoms

    def sub(x: Any) -> Any:
        return renamed.get(x, x) if type(x) is Var else x

    for eqn in jaxpr.eqns:
        if eqn.primitive is axis_index_p and _is_shard_collective(eqn, axis_name):
            renamed[eqn.outvars[0]] = index_var
            continue
        inputs = [sub(x) for x in eqn.inputs]
        lvl = max((level.get(x, 0) for x in inputs if type(x) is Var), default=0)
        if _is_shard_collective(eqn, axis_name):
            if len(_names(eqn.params["axis_name"])) > 1:
                raise NotImplementedError(
                    f"shard_map: {eqn.primitive.name} over the axes "
                    f"{eqn.params['axis_name']!r} mixes the shard axis with axes no vmap "
                    f"binds; reduce over each name separately")
            while len(rounds) <= lvl:
                rounds.append([])
                operands.append([])
            collective_of[eqn.outvars[0]] = (lvl, len(rounds[lvl]))
            rounds[lvl].append(Collective(eqn))
            operands[lvl].append(inputs[0])
            level[eqn.outvars[0]] = lvl + 1
            rep[eqn.outvars[0]] = True
            continue
        while len(stage_eqns) <= lvl:
            stage_eqns.append([])
        stage_eqns[lvl].append(JaxprEqn(eqn.primitive, inputs, eqn.params, eqn.outvars))
        is_rep = all(rep.get(x, True) for x in inputs if type(x) is Var)
        for v in eqn.outvars:
            level[v] = lvl
            rep[v] = is_rep
            produced_in[v] = lvl
    outvars = [sub(x) for x in jaxpr.outvars]
    num_stages = max(len(stage_eqns), len(rounds) + 1,
                     1 + max((level.get(x, 0) for x in outvars if type(x) is Var), default=0))
    while len(stage_eqns) < num_stages:
        stage_eqns.append([])
    # what each stage must hand on: per-shard values (shard program) and replicated ones
    shard_out: list[list[Var]] = [[] for _ in range(num_stages)]
    rep_out: list[list[Var]] = [[] for _ in range(num_stages)]

    def source(x: Any, stage: int, replicated_only: bool) -> Source | None:
        """Where a consumer in ``stage`` gets ``x`` (None: computed in that stage itself)."""
        if type(x) is Literal:
            return ("literal", x.val)
        if x is index_var:
            return ("index",)
        if x in const_values:
            return None  # a constant of the program that uses it
        if x in collective_of:
            return ("collective", *collective_of[x])
        s = produced_in.get(x)
        if s is None:  # an argument
            return ("arg", jaxpr.invars.index(x))
        if s == stage and not replicated_only:
            return None
        outs = rep_out[s] if rep[x] else shard_out[s]
        if x not in outs:
            outs.append(x)
        return ("rep" if rep[x] else "shard", s, outs.index(x))

    # the results: replicated ones from a replicated program (or their source), the others
    # from the shard program of their stage
    outputs: list[Source] = []
    for x in outvars:
        if type(x) is Var and not rep[x]:
            s = level.get(x, 0)
            if x not in shard_out[s]:
                shard_out[s].append(x)
            outputs.append(("shard", s, shard_out[s].index(x)))
        elif x in const_values:
            outputs.append(("literal", const_values[x]))
        else:
            src = source(x, num_stages, replicated_only=True)
            assert src is not None  # (None only for constants, handled above)
            outputs.append(src)
    replicated = [type(x) is not Var or rep[x] for x in outvars]
    # later stages first, so each stage knows every value asked of it before it is built
    stages: list[Stage | None] = [None] * num_stages
    for s in reversed(range(num_stages)):
        num_operands = len(operands[s]) if s < len(rounds) else 0
        shard_outvars = list(shard_out[s]) + (list(operands[s]) if s < len(rounds) else [])
        shard = _program(stage_eqns[s], shard_outvars, s, source, const_values,
                         replicated_only=False) if shard_outvars else None
        rep_eqns = [e for e in stage_eqns[s] if all(rep[v] for v in e.outvars)]
        rep_program = _program(rep_eqns, list(rep_out[s]), s, source, const_values,
                               replicated_only=False) if rep_out[s] else None
        stages[s] = Stage(s, shard, rep_program, num_operands)
    out_avals = [x.aval for x in outvars]
    return Plan(stages, rounds, outputs, replicated, out_avals)  # type: ignore[arg-type]


def _program(eqns: list[JaxprEqn], outvars: list[Any], stage: int, source: Any,
             const_values: dict[Var, Any], replicated_only: bool) -> StageProgram:
    """The equations of ``eqns`` that ``outvars`` need, as a program over the values it reads
    from elsewhere (in the order of ``inputs``)."""
    live = {x for x in outvars if type(x) is Var}
    kept = []
    for eqn in reversed(eqns):
        if any(v in live for v in eqn.outvars):
            kept.append(eqn)
            live.update(x for x in eqn.inputs if type(x) is Var)
    kept.reverse()
    defined = {v for e in kept for v in e.outvars}
    invars: list[Var] = []
    inputs: list[Source] = []
    constvars: list[Var] = []
    consts: list[Any] = []
    for x in [x for e in kept for x in e.inputs] + list(outvars):
        if type(x) is not Var or x in defined or x in invars or x in constvars:
            continue
        if x in const_values:
            constvars.append(x)
            consts.append(const_values[x])
            continue
        where = source(x, stage, replicated_only)
        invars.append(x)
        inputs.append(where)
    return StageProgram(ClosedJaxpr(Jaxpr(constvars, invars, kept, outvars), consts), inputs)
