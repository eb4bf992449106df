"""What can be run: presets, networks, datasets (with whether this machine has them). No torch import."""

from __future__ import annotations

from pathlib import Path

from trainboard.backend.schemas import (
    DatasetPublic,
    DatasetsPublic,
    ModelPublic,
    ModelsPublic,
    PresetPublic,
    PresetsPublic,
)
from trainboard.trainer.config import DATASET_NAMES, DATASET_TEST_SIZES, DATASET_TRAIN_SIZES
from trainboard.trainer.data.availability import dataset_status
from trainboard.trainer.models.registry import describe_models
from trainboard.trainer.presets import PRESETS


def list_presets() -> PresetsPublic:
    """Every preset with its fields and reference accuracy."""
    data = [
        PresetPublic(
            name=p.name,
            kind=p.fields.get("kind", "train"),
            description=p.description,
            fields=p.fields,
            reference_test_accuracy=p.reference_test_accuracy,
            reference_per_class=p.reference_per_class,
        )
        for p in PRESETS.values()
    ]
    return PresetsPublic(data=data, count=len(data))


def list_models() -> ModelsPublic:
    """Every network with its parameter count (from the registry's table, so torch is not imported)."""
    data = [ModelPublic(**m) for m in describe_models()]
    return ModelsPublic(data=data, count=len(data))


def list_datasets(data_dir: Path) -> DatasetsPublic:
    """Every dataset, whether it is present in data_dir, downloadable or missing, and how to get it."""
    data = []
    for name in DATASET_NAMES:
        status = dataset_status(name, data_dir)
        data.append(
            DatasetPublic(
                name=name,
                status=status["status"],
                path=status.get("path"),
                how=status.get("how", ""),
                train_size=DATASET_TRAIN_SIZES[name],
                test_size=DATASET_TEST_SIZES[name],
            )
        )
    return DatasetsPublic(data=data, count=len(data))
