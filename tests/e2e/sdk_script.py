"""A training script of a user's, as the SDK's end-to-end tests run it: `python sdk_script.py`.

Settings come from the environment: SDK_STEPS, SDK_PAUSE_S (per step), SDK_MODE (online/offline), SDK_DIR
(offline folder), SDK_FAIL_AT (raise at that step). It prints "run <id> <offline dir>" first, then
"step <n>" every 50 steps, so a test knows where it is. expected_points() is what it logs.
"""

from __future__ import annotations

import os
import time

import trainboard


def expected_points(steps: int) -> dict[str, list[tuple[int, float]]]:
    """Every point the script logs in `steps` steps, per metric name, in step order."""
    return {
        "train/loss": [(s, 1.0 / s) for s in range(1, steps + 1)],
        "train/lr": [(s, 0.1 * 0.99**s) for s in range(1, steps + 1)],
        "test/acc": [(s, s / steps) for s in range(10, steps + 1, 10)],
    }


def main() -> None:
    steps = int(os.environ.get("SDK_STEPS", "200"))
    pause_s = float(os.environ.get("SDK_PAUSE_S", "0"))
    fail_at = int(os.environ.get("SDK_FAIL_AT", "0"))
    mode = os.environ.get("SDK_MODE", "online")
    with trainboard.init(name="sdk script", config={"lr": 0.1, "steps": steps}, mode=mode,
                         dir=os.environ.get("SDK_DIR")) as run:
        print(f"run {run.id} {run.offline_dir}", flush=True)
        for step in range(1, steps + 1):
            run.log({"train/loss": 1.0 / step, "train/lr": 0.1 * 0.99**step}, step=step)
            if step % 10 == 0:
                run.log({"test/acc": step / steps}, step=step)
            if step == fail_at:
                raise ValueError(f"boom at step {step}")
            if step % 50 == 0:
                print(f"step {step}", flush=True)
            if pause_s:
                time.sleep(pause_s)
            if run.should_stop:  # cancelled on the dashboard
                print(f"stopped at step {step}", flush=True)
                break
        run.log_confusion([[5, 1], [2, 7]], ["cat", "dog"])
        run.log_per_class({"cat": 5 / 6, "dog": 7 / 9})
        run.log_text("all steps done")


if __name__ == "__main__":
    main()
