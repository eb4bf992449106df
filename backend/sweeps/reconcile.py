"""The reconciler: brings each live sweep's runs and its Optuna study into agreement.

One pass over a sweep, under its lock:
1. For each running trial, every new evaluation of the sweep's metric (an epoch point of its run) is
   reported to the study as an intermediate value, once per epoch: a run resumed after a worker died
   reports its epochs again and they are skipped. When the pruner says stop, the run becomes `pruned` (its
   worker stops at its next heartbeat and keeps its last checkpoint) with the reason.
2. A trial whose run ended is marked complete (its last reported value), or failed (failed or cancelled).
3. Optuna is told what step 2 and the pruning decided. The decisions are committed first, so a crash in
   between is repaired by the next pass (telling again changes nothing).
4. While the sweep runs, trials are queued until `parallel` are active or the budget is spent. An Optuna
   trial asked but never given a run (a crash right after asking) is given one first; one whose run a user
   deleted is told to the study as failed.
5. A sweep with no active trial and its budget spent (or cancelled) ends.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from trainboard.backend.errors import ApiError
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, announce_status, append_event, append_log, commit_and_publish
from trainboard.backend.services.runs import add_run, get_run, runnable_config
from trainboard.backend.services.validation import validate_config
from trainboard.backend.settings import Settings
from trainboard.backend.sweeps.locks import sweep_lock
from trainboard.backend.sweeps.pruning_reason import prune_reason
from trainboard.backend.sweeps.schemas import METRICS
from trainboard.backend.sweeps.service import RUNNING, SUCCEEDED, get_sweep, trial_fields, trials_of
from trainboard.backend.sweeps.study import distributions, load_study, sampler_for
from trainboard.backend.tables import ACTIVE_STATUSES, PRUNED, MetricPoint, Run, Sweep, SweepTrial, utcnow
from trainboard.backend.tables import SUCCEEDED as RUN_SUCCEEDED
from trainboard.backend.worker_protocol import IngestRequest, MetricsEvent

log = logging.getLogger(__name__)


def _epoch_values(session: Session, run_id: int, metric: str) -> list[tuple[int, float]]:
    query = (
        select(MetricPoint.step, MetricPoint.value)
        .where(col(MetricPoint.run_id) == run_id, col(MetricPoint.name) == metric)
        .order_by(col(MetricPoint.step))
    )
    return [(int(step), float(value)) for step, value in session.exec(query).all() if value is not None]


def _prune_run(session: Session, broker: EventBroker, run_id: int, reason: str) -> None:
    """Mark an active run pruned (its worker stops at the next heartbeat), with the reason in its log."""
    outbox = Outbox()
    result = session.exec(
        update(Run).where(col(Run.id) == run_id, col(Run.status).in_(ACTIVE_STATUSES))
        .values(status=PRUNED, finished_at=utcnow(), error=f"pruned: {reason}")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        run = get_run(session, run_id)
        append_log(session, run, "warning", f"pruned by its sweep: {reason}", outbox)
        announce_status(session, run, outbox)
        append_event(session, run, "end", {"status": run.status}, outbox)
    commit_and_publish(session, broker, outbox)


def _rung_values(rows: list[tuple[SweepTrial, str]], epoch: int, pruner: str, run_id: int) -> list[float]:
    """The values the pruner compared: every trial's at this epoch (the median pruner: complete trials' and this one's)."""
    def compared(row: SweepTrial) -> bool:
        return pruner != "median" or row.state == "complete" or row.run_id == run_id

    return [row.reported[str(epoch)] for row, _ in rows if str(epoch) in row.reported and compared(row)]


def _report(session: Session, broker: EventBroker, sweep: Sweep, study: Any, rows: list[tuple[SweepTrial, str]]) -> None:
    """Steps 1 and 2: report new evaluations, prune, and mark the trials whose runs ended."""
    import optuna

    epochs = int(sweep.base.get("epochs", 1))
    for row, status in rows:
        if row.state != "running":
            continue
        trial = optuna.Trial(study, row.trial_id)
        reported = dict(row.reported)
        for epoch, value in _epoch_values(session, row.run_id, sweep.metric):
            if str(epoch) in reported:
                continue  # told once; a resumed run reports the same epoch again
            trial.report(value, epoch)
            reported[str(epoch)] = value
            row.reported = reported
            if status in ACTIVE_STATUSES and epoch < epochs and trial.should_prune():
                reason = prune_reason(sweep.pruner, sweep.metric, sweep.direction == "maximize", epoch, value,
                                      _rung_values(rows, epoch, sweep.pruner, row.run_id))
                row.state, row.reason = "pruned", reason
                session.add(row)
                session.commit()
                _prune_run(session, broker, row.run_id, reason)
                log.info("sweep %d: trial %d pruned: %s", sweep.id, row.number, reason)
                break
        if row.state == "running" and status not in ACTIVE_STATUSES:
            if status == RUN_SUCCEEDED and reported:
                row.state, row.value = "complete", reported[max(reported, key=int)]
            else:
                row.state = "failed"
                row.reason = f"no {sweep.metric} reported" if status == RUN_SUCCEEDED else f"its run {status}"
        row.reported = reported
        session.add(row)
        session.commit()


def _tell(study: Any, rows: list[SweepTrial]) -> None:
    """Step 3: tell the study how each ended trial ended (skipped for those it already knows)."""
    import optuna

    states = {t.number: t.state for t in study.get_trials(deepcopy=False)}
    for row in rows:
        if row.state == "running" or states.get(row.number) != optuna.trial.TrialState.RUNNING:
            continue
        if row.state == "complete":
            study.tell(row.number, row.value, skip_if_finished=True)
        elif row.state == "pruned":
            study.tell(row.number, state=optuna.trial.TrialState.PRUNED, skip_if_finished=True)
        else:
            study.tell(row.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)


