"""Artifact files of runs: JSON payloads (confusion, per-class, feature maps, LR curve, result) and checkpoints.

Files live under the artifact directory, one folder per run; the Artifact table says what is there.
An upload is written to a temporary file first, so the database lock is never held during disk writes.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from trainboard.backend.errors import (
    NotFoundError,
    StorageFullError,
    StorageUnavailableError,
    field_error,
    run_not_found,
)
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, append_event, commit_and_publish
from trainboard.backend.schemas import ArtifactPublic, ArtifactsPublic, ArtifactStored
from trainboard.backend.services.checkpoint_check import InvalidCheckpoint, check_checkpoint
from trainboard.backend.services.holding import hold_run
from trainboard.backend.tables import Artifact, Run, utcnow
from trainboard.common.jsonsafe import dumps_compact, loads_lenient

JSON_ARTIFACTS = ("confusion", "per_class", "feature_maps", "lr_curve", "result")
# Kept once per evaluation (epoch), not replaced: backend/services/evaluations.py stores and serves them.
EVALUATION_ARTIFACTS = ("evaluation", "mistakes")
CHECKPOINT = "checkpoint"
ARTIFACT_NAMES = (*JSON_ARTIFACTS, *EVALUATION_ARTIFACTS, CHECKPOINT)


@dataclass(frozen=True)
class ArtifactFile:
    """Where an artifact's bytes are and how to serve them."""

    path: Path
    media_type: str
    filename: str


def run_folder(artifact_dir: Path, run_id: int) -> Path:
    """The folder holding a run's artifact files."""
    return artifact_dir / f"run-{run_id}"


def remove_run_files(artifact_dir: Path, run_id: int) -> None:
    """Delete a run's artifact folder (after its rows are gone)."""
    shutil.rmtree(run_folder(artifact_dir, run_id), ignore_errors=True)


def check_artifact_name(name: str) -> None:
    """422 unless `name` is an artifact the protocol knows."""
    if name not in ARTIFACT_NAMES:
        raise field_error("name", f"unknown artifact {name!r}; valid names: {', '.join(ARTIFACT_NAMES)}", name)


def _normalized_json(body: bytes) -> bytes:
    """The upload re-encoded as strict JSON (NaN/inf become null, browsers cannot parse them); 422 if not an object."""
    return dumps_compact(parse_json_object(body)).encode()


def parse_json_object(body: bytes) -> dict:
    """The upload as a JSON object (NaN/inf allowed in, as the trainer may send them); 422 if it is not one."""
    try:
        payload = loads_lenient(body)
    except ValueError as error:
        raise field_error("body", f"artifact body is not valid JSON: {error}") from None
    except RecursionError:
        raise field_error("body", "artifact body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise field_error("body", "artifact body must be a JSON object")
    return payload


def write_temp(folder: Path, data: bytes) -> Path:
    """The upload in a temporary file of the run's folder; a full or unwritable disk is a 507 or 503."""
    name: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".upload-")
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        return Path(name)
    except OSError as error:
        if name is not None:
            Path(name).unlink(missing_ok=True)
        raise storage_error(folder, error) from None


def storage_error(folder: Path, error: OSError) -> StorageFullError | StorageUnavailableError:
    """The answer to a failed write in the artifact directory, with the reason."""
    reason = f"{error.strerror or error} ({folder})"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFullError(f"artifact storage is full: {reason}")
    return StorageUnavailableError(f"artifact storage cannot be written: {reason}")


@dataclass(frozen=True)
class Upload:
    """One artifact upload of the worker that holds a run: what it is, where it was taken, and its bytes."""

    run_id: int
    worker_id: int
    lease_token: str | None
    name: str
    body: bytes
    epoch: int | None
    step: int | None


def write_held(session: Session, upload: Upload, folder: Path, filename: str, data: bytes) -> Run:
    """Write `data` to folder/filename while the uploader holds the run (checked after the slow disk write)."""
    temp = write_temp(folder, data)
    try:
        run = hold_run(session, upload.run_id, upload.worker_id, upload.lease_token)
        try:
            os.replace(temp, folder / filename)
        except OSError as error:
            session.rollback()
            raise storage_error(folder, error) from None
    finally:
        temp.unlink(missing_ok=True)
    return run


def store_artifact(session: Session, broker: EventBroker, artifact_dir: Path, upload: Upload) -> ArtifactStored:
    """Store an artifact uploaded by the worker holding the run; a newer upload replaces the older one."""
    run_id, name, body, epoch, step = upload.run_id, upload.name, upload.body, upload.epoch, upload.step
    check_artifact_name(name)
    if name in EVALUATION_ARTIFACTS:
        raise ValueError(f"{name} is kept per evaluation: store it with services.evaluations")
    if name == CHECKPOINT:
        if epoch is None or step is None:
            raise field_error("epoch", "a checkpoint upload needs ?epoch=E&step=S (where it was taken)")
        try:
            check_checkpoint(body)
        except InvalidCheckpoint as error:
            raise field_error("body", f"not a checkpoint: {error}") from None
        data, media_type, filename = body, "application/octet-stream", "checkpoint.pt"
    else:
        data, media_type, filename = _normalized_json(body), "application/json", f"{name}.json"
    folder = run_folder(artifact_dir, run_id)
    run = write_held(session, upload, folder, filename, data)
    row = session.exec(select(Artifact).where(Artifact.run_id == run_id, Artifact.name == name)).first()
    row = row or Artifact(run_id=run_id, name=name, media_type=media_type, path="", size=0)
    row.path, row.size, row.epoch, row.step, row.created_at = (
        f"{folder.name}/{filename}",
        len(data),
        epoch,
        step,
        utcnow(),
    )
    session.add(row)
    outbox = Outbox()
    append_event(session, run, "artifact", {"name": name, "size": len(data), "epoch": epoch, "step": step}, outbox)
    commit_and_publish(session, broker, outbox)
    return ArtifactStored(name=name, size=len(data))


def find_artifact(session: Session, run_id: int, name: str) -> Artifact | None:
    """The artifact row `name` of a run, or None."""
    return session.exec(select(Artifact).where(Artifact.run_id == run_id, Artifact.name == name)).first()


def artifact_file(session: Session, artifact_dir: Path, run_id: int, name: str) -> ArtifactFile:
    """Where to read artifact `name` of a run; 404 for an unknown run or a missing artifact."""
    if session.get(Run, run_id) is None:
        raise run_not_found(run_id)
    check_artifact_name(name)
    row = find_artifact(session, run_id, name)
    path = artifact_dir / row.path if row else None
    if row is None or path is None or not path.is_file():
        raise NotFoundError(f"run {run_id} has no {name} artifact")
    return ArtifactFile(path, row.media_type, f"run-{run_id}-{Path(row.path).name}")


def list_artifacts(session: Session, run_id: int) -> ArtifactsPublic:
    """What a run has stored."""
    if session.get(Run, run_id) is None:
        raise run_not_found(run_id)
    rows = session.exec(select(Artifact).where(Artifact.run_id == run_id).order_by(Artifact.name)).all()
    data = [
        ArtifactPublic(
            name=r.name, media_type=r.media_type, size=r.size, epoch=r.epoch, step=r.step, created_at=r.created_at
        )
        for r in rows
    ]
    return ArtifactsPublic(data=data, count=len(data))
