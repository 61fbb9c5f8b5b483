"""Two matcher replicas behind one catalog (all three real processes): requests take turns between them,
and killing one mid-run fails no request."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.catalog.demo import DEMO_PASSWORD
from tests.matcher.conftest import TOKEN
from tests.matcher.test_crash import ROOT, _port, _wait, kill_all, start_matcher

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _caught_up(matcher: str) -> bool:
    status = httpx.get(f"{matcher}/v1/status", headers=AUTH, timeout=5).json()
    return bool(status["lag"] == 0 and status["items"]["output"] > 0)


def _matches_served(matcher: str) -> float:
    text = httpx.get(f"{matcher}/metrics", headers=AUTH, timeout=5).text
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "duijie_http_request_duration_seconds_count" and s.labels.get("route") == "/v1/match")


@contextmanager
def replicated(tmp_path: Path, *, following: tuple[bool, bool] = (True, True),
               catalog_env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str], list[subprocess.Popen]]]:
    """The demo catalog as a process, told of two matcher processes (each following it or not)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIJIE_")}
    data = tmp_path / "catalog"
    subprocess.run([sys.executable, "-m", "duijie.cli", "seed-demo", "--data-dir", str(data)], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    cport, ports = _port(), [_port(), _port()]
    matchers = [f"http://127.0.0.1:{port}" for port in ports]
    catalog = subprocess.Popen(
        [sys.executable, "-m", "duijie.cli", "catalog", "--data-dir", str(data), "--port", str(cport)], cwd=ROOT,
        env={**env, "DUIJIE_SERVICE_TOKEN": TOKEN, "DUIJIE_MATCHER_URLS": ",".join(matchers),
             "DUIJIE_OUTBOX_AUTOSTART": "false", **(catalog_env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{cport}"
    procs = [catalog]
    try:
        _wait(lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200, timeout=120)
        procs += [start_matcher(tmp_path / f"matcher{i}", url if follows else "http://127.0.0.1:9", port,
                                page_size=500) for i, (port, follows) in enumerate(zip(ports, following, strict=True))]
        _wait(lambda: all(_caught_up(m) for m, follows in zip(matchers, following, strict=True) if follows)
              and all(_answers(m) for m in matchers), timeout=180)
        yield url, matchers, procs
    finally:
        kill_all(*procs)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[str, list[str], list[subprocess.Popen]]]:
    """The demo catalog as a process, told of two matcher processes that follow it."""
    with replicated(tmp_path) as running:
        yield running


def _answers(matcher: str) -> bool:
    try:
        return httpx.get(f"{matcher}/v1/status", headers=AUTH, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _search(client: httpx.Client) -> list[str]:
    r = client.get("/api/v1/search/outputs", params={"q": "废旧锂电池回收", "k": 3})
    assert r.status_code == 200, r.text
    return [hit["title"] for hit in r.json()["results"]]


def _signed_in(url: str) -> httpx.Client:
    token = httpx.post(f"{url}/api/v1/auth/token", data={"username": "battery", "password": DEMO_PASSWORD},
                       timeout=30).json()["access_token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_killing_one_replica_mid_run_fails_no_request(platform: tuple[str, list[str], list[subprocess.Popen]]) -> None:
    url, matchers, procs = platform
    with _signed_in(url) as client:
        before = [_search(client) for _ in range(10)]
        assert all(_matches_served(m) >= 4 for m in matchers)  # both replicas took their turns
        procs[1].kill()  # the first replica: kill -9 between two requests
        procs[1].wait(10)
        after = [_search(client) for _ in range(10)]
    assert all(titles == before[0] for titles in before + after) and before[0]
    assert "锂离子电池" in before[0][0]


def test_a_replica_far_behind_is_asked_only_when_the_others_fail(tmp_path: Path) -> None:
    # the first replica follows no catalog: it stays at cursor 0 with an empty index while the second holds the demo
    catalog_env = {"DUIJIE_MATCHER_MAX_LAG": "1", "DUIJIE_MATCHER_LAG_CHECK_SECONDS": "0"}
    with replicated(tmp_path, following=(False, True), catalog_env=catalog_env) as (url, matchers, procs):
        stale, fresh = matchers
        with _signed_in(url) as client:
            results = [_search(client) for _ in range(10)]
            assert _matches_served(stale) == 0 and _matches_served(fresh) >= 10
            procs[2].kill()  # the replica that is up to date: the one behind answers rather than none
            procs[2].wait(10)
            fallback = _search(client)
        assert fallback == [] and _matches_served(stale) >= 1
    assert all(titles == results[0] for titles in results) and "锂离子电池" in results[0][0]
