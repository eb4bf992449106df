"""The one error a dataset reader raises when its files are not there and cannot be fetched. No torch import."""

from __future__ import annotations


class DatasetUnavailableError(RuntimeError):
    """A dataset's files are missing (or damaged) and could not be obtained; the message says where to put them."""
