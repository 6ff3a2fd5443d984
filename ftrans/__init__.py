"""ftrans: composable function transformations (grad, jvp, vjp, vmap, jit) on NumPy.

>>> import ftrans as ft, ftrans.numpy as fnp
>>> ft.grad(fnp.sin)(0.0)
np.float64(1.0)
"""

from ftrans import (  # noqa: F401
    extend,
    lax,
    numpy,
    tree_util,  # noqa: F401
)
from ftrans.api import (  # noqa: F401
    float0,
    grad,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    make_jaxpr,
    value_and_grad,
    vjp,
    vmap,
)
from ftrans.api_jit import clear_caches, disable_jit, jit, jit_cache_info  # noqa: F401
from ftrans.api_linear_transpose import linear_transpose  # noqa: F401
from ftrans.core import (  # noqa: F401
    ArgumentTypeError,
    ConcretizationError,
    EscapedTracerError,
    FtransError,
    MissingRuleError,
    ShapedArray,
)
from ftrans.ir import ClosedJaxpr, Jaxpr  # noqa: F401
from ftrans.lax import stop_gradient  # noqa: F401

from ftrans import nn  # noqa: F401, E402
from ftrans import debug, random, scipy  # noqa: F401, E402
from ftrans.checkpoint import (  # noqa: F401, E402
    checkpoint, checkpoint_name, checkpoint_policies, remat,
)
from ftrans.custom_derivatives import custom_jvp, custom_vjp  # noqa: F401, E402
from ftrans.custom_gradient import closure_convert, custom_gradient  # noqa: F401, E402
from ftrans.callback import pure_callback  # noqa: F401, E402
from ftrans.api_types import (  # noqa: F401, E402
    Array, Device, ShapeDtypeStruct, block_until_ready, default_backend, device_count,
    device_get, device_put, devices, eval_shape, local_device_count, local_devices, named_call,
    typeof,
)
from ftrans import ad_checkpoint, errors, flatten_util, progress, test_util, tree, viz  # noqa: F401, E402

jacobian = jacrev  # JAX's name for the reverse-mode Jacobian
from ftrans.config import config  # noqa: F401, E402
from ftrans.debugging import (  # noqa: F401, E402
    LeakedTracerError,
    check_leaks,
    checking_leaks,
    debug_infs,
    debug_nans,
)
from ftrans.memory import memory_estimate  # noqa: F401, E402
from ftrans.zero_cotangent import zero_cotangent_wins  # noqa: F401, E402

__version__ = "0.1.0"

__all__ = [
    "ArgumentTypeError", "Array", "ClosedJaxpr", "ConcretizationError", "Device",
    "EscapedTracerError", "FtransError", "Jaxpr", "LeakedTracerError", "MissingRuleError",
    "ShapeDtypeStruct", "ShapedArray", "block_until_ready", "check_leaks", "checking_leaks",
    "checkpoint", "checkpoint_name", "checkpoint_policies", "clear_caches", "closure_convert",
    "config", "custom_gradient", "custom_jvp", "custom_vjp", "debug_infs", "debug_nans",
    "default_backend", "device_count", "device_get", "device_put", "devices", "disable_jit",
    "eval_shape", "float0", "grad", "hessian", "jacfwd", "jacobian", "jacrev", "jit",
    "jit_cache_info", "jvp", "linear_transpose", "linearize", "local_device_count", "local_devices",
    "make_jaxpr", "memory_estimate", "named_call", "pure_callback", "remat", "stop_gradient",
    "typeof", "value_and_grad", "vjp", "vmap", "zero_cotangent_wins",
]

# The public submodules; the others (core, ir, api, compile, interpreters, ...) are the
# implementation: importable, but left out of dir(ftrans).
_PUBLIC_MODULES = ["ad_checkpoint", "debug", "extend", "lax", "nn", "numpy", "random", "scipy",
                   "test_util", "tree", "tree_util"]


def __dir__() -> list[str]:
    return sorted([*__all__, *_PUBLIC_MODULES, "__version__"])
