"""Every test evaluation of a run, kept: its evaluation payload (confusion, per-class, feature maps) and its
mistakes gallery, one file each per epoch under the run's folder (evaluations/<name>-<epoch>.json).

Reads serve any kept epoch, the latest by default. A run from before evaluations were kept has only the single
confusion / per_class / feature_maps artifacts; the confusion, per-class and feature-maps reads fall back to those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from trainboard.backend.errors import NotFoundError, field_error, run_not_found
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, append_event, commit_and_publish
from trainboard.backend.schemas import ArtifactStored, EvaluationPublic, EvaluationsPublic
from trainboard.backend.services.artifacts import (
    EVALUATION_ARTIFACTS,
    ArtifactFile,
    Upload,
    parse_json_object,
    run_folder,
    write_held,
)
from trainboard.backend.tables import EvaluationFile, Run, utcnow
from trainboard.common.jsonsafe import dumps_compact

EVALUATION, MISTAKES = EVALUATION_ARTIFACTS
FOLDER = "evaluations"


def _counter(payload: dict[str, Any], key: str, given: int | None) -> int:
    """The query's epoch/step, else the payload's; 422 naming the field when neither is a counter."""
    value = given if given is not None else payload.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise field_error(key, f"an evaluation upload needs its {key} (?{key}= or '{key}' in the body), "
                          f"a whole number >= 0; got {value!r}", value)
    return value


def _scores(name: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """What the listing shows of an evaluation payload without opening its file."""
    if name != EVALUATION:
        return None
    per_class, classes, accuracy = payload.get("per_class"), payload.get("classes"), payload.get("accuracy")
    return {
        "accuracy": accuracy if isinstance(accuracy, (int, float)) else None,
        "per_class": per_class if isinstance(per_class, list) else None,
        "classes": classes if isinstance(classes, list) else None,
    }


def store_evaluation_file(session: Session, broker: EventBroker, artifact_dir: Path, upload: Upload) -> ArtifactStored:
    """Keep one evaluation's payload uploaded by the worker holding the run; the same epoch again replaces it."""
    run_id, name = upload.run_id, upload.name
    payload = parse_json_object(upload.body)
    epoch, step = _counter(payload, "epoch", upload.epoch), _counter(payload, "step", upload.step)
    data = dumps_compact(payload).encode()
    filename = f"{name}-{epoch}.json"
    run = write_held(session, upload, run_folder(artifact_dir, run_id) / FOLDER, filename, data)
    row = _find(session, run_id, name, epoch) or EvaluationFile(run_id=run_id, name=name, epoch=epoch, step=step,
                                                                path="", size=0)
    row.step, row.size, row.scores, row.created_at = step, len(data), _scores(name, payload), utcnow()
    row.path = f"{run_folder(artifact_dir, run_id).name}/{FOLDER}/{filename}"
    session.add(row)
    outbox = Outbox()
    append_event(session, run, "artifact", {"name": name, "size": len(data), "epoch": epoch, "step": step}, outbox)
    commit_and_publish(session, broker, outbox)
    return ArtifactStored(name=name, size=len(data))


def _find(session: Session, run_id: int, name: str, epoch: int) -> EvaluationFile | None:
    return session.exec(select(EvaluationFile).where(
        EvaluationFile.run_id == run_id, EvaluationFile.name == name, EvaluationFile.epoch == epoch)).first()


def _rows(session: Session, run_id: int, name: str) -> list[EvaluationFile]:
    return list(session.exec(select(EvaluationFile).where(EvaluationFile.run_id == run_id, EvaluationFile.name == name)
                             .order_by(col(EvaluationFile.epoch))).all())


def has_evaluations(session: Session, run_id: int) -> bool:
    """True when the run keeps its evaluations (a run from before that has single artifacts instead)."""
    return session.exec(select(EvaluationFile.id).where(
        EvaluationFile.run_id == run_id, EvaluationFile.name == EVALUATION).limit(1)).first() is not None


def list_evaluations(session: Session, run_id: int) -> EvaluationsPublic:
    """The run's kept evaluations, oldest first, with their scores and sizes."""
    if session.get(Run, run_id) is None:
        raise run_not_found(run_id)
    mistakes = {row.epoch: row.size for row in _rows(session, run_id, MISTAKES)}
    rows = _rows(session, run_id, EVALUATION)
    data = [
        EvaluationPublic(
            epoch=row.epoch, step=row.step, accuracy=(row.scores or {}).get("accuracy"),
            per_class=(row.scores or {}).get("per_class"), size=row.size, mistakes_size=mistakes.get(row.epoch),
            created_at=row.created_at,
        )
        for row in rows
    ]
    classes = next((row.scores["classes"] for row in reversed(rows) if row.scores and row.scores.get("classes")), [])
    return EvaluationsPublic(data=data, count=len(data), classes=classes)


def evaluation_file(session: Session, artifact_dir: Path, run_id: int, name: str, epoch: int | None) -> ArtifactFile:
    """Where the `name` payload of the evaluation at `epoch` (the latest when None) is; 404 saying what exists."""
    if session.get(Run, run_id) is None:
        raise run_not_found(run_id)
    rows = _rows(session, run_id, name)
    what = "evaluation" if name == EVALUATION else "mistakes gallery"
    if not rows:
        raise NotFoundError(f"run {run_id} has no kept {what} yet")
    row = rows[-1] if epoch is None else next((r for r in rows if r.epoch == epoch), None)
    if row is None:
        kept = ", ".join(str(r.epoch) for r in rows)
        raise NotFoundError(f"run {run_id} has no {what} at epoch {epoch}; its evaluations are at epochs {kept}")
    path = artifact_dir / row.path
    if not path.is_file():
        raise NotFoundError(f"the {what} file of run {run_id} at epoch {row.epoch} is missing from the artifact folder")
    return ArtifactFile(path, "application/json", f"run-{run_id}-{Path(row.path).name}")


def evaluation_part(session: Session, artifact_dir: Path, run_id: int, part: str, epoch: int | None) -> dict[str, Any]:
    """The confusion, per_class or feature_maps view of one kept evaluation, in the single artifacts' shapes."""
    found = evaluation_file(session, artifact_dir, run_id, EVALUATION, epoch)
    payload = json.loads(found.path.read_bytes())
    where = {"epoch": payload.get("epoch"), "step": payload.get("step"), "split": payload.get("split", "test")}
    if part == "confusion":
        return {"classes": payload.get("classes"), "matrix": payload.get("matrix"), **where}
    if part == "per_class":
        return {"classes": payload.get("classes"), "accuracy": payload.get("per_class"), **where}
    return {**(payload.get("feature_maps") or {}), "epoch": payload.get("epoch"), "step": payload.get("step")}


def drop_evaluations_after(session: Session, run_id: int, epoch: int) -> None:
    """Forget the evaluations after `epoch` (a run resumed from an earlier checkpoint evaluates them again)."""
    session.exec(delete(EvaluationFile).where(col(EvaluationFile.run_id) == run_id, col(EvaluationFile.epoch) > epoch)
                 .execution_options(synchronize_session=False))
