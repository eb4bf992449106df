"""Check an uploaded checkpoint without torch: a zip written by torch.save whose pickle a weights-only load
accepts and that holds the keys a Trainboard checkpoint has.

The server does not import torch, so the check reads the archive's data.pkl with an unpickler that, like
torch.load(weights_only=True), allows only plain containers and torch's tensor-rebuilding functions; it
builds placeholders instead of tensors and runs nothing else. A resumed run then never fails on a file
that could not have been a checkpoint.
"""

from __future__ import annotations

import collections
import io
import pickle
import zipfile
from typing import Any

REQUIRED_KEYS = ("model", "optimizer", "epoch", "global_step")
REBUILD_FUNCTIONS = {("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_parameter")}
STORAGE_TYPES = {
    f"{dtype}Storage"
    for dtype in ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool",
                  "ComplexFloat", "ComplexDouble")
}


class InvalidCheckpoint(ValueError):
    """The upload is not a checkpoint; the message says why in one line."""


class _Placeholder:
    """Stands for a storage or a tensor: accepts whatever the pickle does with it."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def __setstate__(self, _state: Any) -> None:
        pass


class _WeightsOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) in REBUILD_FUNCTIONS or (module == "torch" and name in STORAGE_TYPES):
            return _Placeholder
        raise InvalidCheckpoint(f"it refers to {module}.{name}, which a weights-only load refuses")

    def persistent_load(self, pid: Any) -> Any:
        return _Placeholder()


def check_checkpoint(data: bytes) -> None:
    """Raise InvalidCheckpoint unless `data` is a torch.save archive holding a checkpoint's keys."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise InvalidCheckpoint("it is a zip file but not one written by torch.save")
        payload = _WeightsOnlyUnpickler(io.BytesIO(archive.read(pickles[0]))).load()
    except InvalidCheckpoint:
        raise
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
            AttributeError, IndexError, RecursionError, OSError) as error:
        raise InvalidCheckpoint(f"it is not a torch.save file ({type(error).__name__})") from None
    if not isinstance(payload, dict):
        raise InvalidCheckpoint("it holds no dictionary")
    missing = [key for key in REQUIRED_KEYS if key not in payload]
    if missing:
        raise InvalidCheckpoint(f"it lacks {', '.join(missing)}")
    if not isinstance(payload["model"], dict) or not payload["model"]:
        raise InvalidCheckpoint("its model state is empty")
    if not all(isinstance(payload[key], int) and payload[key] >= 0 for key in ("epoch", "global_step")):
        raise InvalidCheckpoint("its epoch and global_step are not counters")
