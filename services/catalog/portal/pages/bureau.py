"""The science bureau's dashboard: turnover charts, the funnel, supply–demand coverage, unmet needs, and the
科技特派员 plan's progress (problems solved against the target, visits and hours by county and town, coverage)."""

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.catalog.accounts.vocab import STAFF
from services.catalog.challenges import stats as challenge_stats
from services.catalog.events.stats import event_stats
from services.catalog.experts import stats as expert_stats
from services.catalog.experts.visits import today
from services.catalog.portal.charts import bar_chart, funnel_chart
from services.catalog.portal.context import PageDep
from services.catalog.portal.routing import PortalRoute
from services.catalog.workflow import stats
from services.catalog.workflow.vocab import reason_counts
from shared.vocab import Cluster

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
UNMET_SHOWN = 50


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 2000 <= int(text) <= 2100 else None


@router.get("/bureau")
def dashboard(page: PageDep) -> Response:
    """Charts and tables of the bureau's statistics, filtered by period, district and cluster."""
    page.require(*STAFF)
    params = page.request.query_params
    region = (params.get("region") or "").strip()[:50] or None
    cluster = params.get("cluster") if params.get("cluster") in [c.value for c in Cluster] else None
    date_from, date_to = _day(params.get("date_from")), _day(params.get("date_to"))
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    f = stats.StatsFilter(date_from=date_from, date_to=date_to, region=region, cluster=cluster)
    threshold = float(getattr(page.settings, "coverage_threshold", 0.5))
    s = stats.summary(page.session, f, threshold=threshold, unmet_limit=UNMET_SHOWN)
    tr = page.tr
    c = s.contracts
    charts = {
        "month": bar_chart(tr("合同成交额（按月，万元）", "Contract turnover by month (10k yuan)"),
                           [(b.key, float(b.amount_yuan) / 10_000) for b in c.by_month]),
        "region": bar_chart(tr("合同成交额（按区县，万元）", "Turnover by county (10k yuan)"),
                            [(b.key or tr("未填", "n/a"), float(b.amount_yuan) / 10_000) for b in c.by_region],
                            horizontal=True),
        "cluster": bar_chart(tr("合同成交额（按产业集群，万元）", "Turnover by cluster (10k yuan)"),
                             [(b.key or tr("未填", "n/a"), float(b.amount_yuan) / 10_000) for b in c.by_cluster],
                             horizontal=True),
        "funnel": funnel_chart(tr("对接漏斗", "Matching funnel"),
                               [(step.label if page.lang == "zh" else step.status, step.reached)
                                for step in s.funnel.steps]),
    }
    ch = challenge_stats.challenge_stats(page.session, f)
    charts["challenge_funnel"] = funnel_chart(tr("揭榜挂帅漏斗", "Challenge funnel"),
                                              [(tr(step.label_zh, step.label_en), step.count) for step in ch.funnel])
    charts["challenge_bounty"] = bar_chart(
        tr("揭榜挂帅悬赏（万元）", "Challenge bounty (10k yuan)"),
        [(tr("悬赏总额", "Offered"), float(ch.bounty.offered_yuan) / 10_000),
         (tr("已承诺", "Committed"), float(ch.bounty.committed_yuan) / 10_000),
         (tr("已拨付", "Released"), float(ch.bounty.released_yuan) / 10_000)], horizontal=True)
    plan_year = _year(params.get("plan_year")) or today(page.request.app.state.clock).year
    plan = expert_stats.expert_stats(page.session, year=plan_year, target=page.settings.expert_problem_target)
    query: dict[str, Any] = {k: v for k, v in {"date_from": date_from, "date_to": date_to, "region": region,
                                                 "cluster": cluster}.items() if v}
    return page.render("dashboard.html", s=s, ch=ch, plan=plan, charts=charts, threshold=threshold, filters=query,
                       events=event_stats(page.session), reasons=reason_counts(s.funnel.decline_reasons),
                       clusters=[c.value for c in Cluster],
                       export_query="&".join(f"{k}={v}" for k, v in query.items()))
