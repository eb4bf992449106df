"""Trainboard: launch and watch PyTorch training of image classifiers.

`import trainboard` is light (no torch, no web stack). Its subpackages:

- `trainboard.trainer`: the training library (config, data, models, loop, LR range test, sink interface)
- `trainboard.worker`: the worker process that claims runs from a server and trains them
- `trainboard.backend`: the server (FastAPI app, database, live events)
- `trainboard.cli`: the `trainboard` command
- `trainboard.common`: small torch-free helpers that the server and the clients share
- `trainboard.plugins`: the registry of networks and datasets, and the loading of plugins on workers

`trainboard.register_model` and `trainboard.register_dataset` add a network or a dataset (docs/plugins.md).
`trainboard.init` starts a run of your own training script (the SDK, `trainboard.sdk`: docs/sdk.md).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trainboard")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

from typing import TYPE_CHECKING, Any  # noqa: E402

from trainboard.plugins.registry import register_dataset, register_model  # noqa: E402  (after __version__)

if TYPE_CHECKING:
    from trainboard.sdk import Run, init

__all__ = ["Run", "__version__", "init", "register_dataset", "register_model"]


def __getattr__(name: str) -> Any:
    """`trainboard.init` and `trainboard.Run`, imported on first use: `import trainboard` stays light
    (the server imports this package and must not load the SDK's HTTP reporter)."""
    if name in ("init", "Run"):
        import trainboard.sdk

        return getattr(trainboard.sdk, name)
    raise AttributeError(f"module 'trainboard' has no attribute {name!r}")
