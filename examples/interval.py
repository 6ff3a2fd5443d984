"""Interval arithmetic as a new transformation: bounds of f(x) over a box lo <= x <= hi.

An IntervalTracer carries a lower and an upper bound; each rule maps input bounds to output
bounds with ftrans operations, so it runs on whatever trace is below (NumPy, vmap, jit). The
interval of grad(f) or vmap(f) works because those transformations bind primitives too.
Run: python examples/interval.py
"""

import numpy as np

import ftrans as ft
import ftrans.lax as lax
import ftrans.numpy as fnp
from ftrans import extend
from ftrans.tree_util import tree_flatten, tree_unflatten

# interval_rules[prim](*bounds, **params) -> (lo, hi), where each argument is a (lo, hi) pair
interval_rules = {}


class IntervalTracer(extend.Tracer):
    """Carries a lower and an upper bound of the value (each of the value's shape and dtype)."""
    __slots__ = ("lo", "hi")

    def __init__(self, trace, lo, hi):
        self._trace, self.lo, self.hi = trace, lo, hi

    aval = property(lambda self: extend.get_aval(self.lo))

    def to_concrete_value(self):  # an exact interval is a value: Python `if` / int() may read it
        lo, hi = self.lo, self.hi
        if isinstance(lo, extend.Tracer) or isinstance(hi, extend.Tracer):
            return None
        return lo if np.array_equal(lo, hi) else None


def bounds(x, trace):  # values that are not this trace's tracers are exact: lo == hi
    return (x.lo, x.hi) if isinstance(x, IntervalTracer) and x._trace is trace else (x, x)


class IntervalTrace(extend.Trace):
    def process(self, prim, args, params):
        if prim in extend.inline_rules:  # jit, checkpoint, cond, scan, while: run the programs
            return self.inline(prim, args, params)
        if prim not in interval_rules:
            raise extend.MissingRuleError(prim, "interval")
        lo, hi = interval_rules[prim](*[bounds(x, self) for x in args], **params)
        return IntervalTracer(self, lo, hi)


def interval(fun):
    """interval(fun)(lo, hi) -> (lo, hi) of fun's output, for one pytree argument."""
    def bounded(lo, hi):
        (los, tree), his = tree_flatten(lo), tree_flatten(hi)[0]
        with extend.new_trace(IntervalTrace, "interval") as trace:
            outs, out_tree = tree_flatten(fun(tree_unflatten(
                tree, [IntervalTracer(trace, *b) for b in zip(los, his)])))
            pairs = [bounds(o, trace) for o in outs]
        return tuple(tree_unflatten(out_tree, [p[i] for p in pairs]) for i in (0, 1))
    return bounded


# ---- rules -----------------------------------------------------------------------------------
def defmonotone(*prims):  # nondecreasing in every argument: bound by bounds
    for p in prims:
        interval_rules[p] = lambda *xs, _p=p, **kw: tuple(_p.bind(*[x[i] for x in xs], **kw)
                                                         for i in (0, 1))

defmonotone(lax.add_p, extend.add_any_p, lax.max_p, lax.min_p, lax.exp_p, lax.log_p,
            lax.log1p_p, lax.expm1_p, lax.tanh_p, lax.sqrt_p, lax.logistic_p, lax.floor_p,
            lax.ceil_p, lax.sign_p, lax.reduce_sum_p, lax.reduce_max_p, lax.reduce_min_p,
            lax.cumsum_p, lax.broadcast_in_dim_p, lax.reshape_p, lax.transpose_p, lax.squeeze_p,
            lax.slice_p, lax.concatenate_p, lax.rev_p, lax.convert_element_type_p,
            lax.stop_gradient_p)
interval_rules[lax.neg_p] = lambda x: (-x[1], -x[0])
interval_rules[lax.sub_p] = lambda x, y: (x[0] - y[1], x[1] - y[0])
interval_rules[lax.abs_p] = lambda x: (fnp.maximum(fnp.maximum(x[0], -x[1]), 0),
                                       fnp.maximum(-x[0], x[1]))
