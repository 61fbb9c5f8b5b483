"""A new replica starts from a peer's snapshot (`GET /v1/snapshot`, `DUIJIE_SNAPSHOT_FROM`): it serves the
same rankings at the peer's cursor without encoding anything, and refuses a snapshot it cannot trust."""

import io
import json
import tarfile
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.matcher import build, handover, persist
from services.matcher import main as matcher_main
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, TOKEN, Feed, need, settings_for

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_a_new_replica_starts_from_its_peers_snapshot(tmp_path: Path, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    feed = Feed()
    feed.put(*OUTPUTS, need(100, "锂电池防爆", "需要防止锂电池热失控的隔膜技术。"))
    ask = MatchRequest(target=ItemKind.output, text="锂电池隔膜耐高温", k=5).model_dump(mode="json")
    with TestClient(matcher_main.create_app(settings_for(tmp_path / "peer"))) as peer:
        assert peer.get("/v1/snapshot", headers=AUTH).status_code == 409  # nothing indexed yet
        peer.app.state.matcher.apply(feed.changes, feed.last_seq)  # type: ignore[attr-defined]
        assert peer.get("/v1/snapshot").status_code == 401
        expected = peer.post("/v1/match", json=ask, headers=AUTH).json()["results"]

        def in_process(url: str, token: str) -> httpx.Client:
            assert (url, token) == ("http://peer:8001", TOKEN)
            client = TestClient(peer.app)  # no lifespan of its own: the peer is already running
            client.headers.update({"Authorization": f"Bearer {token}"})
            return client

        monkeypatch.setattr(handover, "peer_client", in_process)
        newcomer_settings = settings_for(tmp_path / "newcomer", snapshot_from="http://peer:8001")
        with TestClient(matcher_main.create_app(newcomer_settings)) as newcomer:
            matcher = newcomer.app.state.matcher  # type: ignore[attr-defined]
            status = newcomer.get("/v1/status", headers=AUTH).json()
            assert status["cursor"] == feed.last_seq and status["items"] == {"output": 8, "need": 1}
            assert matcher.encoded_items == 0  # nothing re-encoded
            assert newcomer.post("/v1/match", json=ask, headers=AUTH).json()["results"] == expected
    assert not list((tmp_path / "peer").glob(".handover-*"))  # the pinned copy went once it was sent
    assert not list((tmp_path / "newcomer").glob(".incoming-*"))


def _tar(members: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    out.seek(0)
    return out


def test_a_snapshot_of_other_models_or_with_paths_outside_is_not_adopted(tmp_path: Path) -> None:
    identity = persist.model_identity("usem3", "1", 512)
    other = {**persist.model_identity("e5", "1", 384), "snapshot": "x", "cursor": 5}
    data_dir = tmp_path / "data"
    stream = _tar({persist.MANIFEST: json.dumps(other).encode(), "snapshot/output/items.jsonl": b""})
    assert handover.adopt_snapshot(data_dir, stream, identity) is None
    assert persist.read_manifest(data_dir) is None and not (data_dir / "snapshots").exists()
    evil = _tar({persist.MANIFEST: json.dumps({**identity, "snapshot": "x"}).encode(), "../escaped": b"boom"})
    with pytest.raises(tarfile.TarError):
        handover.adopt_snapshot(data_dir, evil, identity)
    assert not (tmp_path / "escaped").exists() and persist.read_manifest(data_dir) is None
