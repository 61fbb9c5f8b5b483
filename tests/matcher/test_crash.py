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


def _start_matcher(data_dir: Path, catalog_url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DUIJIE_DATA_DIR": str(data_dir), "DUIJIE_CATALOG_URL": catalog_url,
           "DUIJIE_SERVICE_TOKEN": TOKEN, "DUIJIE_PAGE_SIZE": "50", "DUIJIE_SNAPSHOT_INTERVAL": "0.3",
           "DUIJIE_SECOND_EMBEDDER": "none", "DUIJIE_POLL_INTERVAL": "0.1"}
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "services.matcher.main:create_app",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)


def test_kill_9_mid_feed_then_restart(tmp_path, embedder):
    feed = synthetic_feed(ITEMS)
    cport, mport = _port(), _port()
    catalog = subprocess.Popen([sys.executable, "-m", "tests.matcher.fake_catalog", "--port", str(cport),
                                "--items", str(ITEMS)], cwd=ROOT)
    url = f"http://127.0.0.1:{mport}"
    status = lambda: httpx.get(f"{url}/v1/status", headers={"Authorization": f"Bearer {TOKEN}"}).json()  # noqa: E731
    matcher = _start_matcher(tmp_path, f"http://127.0.0.1:{cport}", mport)
    try:
        _wait(lambda: status()["cursor"] >= feed.last_seq // 3)
        assert status()["cursor"] < feed.last_seq, "the feed finished before the kill; make it larger"
        matcher.send_signal(signal.SIGKILL)
        matcher.wait(10)
        killed_at = Matcher(settings_for(tmp_path), embedder)
        assert killed_at.load() and 0 < killed_at.index.cursor < feed.last_seq

        matcher = _start_matcher(tmp_path, f"http://127.0.0.1:{cport}", mport)
        _wait(lambda: status()["cursor"] == feed.last_seq and status()["lag"] == 0)
        expected = expected_candidates(feed)
        assert status()["items"] == {k.value: len(v) for k, v in expected.items()}
        matcher.send_signal(signal.SIGTERM)
        matcher.wait(30)
    finally:
        for proc in (matcher, catalog):
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    restored = Matcher(settings_for(tmp_path), embedder)
    assert restored.load()
    assert {k: set(restored.index[k].items) for k in ItemKind} == expected
    assert {k: set(restored.index[k].dense.ids().tolist()) for k in ItemKind} == expected
    assert {k: len(restored.index[k].lexical) for k in ItemKind} == {k: len(v) for k, v in expected.items()}
