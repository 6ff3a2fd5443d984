"""The checkpointing names under one module, ``ftrans.ad_checkpoint`` (as
``jax.ad_checkpoint``): ``checkpoint`` / ``remat``, ``checkpoint_name``,
``checkpoint_policies`` and ``print_saved_residuals``. See docs/custom_derivatives.md,
"checkpoint (remat): recompute instead of storing".
"""

from ftrans.checkpoint import checkpoint, checkpoint_name, checkpoint_policies, remat
from ftrans.debug import print_saved_residuals, saved_residuals

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "print_saved_residuals",
           "remat", "saved_residuals"]
