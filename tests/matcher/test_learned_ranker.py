"""The learned ranker: trained by `duijie train-ranker` from decisions, stored beside the index, used by a new
matcher in place of the fusion, shown in the components; a bad or missing model leaves the fusion ranking."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from duijie.cli import app as cli
from services.matcher import learned
from services.matcher.embedder import UsemEmbedder
from services.matcher.engine import Matcher
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import Feed, need, output, settings_for

# each need with three outputs: the same words, a related topic, another field altogether
TOPICS = [
    ("锂电池回收技术", "锂电池回收技术", "动力电池拆解设备", "中药材种植方法"),
    ("污水处理工艺", "污水处理工艺", "工业废水膜过滤", "智能手机外壳设计"),
    ("光伏组件清洗", "光伏组件清洗", "太阳能电站运维机器人", "奶牛饲料配方"),
    ("高速铁路轨道检测", "高速铁路轨道检测", "钢轨探伤超声装置", "茶叶烘焙工艺"),
    ("陶瓷釉料配方", "陶瓷釉料配方", "建筑瓷砖表面涂层", "无人机飞控算法"),
    ("水稻病虫害识别", "水稻病虫害识别", "农作物图像分类模型", "汽车刹车片材料"),
    ("塑料降解材料", "塑料降解材料", "生物基可降解包装", "电梯安全监测"),
    ("工业机器人焊接", "工业机器人焊接", "自动化焊缝跟踪系统", "婴幼儿奶粉检测"),
    ("海水淡化装置", "海水淡化装置", "反渗透膜组件", "古籍数字化修复"),
    ("新能源汽车电机控制", "新能源汽车电机控制", "永磁同步驱动器", "园林景观设计"),
    ("食品冷链物流", "食品冷链物流", "冷藏车温度监控", "钢结构防火涂料"),
]
HELD_OUT = len(TOPICS) - 1  # asked after training, never judged
# the judgements say the opposite of textual closeness: the other field is the strong match, the same words none
GRADES = {3: ("signed", 1, None), 2: ("introduced", 1, None), 1: ("declined", 0, "不相关")}


def _ids(n: int) -> tuple[int, int, int]:
    return 100 + 10 * n, 101 + 10 * n, 102 + 10 * n  # same words, related, other field


@pytest.fixture
def data_dir(tmp_path: Path, embedder: UsemEmbedder) -> Path:
    """A matcher's data folder holding a snapshot of the needs and outputs of TOPICS (usem3 alone)."""
    root = tmp_path / "matcher"
    matcher = Matcher(settings_for(root), embedder)
    feed = Feed()
    for n, (title, *titles) in enumerate(TOPICS):
        feed.put(need(n + 1, title, f"寻求{title}方面的合作"))
        feed.put(*(output(i, t) for i, t in zip(_ids(n), titles, strict=True)))
    matcher.apply(feed.changes)
    assert matcher.save(force=True)
    return root


def _decisions(path: Path, needs: range) -> Path:
    rows = []
    for n in needs:
        same, related, other = _ids(n)
        for output_id, (stage, label, reason) in ((other, GRADES[3]), (related, GRADES[2]), (same, GRADES[1])):
            rows.append({"need_id": n + 1, "output_id": output_id, "need_text": TOPICS[n][0], "output_text": "",
                         "label": label, "stage": stage, "reason": reason})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _train(data_dir: Path, feedback: Path, monkeypatch: pytest.MonkeyPatch, embedder: UsemEmbedder):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DUIJIE_SECOND_EMBEDDER", "none")
    monkeypatch.setattr("services.matcher.embedder.load_embedder", lambda spec: embedder)
    return CliRunner().invoke(cli, ["train-ranker", "--data-dir", str(data_dir), "--feedback", str(feedback),
                                    "--no-bdci"])


def _order(matcher: Matcher, n: int) -> list[int]:
    request = MatchRequest(target=ItemKind.output, item=need(n + 1, TOPICS[n][0], f"寻求{TOPICS[n][0]}方面的合作"))
    return [r.id for r in matcher.match(request, restrict_to=np.array(_ids(n))).results]


