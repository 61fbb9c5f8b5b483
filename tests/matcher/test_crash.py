"""kill -9 while following a large change feed; after a restart the index holds exactly the matchable items."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from services.matcher.embedder import Embedder
from services.matcher.engine import Matcher
from shared.vocab import ItemKind
from tests.matcher.conftest import TOKEN, settings_for
from tests.matcher.fake_catalog import expected_candidates, synthetic_feed

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 600
pytestmark = pytest.mark.slow


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError("timed out")


def start_matcher(data_dir: Path, catalog_url: str, port: int, *, page_size: int) -> subprocess.Popen:
    """The matcher as a uvicorn process following `catalog_url`, snapshotting often."""
    env = {**os.environ, "DUIJIE_DATA_DIR": str(data_dir), "DUIJIE_CATALOG_URL": catalog_url,
           "DUIJIE_SERVICE_TOKEN": TOKEN, "DUIJIE_PAGE_SIZE": str(page_size), "DUIJIE_SNAPSHOT_INTERVAL": "0.3",
           "DUIJIE_SECOND_EMBEDDER": "none", "DUIJIE_POLL_INTERVAL": "0.1"}
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "services.matcher.main:create_app",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)


def shut_down(proc: subprocess.Popen) -> None:
    """Stop a matcher gracefully: its lifespan's shutdown writes the final snapshot."""
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def kill_all(*procs: subprocess.Popen | None) -> None:
    """Kill whichever of the processes still run."""
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)


def assert_index_holds(data_dir: Path, embedder: Embedder, expected: dict[ItemKind, set[int]]) -> None:
    """The snapshot in `data_dir` loads and holds exactly the `expected` items: records, vectors and terms."""
    restored = Matcher(settings_for(data_dir), embedder)
    assert restored.load()
    expected = {k: expected.get(k, set()) for k in ItemKind}  # a kind the feed never carried holds nothing
    assert {k: set(restored.index[k].items) for k in ItemKind} == expected
    assert {k: set(restored.index[k].dense.ids().tolist()) for k in ItemKind} == expected
    assert {k: len(restored.index[k].lexical) for k in ItemKind} == {k: len(v) for k, v in expected.items()}


def test_kill_9_mid_feed_then_restart(tmp_path, embedder):
    feed = synthetic_feed(ITEMS)
    cport, mport = _port(), _port()
    catalog = subprocess.Popen([sys.executable, "-m", "tests.matcher.fake_catalog", "--port", str(cport),
                                "--items", str(ITEMS)], cwd=ROOT)
    url = f"http://127.0.0.1:{mport}"
    status = lambda: httpx.get(f"{url}/v1/status", headers={"Authorization": f"Bearer {TOKEN}"}).json()  # noqa: E731
    matcher = start_matcher(tmp_path, f"http://127.0.0.1:{cport}", mport, page_size=50)
    try:
        _wait(lambda: status()["cursor"] >= feed.last_seq // 3)
        assert status()["cursor"] < feed.last_seq, "the feed finished before the kill; make it larger"
        matcher.send_signal(signal.SIGKILL)
        matcher.wait(10)
        killed_at = Matcher(settings_for(tmp_path), embedder)
        assert killed_at.load() and 0 < killed_at.index.cursor < feed.last_seq

        matcher = start_matcher(tmp_path, f"http://127.0.0.1:{cport}", mport, page_size=50)
        _wait(lambda: status()["cursor"] == feed.last_seq and status()["lag"] == 0)
        expected = expected_candidates(feed)
        assert status()["items"] == {k.value: len(v) for k, v in expected.items()}
        shut_down(matcher)
    finally:
        kill_all(matcher, catalog)
    assert_index_holds(tmp_path, embedder, expected)
