"""Count the FLOPs and bytes of any function, or of any transformed function, from its program.

A jaxpr interpreter that needs no values: each equation's cost follows from its input and
output types (avals). count_flops(grad(f)) counts the program grad stages, so the cost of the
backward pass can be compared with the forward one. Nested programs (jit calls) are descended
into with an explicit stack, never by recursion. Run: python examples/count_flops.py
"""

import numpy as np

import ftrans as ft
import ftrans.lax as lax
import ftrans.numpy as fnp
from ftrans import extend

# flop_rules[prim](eqn) -> FLOPs of one application; bytes come from the avals, for all
flop_rules = {}

ELEMENTWISE = """neg add sub mul div rem max min pow integer_pow exp log log1p expm1 sin cos tan
    tanh sqrt rsqrt logistic abs sign floor ceil round eq ne lt le gt ge and or xor not
    select_n""".split()
REDUCTIONS = """reduce_sum reduce_max reduce_min reduce_prod reduce_and reduce_or argmax argmin
    cumsum cumprod cummax cummin""".split()
MOVEMENT = """broadcast_in_dim reshape transpose squeeze concatenate pad rev iota slice
    dynamic_slice dynamic_update_slice convert_element_type stop_gradient""".split()

for name in ELEMENTWISE:  # one operation per output element
    flop_rules[getattr(lax, name + "_p")] = lambda eqn: eqn.outvars[0].aval.size
for name in REDUCTIONS:  # one operation per input element
    flop_rules[getattr(lax, name + "_p")] = lambda eqn: eqn.inputs[0].aval.size
for name in MOVEMENT:  # data movement only: bytes, no arithmetic
    flop_rules[getattr(lax, name + "_p")] = lambda eqn: 0
flop_rules[extend.add_any_p] = lambda eqn: eqn.outvars[0].aval.size
flop_rules[lax.linear_recurrence_p] = lambda eqn: 2 * eqn.outvars[0].aval.size


def dot_general_flops(eqn):  # a multiply and an add per (output element, contracted index)
    (contracting, _), _ = eqn.params["dimension_numbers"]
    lhs_shape = eqn.inputs[0].aval.shape
    return 2 * eqn.outvars[0].aval.size * int(np.prod([lhs_shape[d] for d in contracting]))


flop_rules[lax.dot_general_p] = dot_general_flops


def nbytes(atoms):
    return sum(a.aval.size * a.aval.dtype.itemsize for a in atoms)


def count_jaxpr(closed):
    """{"flops", "bytes_read", "bytes_written", "by_primitive": {name: flops}} of a program."""
    counts = {"flops": 0, "bytes_read": 0, "bytes_written": 0, "by_primitive": {}}
    stack = [closed.jaxpr]  # programs still to count: the top one, then nested calls
    while stack:
        for eqn in stack.pop().eqns:
            prim = eqn.primitive
            if prim is extend.jit_p:  # a call costs what its program costs
                stack.append(eqn.params["jaxpr"].jaxpr)
                continue
            if prim not in flop_rules:
                raise extend.MissingRuleError(prim, "count_flops")
            flops = flop_rules[prim](eqn)
            counts["flops"] += flops
            counts["bytes_read"] += nbytes(eqn.inputs)
            counts["bytes_written"] += nbytes(eqn.outvars)
            counts["by_primitive"][prim.name] = counts["by_primitive"].get(prim.name, 0) + flops
    return counts


def count_flops(fun):
    """count_flops(fun)(*args): the cost of fun's program at the shapes and dtypes of args."""
    return lambda *args, **kwargs: count_jaxpr(ft.make_jaxpr(fun)(*args, **kwargs))


def main():
    w1, w2 = np.ones((64, 32)), np.ones((32, 1))

    def loss(x):  # a two-layer network on a batch of 128 inputs of 64 features
        return fnp.sum(fnp.tanh(fnp.dot(fnp.tanh(fnp.dot(x, w1)), w2)) ** 2)

    x = np.ones((128, 64))
    forward, backward = count_flops(loss)(x), count_flops(ft.grad(loss))(x)
    print(f"loss:        {forward['flops']:>9,} FLOPs  {forward['bytes_read']:>9,} bytes read")
    print(f"grad(loss):  {backward['flops']:>9,} FLOPs  {backward['bytes_read']:>9,} bytes read")
    print(f"grad / forward FLOPs: {backward['flops'] / forward['flops']:.2f}")
    print("grad by primitive:", backward["by_primitive"])
    per_example = count_flops(ft.vmap(ft.grad(lambda v: loss(v[None]))))(x)
    print(f"vmap(grad) per-example gradients: {per_example['flops']:,} FLOPs")
    print(f"jit(loss): {count_flops(ft.jit(loss))(x)['flops']:,} FLOPs")


if __name__ == "__main__":
    main()
