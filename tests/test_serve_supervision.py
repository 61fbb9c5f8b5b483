"""`duijie serve` starts a service that dies again, and stops both cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.matcher.test_crash import _port, _wait

pytestmark = pytest.mark.slow


def _children(pid: int) -> dict[int, str]:
    """The child processes of `pid` and their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _service(pid: int, name: str) -> int | None:
    return next((child for child, cmd in _children(pid).items() if f"duijie.cli {name} " in cmd), None)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_killed_service_is_started_again_and_sigterm_stops_both(tmp_path: Path) -> None:
    cport, mport = _port(), _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIJIE_")}
    env.update(DUIJIE_SECOND_EMBEDDER="none", DUIJIE_OUTBOX_AUTOSTART="false")
    serve = subprocess.Popen([sys.executable, "-m", "duijie.cli", "serve", "--data-dir", str(tmp_path / "data"),
                              "--catalog-port", str(cport), "--matcher-port", str(mport), "--no-demo"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _healthy(f"http://127.0.0.1:{cport}/healthz") and _healthy(f"http://127.0.0.1:{mport}/healthz"),
              timeout=180)
        first = _service(serve.pid, "matcher")
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _wait(lambda: _service(serve.pid, "matcher") not in (None, first)
              and _healthy(f"http://127.0.0.1:{mport}/healthz"), timeout=180)
        assert serve.poll() is None and _healthy(f"http://127.0.0.1:{cport}/healthz")
        children = set(_children(serve.pid))
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(60) == 0
        assert not [pid for pid in children if Path(f"/proc/{pid}").exists()
                    and "zombie" not in (Path(f"/proc/{pid}/status").read_text())]
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait(10)
