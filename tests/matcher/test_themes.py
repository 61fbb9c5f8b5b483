"""Themes of needs (issue 16): the clustering finds the topics whatever the scale of the model's cosines, labels
name each topic by its shared distinctive terms, and POST /v1/themes answers with groups, supply and coherence."""

import numpy as np
from fastapi.testclient import TestClient

from services.matcher import themes
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, TOKEN, Feed, need

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _blobs(spread: float, common: float, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """Three topics of 6, 5 and 4 points and 3 loners; `common` adds a shared direction (as e5's high cosines)."""
    rng = np.random.default_rng(seed)
    dim = 64
    centres = rng.normal(size=(6, dim))
    sizes, rows, topic = [6, 5, 4, 1, 1, 1], [], []
    for t, size in enumerate(sizes):
        for _ in range(size):
            rows.append(centres[t] + spread * rng.normal(size=dim))
            topic.append(t)
    x = np.array(rows)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    shared = np.ones(dim) / np.sqrt(dim)
    x = x + common * shared
    return x / np.linalg.norm(x, axis=1, keepdims=True), topic


def test_the_topics_are_found_whether_cosines_spread_out_or_sit_high() -> None:
    for common in (0.0, 3.0):  # 3.0 puts every cosine above 0.85, as e5's
        x, topic = _blobs(spread=0.3, common=common)
        found = themes.cluster(x, min_size=2)
        assert sorted(sorted(topic[r] for r in g) for g in found.groups) == [[0] * 6, [1] * 5, [2] * 4], common
        assert sorted(topic[r] for r in found.rest) == [3, 4, 5]
        assert themes.weighted_coherence(x, found.groups) > themes.random_baseline(x, [6, 5, 4]) + 0.02


def test_every_method_runs_and_too_few_rows_make_no_theme() -> None:
    x, _ = _blobs(spread=0.3, common=0.0)
    for method in themes.METHODS:
        found = themes.cluster(x, method=method)
        assert all(len(g) >= 2 for g in found.groups) and len(found.rest) + sum(map(len, found.groups)) == len(x)
    assert themes.cluster(x[:1]).groups == [] and themes.cluster(x[:1]).rest == [0]


def test_labels_are_the_shared_distinctive_terms_without_nested_ones() -> None:
    battery = [["电池回收", "电池", "回收", "湿法", "以上"], ["电池回收", "电池", "回收", "正极"], ["电池回收", "破碎", "以上"]]
    seafood = [["保鲜", "海鲜", "冷藏", "以上"], ["保鲜", "虾仁", "以上"], ["leaching", "保鲜", "冷藏"]]
    (zh1, en1), (zh2, _) = themes.label_terms([battery, seafood], battery + seafood)
    assert zh1[0] == "电池回收" and "电池" not in zh1 and "回收" not in zh1  # nested in 电池回收
    assert zh2[:2] == ["保鲜", "冷藏"] and "以上" not in zh1 + zh2  # in every topic and an everyday word
    assert en1 == []


def test_themes_endpoint_groups_stored_needs_with_supply(matcher_client: TestClient) -> None:
    feed = Feed()
    feed.put(*OUTPUTS)
    feed.put(need(101, "退役锂电池隔膜回收", "废旧锂离子电池隔膜与电解液需要回收处理"),
             need(102, "锂电池隔膜耐高温改性", "动力电池隔膜高温收缩，需要陶瓷涂覆改性"),
             need(103, "锂离子电池热失控防护", "电池包热失控蔓延，需要隔热与防爆材料"),
             need(104, "城镇污水脱氮除磷提标", "污水处理厂总氮总磷超标，需要深度脱氮工艺"),
             need(105, "工业废水氨氮深度处理", "化工园区废水氨氮高，需要生化脱氮技术"),
             need(106, "乡村生活污水低成本处理", "农村分散污水需要低能耗的脱氮除磷设施"))
    matcher = matcher_client.app.state.matcher  # type: ignore[attr-defined]
    matcher.apply(feed.changes, feed.last_seq)
    assert matcher_client.post("/v1/themes", json={}).status_code == 401
    assert matcher_client.post("/v1/themes", json={"min_size": 1}, headers=AUTH).status_code == 422
    r = matcher_client.post("/v1/themes", json={"need_ids": [101, 102, 103, 104, 105, 106, 999]}, headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["missing"] == [999] and body["method"] == "agglomerative"
    groups = {tuple(sorted(t["need_ids"])): t for t in body["themes"]}
    assert (101, 102, 103) in groups and (104, 105, 106) in groups, body
    assert groups[(101, 102, 103)]["supply"][0]["id"] == 1  # the battery separator output
    assert groups[(104, 105, 106)]["supply"][0]["id"] == 4  # the wastewater output
    assert body["coherence"] > body["baseline"]
    every = matcher_client.post("/v1/themes", json={"supply_k": 0}, headers=AUTH).json()
    assert sorted(i for t in every["themes"] for i in t["need_ids"]) + sorted(every["unclustered"]) == list(
        range(101, 107)) and all(t["supply"] == [] for t in every["themes"])
    assert ItemKind.need.value == "need"