def _queue_trial(session: Session, broker: EventBroker, sweep: Sweep, number: int, trial_id: int,
                 params: dict[str, Any], lease_s: float) -> bool:
    """Give an Optuna trial its run; False when the parameters make a config the server refuses."""
    try:
        config = runnable_config(session, validate_config(None, trial_fields(sweep, params)), lease_s)
    except (RequestValidationError, ValidationError, ApiError) as error:
        log.warning("sweep %d: trial %d refused (%s)", sweep.id, number, error)
        return False
    outbox = Outbox()
    run = add_run(session, config, sweep.preset, outbox, name=f"{sweep.name} #{number}")
    session.add(SweepTrial(run_id=run.id, sweep_id=sweep.id, number=number, trial_id=trial_id, params=params))
    listed = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())
    append_log(session, run, "info", f"trial {number} of sweep {sweep.id} ({sweep.name}): {listed}", outbox)
    commit_and_publish(session, broker, outbox)
    return True


def _top_up(session: Session, broker: EventBroker, sweep: Sweep, study: Any, settings: Settings) -> None:
    """Step 4: queue trials up to `parallel` active ones, within the budget."""
    import optuna

    rows = trials_of(session, sweep.id)
    known = {row.number for row, _ in rows}
    active = sum(1 for _, status in rows if status in ACTIVE_STATUSES)
    frozen = study.get_trials(deepcopy=False)
    newest = max(known, default=-1)
    for orphan in (t for t in frozen if t.state == optuna.trial.TrialState.RUNNING and t.number not in known):
        # Asked after the newest trial with a run: the server stopped before queueing it, so queue it now.
        # An older one lost its run to a user deleting it: the study is told it failed.
        if orphan.number < newest:
            study.tell(orphan.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
            continue
        if active >= sweep.parallel:
            return
        if _queue_trial(session, broker, sweep, orphan.number, orphan._trial_id, dict(orphan.params), settings.lease_s):
            active += 1
        else:
            study.tell(orphan.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
    asked = len(frozen)
    space = distributions(sweep.space)
    while active < sweep.parallel and asked < sweep.trials:
        study.sampler = sampler_for(sweep, asked)
        trial = study.ask(space)
        asked += 1
        if _queue_trial(session, broker, sweep, trial.number, trial._trial_id, dict(trial.params), settings.lease_s):
            active += 1
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)


def _finish_if_done(session: Session, sweep: Sweep, study: Any) -> None:
    """Step 5."""
    rows = trials_of(session, sweep.id)
    if any(row.state == "running" for row, _ in rows):
        return
    if sweep.status == RUNNING and len(study.get_trials(deepcopy=False)) >= sweep.trials:
        sweep.status, sweep.finished_at = SUCCEEDED, utcnow()
        session.add(sweep)
        session.commit()
        log.info("sweep %d finished", sweep.id)


def reconcile_sweep(engine: Engine, broker: EventBroker, sweep_id: int, settings: Settings) -> None:
    """One pass over one sweep (see the module docstring); nothing if another pass holds it."""
    with sweep_lock(engine, sweep_id) as held:
        if not held:
            return
        with Session(engine) as session:
            sweep = get_sweep(session, sweep_id)
            study = load_study(sweep, settings.database_url)
            _report(session, broker, sweep, study, trials_of(session, sweep_id))
            _tell(study, [row for row, _ in trials_of(session, sweep_id)])
            if sweep.status == RUNNING:
                _top_up(session, broker, sweep, study, settings)
            _finish_if_done(session, sweep, study)


def reports_an_evaluation(request: IngestRequest) -> bool:
    """Whether a batch holds an epoch metric a sweep may optimise (test or train accuracy or loss)."""
    return any(
        isinstance(event, MetricsEvent) and any(point.name in METRICS for point in event.points)
        for event in request.events
    )


def reconcile_trial_of(engine: Engine, broker: EventBroker, run_id: int, settings: Settings) -> None:
    """A sweep's trial reported an evaluation: reconcile its sweep now, so the pruner decides at once."""
    with Session(engine) as session:
        sweep_id = session.exec(select(SweepTrial.sweep_id).where(col(SweepTrial.run_id) == run_id)).first()
    if sweep_id is not None:
        reconcile_sweep(engine, broker, sweep_id, settings)


def live_sweep_ids(session: Session) -> list[int]:
    """Sweeps still running, or with trials whose end the study has not been told."""
    running = select(Sweep.id).where(col(Sweep.status) == RUNNING)
    unsettled = select(SweepTrial.sweep_id).where(col(SweepTrial.state) == "running")
    return sorted(set(session.exec(running).all()) | set(session.exec(unsettled).all()))


def reconcile_once(engine: Engine, broker: EventBroker, settings: Settings) -> None:
    """One pass over every live sweep; a sweep that fails is logged and the others go on."""
    with Session(engine) as session:
        ids = live_sweep_ids(session)
    for sweep_id in ids:
        try:
            reconcile_sweep(engine, broker, sweep_id, settings)
        except Exception:
            log.exception("sweep %d: reconcile failed; retrying on the next pass", sweep_id)


async def reconcile_sweeps_forever(engine: Engine, broker: EventBroker, settings: Settings) -> None:
    """Reconcile live sweeps every settings.sweep_check_s seconds until cancelled."""
    while True:
        await asyncio.sleep(settings.sweep_check_s)
        try:
            await asyncio.to_thread(reconcile_once, engine, broker, settings)
        except Exception:  # a locked or unreachable database must not end the loop
            log.exception("sweep check failed; retrying in %.1f s", settings.sweep_check_s)
