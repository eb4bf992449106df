"""How the browser tests start Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless /usr/bin/chromium with the flags that suit containers and CI."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