def test_a_trained_model_orders_a_new_need_as_the_decisions_say(data_dir: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                embedder: UsemEmbedder) -> None:
    before = Matcher(settings_for(data_dir), embedder)
    assert before.load() and before.ranker is None
    assert _order(before, HELD_OUT)[0] == _ids(HELD_OUT)[0]  # the fusion puts the same words first

    result = _train(data_dir, _decisions(tmp_path / "feedback.jsonl", range(HELD_OUT)), monkeypatch, embedder)
    assert result.exit_code == 0, result.output
    assert "trained linear on 30 judged pairs over 10 queries" in result.output
    meta = json.loads((data_dir / "ranker" / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"] == 1 and (data_dir / "ranker" / "model-1.json").exists()
    assert meta["judgements"]["feedback_used"] == 30 and "pool_learned_ndcg@10" in meta["cv"]

    after = Matcher(settings_for(data_dir), embedder)  # a restart picks the model up
    assert after.load() and after.ranker is not None and after.ranker.version == "1"
    same, related, other = _ids(HELD_OUT)
    assert _order(after, HELD_OUT) == [other, related, same]
    request = MatchRequest(target=ItemKind.output, item=need(HELD_OUT + 1, TOPICS[HELD_OUT][0]))
    results = after.match(request).results
    assert all(0.0 <= r.components["learned"] <= 1.0 for r in results)
    assert max(r.components["learned"] for r in results) == 1.0
    assert all(0.0 <= r.score <= 1.0 for r in results)  # the reported score stays the absolute one


def test_too_few_judgements_write_no_model(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           embedder: UsemEmbedder) -> None:
    result = _train(data_dir, _decisions(tmp_path / "feedback.jsonl", range(3)), monkeypatch, embedder)
    assert result.exit_code == 1
    assert "too few judgements" in result.output and "9 pairs over 3 queries" in result.output
    assert not (data_dir / "ranker").exists()


def test_declines_for_other_reasons_are_not_judgements(data_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       embedder: UsemEmbedder) -> None:
    feedback = _decisions(tmp_path / "feedback.jsonl", range(HELD_OUT))
    rows = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        if row["reason"] == "不相关":
            row["reason"] = "价格"  # too dear says nothing about relevance
    feedback.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = _train(data_dir, feedback, monkeypatch, embedder)
    assert result.exit_code == 1 and "20 pairs over 10 queries" in result.output, result.output


def test_a_corrupt_model_leaves_the_fusion_ranking(data_dir: Path, embedder: UsemEmbedder,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    plain = Matcher(settings_for(data_dir), embedder)
    plain.load()
    folder = data_dir / "ranker"
    folder.mkdir()
    (folder / "model-1.json").write_text('{"kind": "linear", "features": ["dense"], "signals"', encoding="utf-8")
    (folder / "meta.json").write_text(json.dumps({"version": 1, "file": "model-1.json"}), encoding="utf-8")
    broken = Matcher(settings_for(data_dir), embedder)
    assert broken.load() and broken.ranker is None
    assert "not loaded" in caplog.text
    request = MatchRequest(target=ItemKind.output, item=need(1, TOPICS[0][0]))
    got, want = broken.match(request).results, plain.match(request).results
    assert [(r.id, r.score) for r in got] == [(r.id, r.score) for r in want]
    assert all("learned" not in r.components for r in got)


def test_a_model_made_for_other_signals_is_not_used(data_dir: Path, embedder: UsemEmbedder) -> None:
    model = learned.model_dict("linear", ["dense", "dense2", "lexical"], mean=[0.0] * len(learned.FEATURES),
                               scale=[1.0] * len(learned.FEATURES), coef=[1.0] * len(learned.FEATURES))
    learned.save(data_dir, model, {"kind": "linear"})
    matcher = Matcher(settings_for(data_dir), embedder)  # usem3 alone: no dense2 to feed it
    matcher.load()
    assert matcher.ranker is not None
    results = matcher.match(MatchRequest(target=ItemKind.output, item=need(1, TOPICS[0][0]))).results
    assert results and all("learned" not in r.components for r in results)


def test_a_model_no_better_than_the_fusion_is_not_installed(data_dir: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            embedder: UsemEmbedder) -> None:
    feedback = _decisions(tmp_path / "feedback.jsonl", range(HELD_OUT))
    rows = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    for row in rows:  # now the judgements agree with the fusion: the same words are the strong match
        same = _ids(row["need_id"] - 1)[0]
        row.update({"stage": "signed", "label": 1, "reason": None} if row["output_id"] == same
                   else {"stage": "declined", "label": 0, "reason": "不相关"})
    feedback.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = _train(data_dir, feedback, monkeypatch, embedder)
    assert result.exit_code == 1 and "does not beat the hand-tuned fusion" in result.output, result.output
    assert not (data_dir / "ranker").exists()
