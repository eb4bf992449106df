"""The evaluation storage benchmark measures real payloads: a few KB per evaluation, about 6 KB per gallery image."""

from __future__ import annotations

import pytest

from benchmarks import evaluation_storage


def test_payload_sizes_are_measured_for_each_network(monkeypatch: pytest.MonkeyPatch, one_thread: None) -> None:
    monkeypatch.setattr(evaluation_storage, "QUICK_TEST_IMAGES", 270)
    monkeypatch.setattr(evaluation_storage, "ROUNDS", 1)
    results = evaluation_storage.run(quick=True)
    for model in evaluation_storage.MODELS:
        # Two layers of at most 4 KB of uint8 each (base64: 4/3 of that), plus the matrix and the input image.
        assert results[f"{model}_feature_map_bytes"] < results[f"{model}_evaluation_bytes"] < 20_000
        assert results[f"{model}_full_mistake_images"] == 270  # 90 cells x 3 images
        per_image = results[f"{model}_full_mistakes_bytes"] / 270
        assert 4_096 < per_image < 8_000  # a 32 x 32 RGB thumbnail in base64 and two layers of 512 bytes
        assert results[f"{model}_full_build_s"] > 0
