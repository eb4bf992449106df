"""Export the runs a search selects: CSV (one row per run, a header row) or JSON (the runs as the API shows them)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlmodel import Session

from trainboard.backend.schemas import RunFilters, RunPublic, RunsPublic
from trainboard.backend.services.run_search import search_runs
from trainboard.backend.tables import Run

EXPORT_MAX_ROWS = 100_000  # one answer; a bigger export narrows its filters
CSV_COLUMNS = (
    "id", "name", "kind", "status", "model", "dataset", "preset", "tags", "best_test_acc", "created_at", "finished_at",
)


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds").removesuffix("+00:00") + "Z"
    if isinstance(value, list):
        return " ".join(map(str, value))  # tags never hold a space
    return "" if value is None else value


def _csv_safe(value: object) -> object:
    # A cell a spreadsheet would run as a formula (a name starting with "=") is quoted as text.
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def runs_csv(runs: list[Run]) -> str:
    """CSV text: the header row, then one row per run with the columns of CSV_COLUMNS."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for run in runs:
        public = RunPublic.model_validate(run, from_attributes=True)
        row = {**public.model_dump(), "model": run.model, "dataset": run.dataset}
        writer.writerow([_csv_safe(_cell(row[column])) for column in CSV_COLUMNS])
    return out.getvalue()


def export_runs(session: Session, filters: RunFilters) -> list[Run]:
    """Every run `filters` selects (up to EXPORT_MAX_ROWS), in its order."""
    runs, _count = search_runs(session, filters, EXPORT_MAX_ROWS, 0)
    return runs


def runs_json(runs: list[Run]) -> RunsPublic:
    """The runs as the API shows them."""
    return RunsPublic(data=[RunPublic.model_validate(r, from_attributes=True) for r in runs], count=len(runs))
