"""The kinds of run (plain strings, importable without the database layer)."""

from __future__ import annotations

TRAIN, LR_FIND = "train", "lr_find"  # run by a worker, config validated by trainboard.trainer.config
EXTERNAL = "external"  # a user's own script reporting through the SDK (trainboard.init); its config is free-form
SCRIPT = "script"  # a user's command run by a worker started with --scripts DIR (the SDK inside it attaches)
RUN_KINDS = (TRAIN, LR_FIND, EXTERNAL, SCRIPT)
# The device of the holder row a script's run gets (backend/services/external_runs.py): not a worker, so it is
# neither listed with the workers nor counted among those that can run anything.
SCRIPT_HOLDER_DEVICE = "external"
