"""The plain-PyTorch example of docs/sdk.md runs as written against a real server and makes the run it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cluster import Api, Cluster

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def plain_pytorch_example() -> str:
    """The Python block under the '## Plain PyTorch' heading."""
    section = DOC.read_text(encoding="utf-8").split("## Plain PyTorch", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "docs/sdk.md has no Python block under 'Plain PyTorch'"
    return match.group(1)


def test_the_plain_pytorch_example_of_the_sdk_guide_reports_its_run(cluster: Cluster, tmp_path: Path) -> None:
    server = cluster.server()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")},
           "TRAINBOARD_SERVER": server.url, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", plain_pytorch_example()], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    api = Api(server.url)
    runs = api.get("/api/runs", kind="external")["data"]
    assert len(runs) == 1
    run = runs[0]
    assert (run["name"], run["status"], run["config"]) == ("plain pytorch", "succeeded", {"lr": 0.1, "batch_size": 32})
    assert api.series(run["id"], "train/loss")[0] == list(range(1, 101))  # 2 epochs x 50 batches, steps from 1
    assert len(api.series(run["id"], "test/acc")[0]) == 2
    assert len(api.get(f"/api/runs/{run['id']}/confusion")["matrix"]) == 10
