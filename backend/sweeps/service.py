"""What users do to sweeps: create, read, list, cancel, train the best config, parameter importance."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from trainboard.backend.errors import ConflictError, NotFoundError
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, commit_and_publish
from trainboard.backend.services.runs import add_run, cancel_run, runnable_config
from trainboard.backend.services.validation import validate_config
from trainboard.backend.settings import Settings
from trainboard.backend.sweeps.schemas import ImportancePublic, SweepCreate, SweepPublic, TrialPublic
from trainboard.backend.sweeps.study import create_study, load_study
from trainboard.backend.sweeps.validation import check_body
from trainboard.backend.tables import ACTIVE_STATUSES, Run, Sweep, SweepTrial, utcnow
from trainboard.common.search_space import describe_spec

log = logging.getLogger(__name__)
RUNNING, SUCCEEDED, CANCELLED = "running", "succeeded", "cancelled"  # a sweep's statuses


def get_sweep(session: Session, sweep_id: int) -> Sweep:
    """The sweep with this id, or a 404."""
    sweep = session.get(Sweep, sweep_id, populate_existing=True)
    if sweep is None:
        raise NotFoundError(f"sweep {sweep_id} not found")
    return sweep


def create_sweep(session: Session, body: SweepCreate, settings: Settings) -> Sweep:
    """Validate, store the sweep and create its study; the reconciler queues its first trials."""
    base, space = check_body(body)
    direction = body.direction or ("minimize" if body.metric.endswith("loss") else "maximize")
    name = body.name or (f"{body.preset} sweep" if body.preset else "sweep")
    sweep = Sweep(
        name=name, preset=body.preset, base=base.model_dump(mode="json"), space=space, metric=body.metric,
        direction=direction, trials=body.trials, parallel=body.parallel, sampler=body.sampler, pruner=body.pruner,
        seed=body.seed,
    )
    # The study first, through Optuna's own connection (ours holds no lock meanwhile: SQLite), then the row
    # that the reconciler finds: it never meets a sweep without its study.
    sweep.study_name = f"trainboard-sweep-{uuid.uuid4().hex}"
    create_study(sweep, settings.database_url)
    session.add(sweep)
    session.commit()
    searched = ", ".join(f"{k}={describe_spec(v)}" for k, v in space.items())
    log.info("sweep %d created: %d trials, %d at once, over %s", sweep.id, sweep.trials, sweep.parallel, searched)
    return sweep


def trials_of(session: Session, sweep_id: int) -> list[tuple[SweepTrial, str]]:
    """A sweep's trials with their runs' statuses, by trial number."""
    query = (
        select(SweepTrial, Run.status).join(Run, col(Run.id) == col(SweepTrial.run_id))
        .where(col(SweepTrial.sweep_id) == sweep_id).order_by(col(SweepTrial.number))
    )
    return list(session.exec(query).all())


def public_trials(session: Session, sweep_id: int) -> list[TrialPublic]:
    """A sweep's trials as the API shows them, each with its run's status."""
    return [TrialPublic.model_validate({**t.model_dump(), "status": status}) for t, status in trials_of(session, sweep_id)]


def best_trial(sweep: Sweep, trials: list[TrialPublic]) -> TrialPublic | None:
    """The complete trial with the best value, in the sweep's direction."""
    complete = [t for t in trials if t.state == "complete" and t.value is not None]
    if not complete:
        return None
    pick = max if sweep.direction == "maximize" else min
    return pick(complete, key=lambda t: t.value)


def sweep_public(session: Session, sweep: Sweep) -> SweepPublic:
    """The sweep with its trials and the best one."""
    trials = public_trials(session, sweep.id)
    public = SweepPublic.model_validate(sweep, from_attributes=True)
    public.trial_list = trials
    public.best = best_trial(sweep, trials)
    return public


def list_sweeps(session: Session, limit: int, offset: int, run_id: int | None = None) -> tuple[list[Sweep], int]:
    """A page of sweeps, newest first (only the one that has run `run_id` as a trial, when given), and how many."""
    conditions = []
    if run_id is not None:
        conditions.append(col(Sweep.id).in_(select(SweepTrial.sweep_id).where(col(SweepTrial.run_id) == run_id)))
    query = select(Sweep).where(*conditions).order_by(col(Sweep.id).desc()).offset(offset).limit(limit)
    count = session.exec(select(func.count()).select_from(Sweep).where(*conditions)).one()
    return list(session.exec(query).all()), count


def cancel_sweep(session: Session, broker: EventBroker, sweep_id: int) -> Sweep:
    """Stop a sweep: no more trials; its queued and running trials are cancelled (the study is told)."""
    sweep = get_sweep(session, sweep_id)
    if sweep.status != RUNNING:
        if sweep.status == CANCELLED:
            return sweep
        raise ConflictError(f"sweep {sweep_id} already {sweep.status}")
    sweep.status, sweep.finished_at = CANCELLED, utcnow()
    session.commit()
    for trial, status in trials_of(session, sweep_id):
        if status in ACTIVE_STATUSES:
            try:
                cancel_run(session, broker, trial.run_id)
            except ConflictError:  # it ended meanwhile
                session.rollback()
    return get_sweep(session, sweep_id)


def train_best(session: Session, broker: EventBroker, sweep_id: int, lease_s: float) -> Run:
    """Queue a full run of the base config with the best trial's parameters; 409 before any trial completed."""
    sweep = get_sweep(session, sweep_id)
    best = best_trial(sweep, public_trials(session, sweep_id))
    if best is None:
        raise ConflictError(f"sweep {sweep_id} has no complete trial yet")
    config = runnable_config(session, validate_config(None, {**sweep.base, **best.params}), lease_s)
    outbox = Outbox()
    run = add_run(session, config, sweep.preset, outbox, name=f"{sweep.name}: best (trial {best.number})")
    commit_and_publish(session, broker, outbox)
    return run


def importance(session: Session, sweep_id: int, settings: Settings) -> ImportancePublic:
    """Optuna's parameter importances over the sweep's complete trials (fANOVA)."""
    import optuna

    sweep = get_sweep(session, sweep_id)
    study = load_study(sweep, settings.database_url)
    complete = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE]
    if len(complete) < 2:
        return ImportancePublic(importances={}, trials=len(complete), note="needs at least 2 complete trials")
    varied = [name for name in sweep.space if len({repr(t.params.get(name)) for t in complete}) > 1]
    if not varied:
        return ImportancePublic(importances={}, trials=len(complete), note="the complete trials share every value")
    scores = optuna.importance.get_param_importances(study, params=varied, normalize=True)
    return ImportancePublic(importances={k: float(v) for k, v in scores.items()}, trials=len(complete))


def trial_fields(sweep: Sweep, params: dict[str, Any]) -> dict[str, Any]:
    """The config fields of a trial: the base config with the trial's parameters."""
    return {**sweep.base, **params}
