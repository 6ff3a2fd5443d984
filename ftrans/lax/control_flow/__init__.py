"""Structured control flow: ``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``,
``map``. Each is one higher-order primitive holding its branches or body as programs, with
rules that transform those programs, so control flow works under every transformation and
under ``jit``. See docs/control_flow.md.
"""

from ftrans.lax.control_flow.cond import cond, cond_p, switch  # noqa: F401
from ftrans.lax.control_flow.loops import (  # noqa: F401
    ReverseModeWhileError, fori_loop, while_loop, while_p,
)
from ftrans.lax.control_flow.scan import map, scan, scan_p  # noqa: F401, A004  (lax.map, as in JAX)
from ftrans.lax.control_flow.associative_scan import associative_scan  # noqa: F401
from ftrans.lax.control_flow.solves import (  # noqa: F401
    custom_linear_solve, custom_root, linear_solve_p,
)

__all__ = ["cond", "cond_p", "switch", "while_loop", "while_p", "fori_loop",
           "ReverseModeWhileError", "scan", "scan_p", "map", "associative_scan",
           "custom_linear_solve", "custom_root", "linear_solve_p"]
