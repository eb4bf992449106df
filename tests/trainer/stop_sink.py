"""A sink that asks the trainer to stop after a given number of steps."""

from __future__ import annotations

from worker.trainer.sink import RecordingSink


class StopAfterSteps(RecordingSink):
    """Records like RecordingSink and stops the trainer once `steps` steps are done.

    The trainer polls should_stop() once before its first step and once after every step.
    """

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps
        self.polls = 0

    def should_stop(self) -> bool:
        steps_done = self.polls  # the first poll comes before any step
        self.polls += 1
        return steps_done >= self.steps
