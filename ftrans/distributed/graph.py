"""The Dask graph of a sharded program: stage tasks, tree reductions, and what workers cache.

One graph holds the whole computation, so Dask schedules it, reruns the tasks of a lost
worker and spills memory; ftrans adds no scheduler, threads or sockets of its own. Per shard
and stage there is one task running that stage's shard program; a round of collectives is a
tree of reduction tasks (``FAN_IN`` operands a node) whose root every task of the next stage
reads; a stage's replicated program is one task. Programs and unmapped arguments are graph
keys that all tasks share, so each worker receives them once. A program travels as a
:class:`ShardTask`, which pickles as (token, bytes): a worker that already has the token keeps
the program it compiled, so it neither unpickles nor compiles it again. A program arriving
on a worker also sets the worker's allocator up for its arrays (``malloc``).
"""

from __future__ import annotations

import functools
import operator
import pickle
import threading
import uuid
from typing import Any, Callable, Sequence

import cloudpickle
import numpy as np

from ftrans.compile import compiled
from ftrans.config import config
from ftrans.distributed.malloc import fit_program
from ftrans.distributed.stages import Collective, Plan, Source, StageProgram
from ftrans.ir import eval_jaxpr

__all__ = [
    "FAN_IN", "GraphBuilder", "Reduction", "ShardTask", "identity", "reduce_operands",
    "reduce_partials", "run_replicated", "run_shard",
]

FAN_IN = 8  # operands per reduction task: few tasks, yet a tree (no node reads every shard)
_CACHE_LIMIT = 256  # programs a worker keeps


class ShardTask:
    """A stage program as it runs on a worker: the compiled program and how to gather its
    inputs from the task's dependencies (``picks``: a dependency, an item of one, the shard's
    number, or a constant)."""

    __slots__ = ("token", "closed", "picks", "bare", "label", "debug", "_payload")

    def __init__(self, closed: Any, picks: tuple, bare: bool, label: str, debug: tuple,
                 token: str | None = None):
        self.token = token or uuid.uuid4().hex
        self.closed = closed
        self.picks = picks
        self.bare = bare  # one output, returned as itself (it is a block of a result)
        self.label = label
        self.debug = debug  # (debug_nans, debug_infs) on the client when the graph was built
        self._payload: bytes | None = None

    def __reduce__(self) -> tuple:
        if self._payload is None:  # pickled once, however many workers receive it
            self._payload = cloudpickle.dumps(
                (self.closed, self.picks, self.bare, self.label, self.debug))
        return _load_task, (self.token, self._payload)

    def inputs(self, index: int | None, deps: Sequence[Any]) -> list[Any]:
        values = []
        for pick in self.picks:
            if pick[0] == "dep":
                value = deps[pick[1]]
                values.append(value if pick[2] is None else value[pick[2]])
            elif pick[0] == "index":
                assert index is not None  # only a shard's program reads the shard's number
                values.append(np.int64(index))
            else:
                values.append(pick[1])
        return values

    def run(self, index: int | None, deps: Sequence[Any]) -> Any:
        args = self.inputs(index, deps)
        try:
            if any(self.debug):
                outs = _run_checked(self.closed, args, self.debug)
            else:
                outs = compiled(self.closed)(*args)
        except Exception as err:
            where = "the replicated part" if index is None else f"shard {index}"
            _annotate(err, index, f"raised in {where} of {self.label}")
            raise
        return outs[0] if self.bare else tuple(outs)


_worker_tasks: dict[str, ShardTask] = {}
_worker_lock = threading.Lock()


def _load_task(token: str, payload: bytes) -> ShardTask:
    """A program arriving on a worker: the one already compiled there, if any."""
    with _worker_lock:
        task = _worker_tasks.get(token)
    if task is not None:
        return task
    closed, picks, bare, label, debug = pickle.loads(payload)
    fit_program(closed)  # on a Dask worker: its arrays from reused memory (see malloc.py)
    task = ShardTask(closed, picks, bare, label, debug, token=token)
    task._payload = payload
    with _worker_lock:
        if len(_worker_tasks) >= _CACHE_LIMIT:
            _worker_tasks.pop(next(iter(_worker_tasks)))
        task = _worker_tasks.setdefault(token, task)
    return task


def _run_checked(closed: Any, args: list[Any], debug: tuple) -> list[Any]:
    """Evaluate equation by equation with the client's NaN / Inf checks on, so a bad value is
    reported at the primitive that produced it."""
    old = (config.read("debug_nans"), config.read("debug_infs"))
    config.update("debug_nans", debug[0])
    config.update("debug_infs", debug[1])
    try:
        return eval_jaxpr(closed.jaxpr, closed.consts, *args)
    finally:
        config.update("debug_nans", old[0])
        config.update("debug_infs", old[1])


