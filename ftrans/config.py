"""Global settings: ``ft.config.update(name, value)`` and ``ft.config.read(name)``.

Flags: ``debug_nans`` / ``debug_infs`` (check every primitive's outputs, see
``ftrans.debugging``), ``checking_leaks`` (report tracers that outlive their transformation),
``jit_cache_size`` (how many traced programs jit keeps, across all functions, least recently
used first out). Settings are process-wide; each flag's machinery is installed when it is
turned on, so a flag that is off costs nothing. See docs/debugging.md.

Programs written for JAX set ``jax_*`` names (``config.update("jax_enable_x64", True)``):
those with an ftrans meaning are mapped to it (``jax_debug_nans`` is ``debug_nans``,
``jax_disable_jit`` is ``disable_jit`` for the calling thread), those that ftrans already
satisfies are accepted silently (x64 is NumPy's default, matmuls are full precision), and the
rest are accepted with a one-line warning saying they have no effect. None raises.
"""

from __future__ import annotations

import contextvars
import threading
import warnings
from typing import Any, Callable

__all__ = [
    "Config", "config", "jit_enabled",
]

_DEFAULTS: dict[str, Any] = {
    "debug_nans": False,
    "debug_infs": False,
    "checking_leaks": False,
    "jit_cache_size": 4096,
}


def _check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"config.update: {name} takes True or False, got {value!r}")
    return value


def _check_cache_size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"config.update: {name} must be a positive int, got {value!r}")
    return value


_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "debug_nans": _check_flag, "debug_infs": _check_flag, "checking_leaks": _check_flag,
    "jit_cache_size": _check_cache_size,
}


# Whether jit compiles, per thread and context (``disable_jit()`` and ``jax_disable_jit``).
jit_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("ftrans_jit_enabled",
                                                                   default=True)


def _set_disable_jit(value: Any) -> None:
    jit_enabled.set(not value)  # the calling thread's context, as the disable_jit() block


# JAX's names: (the ftrans setting it maps to, or None) and, for names without an ftrans
# meaning, the values that need no warning (ftrans already behaves so) or None for none.
_JAX_FLAGS: dict[str, str] = {
    "jax_debug_nans": "debug_nans", "jax_debug_infs": "debug_infs",
    "jax_check_tracer_leaks": "checking_leaks",
}
_JAX_SATISFIED: dict[str, Callable[[Any], bool]] = {
    "jax_enable_x64": lambda v: bool(v),  # NumPy computes in float64 by default
    "jax_platform_name": lambda v: v in ("", "cpu", None),
    "jax_platforms": lambda v: v in ("", "cpu", None),
    "jax_default_matmul_precision": lambda v: True,  # NumPy matmuls are full precision
    "jax_numpy_rank_promotion": lambda v: v == "allow",  # NumPy broadcasting
    "jax_numpy_dtype_promotion": lambda v: v == "standard",
    "jax_traceback_filtering": lambda v: True,  # a display setting
    "jax_log_compiles": lambda v: not v,
    "jax_threefry_partitionable": lambda v: True,  # one device: nothing is partitioned
    "jax_default_prng_impl": lambda v: v == "threefry2x32",
    "jax_enable_checks": lambda v: not v,
}


class Config:
    """The settings object, ``ftrans.config``.

    >>> import ftrans as ft
    >>> ft.config.read("debug_nans")
    False
    >>> ft.config.update("jit_cache_size", 1000); ft.config.read("jit_cache_size")
    1000
    >>> ft.config.update("jit_cache_size", 4096)
    """

    def __init__(self) -> None:
        self._values = dict(_DEFAULTS)
        self._jax_values: dict[str, Any] = {"jax_enable_x64": True, "jax_disable_jit": False}
        self._lock = threading.Lock()
        self._listeners: dict[str, list[Callable[[Any], None]]] = {}

    def read(self, name: str) -> Any:
        """The current value of the setting ``name``."""
        if name in _JAX_FLAGS:
            return self.read(_JAX_FLAGS[name])
        if name.startswith("jax_") and name in self._jax_values:
            return self._jax_values[name]
        if name == "x64_enabled":  # JAX's read-only alias
            return True
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(self._unknown(name)) from None

    def update(self, name: str, value: Any) -> None:
        """Set ``name`` to ``value`` (validated), and apply it at once.

        Raises:
          AttributeError: for an unknown setting. TypeError / ValueError: for a bad value.
        """
        if name.startswith("jax_"):
            self._update_jax_name(name, value)
            return
        validate = _VALIDATORS.get(name)
        if validate is None:
            raise AttributeError(self._unknown(name))
        value = validate(name, value)
        with self._lock:
            self._values[name] = value
            listeners = list(self._listeners.get(name, ()))
        for listener in listeners:
            listener(value)

    def _update_jax_name(self, name: str, value: Any) -> None:
        """A setting of JAX's: mapped to ftrans's, accepted, or ignored with a warning."""
        if name in _JAX_FLAGS:
            self.update(_JAX_FLAGS[name], bool(value))
        elif name == "jax_disable_jit":
            _set_disable_jit(bool(value))
        elif name in _JAX_SATISFIED and _JAX_SATISFIED[name](value):
            pass
        elif name in _JAX_SATISFIED:
            warnings.warn(f"ftrans.config: {name}={value!r} has no effect in ftrans (NumPy on "
                          f"the host CPU, float64 by default); ignored", stacklevel=3)
        else:
            warnings.warn(f"ftrans.config: {name} has no ftrans equivalent; ignored",
                          stacklevel=3)
        with self._lock:
            self._jax_values[name] = value

    def on_update(self, name: str, listener: Callable[[Any], None]) -> None:
        """Call ``listener(value)`` whenever ``name`` changes (used by the modules that own
        each flag's machinery)."""
        self._listeners.setdefault(name, []).append(listener)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.read(name)

    def _unknown(self, name: str) -> str:
        return (f"ftrans.config has no setting {name!r}; the settings are: "
                f"{', '.join(sorted(_DEFAULTS))}")

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{k}={v!r}" for k, v in self._values.items()) + ")"


config = Config()
