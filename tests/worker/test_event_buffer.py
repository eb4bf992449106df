"""The worker's outgoing queue keeps order and bounds memory by spilling to disk."""

from pathlib import Path

from trainboard.worker.event_buffer import EventBuffer


def drain(buffer: EventBuffer, batch: int) -> list[int]:
    out: list[int] = []
    while len(buffer):
        items = buffer.peek(batch)
        out.extend(item["seq"] for item in items)
        buffer.ack(len(items))
    return out


def test_order_is_kept_across_memory_and_spill_file(tmp_path: Path) -> None:
    buffer = EventBuffer(tmp_path / "spill.jsonl", max_in_memory=10)
    for seq in range(1, 36):
        buffer.put({"seq": seq})
    assert buffer.spilled_items == 35  # memory overflowed, so everything went to disk in order
    assert len(buffer._memory) == 0
    assert drain(buffer, 7) == list(range(1, 36))
    assert not (tmp_path / "spill.jsonl").exists()


def test_items_peeked_from_memory_then_spilled_are_acked_correctly(tmp_path: Path) -> None:
    buffer = EventBuffer(tmp_path / "spill.jsonl", max_in_memory=5)
    for seq in range(1, 6):
        buffer.put({"seq": seq})
    sent = buffer.peek(3)  # a sender takes three items ...
    for seq in range(6, 9):
        buffer.put({"seq": seq})  # ... while the producer overflows memory
    buffer.ack(len(sent))
    assert [i["seq"] for i in sent] == [1, 2, 3]
    assert drain(buffer, 2) == [4, 5, 6, 7, 8]


def test_buffer_returns_to_memory_after_spill_drains(tmp_path: Path) -> None:
    buffer = EventBuffer(tmp_path / "spill.jsonl", max_in_memory=3)
    for seq in range(1, 6):
        buffer.put({"seq": seq})
    assert drain(buffer, 10) == [1, 2, 3, 4, 5]
    buffer.put({"seq": 6})
    assert len(buffer._memory) == 1
    assert drain(buffer, 10) == [6]
