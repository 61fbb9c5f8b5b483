"""Snapshots: a restart resumes the same index and cursor; another model's index is refused and rebuilt."""

import json

from services.matcher import persist
from services.matcher.engine import Matcher
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need

QUERY = MatchRequest(target=ItemKind.output, item=need(100, "污水脱氮", "城镇污水总氮超标。"), k=5)


def test_snapshot_round_trip(make_matcher, tmp_path):
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS) + feed.delete(ItemKind.output, 8), feed.last_seq)
    assert matcher.save(force=True)
    before = matcher.match(QUERY)

    again = make_matcher()
    assert again.load()
    assert again.index.cursor == feed.last_seq
    assert again.index.counts() == {"output": 7, "need": 0, "expert": 0}
    after = again.match(QUERY)
    assert [(r.id, round(r.score, 5)) for r in after.results] == [(r.id, round(r.score, 5)) for r in before.results]
    snapshots = list((tmp_path / "matcher" / "snapshots").iterdir())
    assert len(snapshots) == 1 and not snapshots[0].name.startswith(".tmp")


def test_unchanged_index_is_not_rewritten(make_matcher):
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS))
    assert matcher.save(force=True)
    assert not matcher.save(force=True)


def test_half_written_snapshot_is_ignored(make_matcher, tmp_path):
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS[:3]))
    matcher.save(force=True)
    # a crash while writing the next snapshot leaves a temp dir and no manifest change
    (tmp_path / "matcher" / "snapshots" / ".tmp-crashed").mkdir()
    again = make_matcher()
    assert again.load() and again.index.counts()["output"] == 3


def test_model_mismatch_refuses_the_old_index(make_matcher, tmp_path, embedder):
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS))
    matcher.save(force=True)
    manifest_path = tmp_path / "matcher" / persist.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["model_version"] = "an-older-model"
    manifest_path.write_text(json.dumps(manifest))

    again = make_matcher()
    assert not again.load()
    assert again.index.cursor == 0 and again.index.counts() == {"output": 0, "need": 0, "expert": 0}
    # re-following the feed from 0 rebuilds it, and the new snapshot carries the current model
    again.apply(feed.after(again.index.cursor, 100), feed.last_seq)
    again.save(force=True)
    assert json.loads(manifest_path.read_text())["model_version"] == embedder.version
    assert Matcher(again.settings, embedder).load()
