"""A user's SDK script as a plain `python` process, and the series a run stored, for the SDK's e2e tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.cluster import Api
from tests.polling import wait_until

SCRIPT = Path(__file__).with_name("sdk_script.py")
REPO = Path(__file__).resolve().parents[2]


class ScriptProcess:
    """`python sdk_script.py` with SDK_* settings, its output in a file; stop() kills it if it still runs."""

    def __init__(self, folder: Path, server_url: str, name: str = "script", **settings: Any) -> None:
        self.out_path = folder / f"{name}.out"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("TRAINBOARD_", "SDK_"))}
        env = {**inherited, "TRAINBOARD_SERVER": server_url, "PYTHONPATH": str(REPO),
               **{f"SDK_{k.upper()}": str(v) for k, v in settings.items()}}
        self.out_file = open(self.out_path, "wb")
        self.process = subprocess.Popen([sys.executable, str(SCRIPT)], env=env, stdout=self.out_file,
                                        stderr=subprocess.STDOUT, cwd=folder)

    def output(self) -> str:
        """Everything the script printed so far."""
        return self.out_path.read_text(errors="replace")

    def wait_for_line(self, prefix: str, timeout_s: float = 120) -> str:
        """The first printed line starting with `prefix` (waiting for it)."""
        def found() -> str | None:
            if self.process.poll() is not None and not any(line.startswith(prefix) for line in self.output().splitlines()):
                raise AssertionError(f"the script exited ({self.process.returncode}) first:\n{self.output()}")
            return next((line for line in self.output().splitlines() if line.startswith(prefix)), None)

        return wait_until(found, f"the script to print {prefix!r}", timeout_s=timeout_s)

    def run_id(self) -> int:
        """The id the script's run got on the server."""
        return int(self.wait_for_line("run ").split()[1])

    def wait(self, timeout_s: float = 180) -> int:
        """Wait for the script to exit; its exit code."""
        return self.process.wait(timeout=timeout_s)

    def stop(self) -> None:
        """Kill the script if it still runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.out_file.close()


def stored_points(api: Api, run_id: int) -> dict[str, list[tuple[int, float]]]:
    """Every stored point of every series of a run, per name, in step order."""
    series = api.get(f"/api/runs/{run_id}/metrics")["series"]
    return {name: list(zip(s["steps"], s["values"])) for name, s in series.items()}