interval_rules[lax.lt_p] = lambda x, y: (x[1] < y[0], x[0] < y[1])  # (surely, possibly) true
interval_rules[lax.gt_p] = lambda x, y: (x[0] > y[1], x[1] > y[0])
interval_rules[lax.le_p] = lambda x, y: (x[1] <= y[0], x[0] <= y[1])
interval_rules[lax.ge_p] = lambda x, y: (x[0] >= y[1], x[1] >= y[0])
interval_rules[lax.eq_p] = lambda x, y: ((x[0] == x[1]) & (y[0] == y[1]) & (x[0] == y[0]),
                                         (x[0] <= y[1]) & (y[0] <= x[1]))

def mul_rule(x, y):
    corners = fnp.stack([x[i] * y[j] for i in (0, 1) for j in (0, 1)])
    return fnp.min(corners, axis=0), fnp.max(corners, axis=0)

def div_rule(x, y):  # y containing 0 gives the whole line
    lo, hi = mul_rule(x, (1 / y[1], 1 / y[0]))
    straddles = (y[0] <= 0) & (y[1] >= 0)
    return fnp.where(straddles, -np.inf, lo), fnp.where(straddles, np.inf, hi)

def integer_pow_rule(x, y):
    if y < 0:
        return div_rule((1.0, 1.0), integer_pow_rule(x, -y))
    lo, hi = x[0] ** y, x[1] ** y
    if y % 2:
        return lo, hi
    return fnp.where(x[0] > 0, lo, fnp.where(x[1] < 0, hi, 0.0)), fnp.maximum(lo, hi)

def sin_rule(x):  # ends, widened to -1 / 1 when a trough / crest lies inside
    lo, hi = fnp.minimum(fnp.sin(x[0]), fnp.sin(x[1])), fnp.maximum(fnp.sin(x[0]), fnp.sin(x[1]))
    def contains(phase):
        return phase + 2 * np.pi * fnp.ceil((x[0] - phase) / (2 * np.pi)) <= x[1]
    return fnp.where(contains(-np.pi / 2), -1.0, lo), fnp.where(contains(np.pi / 2), 1.0, hi)

def dot_general_rule(x, y, **params):  # midpoint-radius form: an enclosure in four products
    dot = lambda a, b: lax.dot_general_p.bind(a, b, **params)  # noqa: E731
    (xm, xr), (ym, yr) = [((v[0] + v[1]) / 2, (v[1] - v[0]) / 2) for v in (x, y)]
    mid, rad = dot(xm, ym), dot(fnp.abs(xm), yr) + dot(xr, fnp.abs(ym)) + dot(xr, yr)
    return mid - rad, mid + rad

def select_n_rule(which, *cases):  # every case the selector may pick contributes its bounds
    w_lo, w_hi = (lax.convert_element_type(w, np.int64) for w in which)
    may = [(w_lo <= k) & (k <= w_hi) for k in range(len(cases))]
    return (fnp.min(fnp.stack([fnp.where(m, c[0], np.inf) for m, c in zip(may, cases)]), 0),
            fnp.max(fnp.stack([fnp.where(m, c[1], -np.inf) for m, c in zip(may, cases)]), 0))

interval_rules.update({
    lax.mul_p: mul_rule, lax.div_p: div_rule, lax.integer_pow_p: integer_pow_rule,
    lax.sin_p: sin_rule, lax.cos_p: lambda x: sin_rule((x[0] + np.pi / 2, x[1] + np.pi / 2)),
    lax.dot_general_p: dot_general_rule, lax.select_n_p: select_n_rule})

def main():
    f = lambda x: fnp.sum(fnp.sin(x) * x ** 2 + fnp.exp(-x))  # noqa: E731
    lo, hi = np.array([0.0, 1.0]), np.array([0.5, 1.5])
    print("f over the box:        ", interval(f)(lo, hi))
    print("grad f over the box:   ", interval(ft.grad(f))(lo, hi))
    print("vmap f over the boxes: ", interval(ft.vmap(f))(lo[:, None], hi[:, None]))
    print("per-box, batched:      ", ft.vmap(interval(f))(lo[:, None], hi[:, None]))
    print("jit f over the box:    ", interval(ft.jit(f))(lo, hi))
    g = lambda x: lax.cond(fnp.min(x) > 0, fnp.log, fnp.exp, x)  # noqa: E731
    print("cond over the box:     ", interval(g)(lo + 1, hi + 1))
    h = lambda x: lax.scan(lambda c, xi: (c * xi + 1, c), 1.0, x)  # noqa: E731
    print("scan over the box:     ", interval(h)(lo, hi))

if __name__ == "__main__":
    main()
