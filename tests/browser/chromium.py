"""How the browser tests start Debian's Chromium (never a downloaded browser): the benchmarks' launcher."""

from __future__ import annotations

from benchmarks.page_load import CHROMIUM, CHROMIUM_ARGS, launch_chromium

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "launch_chromium"]
