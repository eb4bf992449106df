"""Storage: connection settings per database, additive migrations that keep rows, no torch on the request path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from backend_fixtures import backend_name, fresh_database_url
from sqlalchemy import Column, Text, inspect, text

from trainboard.backend.db import init_db, make_engine
from trainboard.backend.migrations import MIGRATIONS, Migration, add_column, migrate
from trainboard.backend.tables import RUN_LINEAGE_INDEXES, RUN_LIST_INDEXES, SERIES_INDEX

INSERT_RUN = (
    "INSERT INTO run (name, kind, status, config, created_at, attempt, last_seq, last_event_id) "
    "VALUES ('kept', 'train', '{status}', '{{}}', '2024-01-01 00:00:00', 0, 0, 0)"
)


def test_connections_are_set_up_for_the_database_in_use(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    assert engine.dialect.name == backend_name()
    with engine.connect() as connection:
        if backend_name() == "sqlite":
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        else:  # claims re-check `status = 'queued'` in their UPDATE, which needs READ COMMITTED, not snapshots
            assert connection.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
    engine.dispose()


def test_deleting_a_run_deletes_its_events(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    init_db(engine)
    with engine.begin() as connection:
        connection.execute(text(INSERT_RUN.format(status="queued")))
        connection.execute(
            text("INSERT INTO run_event (run_id, event, data, created_at) VALUES (1, 'log', '{}', '2024-01-01')")
        )
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM run"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM run_event")).scalar() == 0
    engine.dispose()


def test_fresh_database_is_stamped_with_the_latest_version(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    applied: list[int] = []
    migrations = [Migration(1, "never needed on a fresh database", lambda _c: applied.append(1))]
    assert migrate(engine, migrations) == 1
    assert applied == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM schema_version")).scalar() == 1


def test_migration_adds_a_column_and_keeps_existing_rows(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    assert migrate(engine, []) == 0  # an existing database from before the migration
    with engine.begin() as connection:
        connection.execute(text(INSERT_RUN.format(status="queued")))
    migrations = [Migration(1, "runs get a remark", lambda c: add_column(c, "run", Column("remark", Text)))]
    assert migrate(engine, migrations) == 1
    assert "remark" in {c["name"] for c in inspect(engine).get_columns("run")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, remark FROM run")).all() == [("kept", None)]
    assert migrate(engine, migrations) == 1  # running again changes nothing


def test_version_0_database_gets_the_covering_series_index_and_keeps_its_points(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    migrate(engine, [])
    with engine.begin() as connection:  # the metric_point indexes as version 0 created them
        connection.execute(text(f"DROP INDEX {SERIES_INDEX}"))
        connection.execute(text("CREATE INDEX ix_metric_point_run_name_step ON metric_point (run_id, name, step)"))
        connection.execute(text(INSERT_RUN.format(status="running")))
        connection.execute(
            text("INSERT INTO metric_point (run_id, event_id, name, step, value) VALUES (1, 1, 'loss', 1, 2.5)")
        )
    assert migrate(engine) == max(m.version for m in MIGRATIONS)
    indexes = {i["name"] for i in inspect(engine).get_indexes("metric_point")}
    assert SERIES_INDEX in indexes and "ix_metric_point_run_name_step" not in indexes
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, step, value FROM metric_point")).all() == [("loss", 1, 2.5)]


def test_version_2_database_gets_tags_notes_and_the_search_columns_filled_from_each_run(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    assert migrate(engine, MIGRATIONS[:2]) == 2
    with engine.begin() as connection:  # the run table as version 2 had it
        for index in RUN_LIST_INDEXES:
            connection.execute(text(f"DROP INDEX {index}"))
        for column in ("model", "dataset", "tags", "note", "images_per_s"):
            connection.execute(text(f"ALTER TABLE run DROP COLUMN {column}"))
        connection.execute(text(
            "INSERT INTO run (name, kind, status, config, summary, progress, created_at, attempt, last_seq, last_event_id) "
            "VALUES ('kept', 'train', 'succeeded', :config, :summary, :progress, '2024-01-01 00:00:00', 0, 0, 0)"
        ), {"config": json.dumps({"model": "resnet9", "dataset": "cifar10"}),
            "summary": json.dumps({"images_per_s": 812.5}), "progress": json.dumps({"images_per_s": 700.0})})
    assert migrate(engine) == max(m.version for m in MIGRATIONS)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT name, model, dataset, tags, note, images_per_s FROM run")).one()
    assert row[:3] == ("kept", "resnet9", "cifar10")
    assert (json.loads(row[3]) if isinstance(row[3], str) else row[3]) == []  # JSON text on SQLite
    assert row[4:] == ("", 812.5)
    assert set(RUN_LIST_INDEXES) <= {i["name"] for i in inspect(engine).get_indexes("run")}
    engine.dispose()


def test_version_3_database_gets_seed_groups_and_parents_and_keeps_its_runs(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    assert migrate(engine, MIGRATIONS[:3]) == 3
    with engine.begin() as connection:  # the run table as version 3 had it
        for index in RUN_LINEAGE_INDEXES:
            connection.execute(text(f"DROP INDEX {index}"))
        for column in ("group_id", "parent_id"):
            connection.execute(text(f"ALTER TABLE run DROP COLUMN {column}"))
        connection.execute(text(
            "INSERT INTO run (name, kind, status, config, created_at, attempt, last_seq, last_event_id) "
            "VALUES ('kept', 'train', 'succeeded', '{}', '2024-01-01 00:00:00', 0, 0, 0)"
        ))
    assert migrate(engine) == max(m.version for m in MIGRATIONS)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name, group_id, parent_id FROM run")).one() == ("kept", None, None)
    assert set(RUN_LINEAGE_INDEXES) <= {i["name"] for i in inspect(engine).get_indexes("run")}
    engine.dispose()


NO_TORCH_SCRIPT = """
import json, sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from trainboard.backend.app import create_app
from trainboard.backend.settings import Settings
from fastapi.testclient import TestClient
folder = Path(sys.argv[1])
settings = Settings(database_url=sys.argv[2], artifact_dir=folder / "a", data_dir=folder / "d",
                    allowed_hosts=("testserver",))
app = create_app(settings)
codes = {}
with TestClient(app) as client:
    for path in ("/api/presets", "/api/models", "/api/datasets", "/api/health", "/api/runs", "/api/workers"):
        codes[path] = client.get(path).status_code
    codes["create"] = client.post("/api/runs", json={"preset": "fast", "dataset": "synthetic"}).status_code
    codes["lr_find"] = client.post("/api/runs", json={"preset": "resnet-lrfind"}).status_code
    codes["invalid"] = client.post("/api/runs", json={"epochs": 0}).status_code
print(json.dumps({"torch": "torch" in sys.modules, "codes": codes}))
"""


def test_backend_request_path_never_imports_torch(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT, str(tmp_path), fresh_database_url(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["codes"] == {
        "/api/presets": 200,
        "/api/models": 200,
        "/api/datasets": 200,
        "/api/health": 200,
        "/api/runs": 200,
        "/api/workers": 200,
        "create": 201,
        "lr_find": 201,
        "invalid": 422,
    }
    assert report["torch"] is False
