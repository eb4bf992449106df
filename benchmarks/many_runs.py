"""Thousands of finished runs written straight into a server's database, for the runs page with 10,000 runs.

Posting 10,000 runs over the API takes minutes on a small machine and measures nothing the page load does;
the rows here are what the API would have stored (the product's own tables, tags indexed in run_tag), with
varied names, models, datasets, accuracies, speeds and durations, and a third of them tagged `sweep`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import Session

from trainboard.backend.db import make_engine
from trainboard.backend.settings import sqlite_url
from trainboard.backend.tables import SUCCEEDED, Run, RunTag

SWEEP_TAG = "sweep"  # every third run carries it
MODELS = ("tutorial_cnn", "seed_resnet", "resnet9", "resnet18")
DATASETS = ("cifar10", "fashion-mnist", "synthetic")
START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def sweep_run(i: int) -> tuple[Run, list[str]]:
    """The i-th run (not yet stored) and its tags; the same i always gives the same run."""
    model, dataset = MODELS[i % len(MODELS)], DATASETS[i % len(DATASETS)]
    tags = [SWEEP_TAG, f"lr:{(i % 5) + 1}e-3"] if i % 3 == 0 else [f"seed:{i % 4}"]
    created = START + timedelta(minutes=i)
    run = Run(
        name=f"bulk {i}", kind="train", status=SUCCEEDED, preset="resnet-24ep" if i % 2 else None,
        config={"kind": "train", "model": model, "dataset": dataset, "epochs": 1, "batch_size": 64},
        model=model, dataset=dataset, tags=sorted(tags), created_at=created,
        started_at=created, finished_at=created + timedelta(seconds=30 + (i * 37) % 600),
        best_test_acc=((i * 7919) % 1000) / 1000,  # a fixed shuffle of 0.000 ... 0.999
        images_per_s=float(500 + (i * 131) % 2000),
        summary={"test_accuracy": ((i * 7919) % 1000) / 1000, "images_per_s": float(500 + (i * 131) % 2000)},
    )
    return run, tags


def insert_runs(database: Path, count: int) -> None:
    """Store `count` finished runs (see sweep_run) in the SQLite database at `database`, in one transaction."""
    engine = make_engine(sqlite_url(database))
    try:
        with Session(engine) as session:
            made = [sweep_run(i) for i in range(count)]
            session.add_all(run for run, _tags in made)
            session.flush()  # assigns the ids the tags point at
            session.add_all(RunTag(run_id=run.id, tag=tag) for run, tags in made for tag in tags)
            session.commit()
    finally:
        engine.dispose()
