"""Collects what a page logs as errors, so every browser test can assert a clean console."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage


class ConsoleWatch:
    """Collects console errors and uncaught page errors; allow() names the few a test expects."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        """Playwright's console handler: keeps messages of type error."""
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Exception) -> None:
        """Playwright's pageerror handler: keeps uncaught exceptions."""
        self.errors.append(f"page error: {error}")

    def allow(self, fragment: str) -> None:
        """Errors containing `fragment` are expected (e.g. the 422 a bad form answer logs)."""
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        """Errors not allowed."""
        return [e for e in self.errors if not any(fragment in e for fragment in self.allowed)]
