"""The Optuna side of a sweep: its storage (the product's database), sampler, pruner and distributions.

Optuna is imported here only, when a sweep is created or reconciled: the rest of the server never loads it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

    from trainboard.backend.tables import Sweep

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("asha", "hyperband", "median", "none")
REDUCTION_FACTOR = 3  # ASHA and Hyperband keep the best third of each rung
_storages: dict[str, Any] = {}
_storages_lock = threading.Lock()
MAX_GRID_POINTS = 10_000


def storage(database_url: str) -> optuna.storages.RDBStorage:
    """One RDBStorage per database URL in this process (creating one checks Optuna's tables)."""
    import optuna

    with _storages_lock:
        if database_url not in _storages:
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if database_url.startswith("sqlite"):
                kwargs["connect_args"] = {"timeout": 30}  # wait for the server's writes instead of failing
            _storages[database_url] = optuna.storages.RDBStorage(database_url, engine_kwargs=kwargs)
        return _storages[database_url]


def distributions(space: dict[str, dict[str, Any]]) -> dict[str, optuna.distributions.BaseDistribution]:
    """Optuna distributions of a checked search space (see trainboard.common.search_space)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for name, spec in space.items():
        kind = spec["type"]
        if kind == "choice":
            out[name] = CategoricalDistribution(spec["choices"])
        elif kind in ("int", "intlog"):
            out[name] = IntDistribution(spec["low"], spec["high"], log=kind == "intlog")
        else:
            out[name] = FloatDistribution(spec["low"], spec["high"], log=kind == "log")
    return out


def grid_points(space: dict[str, dict[str, Any]]) -> dict[str, list[Any]] | None:
    """The grid of a space made only of choices and integer ranges; None if a float range makes it infinite."""
    grid: dict[str, list[Any]] = {}
    for name, spec in space.items():
        if spec["type"] == "choice":
            grid[name] = list(spec["choices"])
        elif spec["type"] in ("int", "intlog"):
            grid[name] = list(range(spec["low"], spec["high"] + 1))
        else:
            return None
    return grid


def grid_size(grid: dict[str, list[Any]]) -> int:
    size = 1
    for values in grid.values():
        size *= len(values)
    return size


def sampler_for(sweep: Sweep, asked_so_far: int) -> optuna.samplers.BaseSampler:
    """The sweep's sampler, seeded with its seed plus the trials asked so far: each ask draws anew."""
    import optuna

    seed = sweep.seed + asked_so_far
    if sweep.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if sweep.sampler == "grid":
        grid = grid_points(sweep.space)
        assert grid is not None  # checked at creation
        # One seed for good: it orders the grid, and the storage remembers which grid points were taken.
        return optuna.samplers.GridSampler(grid, seed=sweep.seed)
    # TPE models the trials so far after a few random ones: a quarter of the budget, 2 to 10.
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(2, min(10, sweep.trials // 4)))


def pruner_for(sweep: Sweep, epochs: int) -> optuna.pruners.BasePruner:
    """The sweep's pruner; the resource is the epoch (one intermediate value per evaluation)."""
    import optuna

    if sweep.pruner == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=REDUCTION_FACTOR)
    if sweep.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(epochs, 1), reduction_factor=REDUCTION_FACTOR)
    if sweep.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    return optuna.pruners.NopPruner()


def load_study(sweep: Sweep, database_url: str, asked_so_far: int = 0) -> optuna.Study:
    """The sweep's study with its sampler and pruner."""
    import optuna

    epochs = int(sweep.base.get("epochs", 1))
    return optuna.load_study(
        study_name=sweep.study_name, storage=storage(database_url),
        sampler=sampler_for(sweep, asked_so_far), pruner=pruner_for(sweep, epochs),
    )


def create_study(sweep: Sweep, database_url: str) -> None:
    """Create the sweep's study in the database (its name says which sweep it belongs to)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the server's log is ours; Optuna's info is noise there
    optuna.create_study(study_name=sweep.study_name, storage=storage(database_url), direction=sweep.direction)
