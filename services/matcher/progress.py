"""The console's view of indexing: a line every few seconds while behind the catalog, one when caught up,
nothing while idle."""

import logging
import time
from collections.abc import Callable

from shared.schemas import MatcherStatus

log = logging.getLogger("services.matcher.progress")
EVERY_SECONDS = 5.0


class Progress:
    """Reports a matcher's catching-up from the status after each poll."""

    def __init__(self, *, every: float = EVERY_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self._last: float | None = None  # when the last line was printed; None while caught up
        self._behind = False

    def report(self, status: MatcherStatus) -> str | None:
        """Log (and return) a progress line if one is due for this status."""
        line = None
        if status.lag:
            now = self.clock()
            if not self._behind or self._last is None or now - self._last >= self.every:
                line = (f"indexing: {status.lag:,} changes behind the catalog (cursor {status.cursor:,} of "
                        f"{status.catalog_seq:,})" + _speed(status))
                self._last = now
            self._behind = True
        elif self._behind:
            line = f"indexing: caught up at change {status.cursor:,} ({_items(status)})"
            self._behind, self._last = False, None
        if line:
            log.info(line)
        return line


def _speed(status: MatcherStatus) -> str:
    if not status.items_per_second:
        return ""
    eta = f", about {status.eta_seconds:.0f} s left" if status.eta_seconds is not None else ""
    return f", {status.items_per_second:,.0f} changes/s{eta}"


def _items(status: MatcherStatus) -> str:
    return ", ".join(f"{count:,} {kind}s" for kind, count in status.items.items())
