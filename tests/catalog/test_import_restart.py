"""An import job cut off by a restart reads as failed with what was written, and the same file completes it."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from services.catalog.core.tables import utcnow
from services.catalog.demo import DEMO_PASSWORD
from services.catalog.imports.models import ImportJob
from tests.catalog.fixtures_import import ZH
from tests.conftest import Catalog
from tests.matcher.test_crash import _port, _wait
from tests.portal.conftest import _seed_demo
from tests.portal.helpers import sign_in

ROWS = 20_000


def _file() -> bytes:
    rows = ({"external_id": f"R{i}", "title": f"污水深度处理工艺（第{i}号）", "summary": f"膜生物反应器改进方案{i}。"}
            for i in range(ROWS))
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


def _outputs(db: Path) -> list[str]:
    # read-only, straight from the file: in WAL mode this never waits for the job's write lock
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT external_id FROM research_output WHERE external_id LIKE 'R%'")]


def _start(data: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIJIE_")}
    env.update(DUIJIE_ENVIRONMENT="development", DUIJIE_IMPORT_JOB_STALE_SECONDS="2", DUIJIE_OUTBOX_AUTOSTART="false")
    return subprocess.Popen([sys.executable, "-m", "duijie.cli", "catalog", "--data-dir", str(data), "--port", str(port)],
                            cwd=data, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_kill_9_during_an_import_job(tmp_path: Path) -> None:
    data = tmp_path / "catalog"
    data.mkdir()
    _seed_demo(data)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    catalog = _start(data, port)
    try:
        _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "wyu", "password": DEMO_PASSWORD}).json()
        wyu = {"Authorization": f"Bearer {token['access_token']}", **ZH}
        upload = lambda: httpx.post(f"{base}/api/v1/outputs/import", headers=wyu, timeout=120,  # noqa: E731
                                    files={"file": ("outputs.jsonl", _file(), "application/x-ndjson")})
        r = upload()
        assert r.status_code == 202, r.text
        url = f"{base}{r.json()['url']}"
        _wait(lambda: len(_outputs(data / "catalog.sqlite3")) >= 300, timeout=120)
        progress = httpx.get(url, headers=wyu).json()  # the uploader's progress bar, while the job writes
        assert len(_outputs(data / "catalog.sqlite3")) < ROWS, "the progress read waited for the job to end"
        assert progress["status"] == "running" and 300 <= progress["processed"] < ROWS
        catalog.send_signal(signal.SIGKILL)  # the job is some way in, far from done
        catalog.wait(10)
        written = _outputs(data / "catalog.sqlite3")
        assert 300 <= len(written) < ROWS, "the job finished before the kill; make the file larger"

        catalog = _start(data, port)
        _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        _wait(lambda: httpx.get(url, headers=wyu).json()["status"] != "running", timeout=30)
        job = httpx.get(url, headers=wyu).json()
        assert job["status"] == "failed" and job["finished_at"] is not None
        assert "中断" in job["result"]["message_zh"] and f"/ {ROWS} 行" in job["result"]["message_zh"]
        assert "interrupted" in job["result"]["message_en"]
        # every committed chunk is there, each row once, and the job counts exactly those (one transaction each)
        assert job["processed"] == len(written) == len(set(written))
        with httpx.Client(base_url=base) as browser:  # the uploader's page says so too
            sign_in(browser, "wyu", DEMO_PASSWORD)  # type: ignore[arg-type]
            assert "导入被中断" in browser.get(f"/upload/jobs/{r.json()['job_id']}").text

        again = upload()
        assert again.status_code == 202, again.text
        done_url = f"{base}{again.json()['url']}"
        _wait(lambda: httpx.get(done_url, headers=wyu).json()["status"] == "succeeded", timeout=300)
        result = httpx.get(done_url, headers=wyu).json()["result"]
        assert result["created"] == ROWS - len(written) and result["created"] + result["updated"] + result["unchanged"] == ROWS
        final = _outputs(data / "catalog.sqlite3")
        assert len(final) == len(set(final)) == ROWS
    finally:
        catalog.send_signal(signal.SIGTERM)
        catalog.wait(30)


def _job(catalog: Catalog, status: str, heartbeat_age: timedelta, login: str) -> tuple[str, dict[str, str]]:
    headers = catalog.user(login, "university", "五邑大学")
    with catalog.engine.begin() as conn:
        user_id = conn.execute(sa.text("SELECT id FROM users WHERE login = :l"), {"l": login}).scalar_one()
        job_id = f"job-{login}"
        conn.execute(sa.insert(ImportJob.__table__), [{  # type: ignore[attr-defined]
            "id": job_id, "kind": "output", "status": status, "total": 500, "processed": 200,
            "created_by": user_id, "created_at": utcnow() - timedelta(hours=1), "heartbeat_at": utcnow() - heartbeat_age}])
    return job_id, headers


def test_only_a_job_without_progress_lately_reads_as_interrupted(catalog: Catalog) -> None:
    stale, stale_headers = _job(catalog, "running", timedelta(minutes=10), "stale")
    live, live_headers = _job(catalog, "running", timedelta(seconds=5), "live")
    done, done_headers = _job(catalog, "succeeded", timedelta(hours=1), "done")
    job = catalog.client.get(f"/api/v1/jobs/{stale}", headers={**stale_headers, **ZH}).json()
    assert job["status"] == "failed" and job["processed"] == 200
    assert "已写入 200 / 500 行" in job["result"]["message_zh"]
    assert catalog.client.get(f"/api/v1/jobs/{live}", headers=live_headers).json()["status"] == "running"
    assert catalog.client.get(f"/api/v1/jobs/{done}", headers=done_headers).json()["status"] == "succeeded"