def _annotate(err: Exception, index: int | None, message: str) -> None:
    """Name the shard on the exception itself, keeping its type (it crosses to the client)."""
    try:
        err.shard_index = index  # type: ignore[attr-defined]
    except AttributeError:
        pass
    add_note = getattr(err, "add_note", None)
    if add_note is not None:
        add_note(message)
    elif len(err.args) == 1 and isinstance(err.args[0], str):  # Python 3.10: no notes
        err.args = (f"{err.args[0]} ({message})",)


def run_shard(task: ShardTask, index: int, deps: list[Any]) -> Any:
    return task.run(index, deps)


def run_replicated(task: ShardTask, deps: list[Any]) -> Any:
    return task.run(None, deps)


def identity(x: Any) -> Any:
    return x


# ---------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------


class Reduction:
    """How a round's collectives combine partial results (one partial per collective: an array
    for sum / max / min, the list of shard operands in order for gather)."""

    __slots__ = ("collectives",)

    def __init__(self, collectives: Sequence[Collective]):
        self.collectives = list(collectives)

    def leaf(self, operands: Sequence[Any]) -> list[Any]:
        return [[x] if c.kind == "gather" else x for c, x in zip(self.collectives, operands)]

    def combine(self, partials: Sequence[list[Any]]) -> list[Any]:
        combined = []
        for k, c in enumerate(self.collectives):
            parts = [p[k] for p in partials]
            if c.kind == "gather":
                combined.append([x for part in parts for x in part])
            else:
                combined.append(functools.reduce(_COMBINE[c.kind], parts))
        return combined

    def finish(self, partials: list[Any]) -> list[Any]:
        results = []
        for c, value in zip(self.collectives, partials):
            if c.kind == "gather":
                value = (np.concatenate if c.tiled else np.stack)(value, axis=c.axis)
            results.append(np.asarray(value, dtype=c.out_aval.dtype))
        return results


_COMBINE: dict[str, Callable[[Any, Any], Any]] = {
    "sum": np.add, "max": np.maximum, "min": np.minimum}


def reduce_operands(reduction: Reduction, operands: list[Any], root: bool) -> list[Any]:
    partial = reduction.combine([reduction.leaf(o) for o in operands])
    return reduction.finish(partial) if root else partial


def reduce_partials(reduction: Reduction, partials: list[Any], root: bool) -> list[Any]:
    partial = reduction.combine(partials)
    return reduction.finish(partial) if root else partial


# ---------------------------------------------------------------------------------------------
# The graph
# ---------------------------------------------------------------------------------------------


def _picks(program: StageProgram) -> tuple[tuple, list[tuple]]:
    """How a task gathers ``program``'s inputs, and the dependencies it reads (ids in the
    order of first use, the same for every shard)."""
    deps: list[tuple] = []
    picks = []
    for src in program.inputs:
        kind = src[0]
        if kind == "index":
            picks.append(("index",))
        elif kind == "literal":
            picks.append(("literal", src[1]))
        else:
            dep, item = (src, None) if kind == "arg" else (src[:2], src[2])
            if dep not in deps:
                deps.append(dep)
            picks.append(("dep", deps.index(dep), item))
    return tuple(picks), deps


