"""A FIFO of outgoing items with bounded memory: past `max_in_memory` items, new ones spill to a JSONL file."""

from __future__ import annotations

import json
import threading
from collections import deque
from pathlib import Path
from typing import Any


class EventBuffer:
    """Thread-safe FIFO. Items are JSON-able dicts. Order is kept across memory and the spill file.

    Once anything is on disk, new items also go to disk until the file is drained, so the order holds:
    the oldest items are always at the head of whichever store is read first (disk, then memory).
    """

    def __init__(self, spill_path: Path, max_in_memory: int = 20_000) -> None:
        self.spill_path = spill_path
        self.max_in_memory = max_in_memory
        self._memory: deque[dict[str, Any]] = deque()
        self._spilled = 0  # items written to the spill file
        self._spill_read = 0  # items of the spill file already taken and acknowledged
        self._spill_offset = 0  # byte offset of the first unacknowledged line
        self._lock = threading.Lock()
        self._spill_head: list[tuple[dict[str, Any], int]] = []  # (item, line length) read but not yet acked

    def __len__(self) -> int:
        with self._lock:
            return len(self._memory) + self._spilled - self._spill_read

    @property
    def spilled_items(self) -> int:
        """How many items ever went to disk (for tests and logs)."""
        return self._spilled

    def put(self, item: dict[str, Any]) -> None:
        """Append one item."""
        with self._lock:
            if self._spilled > self._spill_read or len(self._memory) >= self.max_in_memory:
                # Flush memory to disk first so the file stays the older part of the queue.
                self.spill_path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.spill_path, "a", encoding="utf-8") as f:
                    if self._spilled == self._spill_read:
                        # Memory holds older items than anything new; keep them first on disk.
                        while self._memory:
                            f.write(json.dumps(self._memory.popleft()) + "\n")
                            self._spilled += 1
                    f.write(json.dumps(item) + "\n")
                    self._spilled += 1
            else:
                self._memory.append(item)

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` oldest items, without removing them (call ack(len) after sending)."""
        with self._lock:
            if self._spilled > self._spill_read:
                self._load_spill_head(limit)
                return [item for item, _ in self._spill_head[:limit]]
            return list(self._memory)[:limit]

    def ack(self, count: int) -> None:
        """Drop the `count` oldest items (those just sent)."""
        with self._lock:
            if self._spilled > self._spill_read:
                # Items peeked from memory may have moved to disk since; either way they are the head.
                self._load_spill_head(count)
                for _ in range(count):
                    _, length = self._spill_head.pop(0)
                    self._spill_offset += length
                    self._spill_read += 1
                if self._spill_read == self._spilled:
                    self.spill_path.unlink(missing_ok=True)
                    self._spilled = self._spill_read = self._spill_offset = 0
                    self._spill_head.clear()
                return
            for _ in range(count):
                self._memory.popleft()

    def _load_spill_head(self, count: int) -> None:
        """Read lines after those already held until `count` spilled items are in memory (lock held)."""
        wanted = min(count, self._spilled - self._spill_read) - len(self._spill_head)
        if wanted <= 0:
            return
        with open(self.spill_path, "rb") as f:
            f.seek(self._spill_offset + sum(length for _, length in self._spill_head))
            for _ in range(wanted):
                line = f.readline()
                self._spill_head.append((json.loads(line), len(line)))
