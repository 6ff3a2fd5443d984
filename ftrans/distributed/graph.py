"""The Dask graph of a sharded program: stage tasks, tree reductions, and what workers cache.

One graph holds the whole computation, so Dask schedules it, reruns the tasks of a lost
worker and spills memory; ftrans adds no scheduler, threads or sockets of its own. Per shard
and stage there is one task running that stage's shard program, and a stage's shard tasks are
one ``Blockwise`` layer, so that Dask's optimizer fuses the tasks that produce their input
blocks into them; a round of collectives is a tree of reduction tasks (``FAN_IN`` operands a
node) whose root every task of the next stage reads; a stage's replicated program is one task.
The programs and the unmapped NumPy arguments are one graph key that all tasks share
(:class:`Shared`), so each worker receives them once. A program travels as a
:class:`ShardTask`, which pickles as (token, bytes): a worker that already has the token keeps
the program it compiled, so it neither unpickles nor compiles it again. A program arriving
on a worker also sets the worker's allocator up for its arrays (``malloc``).
"""

from __future__ import annotations

import functools
import math
import operator
import pickle
import threading
import uuid
from typing import Any, Callable, Sequence

import cloudpickle
import numpy as np
from dask._task_spec import DataNode, GraphNode, Task, TaskRef
from dask.blockwise import Blockwise, BlockwiseDepDict, blockwise_token
from dask.highlevelgraph import MaterializedLayer

from ftrans.compile import compiled
from ftrans.config import config
from ftrans.distributed.malloc import fit_program
from ftrans.distributed.stages import Collective, Plan, Source, StageProgram
from ftrans.ir import eval_jaxpr

