"""What can be run: presets, networks, datasets: the built-ins plus what live workers offer. No torch import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainboard.backend.schemas import (
    DatasetPublic,
    DatasetsPublic,
    ModelPublic,
    ModelsPublic,
    PresetPublic,
    PresetsPublic,
)
from trainboard.backend.services.offers import LiveWorker
from trainboard.trainer.config import DATASET_NAMES, DATASET_TEST_SIZES, DATASET_TRAIN_SIZES
from trainboard.trainer.data.availability import dataset_status
from trainboard.trainer.data.local_datasets import BUILTIN_DESCRIPTIONS
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


def _reported(workers: list[LiveWorker], key: str) -> list[tuple[str, dict[str, Any]]]:
    """(worker name, entry) for every entry of list `key` in the workers' capabilities."""
    found = []
    for worker in workers:
        entries = worker.capabilities.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                found.append((worker.name, entry))
    return found


def list_models(workers: list[LiveWorker]) -> ModelsPublic:
    """Built-in networks (parameter counts from the registry's table, so no torch), then plugins' ones."""
    models: dict[str, ModelPublic] = {m["name"]: ModelPublic(**m) for m in describe_models()}
    for worker in workers:
        if name_set := worker.model_names():
            for name in name_set & set(models):
                models[name].workers.append(worker.name)
    for worker_name, entry in _reported(workers, "models"):
        name = entry["name"]
        if name not in models:
            try:
                models[name] = ModelPublic.model_validate({**entry, "workers": []})
            except ValueError:
                continue  # a malformed report is not shown
        model = models[name]
        if model.layers is None and entry.get("layers"):
            model.layers, model.feature_layers = entry.get("layers"), entry.get("feature_layers")
        if worker_name not in model.workers:
            model.workers.append(worker_name)
    data = list(models.values())
    return ModelsPublic(data=data, count=len(data))


def list_datasets(data_dir: Path, workers: list[LiveWorker]) -> DatasetsPublic:
    """Built-in datasets (with whether they are in the server's data_dir), then those workers offer."""
    datasets: dict[str, DatasetPublic] = {}
    for name in DATASET_NAMES:
        status = dataset_status(name, data_dir)
        datasets[name] = DatasetPublic(
            name=name, description=BUILTIN_DESCRIPTIONS.get(name, ""), status=status["status"],
            path=status.get("path"), how=status.get("how", ""),
            train_size=DATASET_TRAIN_SIZES[name], test_size=DATASET_TEST_SIZES[name],
        )
    for worker in workers:
        for name in worker.dataset_names():
            if name not in datasets:
                datasets[name] = DatasetPublic(
                    name=name, status="present", path=None, how="", train_size=None, test_size=None, source="worker"
                )
            datasets[name].workers.append(worker.name)
    for worker_name, entry in _reported(workers, "datasets"):
        dataset = datasets.get(entry["name"])
        if dataset is not None and dataset.source == "worker":
            dataset.source = str(entry.get("source") or "worker")
            dataset.description = str(entry.get("description") or "")
            dataset.how = f"on worker {', '.join(dataset.workers)}"
    data = list(datasets.values())
    return DatasetsPublic(data=data, count=len(data))
