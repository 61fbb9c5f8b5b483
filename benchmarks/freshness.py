"""How long until a newly posted item shows up in matches, through both real services (poll interval included).

Starts `duijie catalog` and `duijie matcher` as processes on free ports with a fresh data dir and the
demo dataset, then (a) posts needs and times their first ranked outputs, and (b) posts outputs and
times until each appears among the matches of the need it was written for.

    .venv/bin/python -m benchmarks.freshness --rounds 10
"""

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from services.catalog.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
DUIJIE = [sys.executable, "-m", "duijie.cli"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    """Whether GET url answers 200 right now."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_healthy(url: str, timeout: float = 120) -> None:
    """Block until GET url answers 200."""
    if until(lambda: answers(url), timeout, every=0.2) == float("inf"):
        raise SystemExit(f"{url} did not come up")


def token(base: str, login: str) -> dict[str, str]:
    """Bearer headers of a demo account."""
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": login, "password": DEMO_PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def until(predicate, timeout: float = 30, every: float = 0.02) -> float:  # type: ignore[no-untyped-def]
    """Seconds until predicate() is true (polling every 20 ms unless told)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            return float("inf")
        time.sleep(every)
    return time.monotonic() - start


def main() -> None:
    """Run the measurement and print a Markdown table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="duijie-fresh-"))
    cport, mport = free_port(), free_port()
    base = f"http://127.0.0.1:{cport}"
    subprocess.run([*DUIJIE, "seed-demo", "--data-dir", str(data)], check=True, capture_output=True)
    procs = [
        subprocess.Popen([*DUIJIE, "catalog", "--data-dir", str(data), "--port", str(cport),
                          "--matcher-url", f"http://127.0.0.1:{mport}"], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL),
        subprocess.Popen([*DUIJIE, "matcher", "--data-dir", str(data / "matcher"), "--port", str(mport),
                          "--catalog-url", base], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL),
    ]
    try:
        wait_healthy(f"{base}/healthz")
        wait_healthy(f"http://127.0.0.1:{mport}/healthz")
        ent, uni = token(base, "battery"), token(base, "wyu")
        need_times, output_times = [], []
        for i in range(args.rounds):
            need = httpx.post(f"{base}/api/v1/needs", headers=ent, json={
                "title": f"钠离子电池负极硬碳材料制备 {i}", "description": "寻求低成本硬碳负极材料的制备工艺，用于钠离子电池量产。",
                "keywords": ["钠离子电池", "硬碳", "负极"], "cluster": "新能源电池", "region": "新会区"}).json()

            def need_has_matches(need_id: int = need["id"]) -> bool:
                r = httpx.get(f"{base}/api/v1/needs/{need_id}/matches", params={"k": 5}, headers=ent)
                return r.status_code == 200 and bool(r.json()["results"])

            need_times.append(until(need_has_matches))
            output = httpx.post(f"{base}/api/v1/outputs", headers=uni, json={
                "title": f"生物质衍生硬碳负极材料及其制备方法 {i}", "summary": "以椰壳为原料制备钠离子电池硬碳负极，首效90%。",
                "keywords": ["硬碳", "钠离子电池", "负极材料"], "cluster": "新能源电池", "maturity": "中试",
                "status": "published"}).json()

            def output_listed(need_id: int = need["id"], output_id: int = output["id"]) -> bool:
                r = httpx.get(f"{base}/api/v1/needs/{need_id}/matches", params={"k": 10}, headers=ent)
                return r.status_code == 200 and any(m["id"] == output_id for m in r.json()["results"])

            output_times.append(until(output_listed))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=20)

    def row(name: str, xs: list[float]) -> str:
        return (f"| {name} | {len(xs)} | {statistics.median(xs) * 1000:.0f} | {max(xs) * 1000:.0f} | "
                f"{sum(x <= 2 for x in xs)}/{len(xs)} |")

    print("| what | rounds | median (ms) | max (ms) | within 2 s |\n|---|---|---|---|---|")
    print(row("new need → its ranked outputs", need_times))
    print(row("new output → listed for the need it fits", output_times))


if __name__ == "__main__":
    main()
