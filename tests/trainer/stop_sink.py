"""A sink that asks the trainer to stop at a given poll of should_stop()."""

from __future__ import annotations

from trainboard.trainer.sink import RecordingSink


class StopAtPoll(RecordingSink):
    """Records like RecordingSink and answers True from the `poll`-th call of should_stop() on (0-based).

    The trainer polls once before its first step, once after every step (so poll k, while training, comes
    after step k) and once before each evaluation batch.
    """

    def __init__(self, poll: int) -> None:
        super().__init__()
        self.stop_at = poll
        self.polls = 0

    def should_stop(self) -> bool:
        index = self.polls
        self.polls += 1
        return index >= self.stop_at
