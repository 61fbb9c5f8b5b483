"""A stand-in for the catalog's change feed: `GET /api/v1/changes?after=&limit=` served from a list.

Run it as a process for the crash test: `python -m tests.matcher.fake_catalog --port 8765 --items 2000`.
"""

import argparse
import random

from fastapi import FastAPI, Header, HTTPException, Query

from shared.schemas import CatalogItem, ChangesPage
from shared.vocab import ChangeOp, ItemKind
from tests.matcher.conftest import OUTPUTS, TOKEN, Feed, need, output


def create_app(feed: Feed, token: str = TOKEN) -> FastAPI:
    """An app serving the feed behind the service token, recording the cursors it was asked for."""
    app = FastAPI()
    app.state.asked_after = []

    @app.get("/api/v1/changes", response_model=ChangesPage)
    def changes(after: int = Query(0, ge=0), limit: int = Query(500, ge=1),
                authorization: str | None = Header(None)) -> ChangesPage:
        if authorization != f"Bearer {token}":
            raise HTTPException(401, "service token required")
        app.state.asked_after.append(after)
        return ChangesPage(changes=feed.after(after, limit), last_seq=feed.last_seq)

    return app


def synthetic_feed(items: int, seed: int = 7) -> Feed:
    """Creates, updates, unpublishes, closes and deletes over `items` outputs and needs, deterministically."""
    rng = random.Random(seed)
    phrases = [f"{o.title}，{o.text}" for o in OUTPUTS]
    feed = Feed()

    def make(kind: ItemKind, i: int, status: str | None = None) -> CatalogItem:
        a, b = rng.sample(phrases, 2)
        title = f"{a[:12]}与{b[:8]}（{i}）"
        if kind is ItemKind.output:
            return output(i, title, a + b, status=status or "published")
        return need(i, title, b + a, status=status or "open",
                    confidentiality="brokers_only" if i % 5 == 0 else "public")

    for i in range(1, items + 1):
        kind = ItemKind.output if i % 3 else ItemKind.need
        feed.put(make(kind, i))
    for i in rng.sample(range(1, items + 1), items // 4):
        kind = ItemKind.output if i % 3 else ItemKind.need
        hidden = "draft" if kind is ItemKind.output else "closed"
        feed.put(make(kind, i, hidden if rng.random() < 0.3 else None), op=ChangeOp.update)
    for i in rng.sample(range(1, items + 1), items // 8):
        feed.delete(ItemKind.output if i % 3 else ItemKind.need, i)
    return feed


def expected_candidates(feed: Feed) -> dict[ItemKind, set[int]]:
    """The ids that must be candidates after the whole feed: the last state of each item, if matchable."""
    last: dict[tuple[ItemKind, int], CatalogItem | None] = {}
    for change in feed.changes:
        last[(change.kind, change.item_id)] = None if change.op is ChangeOp.delete else change.item
    out: dict[ItemKind, set[int]] = {k: set() for k in ItemKind}
    for (kind, item_id), item in last.items():
        if item is not None and item.matchable:
            out[kind].add(item_id)
    return out


def main() -> None:
    """Serve a synthetic feed on localhost."""
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    uvicorn.run(create_app(synthetic_feed(args.items)), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
