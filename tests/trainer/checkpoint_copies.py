"""A sink that keeps a copy of each epoch's checkpoint, as the worker's uploader does."""

from __future__ import annotations

import shutil
from pathlib import Path

from trainboard.trainer.sink import RecordingSink


class CopyCheckpoints(RecordingSink):
    """Records like RecordingSink and copies the checkpoint written after each epoch to keep_dir/epoch-N.pt."""

    def __init__(self, keep_dir: Path) -> None:
        super().__init__()
        self.keep_dir = keep_dir

    def on_checkpoint(self, path: Path, epoch: int, step: int) -> None:
        super().on_checkpoint(path, epoch, step)
        shutil.copyfile(path, self.keep_dir / f"epoch-{epoch}.pt")
