"""Retrying HTTP calls to a server that is away or busy: exponential backoff with jitter, honouring Retry-After.

One helper for every client of the server: the worker (register, claim, finish), its reporting thread
and the CLI's event streams. Only failures that may pass are retried: no connection, a timeout, 5xx,
408 and 429. A 4xx answer other than those will not change on retry and is raised at once.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 507})


def is_retryable(error: BaseException) -> bool:
    """True for failures that may pass: transport errors, timeouts, 5xx, 408 and 429."""
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        code = error.response.status_code
        return code >= 500 or code in RETRYABLE_STATUSES
    return False


def retry_after_s(error: BaseException) -> float | None:
    """The wait a 429/503 answer asks for in its Retry-After header (seconds or an HTTP date), else None."""
    if not isinstance(error, httpx.HTTPStatusError):
        return None
    value = error.response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class Backoff:
    """Delays between attempts: first_s, doubling up to max_s, each drawn in [1 - jitter, 1] of its value.

    Jitter spreads the retries of many clients that lost the server at the same moment. A Retry-After
    from the server wins over the computed delay (bounded by max_retry_after_s).
    """

    first_s: float = 0.1
    max_s: float = 5.0
    jitter: float = 0.5
    max_retry_after_s: float = 60.0
    _next_s: float = 0.0

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """After a success: the next failure waits first_s again."""
        self._next_s = self.first_s

    def delay(self, error: BaseException | None = None) -> float:
        """The wait before the next attempt after `error`."""
        base = self._next_s
        self._next_s = min(self._next_s * 2, self.max_s)
        asked = retry_after_s(error) if error is not None else None
        if asked is not None:
            return min(asked, self.max_retry_after_s)
        return base * (1 - self.jitter * random.random())


def call_with_retries(
    call: Callable[[], T],
    what: str,
    *,
    stop: threading.Event | None = None,
    backoff: Backoff | None = None,
    give_up_after_s: float | None = None,
) -> T:
    """`call()` until it succeeds; retryable failures wait (see Backoff), others are raised at once.

    Gives up by raising the last error when `stop` is set during a wait or after give_up_after_s.
    """
    backoff = backoff or Backoff()
    started = time.monotonic()
    while True:
        try:
            return call()
        except (httpx.TransportError, httpx.HTTPStatusError) as error:
            if not is_retryable(error):
                raise
            if give_up_after_s is not None and time.monotonic() - started > give_up_after_s:
                raise
            wait_s = backoff.delay(error)
            log.warning("%s failed (%s); retrying in %.1f s", what, describe_failure(error), wait_s)
            if stop is not None:
                if stop.wait(wait_s):
                    raise
            else:
                time.sleep(wait_s)


def describe_failure(error: BaseException) -> str:
    """'HTTP 503: <detail>' for an answer, the exception's class and message for a transport error."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}: {_detail(error.response)[:300]}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _detail(response: httpx.Response) -> str:
    """The `detail` of an error answer ({"detail": "..."}), else its text."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail if isinstance(detail, str) else response.text
