"""The SDK: report a training script of your own to Trainboard (docs/sdk.md).

    import trainboard
    with trainboard.init(name="my net", config={"lr": 0.1}) as run:
        for step in range(1, 1001):
            run.log({"train/loss": loss}, step=step)
"""

from __future__ import annotations

from trainboard.sdk.run import Run
from trainboard.sdk.start import init

__all__ = ["Run", "init"]
