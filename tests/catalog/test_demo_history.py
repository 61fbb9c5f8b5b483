"""The demo a new user meets on first start holds a year of work: every chart, funnel step and table of the bureau's
dashboard has something to show, and starting again adds nothing."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, col, select
from typer.testing import CliRunner

from duijie.cli import app as cli
from services.catalog.demo import DEMO_PASSWORD, seed_demo
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.matching import client as matcher_client
from services.catalog.portal.charts import EMPTY_ZH_EN
from services.catalog.workflow import service as workflow
from services.catalog.workflow import stats
from services.catalog.workflow.models import Match, MatchEvent, Notification
from services.catalog.workflow.vocab import DeclineReason, MatchStatus
from services.matcher import build
from services.matcher import main as matcher_main
from shared.schemas import ChangesPage
from tests.conftest import Catalog
from tests.matcher.conftest import settings_for
from tests.portal.helpers import portal_client, sign_in

COUNTIES = {"蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"}
CHART = re.compile(r'<figure class="chart" id="(chart-[a-z-]+)">(.*?)</figure>', re.DOTALL)


def _row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def test_a_fresh_catalog_gets_a_year_of_history_and_a_second_seed_adds_nothing(catalog: Catalog) -> None:
    with Session(catalog.engine) as session:
        assert seed_demo(session)
    seeded = _row_counts(catalog.engine)
    with Session(catalog.engine) as session:
        assert not seed_demo(session)
    assert _row_counts(catalog.engine) == seeded

    now = datetime.now(UTC)
    with Session(catalog.engine) as session:
        s = stats.summary(session, stats.StatsFilter(), threshold=0.5)
        outputs = session.exec(select(ResearchOutput)).all()
        needs = session.exec(select(TechNeed)).all()
        matches = session.exec(select(Match)).all()
        history = session.exec(select(MatchEvent)).all()
        inbox = session.exec(select(Notification)).all()
        queue, waiting = workflow.broker_queue(session, sort="age", cluster=None, region=None, broker_id=None,
                                               top=3, page=1, page_size=20)
    # what the demo holds: the counties of the plans, some English, the recycling output other tests search for
    assert s.overview.outputs["total"] >= 60 and s.overview.needs["total"] >= 30
    assert {n.region for n in needs} >= COUNTIES
    english = sum(1 for item in [*outputs, *needs] if item.language == "en")
    assert 0.08 <= english / (len(outputs) + len(needs)) <= 0.16
    assert "废旧锂离子电池正极材料湿法回收技术" in {o.title for o in outputs}
    assert s.overview.needs["solved"] >= 5
    # a year of activity ending now: proposals month by month, contracts in at least six months
    proposed_months = {m.proposed_at.strftime("%Y-%m") for m in matches}
    assert len(proposed_months) >= 10
    assert all(now - timedelta(days=370) < m.proposed_at <= now for m in matches)
    assert all(e.at <= now for e in history) and min(e.at for e in history) < now - timedelta(days=300)
    assert any(n.read_at is None for n in inbox) and any(n.read_at is not None for n in inbox)
    c = s.contracts
    assert 10 <= c.count <= 16 and len(c.by_month) >= 6 and all(b.amount_yuan > 0 for b in c.by_month)
    assert len({b.key for b in c.by_region} & COUNTIES) >= 6 and len(c.by_cluster) >= 5
    # the funnel is full at every step; declines over several reason codes, each with a note
    assert all(step.reached > 0 for step in s.funnel.steps)
    assert all(step.median_days_to_next for step in s.funnel.steps[:-1])
    reasons = {r for r, n in s.funnel.decline_reasons.items() if n}
    assert len(reasons) >= 3 and reasons <= {r.value for r in DeclineReason}
    assert all(m.decline_note for m in matches if m.status == MatchStatus.declined)
    # scores are the broker's own, labelled so, never passed off as the matcher's
    by_broker = [m for m in matches if "broker" in m.components]
    assert len(by_broker) >= 40 and all(m.model is None and "not computed by the matcher" in m.explanation["en"]
                                        and "非匹配服务计算" in m.explanation["zh"] for m in by_broker)
    # the broker's queue has needs with several candidates to compare
    assert waiting <= 20 and any(len(e["candidates"]) >= 2 for e in queue)
    assert s.coverage.open_needs > 0 and 0 < s.coverage.covered < s.coverage.open_needs

    # the rendered dashboard: every chart draws data, no "no data" placeholder
    bureau = portal_client(catalog.client.app)
    sign_in(bureau, "admin", DEMO_PASSWORD)
    page = bureau.get("/bureau")
    assert page.status_code == 200
    charts = dict(CHART.findall(page.text))
    assert {"chart-month", "chart-funnel", "chart-region", "chart-cluster", "chart-challenge-funnel",
            "chart-challenge-bounty"} <= set(charts)
    assert not [name for name, svg in charts.items() if EMPTY_ZH_EN in svg or "<svg" not in svg]
    assert "暂无数据" not in page.text and "本年度尚无" not in page.text
    for month in {b.key for b in c.by_month}:
        assert month in charts["chart-month"]


def test_seed_demo_twice_on_one_data_folder_writes_once(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["seed-demo", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "duijie-demo-2026" in first.output
    url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    engine = sa.create_engine(url)
    try:
        seeded = _row_counts(engine)
        again = runner.invoke(cli, ["seed-demo", "--data-dir", str(tmp_path)])
        assert again.exit_code == 0 and "already has users" in again.output
        assert _row_counts(engine) == seeded and seeded["tech_contract"] >= 10
        with Session(engine) as session:
            assert session.exec(select(sa.func.count()).select_from(Match).where(
                col(Match.status) == MatchStatus.signed)).one() >= 10
    finally:
        engine.dispose()


@pytest.fixture
def demo_with_matcher(catalog: Catalog, tmp_path: Path, embedder: Any,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    """The demo catalog with an in-process matcher that has read its whole change feed."""
    with Session(catalog.engine) as session:
        assert seed_demo(session)
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    settings = settings_for(tmp_path / "matcher", service_token=catalog.settings.service_token)
    with TestClient(matcher_main.create_app(settings)) as matcher:
        matcher.headers["Authorization"] = f"Bearer {catalog.settings.service_token}"
        monkeypatch.setattr(matcher_client, "_client", lambda base_url, token: matcher)
        page = ChangesPage.model_validate(catalog.client.get("/api/v1/changes", params={"after": 0, "limit": 1000},
                                                             headers=catalog.service_headers()).json())
        assert not page.changes or page.changes[-1].seq == page.last_seq  # the whole feed in one page
        matcher.app.state.matcher.apply(page.changes, page.last_seq)  # type: ignore[attr-defined]
        yield catalog


@pytest.mark.parametrize(("query", "title"), [
    ("battery recycling", "废旧锂离子电池正极材料湿法回收技术"),
    ("lead-free brass for bathroom taps", "无铅易切削黄铜合金"),
    ("dried tangerine peel age identification", "新会陈皮陈化年份快速鉴别技术"),
    ("fall detection for elderly people with radar", "毫米波雷达老人跌倒检测"),
])
def test_english_questions_find_the_demo_s_chinese_outputs(demo_with_matcher: Catalog, query: str, title: str) -> None:
    r = demo_with_matcher.client.get("/api/v1/search/outputs", params={"q": query, "k": 3})
    assert r.status_code == 200, r.text
    titles = [hit["title"] for hit in r.json()["results"]]
    assert title in titles, titles
    if query == "battery recycling":
        assert titles[0] == title
