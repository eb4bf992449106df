"""Editing a run: PATCH /api/runs/{id} for its name, tags and note; the 422s, the 404, the guards, the live event."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_api import JSON, create_run, iter_sse, read_until
from backend_fixtures import make_settings
from fastapi.testclient import TestClient

from trainboard.backend.app import create_app
from trainboard.backend.schemas import MAX_NOTE_CHARS, MAX_TAGS


def test_patch_changes_name_tags_and_note_and_tags_are_kept_sorted_and_once(client: TestClient) -> None:
    run = create_run(client)
    assert run["tags"] == [] and run["note"] == ""
    edited = client.patch(f"/api/runs/{run['id']}", json={"name": " baseline ", "tags": ["seed:1", "aug", "aug"]})
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "baseline" and edited.json()["tags"] == ["aug", "seed:1"]
    noted = client.patch(f"/api/runs/{run['id']}", json={"note": "# Why\n\nmore *augmentation*"}).json()
    assert noted["note"] == "# Why\n\nmore *augmentation*"
    assert noted["name"] == "baseline" and noted["tags"] == ["aug", "seed:1"]  # fields left out stay
    assert client.get(f"/api/runs/{run['id']}").json() == noted
    assert client.patch(f"/api/runs/{run['id']}", json={"tags": []}).json()["tags"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": ["has space"]}, "tags"),
        ({"tags": ["-leading-dash"]}, "tags"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}, "tags"),
        ({"tags": "aug"}, "tags"),
        ({"note": "n" * (MAX_NOTE_CHARS + 1)}, "note"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(client: TestClient, body: dict, field: str) -> None:
    run = create_run(client)
    response = client.patch(f"/api/runs/{run['id']}", json=body)
    assert response.status_code == 422
    assert {error["loc"][1] for error in response.json()["detail"]} == {field}
    assert client.get(f"/api/runs/{run['id']}").json() == run


def test_patching_an_unknown_run_is_a_404(client: TestClient) -> None:
    response = client.patch("/api/runs/999", json={"tags": ["aug"]})
    assert response.status_code == 404 and response.json() == {"detail": "run 999 not found"}


def test_patch_is_guarded_as_every_mutation(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, token="s3cret")), headers=JSON) as client:
        auth = {"Authorization": "Bearer s3cret"}
        run = client.post("/api/runs", json={"dataset": "synthetic"}, headers=auth).json()
        assert client.patch(f"/api/runs/{run['id']}", json={"note": "x"}).status_code == 401
        form = client.patch(f"/api/runs/{run['id']}", content="note=x",
                            headers={**auth, "Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 415
        foreign = client.patch(f"/api/runs/{run['id']}", json={"note": "x"}, headers={**auth, "Origin": "http://evil"})
        assert foreign.status_code == 403
        assert client.get(f"/api/runs/{run['id']}", headers=auth).json()["note"] == ""
        assert client.patch(f"/api/runs/{run['id']}", json={"note": "x"}, headers=auth).json()["note"] == "x"


def test_an_edit_is_a_status_event_of_the_run_with_the_new_fields(client: TestClient) -> None:
    run = create_run(client)
    client.patch(f"/api/runs/{run['id']}", json={"tags": ["aug"], "note": "why"})
    with client.stream("GET", f"/api/runs/{run['id']}/events", params={"last_event_id": run["last_event_id"]}) as stream:
        seen: list = []
        read_until(iter_sse(stream), lambda sse: sse.event == "status", seen)
    assert seen[-1].data["tags"] == ["aug"] and seen[-1].data["note"] == "why"
