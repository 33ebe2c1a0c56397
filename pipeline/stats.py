"""Counters for runs outside Scrapy, with the same interface as Scrapy's stats collector."""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol


class StatsSink(Protocol):
    """The part of Scrapy's ``StatsCollector`` the stages use."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def get_stats(self) -> dict[str, Any]: ...


class Stats:
    """A plain in-memory counter, used by the local runner."""

    def __init__(self) -> None:
        self._values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self._values[key] += count

    def get_value(self, key: str, default: int = 0) -> int:
        return self._values.get(key, default)

    def get_stats(self) -> dict[str, Any]:
        return dict(self._values)
