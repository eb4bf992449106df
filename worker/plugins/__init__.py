"""Bring your own networks and datasets: a registry by name, and the loading of plugins on workers.

`register_model` and `register_dataset` are also `trainboard.register_model` / `trainboard.register_dataset`.
Nothing here imports torch; the server uses `arguments` to validate options against what workers report.
"""

from trainboard.plugins.registry import (
    RegistrationError,
    UnknownNameError,
    register_dataset,
    register_model,
)

__all__ = ["RegistrationError", "UnknownNameError", "register_dataset", "register_model"]
