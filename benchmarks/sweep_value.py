"""What a sweep's pruning buys: random search without pruning vs TPE + ASHA, the same budget of trial-epochs.

Both searches train the tutorial CNN (the origin preset) on a Fashion-MNIST subset, over lr (log-uniform
1e-4..0.3) and momentum (0.5..0.99), one trial at a time as one worker would, seed after seed, the two
searches side by side for each seed. Random search spends its budget on `trials` full trials; TPE + ASHA
spends the same number of trial-epochs, but the pruner stops trials that are behind at an evaluation, so
it tries more of them. The sampler and pruner are the sweep service's own (trainboard.backend.sweeps.study),
on an in-memory Optuna study: no server in between, so the figures are the search's, not the transport's.

Reported per search: the best final test accuracy, the wall time, the trial-epochs spent, the trials (and
how many were pruned or diverged), and the wall time and the trial-epochs at which the search first came
within 0.5 points of the random search's best. Trial-epochs are the work done: on a shared machine the wall
times move with its load, the trial-epochs do not (the CPU trainer is deterministic).

    python -m benchmarks.sweep_value [--quick]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path
from typing import Any

from trainboard.backend.sweeps.study import distributions, pruner_for, sampler_for
from trainboard.backend.tables import Sweep
from trainboard.common.search_space import parse_spec_text
from trainboard.trainer.presets import build_config
from trainboard.trainer.sink import MetricPoint, Sink

logger = logging.getLogger(__name__)

SPACE = {"lr": parse_spec_text("log:1e-4:0.3"), "momentum": parse_spec_text("0.5:0.99")}
FULL = {"dataset": "fashion-mnist", "train_limit": 3_000, "test_limit": 1_000, "epochs": 3, "trials": 6, "seeds": 3}
QUICK = {"dataset": "fashion-mnist", "train_limit": 1_500, "test_limit": 500, "epochs": 3, "trials": 4, "seeds": 1}
CLOSE = 0.005  # "the same accuracy": within half a point


class TrialSink(Sink):
    """Gives each test accuracy to the Optuna trial and stops training when the pruner says so."""

    def __init__(self, trial: Any, epochs: int, prune: bool) -> None:
        self.trial, self.epochs, self.prune = trial, epochs, prune
        self.pruned = False
        self.steps_per_epoch = 1
        self.last_step = 0  # of the loss points: how far a trial that diverged got

    def on_start(self, info: dict[str, Any]) -> None:
        self.steps_per_epoch = int(info["steps_per_epoch"])

    def on_metrics(self, points: list[MetricPoint]) -> None:
        for point in points:
            if point.name == "loss":
                self.last_step = max(self.last_step, point.step)
            if point.name != "test_acc":
                continue
            self.trial.report(point.value, point.step)
            if self.prune and point.step < self.epochs and self.trial.should_prune():
                self.pruned = True

    def should_stop(self) -> bool:
        return self.pruned


def _sweep(sampler: str, pruner: str, seed: int, plan: dict[str, Any]) -> Sweep:
    return Sweep(name="bench", base={"epochs": plan["epochs"]}, space=SPACE, metric="test_acc", direction="maximize",
                 trials=plan["trials"], parallel=1, sampler=sampler, pruner=pruner, seed=seed)


def search(sampler: str, pruner: str, seed: int, plan: dict[str, Any], data: Any) -> dict[str, Any]:
    """One search until its budget of trial-epochs is spent; its best accuracy over time."""
    import optuna

    from trainboard.trainer.train import TrainingDivergedError, train

    sweep = _sweep(sampler, pruner, seed, plan)
    study = optuna.create_study(direction="maximize", pruner=pruner_for(sweep, plan["epochs"]))
    budget, spent, best = plan["trials"] * plan["epochs"], 0.0, None
    history: list[tuple[float, float, float]] = []  # (seconds since the start, trial-epochs spent, best so far)
    pruned = failed = 0
    started = time.perf_counter()
    while spent < budget - 1e-9:
        study.sampler = sampler_for(sweep, len(study.trials))
        trial = study.ask(distributions(SPACE))
        fields = {"dataset": plan["dataset"], "epochs": plan["epochs"], "train_limit": plan["train_limit"],
                  "test_limit": plan["test_limit"], "device": "cpu", "seed": seed, **trial.params}
        sink = TrialSink(trial, plan["epochs"], prune=pruner != "none")
        try:
            summary = train(build_config("origin-2ep", fields), sink, data=data)
        except TrainingDivergedError:  # a failed trial, as the sweep service tells it
            spent += sink.last_step / sink.steps_per_epoch
            failed += 1
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        spent += summary["global_step"] / sink.steps_per_epoch
        if sink.pruned:
            pruned += 1
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            accuracy = float(summary["test_accuracy"])
            study.tell(trial, accuracy)
            best = accuracy if best is None else max(best, accuracy)
        if best is not None:
            history.append((time.perf_counter() - started, round(spent, 2), best))
    return {"best_test_acc": best, "seconds": time.perf_counter() - started, "trial_epochs": round(spent, 2),
            "trials": len(study.trials), "pruned": pruned, "diverged": failed, "history": history}


def _reached(history: list[tuple[float, float, float]], target: float) -> tuple[float | None, float | None]:
    """(seconds, trial-epochs) at which the best so far first came within CLOSE of `target`."""
    return next(((seconds, epochs) for seconds, epochs, best in history if best >= target - CLOSE), (None, None))


def run(quick: bool, plan: dict[str, Any] | None = None, data: Any = None) -> dict[str, Any]:
    """Both searches for each seed, side by side; per-seed results and their means."""
    from trainboard.trainer.data.registry import load_dataset

    plan = plan or (QUICK if quick else FULL)
    data = data if data is not None else load_dataset(plan["dataset"])
    seeds = []
    for seed in range(plan["seeds"]):
        random_search = search("random", "none", seed, plan, data)
        tpe_asha = search("tpe", "asha", seed, plan, data)
        target = random_search["best_test_acc"]
        for result in (random_search, tpe_asha):
            result["seconds_to_random_best"], result["trial_epochs_to_random_best"] = _reached(result["history"], target)
        seeds.append({"seed": seed, "random": random_search, "tpe_asha": tpe_asha})
        logger.info("seed %d: random %.3f in %.0f s; TPE+ASHA %.3f in %.0f s (%d of %d trials pruned)", seed,
                    random_search["best_test_acc"], random_search["seconds"], tpe_asha["best_test_acc"],
                    tpe_asha["seconds"], tpe_asha["pruned"], tpe_asha["trials"])

    def mean(method: str, key: str) -> float | None:
        values = [s[method][key] for s in seeds if s[method][key] is not None]
        return statistics.mean(values) if values else None

    reached = [s["tpe_asha"]["seconds_to_random_best"] for s in seeds]
    reached_epochs = [s["tpe_asha"]["trial_epochs_to_random_best"] for s in seeds]
    random_epochs = [s["random"]["trial_epochs_to_random_best"] for s in seeds]
    random_seconds = mean("random", "seconds")
    results = {
        **{k: plan[k] for k in ("dataset", "train_limit", "test_limit", "epochs")},
        "budget_trial_epochs": plan["trials"] * plan["epochs"],
        "seeds": seeds,
        "random_best_test_acc": mean("random", "best_test_acc"),
        "tpe_asha_best_test_acc": mean("tpe_asha", "best_test_acc"),
        "random_seconds": random_seconds,
        "tpe_asha_seconds": mean("tpe_asha", "seconds"),
        "tpe_asha_trials": mean("tpe_asha", "trials"),
        "tpe_asha_pruned": mean("tpe_asha", "pruned"),
        "tpe_asha_seeds_reaching_random_best": sum(r is not None for r in reached),
        "tpe_asha_seconds_to_random_best": statistics.mean([r for r in reached if r is not None]) if any(
            r is not None for r in reached) else None,
        # The same in trial-epochs: the work done, which the machine's load does not change.
        "random_trial_epochs_to_its_best": statistics.mean(random_epochs),
        "tpe_asha_trial_epochs_to_random_best": list(reached_epochs),
    }
    to_best = results["tpe_asha_seconds_to_random_best"]
    results["meets_target"] = bool(
        results["tpe_asha_seeds_reaching_random_best"] == len(seeds) and to_best is not None
        and random_seconds and to_best < 0.8 * random_seconds
    )
    return results


def main() -> None:
    """Run and print the results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    results = run(args.quick)
    text = json.dumps(results, indent=1)
    if args.out:
        args.out.write_text(text)
    logger.info("%s", text)


if __name__ == "__main__":
    main()
