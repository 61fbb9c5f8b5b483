"""A new replica starts from a peer's snapshot (`GET /v1/snapshot`, `DUIJIE_SNAPSHOT_FROM`) or one in a shared
folder: it serves the same rankings at the peer's cursor without encoding anything, follows the feed from
there, and refuses a snapshot it cannot trust."""

import io
import json
import tarfile
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.matcher import build, handover, persist
from services.matcher import main as matcher_main
from services.matcher.engine import Matcher
from services.matcher.sync import CatalogFollower
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher import fake_catalog
from tests.matcher.conftest import OUTPUTS, TOKEN, Feed, need, output, settings_for

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
            assert status["cursor"] == feed.last_seq and status["items"] == {"output": 8, "need": 1, "expert": 0}
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


def _peer_folder(tmp_path: Path, embedder, feed: Feed) -> tuple[Matcher, Path]:  # type: ignore[no-untyped-def]
    """A matcher that indexed `feed` and saved it, as one would on a shared volume."""
    peer = Matcher(settings_for(tmp_path / "peer"), embedder)
    peer.apply(feed.changes, feed.last_seq)
    peer.save(force=True)
    return peer, tmp_path / "peer"


def _tar_of(folder: Path, path: Path) -> Path:
    """Save what `GET /v1/snapshot` would send for `folder` as a file."""
    pinned = handover.pin_snapshot(folder, threading.RLock())
    assert pinned is not None
    path.write_bytes(b"".join(handover.stream_snapshot(*pinned)))
    return path


@pytest.mark.parametrize("source", ["folder", "tar"])
async def test_a_new_replica_starts_from_a_shared_folder_and_follows_the_feed_from_its_cursor(
        tmp_path: Path, embedder, monkeypatch, source: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    feed = Feed()
    feed.put(*OUTPUTS, need(100, "锂电池防爆", "需要防止锂电池热失控的隔膜技术。"))
    peer, folder = _peer_folder(tmp_path, embedder, feed)
    shared = folder if source == "folder" else _tar_of(folder, tmp_path / "snapshot.tar")
    ask = MatchRequest(target=ItemKind.output, text="锂电池隔膜耐高温", k=5)

    newcomer = build.build_matcher(settings_for(tmp_path / "newcomer", snapshot_from=str(shared)))
    assert newcomer.index.cursor == feed.last_seq and newcomer.index.counts() == {"output": 8, "need": 1, "expert": 0}
    assert newcomer.encoded_items == 0  # nothing re-encoded
    assert newcomer.match(ask).results == peer.match(ask).results
    assert not list((tmp_path / "newcomer").glob(".incoming-*"))

    feed.put(output(9, "耐高温锂电池隔膜涂层", "陶瓷涂覆隔膜，防止锂电池热失控。"))
    catalog = fake_catalog.create_app(feed)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=catalog), base_url="http://catalog",
                               headers={"Authorization": f"Bearer {TOKEN}"})
    follower = CatalogFollower(newcomer, newcomer.settings, client=client)
    await follower.catch_up()
    await follower.aclose()
    assert catalog.state.asked_after[0] == feed.last_seq - 1  # from the snapshot's cursor, not from 0
    assert newcomer.encoded_items == 1 and 9 in newcomer.index[ItemKind.output].items


def test_a_folder_snapshot_of_other_models_is_refused(tmp_path: Path, embedder, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    feed = Feed()
    feed.put(*OUTPUTS)
    _, folder = _peer_folder(tmp_path, embedder, feed)
    manifest = persist.read_manifest(folder)
    assert manifest is not None
    (folder / persist.MANIFEST).write_text(json.dumps({**manifest, "model_version": "other"}), encoding="utf-8")

    with caplog.at_level("WARNING", logger=handover.__name__):
        newcomer = build.build_matcher(settings_for(tmp_path / "newcomer", snapshot_from=str(folder)))
    assert "not adopted" in caplog.text and "'model_version': 'other'" in caplog.text
    assert newcomer.index.cursor == 0 and newcomer.index.counts() == {"output": 0, "need": 0, "expert": 0}
    assert persist.read_manifest(tmp_path / "newcomer") is None
    assert not (tmp_path / "newcomer" / "snapshots").exists()


def test_a_data_folder_with_a_snapshot_of_its_own_keeps_it(tmp_path: Path, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    feed = Feed()
    feed.put(*OUTPUTS)
    _, folder = _peer_folder(tmp_path, embedder, feed)
    own = Matcher(settings_for(tmp_path / "newcomer"), embedder)
    own.apply(Feed().put(need(7, "秸秆燃料", "需要秸秆压块燃料技术。")), 1)
    own.save(force=True)
    before = persist.read_manifest(tmp_path / "newcomer")

    newcomer = build.build_matcher(settings_for(tmp_path / "newcomer", snapshot_from=str(folder)))
    assert persist.read_manifest(tmp_path / "newcomer") == before
    assert newcomer.index.cursor == 1 and newcomer.index.counts() == {"output": 0, "need": 1, "expert": 0}


def test_a_folder_whose_owner_saves_while_it_is_copied_gives_its_newer_snapshot(tmp_path: Path, embedder,  # type: ignore[no-untyped-def]
                                                                               monkeypatch) -> None:
    feed = Feed()
    feed.put(*OUTPUTS[:4])
    peer, folder = _peer_folder(tmp_path, embedder, feed)
    copy = handover._link_or_copy
    saved = threading.Event()

    def save_meanwhile(source: str, target: str) -> None:
        if not saved.is_set():  # the owner applies more and saves (pruning this snapshot) mid-copy
            saved.set()
            peer.apply(feed.put(*OUTPUTS[4:]), feed.last_seq)
            peer.save(force=True)
        copy(source, target)

    monkeypatch.setattr(handover, "_link_or_copy", save_meanwhile)
    manifest = handover.adopt_folder(tmp_path / "newcomer", folder, peer.identity())
    assert manifest is not None and manifest["cursor"] == feed.last_seq and manifest["counts"]["output"] == 8
    assert persist.read_manifest(tmp_path / "newcomer") == manifest


def test_a_snapshot_naming_a_folder_outside_is_refused(tmp_path: Path) -> None:
    identity = persist.model_identity("usem3", "1", 512)
    stream = _tar({persist.MANIFEST: json.dumps({**identity, "snapshot": "../outside"}).encode(),
                   "snapshot/output/items.jsonl": b""})
    with pytest.raises(ValueError, match="not a snapshot name"):
        handover.adopt_snapshot(tmp_path / "data", stream, identity)
    assert not (tmp_path / "outside").exists() and persist.read_manifest(tmp_path / "data") is None
