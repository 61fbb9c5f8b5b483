"""Two matcher replicas behind one catalog (all three real processes): requests take turns between them,
and killing one mid-run fails no request."""

import os
import subprocess
import sys
from collections.abc import Iterator
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


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[str, list[str], list[subprocess.Popen]]]:
    """The demo catalog as a process, told of two matcher processes that follow it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIJIE_")}
    data = tmp_path / "catalog"
    subprocess.run([sys.executable, "-m", "duijie.cli", "seed-demo", "--data-dir", str(data)], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    cport, ports = _port(), [_port(), _port()]
    matchers = [f"http://127.0.0.1:{port}" for port in ports]
    catalog = subprocess.Popen(
        [sys.executable, "-m", "duijie.cli", "catalog", "--data-dir", str(data), "--port", str(cport)], cwd=ROOT,
        env={**env, "DUIJIE_SERVICE_TOKEN": TOKEN, "DUIJIE_MATCHER_URLS": ",".join(matchers),
             "DUIJIE_OUTBOX_AUTOSTART": "false"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{cport}"
    procs = [catalog]
    try:
        _wait(lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200, timeout=120)
        procs += [start_matcher(tmp_path / f"matcher{i}", url, port, page_size=500) for i, port in enumerate(ports)]
        _wait(lambda: all(_caught_up(m) for m in matchers), timeout=180)
        yield url, matchers, procs
    finally:
        kill_all(*procs)


def test_killing_one_replica_mid_run_fails_no_request(platform: tuple[str, list[str], list[subprocess.Popen]]) -> None:
    url, matchers, procs = platform
    token = httpx.post(f"{url}/api/v1/auth/token", data={"username": "battery", "password": DEMO_PASSWORD},
                       timeout=30).json()["access_token"]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:

        def search() -> list[str]:
            r = client.get("/api/v1/search/outputs", params={"q": "废旧锂电池回收", "k": 3})
            assert r.status_code == 200, r.text
            return [hit["title"] for hit in r.json()["results"]]

        before = [search() for _ in range(10)]
        assert all(_matches_served(m) >= 4 for m in matchers)  # both replicas took their turns
        procs[1].kill()  # the first replica: kill -9 between two requests
        procs[1].wait(10)
        after = [search() for _ in range(10)]
    assert all(titles == before[0] for titles in before + after) and before[0]
    assert "锂离子电池" in before[0][0]
