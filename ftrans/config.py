"""Global settings: ``ft.config.update(name, value)`` and ``ft.config.read(name)``.

Flags: ``debug_nans`` / ``debug_infs`` (check every primitive's outputs, see
``ftrans.debugging``), ``checking_leaks`` (report tracers that outlive their transformation),
``jit_cache_size`` (how many traced programs jit keeps, across all functions, least recently
used first out). Settings are process-wide; each flag's machinery is installed when it is
turned on, so a flag that is off costs nothing. See docs/debugging.md.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

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
        self._lock = threading.Lock()
        self._listeners: dict[str, list[Callable[[Any], None]]] = {}

    def read(self, name: str) -> Any:
        """The current value of the setting ``name``."""
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(self._unknown(name)) from None

    def update(self, name: str, value: Any) -> None:
        """Set ``name`` to ``value`` (validated), and apply it at once.

        Raises:
          AttributeError: for an unknown setting. TypeError / ValueError: for a bad value.
        """
        validate = _VALIDATORS.get(name)
        if validate is None:
            raise AttributeError(self._unknown(name))
        value = validate(name, value)
        with self._lock:
            self._values[name] = value
            listeners = list(self._listeners.get(name, ()))
        for listener in listeners:
            listener(value)

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
