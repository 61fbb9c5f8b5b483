"""Requests a client may make in a sliding minute, counted in the process (each replica counts its own)."""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimit:
    """At most `limit` admitted calls per key within any `window` seconds; `clock` is injectable for tests."""

    limit: int
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000  # past this many addresses, those idle for a whole window are forgotten
    _calls: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, key: str) -> float:
        """Count a call by `key` and return 0, or the seconds until it may call again (the call is not counted)."""
        with self._lock:
            now = self.clock()
            calls = self._calls.setdefault(key, deque())
            while calls and now - calls[0] >= self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                return max(calls[0] + self.window - now, 0.001)
            calls.append(now)
            if len(self._calls) > self.max_keys:
                self._forget(now)
            return 0.0

    def _forget(self, now: float) -> None:
        for key in [k for k, calls in self._calls.items() if not calls or now - calls[-1] >= self.window]:
            del self._calls[key]