class GraphBuilder:
    """Fills one Dask layer with the tasks of a shard_map call.

    ``plans[g]`` is the plan of shard shape ``g``; ``groups[i]`` the shape of shard ``i``;
    ``arg_key(j, i)`` the key of flat argument ``j`` for shard ``i``.
    """

    def __init__(self, name: str, plans: dict[Any, Plan], groups: list[Any],
                 arg_key: Callable[[int, int], Any], label: str, debug: tuple,
                 tasks: dict[tuple, ShardTask]):
        self.name = name
        self.plans = plans
        self.groups = groups
        self.arg_key = arg_key
        self.label = label
        self.debug = debug
        self.tasks = tasks  # (group, stage, part) -> ShardTask, reused across calls
        self.layer: dict[Any, Any] = {}
        self.bare_block: dict[tuple[Any, int], int] = {}  # (group, stage) -> output number

    def task(self, group: Any, stage: int, part: str, program: StageProgram,
             bare: bool) -> tuple[str, list[tuple]]:
        """The key of the shared program object, and the dependency ids its tasks read."""
        picks, deps = _picks(program)
        task = self.tasks.get((group, stage, part, bare))
        if task is None:
            what = f"stage {stage}" if part == "shard" else f"stage {stage} (replicated part)"
            task = self.tasks[(group, stage, part, bare)] = ShardTask(
                program.closed, picks, bare, f"shard_map({self.label}), {what}", self.debug)
        elif task.debug != self.debug:
            task = ShardTask(program.closed, picks, bare, task.label, self.debug)
        key = f"{self.name}-program-{task.token}"
        self.layer[key] = task
        return key, deps

    def dep_key(self, dep: tuple, group: Any, shard: int) -> Any:
        kind = dep[0]
        if kind == "arg":
            return self.arg_key(dep[1], shard)
        if kind == "shard":
            return self.stage_key(group, dep[1], shard)
        if kind == "rep":
            return f"{self.name}-rep{dep[1]}-{_group_id(group)}"
        return f"{self.name}-round{dep[1]}"

    def stage_key(self, group: Any, stage: int, shard: int) -> Any:
        out = self.bare_block.get((group, stage))
        if out is not None:
            return self.block_key(out, shard)
        return (f"{self.name}-stage{stage}", shard)

    def block_key(self, out: int, shard: int) -> tuple:
        axis, ndim = self.out_layout[out]
        return (f"{self.name}-out{out}",) + tuple(shard if d == axis else 0 for d in range(ndim))

    def build(self, out_layout: list[tuple[int | None, int]]) -> dict[Any, Any]:
        """All tasks; ``out_layout[o]`` is (mapped axis or None, rank) of result ``o``."""
        self.out_layout = out_layout
        any_plan = next(iter(self.plans.values()))
        for g, plan in self.plans.items():
            self._find_bare_stages(g, plan)
        n = len(self.groups)
        for s in range(len(any_plan.stages)):
            for g, plan in self.plans.items():
                stage = plan.stages[s]
                if stage.rep is not None:
                    key, deps = self.task(g, s, "rep", stage.rep, bare=False)
                    self.layer[f"{self.name}-rep{s}-{_group_id(g)}"] = (
                        run_replicated, key, [self.dep_key(d, g, 0) for d in deps])
            for i in range(n):
                g = self.groups[i]
                stage = self.plans[g].stages[s]
                if stage.shard is None:
                    continue
                bare = (g, s) in self.bare_block
                key, deps = self.task(g, s, "shard", stage.shard, bare)
                self.layer[self.stage_key(g, s, i)] = (
                    run_shard, key, i, [self.dep_key(d, g, i) for d in deps])
            if s < len(any_plan.rounds):
                self._reduction(s, any_plan.rounds[s])
        for o, (axis, _) in enumerate(out_layout):
            for i in range(n if axis is not None else 1):
                g = self.groups[i]
                if self._is_bare_output(g, o):
                    continue
                self.layer[self.block_key(o, i)] = self._result(self.plans[g].outputs[o], g, i)
        return self.layer

    def _reduction(self, r: int, collectives: list[Collective]) -> None:
        reduction = Reduction(collectives)
        n = len(self.groups)
        level = []
        for i in range(n):
            g = self.groups[i]
            stage = self.plans[g].stages[r]
            assert stage.shard is not None  # it computes the operands of round r
            start = len(stage.shard.closed.jaxpr.outvars) - stage.num_operands
            key = (f"{self.name}-operands{r}", i)
            self.layer[key] = (operator.getitem, self.stage_key(g, r, i), slice(start, None))
            level.append(key)
        root = f"{self.name}-round{r}"
        first, depth = True, 0
        while True:
            if len(level) <= FAN_IN:
                fn = reduce_operands if first else reduce_partials
                self.layer[root] = (fn, reduction, level, True)
                return
            fn = reduce_operands if first else reduce_partials
            nodes = []
            for j in range(0, len(level), FAN_IN):
                key = (f"{self.name}-round{r}-tree{depth}", j // FAN_IN)
                self.layer[key] = (fn, reduction, level[j:j + FAN_IN], False)
                nodes.append(key)
            level, first, depth = nodes, False, depth + 1

    def _find_bare_stages(self, g: Any, plan: Plan) -> None:
        """A stage whose only output is one block of one result returns it as that block."""
        uses: dict[tuple, int] = {}
        for stage in plan.stages:
            for program in (stage.shard, stage.rep):
                for src in (program.inputs if program is not None else ()):
                    if src[0] == "shard":
                        uses[src[:2]] = uses.get(src[:2], 0) + 1
        for o, src in enumerate(plan.outputs):
            if src[0] != "shard" or self.out_layout[o][0] is None:
                continue
            stage = plan.stages[src[1]]
            if len(stage.shard.closed.jaxpr.outvars) == 1 and stage.num_operands == 0 \
                    and not uses.get(src[:2]) \
                    and sum(1 for x in plan.outputs if x[:2] == src[:2]) == 1:
                self.bare_block[(g, src[1])] = o

    def _is_bare_output(self, g: Any, o: int) -> bool:
        src = self.plans[g].outputs[o]
        return src[0] == "shard" and self.bare_block.get((g, src[1])) == o

    def _result(self, src: Source, g: Any, i: int) -> Any:
        kind = src[0]
        if kind == "literal":
            return (identity, np.asarray(src[1]))
        if kind == "index":
            return (identity, np.int64(i))
        if kind == "arg":
            return (identity, self.arg_key(src[1], i))
        dep = self.dep_key(src[:2], g, i)
        return (operator.getitem, dep, src[2])


def _group_id(group: Any) -> str:
    return format(abs(hash(group)), "x")