__all__ = [
    "FAN_IN", "GraphBuilder", "Reduction", "ShardTask", "Shared", "identity", "reduce_operands",
    "reduce_partials", "root_as_blockwise", "run_replicated", "run_shard",
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

    def inputs(self, index: int | None, deps: Sequence[Any],
               shared: Sequence[Any] = ()) -> list[Any]:
        values = []
        for pick in self.picks:
            if pick[0] == "dep":
                value = deps[pick[1]]
                values.append(value if pick[2] is None else value[pick[2]])
            elif pick[0] == "shared":
                values.append(shared[pick[1]])
            elif pick[0] == "index":
                assert index is not None  # only a shard's program reads the shard's number
                values.append(np.int64(index))
            else:
                values.append(pick[1])
        return values

    def run(self, index: int | None, deps: Sequence[Any], shared: Sequence[Any] = ()) -> Any:
        args = self.inputs(index, deps, shared)
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


class Shared:
    """The one graph value every task of a shard_map call reads: its programs, by (stage,
    part, shard shape number), and its unmapped NumPy arguments. One key, so each worker
    receives it once per computation (the programs inside travel as tokens plus bytes, and a
    worker that has a token already keeps its compiled program)."""

    __slots__ = ("tasks", "args")

    def __init__(self, tasks: dict[tuple, ShardTask], args: tuple):
        self.tasks = tasks
        self.args = args


def run_shard(shared: Shared, stage: int, where: tuple[int, int], *deps: Any) -> Any:
    """A shard's task: ``where`` is (shard number, shard shape number)."""
    index, group = where
    return shared.tasks[(stage, "shard", group)].run(index, deps, shared.args)


def run_replicated(shared: Shared, stage: int, group: int, deps: list[Any]) -> Any:
    return shared.tasks[(stage, "rep", group)].run(None, deps, shared.args)


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


def reduce_operands(reduction: Reduction, outputs: list[Any], root: bool,
                    starts: list[int]) -> list[Any]:
    """A leaf of a round's tree: the operands are the last outputs of each shard's stage
    program, from ``starts``."""
    partial = reduction.combine([reduction.leaf(o[k:]) for o, k in zip(outputs, starts)])
    return reduction.finish(partial) if root else partial


def reduce_partials(reduction: Reduction, partials: list[Any], root: bool) -> list[Any]:
    partial = reduction.combine(partials)
    return reduction.finish(partial) if root else partial


# ---------------------------------------------------------------------------------------------
# The graph
# ---------------------------------------------------------------------------------------------

# How a flat argument reaches the tasks (from shard_map):
#   ("block", name, ndim, numblocks, layers)  a mapped Dask array: the shard's block
#   ("key", key, layers)                      an unmapped Dask array: its one block, read by all
#   ("value", value)                   an unmapped value: in the shared value
Argument = tuple


class GraphBuilder:
    """The layers of one shard_map call.

    ``plans[g]`` is the plan of shard shape ``g``; ``groups[i]`` the shape of shard ``i``;
    ``args[j]`` how flat argument ``j`` reaches the tasks. The shard tasks of a stage are one
    ``Blockwise`` layer, so that Dask's optimizer fuses blockwise producers of their inputs
    (``da.from_array``, ``da.from_zarr``, elementwise steps, and root layers such as
    ``da.random``'s, see :func:`root_as_blockwise`) into them: one task per shard instead of
    one per input block and shard, and no input crosses between workers. Programs and unmapped
    values are one shared key; a round of collectives and a stage's replicated program are
    ordinary tasks.
    """

    def __init__(self, name: str, plans: dict[Any, Plan], groups: list[Any],
                 args: list[Argument], label: str, debug: tuple,
                 tasks: dict[tuple, ShardTask]):
        self.name = name
        self.plans = plans
        self.groups = groups
        self.distinct = list(dict.fromkeys(groups))
        self.number = {g: k for k, g in enumerate(self.distinct)}
        self.args = args
        self.kinds = tuple(a[0] for a in args)
        self.label = label
        self.debug = debug
        self.tasks = tasks  # (group, stage, part, bare, kinds) -> ShardTask, reused across calls
        self.shared_key = f"{name}-shared"
        self.programs: dict[tuple, ShardTask] = {}
        self.layers: dict[str, Any] = {}
        self.dependencies: dict[str, set[str]] = {}
        self.stage_layer: dict[int, str] = {}
        self.bare: dict[int, int] = {}  # stage -> the result whose blocks its tasks return

    # -- sources ----------------------------------------------------------------------------

    def _dep(self, src: Source, group: int) -> tuple | None:
        """The dependency a source reads (None: the shard's number, a literal, a shared
        value)."""
        kind = src[0]
        if kind == "arg":
            return None if self.kinds[src[1]] == "value" else ("arg", src[1])
        if kind == "shard":
            return ("shard", src[1])
        if kind == "rep":
            return ("rep", src[1], group)
        if kind == "collective":
            return ("round", src[1])
        return None

    def _pick(self, src: Source, deps: list[tuple], group: int) -> tuple:
        kind = src[0]
        if kind == "index":
            return ("index",)
        if kind == "literal":
            return ("literal", src[1])
        dep = self._dep(src, group)
        if dep is None:
            return ("shared", src[1])
        item = None if kind == "arg" else src[2]
        return ("dep", deps.index(dep), item)

    def _dep_layers(self, dep: tuple) -> set[str]:
        kind = dep[0]
        if kind == "arg":
            return set(self.args[dep[1]][-1])
        if kind == "shard":
            return {self.stage_layer[dep[1]]}
        if kind == "rep":
            return {f"{self.name}-rep{dep[1]}"}
        return {f"{self.name}-round{dep[1]}"}

    def _dep_key(self, dep: tuple, shard: int) -> Any:
        """The key of a dependency for one shard (the tasks that are not blockwise)."""
        kind = dep[0]
        if kind == "arg":
            a = self.args[dep[1]]
            if a[0] == "key":
                return a[1]
            return (a[1],) + tuple(shard if nb > 1 else 0 for nb in a[3])
        if kind == "shard":
            return (self.stage_layer[dep[1]], shard)
        if kind == "rep":
            return f"{self.name}-rep{dep[1]}-{dep[2]}"
        return f"{self.name}-round{dep[1]}"

    def _program(self, group: Any, stage: int, part: str, program: StageProgram,
                 deps: list[tuple], bare: bool) -> None:
        number = self.number[group]
        picks = tuple(self._pick(src, deps, number) for src in program.inputs)
        cache = (group, stage, part, bare, self.kinds)
        task = self.tasks.get(cache)
        if task is None:
            what = f"stage {stage}" if part == "shard" else f"stage {stage} (replicated part)"
            task = self.tasks[cache] = ShardTask(
                program.closed, picks, bare, f"shard_map({self.label}), {what}", self.debug)
        elif task.debug != self.debug:
            task = ShardTask(program.closed, picks, bare, task.label, self.debug)
        self.programs[(stage, part, number)] = task

    # -- layers -----------------------------------------------------------------------------

    def build(self, out_layout: list[tuple[int | None, int]]) -> tuple[dict, dict]:
        """Our layers and their dependencies; ``out_layout[o]`` is (mapped axis or None, rank)
        of result ``o``."""
        self.out_layout = out_layout
        any_plan = next(iter(self.plans.values()))
        self._find_bare_stages()
        for s in range(len(any_plan.stages)):
            self.stage_layer[s] = (f"{self.name}-out{self.bare[s]}" if s in self.bare
                                   else f"{self.name}-stage{s}")
        for s in range(len(any_plan.stages)):
            self._replicated(s)
            if any(self.plans[g].stages[s].shard is not None for g in self.distinct):
                self._stage(s)
            if s < len(any_plan.rounds):
                self._reduction(s, any_plan.rounds[s])
        self._results()
        shared = Shared(self.programs, tuple(a[1] if a[0] == "value" else None
                                             for a in self.args))
        self.layers[self.shared_key] = MaterializedLayer({self.shared_key: shared})
        self.dependencies[self.shared_key] = set()
        return self.layers, self.dependencies

    def _replicated(self, s: int) -> None:
        layer, layers = {}, {self.shared_key}
        for g in self.distinct:
            program = self.plans[g].stages[s].rep
            if program is None:
                continue
            number = self.number[g]
            deps = list(dict.fromkeys(d for d in (self._dep(x, number) for x in program.inputs)
                                      if d is not None))
            self._program(g, s, "rep", program, deps, bare=False)
            layer[f"{self.name}-rep{s}-{number}"] = (
                run_replicated, self.shared_key, s, number, [self._dep_key(d, 0) for d in deps])
            for d in deps:
                layers |= self._dep_layers(d)
        if layer:
            self.layers[f"{self.name}-rep{s}"] = layer
            self.dependencies[f"{self.name}-rep{s}"] = layers

    def _stage(self, s: int) -> None:
        """The shard tasks of stage ``s``: one Blockwise layer over the shard index ``i``."""
        programs = []
        for g in self.distinct:
            program = self.plans[g].stages[s].shard
            assert program is not None  # every shard shape has the same stages
            programs.append(program)
        deps: list[tuple] = []
        for g, program in zip(self.distinct, programs):
            for x in program.inputs:
                d = self._dep(x, self.number[g])
                if d is not None and d not in deps:
                    deps.append(d)
        for g, program in zip(self.distinct, programs):
            self._program(g, s, "shard", program, deps, s in self.bare)
        n = len(self.groups)
        output = self.stage_layer[s]
        if s in self.bare:
            axis, ndim = self.out_layout[self.bare[s]]
            aval = self.plans[self.groups[0]].out_avals[self.bare[s]]
            out_ind = tuple("i" if d == axis else f"k{d}" for d in range(ndim))
            new_axes = {f"k{d}": aval.shape[d] for d in range(ndim) if d != axis}
        else:
            out_ind, new_axes = ("i",), {}
        where = BlockwiseDepDict({(i,): (i, self.number[g]) for i, g in enumerate(self.groups)},
                                 numblocks=(n,))
        indices: list[tuple[Any, Any]] = [(TaskRef(self.shared_key), None), (where, ("i",))]
        numblocks: dict[str, tuple] = {}
        layers = {self.shared_key}
        for d in deps:
            layers |= self._dep_layers(d)
            if d[0] == "arg" and self.args[d[1]][0] == "block":
                _, layer, ndim, blocks, _ = self.args[d[1]]
                indices.append((layer, ("i",) * ndim))  # one block along every other axis
                numblocks[layer] = tuple(blocks)
            elif d[0] == "shard":
                indices.append((self.stage_layer[d[1]], ("i",)))
                numblocks[self.stage_layer[d[1]]] = (n,)
            else:
                indices.append((TaskRef(self._dep_key(d, 0)), None))
        tokens = [TaskRef(blockwise_token(k)) for k in range(len(indices))]
        task = Task(output, run_shard, tokens[0], s, *tokens[1:])
        self.layers[output] = Blockwise(output, out_ind, task, indices, numblocks=numblocks,
                                        new_axes=new_axes)
        self.dependencies[output] = layers

    def _reduction(self, r: int, collectives: list[Collective]) -> None:
        reduction = Reduction(collectives)
        layer: dict[Any, Any] = {}
        level = [(self.stage_layer[r], i) for i in range(len(self.groups))]
        starts = []
        for g in self.groups:
            stage = self.plans[g].stages[r]
            assert stage.shard is not None  # it computes the operands of round r
            starts.append(len(stage.shard.closed.jaxpr.outvars) - stage.num_operands)
        root = f"{self.name}-round{r}"
        first, depth = True, 0
        while True:
            if len(level) <= FAN_IN:
                layer[root] = ((reduce_operands, reduction, level, True, starts) if first
                               else (reduce_partials, reduction, level, True))
                break
            nodes = []
            for j in range(0, len(level), FAN_IN):
                key = (f"{self.name}-round{r}-tree{depth}", j // FAN_IN)
                layer[key] = ((reduce_operands, reduction, level[j:j + FAN_IN], False,
                               starts[j:j + FAN_IN]) if first
                              else (reduce_partials, reduction, level[j:j + FAN_IN], False))
                nodes.append(key)
            level, first, depth = nodes, False, depth + 1
        self.layers[root] = layer
        self.dependencies[root] = {self.stage_layer[r]}

    def _find_bare_stages(self) -> None:
        """A stage whose only output is one block of one result returns it as that block (on
        every shard shape alike: the stage's tasks are one layer)."""
        found: dict[int, int] | None = None
        for plan in self.plans.values():
            mine: dict[int, int] = {}
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
                    mine[src[1]] = o
            found = mine if found is None else {s: o for s, o in found.items()
                                                if mine.get(s) == o}
        self.bare = found or {}

    def _results(self) -> None:
        """The blocks of the results that a stage's tasks do not return themselves."""
        n = len(self.groups)
        for o, (axis, ndim) in enumerate(self.out_layout):
            out_name = f"{self.name}-out{o}"
            if out_name in self.layers:  # a bare stage's layer
                continue
            layer: dict[Any, Any] = {}
            layers: set[str] = set()
            for i in range(n if axis is not None else 1):
                g = self.groups[i]
                src = self.plans[g].outputs[o]
                key = (out_name,) + tuple(i if d == axis else 0 for d in range(ndim))
                kind = src[0]
                if kind == "literal":
                    layer[key] = (identity, np.asarray(src[1]))
                elif kind == "index":
                    layer[key] = (identity, np.int64(i))
                elif kind == "arg" and self.kinds[src[1]] == "value":
                    layer[key] = (identity, self.args[src[1]][1])
                else:
                    dep = self._dep(src, self.number[g])
                    assert dep is not None
                    layers |= self._dep_layers(dep)
                    value = self._dep_key(dep, i)
                    layer[key] = ((identity, value) if kind == "arg"
                                  else (operator.getitem, value, src[2]))
            self.layers[out_name] = layer
            self.dependencies[out_name] = layers


def root_as_blockwise(layer: Any, name: str, numblocks: tuple[int, ...]) -> Any:
    """A layer of root tasks, one per block of the array ``name`` (what ``da.random`` builds,
    or ``da.from_array`` of a small NumPy array),
    as an equivalent ``Blockwise`` layer, so that Dask's optimizer can fuse it into the
    blockwise tasks that read it; None for any other layer (left as it is)."""
    if isinstance(layer, Blockwise) or not isinstance(layer, MaterializedLayer):
        return None
    mapping = layer.mapping
    if len(mapping) != math.prod(numblocks):
        return None
    blocks = {}
    for key, task in mapping.items():
        if type(task) is np.ndarray:  # a block given as data
            task = DataNode(key, task)
        if type(key) is not tuple or len(key) != len(numblocks) + 1 or key[0] != name \
                or not isinstance(task, GraphNode) or task.dependencies:
            return None
        blocks[key[1:]] = task
    index = tuple(f"d{d}" for d in range(len(numblocks)))
    return Blockwise(name, index, Task(name, identity, TaskRef(blockwise_token(0))),
                     [(BlockwiseDepDict(blocks, numblocks=numblocks, produces_tasks=True),
                       index)], numblocks={}, annotations=layer.annotations)
