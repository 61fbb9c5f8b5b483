"""kill -9 the matcher in the middle of a 10k import into the real catalog, with deletes and unpublishing
around it; after a restart its index holds exactly the catalog's published outputs and open needs."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from services.catalog.demo import DEMO_PASSWORD
from services.matcher.engine import Matcher
from shared.vocab import ItemKind
from tests.matcher.conftest import TOKEN, settings_for
from tests.matcher.test_crash import _port, _wait, assert_index_holds, kill_all, shut_down, start_matcher
from tests.portal.conftest import _seed_demo

ROWS = 10_000
HOLD = 120.0  # a held feed request waits this long at most; the test kills the matcher long before
pytestmark = pytest.mark.slow

_FIELDS = ["锂电池", "光伏", "水处理", "智能制造", "生物医药", "新材料", "农业机械", "食品加工", "储能", "传感器"]
_ACTS = ["回收利用", "检测方法", "制备工艺", "控制系统", "关键装备", "在线监测", "节能改造", "质量追溯"]


def _rows() -> bytes:
    lines = ({"external_id": f"K{i}", "title": f"{_FIELDS[i % 10]}{_ACTS[i // 10 % 8]}技术（第{i}号）",
              "summary": f"面向{_FIELDS[i % 10]}行业的{_ACTS[i // 10 % 8]}方案，编号{i}。"} for i in range(ROWS))
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode()


class FeedGate:
    """A proxy between the matcher and the catalog's change feed that, once armed, lets `pages` more pages with
    changes through and then holds every request: the kill always lands while the matcher is behind."""

    def __init__(self, catalog_url: str, *, pages: int) -> None:
        self.pages = pages
        self.armed = threading.Event()
        self.closed = threading.Event()
        self.release = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if gate.closed.is_set():
                    gate.release.wait(HOLD)
                r = httpx.get(catalog_url + self.path, headers={"Authorization": self.headers["Authorization"]})
                if gate.armed.is_set() and r.status_code == 200 and r.json().get("changes"):
                    gate.pages -= 1
                    if gate.pages <= 0:
                        gate.closed.set()
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("content-type", "application/json"))
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Let held requests go and stop serving."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _catalog_candidates(db: Path) -> dict[ItemKind, set[int]]:
    with sqlite3.connect(db) as conn:
        outputs = {r[0] for r in conn.execute("SELECT id FROM research_output WHERE status = 'published'")}
        needs = {r[0] for r in conn.execute("SELECT id FROM tech_need WHERE status = 'open'")}
        experts = {r[0] for r in conn.execute("SELECT id FROM expert WHERE active")}
    return {ItemKind.output: outputs, ItemKind.need: needs, ItemKind.expert: experts}


def test_kill_9_during_a_10k_import(tmp_path, embedder):
    data, index_dir = tmp_path / "catalog", tmp_path / "matcher"
    data.mkdir()
    _seed_demo(data)
    cport, mport = _port(), _port()
    base, murl = f"http://127.0.0.1:{cport}", f"http://127.0.0.1:{mport}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIJIE_")}
    env.update(DUIJIE_SERVICE_TOKEN=TOKEN, DUIJIE_ENVIRONMENT="development")
    catalog = subprocess.Popen([sys.executable, "-m", "duijie.cli", "catalog", "--data-dir", str(data),
                                "--port", str(cport), "--matcher-url", murl], cwd=data, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    matcher = gate = None
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status = lambda: httpx.get(f"{murl}/v1/status", headers=auth).json()  # noqa: E731
    try:
        _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "wyu", "password": DEMO_PASSWORD}).json()
        wyu = {"Authorization": f"Bearer {token['access_token']}"}
        gate = FeedGate(base, pages=2)  # of 200 changes each: 400 of the 3,000 outputs imported next
        matcher = start_matcher(index_dir, gate.url, mport, page_size=200)
        _wait(lambda: status()["lag"] == 0, timeout=120)
        before = status()["items"]["output"]
        rows = _rows().split(b"\n")

        def upload(batch: int) -> None:  # the 10k rows arrive as ten files of 1,000, one after another
            body = b"\n".join(rows[batch * 1000:(batch + 1) * 1000])
            r = httpx.post(f"{base}/api/v1/outputs/import", headers=wyu, timeout=120,
                           files={"file": (f"outputs-{batch}.jsonl", body, "application/x-ndjson")})
            assert r.status_code == 200, r.text

        gate.armed.set()
        for batch in range(3):
            upload(batch)
        # kill the matcher while it is still working through what has been imported so far
        _wait(lambda: status()["items"]["output"] >= before + 300, timeout=300)
        assert status()["lag"] > 0, "the matcher caught up before the kill; make the batches larger"
        matcher.send_signal(signal.SIGKILL)
        matcher.wait(10)
        gate.close()
        killed = Matcher(settings_for(index_dir), embedder)
        assert killed.load() and killed.index.cursor > 0

        # while it is down the import goes on, and some imported outputs are deleted or taken off the shelf
        upload(3)
        org = httpx.get(f"{base}/api/v1/auth/me", headers=wyu).json()["organisation_id"]
        listed = httpx.get(f"{base}/api/v1/outputs", params={"page_size": 40, "organisation_id": org},
                           headers=wyu).json()["data"]
        assert len(listed) == 40
        for row in listed[:20]:
            assert httpx.delete(f"{base}/api/v1/outputs/{row['id']}", headers=wyu).status_code == 204
        for row in listed[20:40]:
            r = httpx.patch(f"{base}/api/v1/outputs/{row['id']}", headers=wyu, json={"status": "archived", "version": row["version"]})
            assert r.status_code == 200, r.text
        upload(4)
        # restarted, it catches up while the rest of the import arrives
        matcher = start_matcher(index_dir, base, mport, page_size=200)
        for batch in range(5, 10):
            upload(batch)
        last = httpx.get(f"{base}/api/v1/changes", params={"after": 0, "limit": 1}, headers=auth).json()["last_seq"]
        _wait(lambda: status()["cursor"] == last and status()["lag"] == 0, timeout=600)
        expected = _catalog_candidates(data / "catalog.sqlite3")
        assert len(expected[ItemKind.output]) >= ROWS - 40
        assert status()["items"] == {k.value: len(v) for k, v in expected.items()}
        shut_down(matcher)
    finally:
        kill_all(matcher, catalog)
        if gate is not None:
            gate.close()
    assert_index_holds(index_dir, embedder, expected)
