"""kill -9 the matcher in the middle of a 10k import into the real catalog, with deletes and unpublishing
around it; after a restart its index holds exactly the catalog's published outputs and open needs."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
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
pytestmark = pytest.mark.slow

_FIELDS = ["锂电池", "光伏", "水处理", "智能制造", "生物医药", "新材料", "农业机械", "食品加工", "储能", "传感器"]
_ACTS = ["回收利用", "检测方法", "制备工艺", "控制系统", "关键装备", "在线监测", "节能改造", "质量追溯"]


def _rows() -> bytes:
    lines = ({"external_id": f"K{i}", "title": f"{_FIELDS[i % 10]}{_ACTS[i // 10 % 8]}技术（第{i}号）",
              "summary": f"面向{_FIELDS[i % 10]}行业的{_ACTS[i // 10 % 8]}方案，编号{i}。"} for i in range(ROWS))
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode()


def _catalog_candidates(db: Path) -> dict[ItemKind, set[int]]:
    with sqlite3.connect(db) as conn:
        outputs = {r[0] for r in conn.execute("SELECT id FROM research_output WHERE status = 'published'")}
        needs = {r[0] for r in conn.execute("SELECT id FROM tech_need WHERE status = 'open'")}
    return {ItemKind.output: outputs, ItemKind.need: needs}


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
    matcher = None
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status = lambda: httpx.get(f"{murl}/v1/status", headers=auth).json()  # noqa: E731
    try:
        _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "wyu", "password": DEMO_PASSWORD}).json()
        wyu = {"Authorization": f"Bearer {token['access_token']}"}
        matcher = start_matcher(index_dir, base, mport, page_size=200)
        _wait(lambda: status()["lag"] == 0, timeout=120)
        before = status()["items"]["output"]
        rows = _rows().split(b"\n")

        def upload(batch: int) -> None:  # the 10k rows arrive as ten files of 1,000, one after another
            body = b"\n".join(rows[batch * 1000:(batch + 1) * 1000])
            r = httpx.post(f"{base}/api/v1/outputs/import", headers=wyu, timeout=120,
                           files={"file": (f"outputs-{batch}.jsonl", body, "application/x-ndjson")})
            assert r.status_code == 200, r.text

        for batch in range(3):
            upload(batch)
        # kill the matcher while it is still working through what has been imported so far
        _wait(lambda: status()["items"]["output"] >= before + 300, timeout=300)
        assert status()["lag"] > 0, "the matcher caught up before the kill; make the batches larger"
        matcher.send_signal(signal.SIGKILL)
        matcher.wait(10)
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
    assert_index_holds(index_dir, embedder, expected)
