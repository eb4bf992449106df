"""run_all finds every benchmark module and renders results as a Markdown table with the machine described."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from benchmarks.run_all import benchmark_names, describe_machine, main, markdown_report, table_rows

pytestmark = pytest.mark.usefixtures("one_thread")


def _report(results: dict[str, Any]) -> dict[str, Any]:
    return {"started_at": "2026-01-01T00:00:00+00:00", "quick": True, "machine": describe_machine(), "results": results}


def test_finds_every_benchmark_module_with_a_run_function() -> None:
    names = benchmark_names()
    assert {"trainer_throughput", "pipeline", "event_latency"} <= set(names)
    assert "run_all" not in names
    assert names[0] == "trainer_throughput"


def test_machine_description_names_the_cpu_cores_and_torch() -> None:
    machine = describe_machine()
    assert machine["cpu"] and machine["cores"] >= 1 and 1 <= machine["usable_cores"] <= machine["cores"]
    assert machine["torch"] and machine["device"]


def test_table_marks_targets_met_missed_and_failed_benchmarks() -> None:
    results = {
        "trainer_throughput": {"target_ratio": 0.97, "cases": [
            {"model": "tutorial_cnn", "batch_size": 4, "device": "cpu",
             "trainer_images_per_s": 900.0, "bare_images_per_s": 1000.0, "ratio": 0.9},
            {"model": "seed_resnet", "batch_size": 64, "device": "cpu",
             "trainer_images_per_s": 99.0, "bare_images_per_s": 100.0, "ratio": 0.99, "aa_ratio": 1.004},
        ]},
        "event_latency": {"clients": 20, "batches": 40, "p50_ms": 4.0, "p95_ms": 9.5, "missing": 0,
                          "target_p95_ms": 50.0, "meets_target": True},
        "ingest": {"sqlite_points_per_s": 250000.0, "note": "a|b"},
        "broken": {"error": "RuntimeError: boom"},
    }
    text = markdown_report(_report(results))
    lines = text.splitlines()
    assert lines[0].startswith("Machine: ") and "torch " in lines[0]
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| Benchmark | Measure | Result | Target | Status |"
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 6 for line in table)  # a '|' inside a value is escaped
    expected = "| tutorial_cnn batch 4 on cpu, trainer / bare loop | 900 / 1,000 img/s = 0.900x | >= 0.97x | missed |"
    assert expected in text
    assert "0.990x (A/A 1.004x) | >= 0.97x | met |" in text
    assert "p95 9.5 ms" in text and "| broken | did not complete | RuntimeError: boom |  | failed |" in text
    assert "| ingest | sqlite_points_per_s | 250,000 |" in text


def test_results_in_an_unexpected_shape_are_listed_as_they_are() -> None:
    rows = table_rows("pipeline", {"images": 5000, "rate": 1234.5})
    assert [(r.measure, r.result) for r in rows] == [("images", "5000"), ("rate", "1,234")]


def test_unknown_benchmark_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--only", "no_such_benchmark", "--out", str(tmp_path / "r.json")])
    assert exit_info.value.code == 2
    assert not (tmp_path / "r.json").exists()


def test_writes_the_json_report_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import benchmarks.trainer_throughput as trainer_throughput

    tiny = trainer_throughput.Case("origin-2ep", "tutorial_cnn", 4, "cpu", warmup_steps=1, steps=3, rounds=2)
    monkeypatch.setattr(trainer_throughput, "cases", lambda quick, devices: [tiny])  # seconds, not minutes
    out = tmp_path / "results.json"
    assert main(["--quick", "--only", "trainer_throughput", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["quick"] is True and report["machine"]["cores"] >= 1
    assert report["results"]["trainer_throughput"]["cases"][0]["steps"] == 3
    assert report["seconds"]["trainer_throughput"] > 0
    assert "| trainer throughput | tutorial_cnn batch 4 on cpu" in capsys.readouterr().out
