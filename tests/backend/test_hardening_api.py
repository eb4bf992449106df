"""What an outsider can try against the API: forged events, other workers' runs, cross-site requests, foreign
Host headers, NaN and deep nesting, uploads that are not checkpoints, a full disk, a run that never finishes."""

from __future__ import annotations

import errno
import io
import pickle
import shutil
import zipfile
from pathlib import Path

import pytest
from backend_api import (
    JSON,
    checkpoint_bytes,
    claim,
    create_run,
    ingest,
    lease_headers,
    metrics_event,
    register,
    upload,
)
from backend_fixtures import make_settings
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.polling import wait_until
from trainboard.backend.app import create_app


def test_a_forged_high_seq_is_a_gap_and_later_events_still_count(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    ingest(client, run, worker, [metrics_event(1, range(1, 4))])
    forged = {"worker_id": worker, "events": [metrics_event(2_147_483_647, range(4, 5))]}
    answer = client.post(f"/api/runs/{run}/ingest", json=forged, headers=lease_headers(run, worker))
    assert answer.status_code == 409 and answer.json()["expected_seq"] == 2
    skipping = {"worker_id": worker, "events": [metrics_event(3, range(4, 6))]}
    assert client.post(f"/api/runs/{run}/ingest", json=skipping, headers=lease_headers(run, worker)).status_code == 409
    assert ingest(client, run, worker, [metrics_event(2, range(4, 9))])["accepted"] == 1
    assert client.get(f"/api/runs/{run}/metrics").json()["series"]["loss"]["steps"] == list(range(1, 9))


def test_only_the_claims_lease_token_speaks_for_a_run(client: TestClient) -> None:
    run = create_run(client)["id"]
    holder = register(client, "holder")
    claimed = claim(client, holder)
    assert claimed is not None and len(claimed["lease_token"]) >= 24
    assert "lease_token" not in client.get(f"/api/runs/{run}").json()
    batch = {"worker_id": holder, "events": [metrics_event(1, range(1, 3))]}
    for headers in (JSON, {**JSON, "X-Lease-Token": "guessed-" + "x" * 30}):  # the holder's id is public
        assert client.post(f"/api/runs/{run}/ingest", json=batch, headers=headers).status_code == 409
        assert client.post(f"/api/workers/{holder}/heartbeat", json={"run_id": run}, headers=headers).status_code == 409
        done = {"worker_id": holder, "status": "succeeded"}
        assert client.post(f"/api/runs/{run}/finish", json=done, headers=headers).status_code == 409
        put = client.put(f"/api/runs/{run}/artifacts/per_class", params={"worker_id": holder}, json={}, headers=headers)
        assert put.status_code == 409
    assert client.get(f"/api/runs/{run}").json()["status"] == "running"
    assert ingest(client, run, holder, batch["events"])["accepted"] == 1


def test_mutations_need_a_json_content_type_and_no_foreign_origin(client: TestClient) -> None:
    run = create_run(client)["id"]
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        request = client.build_request("POST", f"/api/runs/{run}/cancel")  # what a form or a no-cors fetch sends
        del request.headers["content-type"]
        if content_type:
            request.headers["content-type"] = content_type
        refused = client.send(request)
        assert refused.status_code == 415 and "application/json" in refused.json()["detail"]
    foreign = {**JSON, "Origin": "http://evil.example"}
    assert client.post(f"/api/runs/{run}/cancel", headers=foreign).status_code == 403
    assert client.post("/api/runs", json={"dataset": "synthetic"}, headers=foreign).status_code == 403
    assert client.post(f"/api/runs/{run}/cancel", headers={**JSON, "Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get("/api/runs").json()["count"] == 1 and client.get(f"/api/runs/{run}").json()["status"] == "queued"
    own = {**JSON, "Origin": "http://testserver"}
    assert client.post(f"/api/runs/{run}/cancel", headers=own).json()["status"] == "cancelled"


def test_a_foreign_host_header_is_not_answered(client: TestClient) -> None:
    assert client.get("/api/runs", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/api/runs", headers={"Host": "localhost:8000"}).status_code == 200


def test_the_token_buys_an_http_only_session_cookie(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, token="s3cret")), headers=JSON) as client:
        assert client.get("/api/session").json() == {"token_required": True, "signed_in": False}
        assert client.post("/api/session", json={"token": "wrong"}).status_code == 401
        signed = client.post("/api/session", json={"token": "s3cret"})
        assert signed.status_code == 204
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "s3cret" not in cookie
        assert client.get("/api/runs").status_code == 200 and client.get("/api/session").json()["signed_in"]
        assert client.delete("/api/session").status_code == 204
        client.cookies.clear()
        assert client.get("/api/runs").status_code == 401


@pytest.mark.parametrize("raw", ['{"lr": NaN}', '{"lr": Infinity}', '{"lr": 1e999}',
                                 '{"preset": "resnet-lrfind", "diverge": 1e999}', '{"momentum": -Infinity}'])
def test_non_finite_numbers_are_a_422_naming_the_field(client: TestClient, raw: str) -> None:
    answer = client.post("/api/runs", content=raw, headers=JSON)
    assert answer.status_code == 422, answer.text
    field = raw.split('"')[-2]
    assert [error["loc"] for error in answer.json()["detail"]] == [["body", field]]
    assert client.get("/api/runs").json()["count"] == 0


def test_an_invalid_event_holding_nan_is_a_422(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    raw = f'{{"worker_id": {worker}, "events": [{{"seq": 1, "type": "progress", "epoch": NaN, "epochs": 1, ' \
          '"step": 1, "total_steps": 1}]}'
    answer = client.post(f"/api/runs/{run}/ingest", content=raw, headers=lease_headers(run, worker))
    assert answer.status_code == 422 and answer.json()["detail"][0]["input"] is None


def test_a_deeply_nested_artifact_is_a_422(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    deep = b'{"a": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    answer = upload(client, run, worker, "feature_maps", content=deep)
    assert answer.status_code == 422 and "nested too deeply" in answer.text


def _pickled_archive(payload: object) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("checkpoint/data.pkl", pickle.dumps(payload, protocol=2))
    return out.getvalue()


class _Runs:
    """Pickles as a call of os.system: what a weights-only load refuses."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return os.system, ("true",)


@pytest.mark.parametrize(("body", "reason"), [
    (b"not a checkpoint", "not a torch.save file"),
    (_pickled_archive({"model": {"w": 1}}), "lacks optimizer, epoch, global_step"),
    (_pickled_archive({"model": _Runs(), "optimizer": {}, "epoch": 1, "global_step": 2}), "system"),
])
def test_an_upload_that_is_not_a_checkpoint_is_refused(client: TestClient, body: bytes, reason: str) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    answer = upload(client, run, worker, "checkpoint", content=body, epoch=1, step=2)
    assert answer.status_code == 422 and reason in answer.text
    assert client.get(f"/api/runs/{run}/checkpoint").status_code == 404
    assert upload(client, run, worker, "checkpoint", content=checkpoint_bytes(), epoch=1, step=2).status_code == 200


def test_a_full_disk_is_a_507_and_an_unwritable_folder_a_503(client: TestClient, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr("tempfile.mkstemp", full)
        answer = upload(client, run, worker, "per_class", json={"accuracy": [1.0]})
    assert answer.status_code == 507 and "full" in answer.json()["detail"]
    folder = tmp_path / "artifacts" / f"run-{run}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_text("a file where the run's folder should be")
    answer = upload(client, run, worker, "per_class", json={"accuracy": [1.0]})
    assert answer.status_code == 503 and "cannot be written" in answer.json()["detail"]
    assert client.get(f"/api/runs/{run}/artifacts").json()["count"] == 0


def test_a_run_whose_every_attempt_goes_silent_fails_after_max_attempts(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, lease_s=0.2, lease_check_s=0.05, max_attempts=3)
    with TestClient(create_app(settings), headers=JSON) as client:
        run = create_run(client)["id"]
        for attempt in range(1, 4):
            worker = register(client, f"crashing-{attempt}")
            assert wait_until(lambda: claim(client, worker), f"claim {attempt}")["attempt"] == attempt
        failed = wait_until(lambda: (r := client.get(f"/api/runs/{run}").json())["status"] == "failed" and r,
                            "the run to give up")
        assert failed["error"] == "gave up after 3 attempts: no heartbeat from worker crashing-3 for 0.2 s"
        assert claim(client, register(client, "fresh")) is None


def test_repeated_series_names_are_read_once(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    ingest(client, run, worker, [metrics_event(1, range(1, 6))])
    engine = client.app.state.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        once = client.get(f"/api/runs/{run}/metrics", params={"names": "loss"}).json()
        queries_once = len(statements)
        statements.clear()
        repeated = client.get(f"/api/runs/{run}/metrics", params={"names": ",".join(["loss"] * 5000)}).json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert repeated["series"] == once["series"] and len(statements) == queries_once
