"""Invert simple invertible functions by running their program backwards.

inverse(f)(y) traces f, evaluates forwards every equation that does not depend on x (with
extend.interpret), then walks the equations on the path from x to y in reverse, each through
its rule in inverse_rules. The rules are written with ftrans operations, so grad, vmap and jit
apply to inverse(f); a jit call inside f is inverted by inverting its program.
Run: python examples/inverse.py
"""

import numpy as np

import ftrans as ft
import ftrans.lax as lax
import ftrans.numpy as fnp
from ftrans import extend

UNKNOWN = object()  # the value of x, and of everything computed from it, in the forward pass

# inverse_rules[prim](out, invals, i, **params) -> the input i (the unknown one) given the
# output and the other (known) inputs in invals
inverse_rules = {
    lax.neg_p: lambda out, a, i: -out,
    lax.add_p: lambda out, a, i: out - a[1 - i],
    extend.add_any_p: lambda out, a, i: out - a[1 - i],
    lax.sub_p: lambda out, a, i: out + a[1] if i == 0 else a[0] - out,
    lax.mul_p: lambda out, a, i: out / a[1 - i],
    lax.div_p: lambda out, a, i: out * a[1] if i == 0 else a[0] / out,
    lax.exp_p: lambda out, a, i: fnp.log(out),
    lax.log_p: lambda out, a, i: fnp.exp(out),
    lax.expm1_p: lambda out, a, i: fnp.log1p(out),
    lax.log1p_p: lambda out, a, i: fnp.expm1(out),
    lax.sqrt_p: lambda out, a, i: out * out,
    lax.tanh_p: lambda out, a, i: 0.5 * fnp.log1p(2 * out / (1 - out)),
    lax.logistic_p: lambda out, a, i: fnp.log(out / (1 - out)),
    lax.integer_pow_p: lambda out, a, i, y: (  # odd powers; even ones: the positive root
        fnp.sign(out) * fnp.abs(out) ** (1 / y) if y % 2 else out ** (1 / y)),
    lax.transpose_p: lambda out, a, i, permutation: lax.transpose(
        out, tuple(np.argsort(permutation).tolist())),
    lax.rev_p: lambda out, a, i, dimensions: lax.rev(out, dimensions),
}


def invert(closed, y, known_args):
    """The input of ``closed`` marked UNKNOWN in known_args, given its output ``y``."""
    path = []  # (equation, input values) of the equations that depend on x, in order

    def forward(eqn, invals):
        if any(v is UNKNOWN for v in invals):
            path.append((eqn, invals))
            return [UNKNOWN] * len(eqn.outvars)
        return extend.bind_eqn(eqn, invals)

    (out,) = extend.interpret(closed, forward, *known_args)
    if out is not UNKNOWN:
        raise ValueError("cannot invert a function whose output does not depend on its input")
    values = {closed.jaxpr.outvars[0]: y}  # the value of each variable on the path, backwards
    for eqn, invals in reversed(path):
        prim, unknown = eqn.primitive, [i for i, v in enumerate(invals) if v is UNKNOWN]
        if prim not in inverse_rules and prim not in (extend.jit_p, lax.reshape_p):
            raise extend.MissingRuleError(prim, "inverse")
        if len(unknown) > 1 or len(eqn.outvars) > 1 or eqn.outvars[0] not in values:
            raise ValueError(f"cannot invert '{prim.name}': the input is used twice or "
                             f"combined with itself")
        out, (i,) = values.pop(eqn.outvars[0]), unknown
        if prim is extend.jit_p:  # a call: invert its program
            values[eqn.inputs[i]] = invert(eqn.params["jaxpr"], out, invals)
        elif prim is lax.reshape_p:  # its rule needs the input's shape
            values[eqn.inputs[i]] = lax.reshape(out, eqn.inputs[i].aval.shape)
        else:
            values[eqn.inputs[i]] = inverse_rules[prim](out, invals, i, **eqn.params)
    return values[closed.jaxpr.invars[known_args.index(UNKNOWN)]]


def inverse(fun):
    """inverse(fun)(y) -> x with fun(x) == y, for fun of one array whose output has its type."""
    def inverted(y):
        aval = extend.get_aval(y)
        closed = ft.make_jaxpr(fun)(np.zeros(aval.shape, aval.dtype))
        if closed.out_avals != [aval]:
            raise TypeError(f"inverse needs a function returning one {aval} array")
        return invert(closed, y, [UNKNOWN])
    return inverted


def main():
    f = lambda x: fnp.exp(3.0 * x + 1.0) / 2.0  # noqa: E731
    x = np.array([0.1, 0.2, 0.3])
    print("f(x):                  ", f(x))
    print("inverse(f)(f(x)):      ", inverse(f)(f(x)))
    print("inverse(jit(f))(f(x)): ", inverse(ft.jit(f))(f(x)))
    print("jit(vmap(inverse(f))): ", ft.jit(ft.vmap(inverse(f)))(f(x)))
    print("grad of the inverse:   ", ft.grad(inverse(f))(f(0.2)), "=", 1 / ft.grad(f)(0.2))
    print("inverse(inverse(f)):   ", inverse(inverse(f))(x), "=", f(x))
    print(ft.make_jaxpr(inverse(f))(1.0))


if __name__ == "__main__":
    main()
