"""A broker's proposal asks the matcher before its write transaction opens: a slow matcher holds up nobody else."""

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import csrf_token, portal_client, sign_in
from tests.workflow.helpers import API, Pair, make_pair

HELD = 30.0  # a safety net only: the test releases the matcher itself


class SlowMatcher:
    """A matcher stand-in that answers /v1/match only once the test releases it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.ranked: list[dict[str, Any]] = []
        held = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                held.entered.set()
                held.release.wait(HELD)
                body = json.dumps({"results": held.ranked, "model": "slow-test"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def slow_matcher() -> Iterator[SlowMatcher]:
    matcher = SlowMatcher()
    thread = threading.Thread(target=matcher.server.serve_forever, daemon=True)
    thread.start()
    yield matcher
    matcher.release.set()
    matcher.server.shutdown()
    matcher.server.server_close()


def _write_beside_a_held_matcher(catalog: Catalog, slow_matcher: SlowMatcher, pair: Pair, *, score: float,
                                 act: Callable[[], None]) -> None:
    """Run `act` (which asks the matcher for `pair`), and while the matcher holds it, write to the same database."""
    slow_matcher.ranked = [{"kind": "output", "id": pair.output["id"], "title": pair.output["title"], "score": score,
                            "components": {"dense": 0.7}, "explanation": {"zh": "共同：回收", "en": "shared: recycling"}}]
    catalog.settings.matcher_url = slow_matcher.url
    acting = threading.Thread(target=act)
    acting.start()
    try:
        assert slow_matcher.entered.wait(HELD), "the proposal never asked the matcher"
        # The proposal is now waiting on the matcher; a write to the same database must not wait for it.
        r = catalog.client.post(f"{API}/needs", json={"title": "陶瓷基板激光切割", "description": "氮化铝基板切割崩边"},
                                headers=pair.enterprise)
        assert r.status_code == 201, r.text
        assert not slow_matcher.release.is_set() and acting.is_alive()
    finally:
        slow_matcher.release.set()
        acting.join(HELD)


def test_another_write_completes_while_a_proposal_waits_on_the_matcher(catalog: Catalog,
                                                                       slow_matcher: SlowMatcher) -> None:
    pair = make_pair(catalog)
    proposal: dict[str, Any] = {}

    def propose() -> None:
        r = catalog.client.post(f"{API}/matches", json={"need_id": pair.need["id"], "output_id": pair.output["id"]},
                                headers=pair.broker)
        proposal.update(status=r.status_code, body=r.json())

    _write_beside_a_held_matcher(catalog, slow_matcher, pair, score=0.77, act=propose)
    assert proposal["status"] == 201, proposal
    assert proposal["body"]["score"] == 0.77 and proposal["body"]["model"] == "slow-test"


def test_a_broker_page_proposal_holds_no_lock_while_the_matcher_answers(catalog: Catalog,
                                                                         slow_matcher: SlowMatcher) -> None:
    pair = make_pair(catalog)
    broker = portal_client(catalog.client.app)
    sign_in(broker, "broker", PASSWORD)
    token = csrf_token(broker.get("/broker").text)
    answer: dict[str, Any] = {}

    def shortlist() -> None:
        r = broker.post(f"/broker/needs/{pair.need['id']}/outputs/{pair.output['id']}",
                        data={"csrf_token": token, "action": "shortlist"})
        answer.update(status=r.status_code)

    _write_beside_a_held_matcher(catalog, slow_matcher, pair, score=0.66, act=shortlist)
    assert answer["status"] == 303, answer
    matches = catalog.client.get(f"{API}/matches", headers=pair.broker).json()["data"]
    assert [(m["status"], m["score"]) for m in matches] == [("shortlisted", 0.66)]
