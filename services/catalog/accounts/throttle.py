"""Slowing repeated failed sign-ins per login and per client address, then refusing them for a while."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SignInThrottle:
    """Counts failed sign-ins by key; past `free` failures each further attempt must wait twice as long.

    Kept in the process (each replica counts its own), which bounds guessing to a few attempts a minute.
    """

    free: int = 5
    window: float = 900.0  # failures older than this are forgotten
    longest_wait: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, key: str) -> float:
        """Seconds until `key` may try again (0: now)."""
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
            now = self.clock()
            if count and now - last > self.window:
                del self._failures[key]
                return 0.0
            if count < self.free:
                return 0.0
            return max(0.0, last + min(2.0 ** (count - self.free), self.longest_wait) - now)

    def failed(self, key: str) -> None:
        """Count a failed attempt."""
        with self._lock:
            count, _ = self._failures.get(key, (0, 0.0))
            self._failures[key] = (count + 1, self.clock())

    def succeeded(self, key: str) -> None:
        """Forget the failures of `key`."""
        with self._lock:
            self._failures.pop(key, None)


@dataclass
class SignInGuard:
    """The two throttles a sign-in passes: its login (few tries) and its client address (shared by offices)."""

    by_login: SignInThrottle = field(default_factory=SignInThrottle)
    by_address: SignInThrottle = field(default_factory=lambda: SignInThrottle(free=30))

    def wait(self, *, login: str, address: str) -> float:
        """Seconds until this login from this address may try again."""
        return max(self.by_login.wait(login.lower()), self.by_address.wait(address))

    def failed(self, *, login: str, address: str) -> None:
        """Count a failed sign-in against both."""
        self.by_login.failed(login.lower())
        self.by_address.failed(address)

    def succeeded(self, *, login: str) -> None:
        """A correct password clears its login's failures (the address keeps its count)."""
        self.by_login.succeeded(login.lower())
