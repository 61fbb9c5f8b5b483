"""The bureau's statistics (brokers and admins only) as JSON, XLSX or CSV."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from services.catalog.api.deps import ClockDep, SessionDep, SettingsDep, StaffUser
from services.catalog.challenges import stats as challenge_stats
from services.catalog.challenges.schemas import ChallengeStats
from services.catalog.core.errors import ValidationFailed
from services.catalog.workflow import export, gaps, stats
from services.catalog.workflow.schemas import (
    BrokerActivity,
    ContractStats,
    Coverage,
    DraftCreated,
    Funnel,
    GapThemes,
    Overview,
    StatsSummary,
    ThemeDraft,
)
from shared.openapi import error_responses
from shared.vocab import Cluster

router = APIRouter(prefix="/stats", tags=["statistics"])
ERRORS = error_responses(401, 403, s403="brokers and admins only")


def stats_filter(
    date_from: Annotated[date | None, Query(description="from this day (inclusive)")] = None,
    date_to: Annotated[date | None, Query(description="up to this day (inclusive)")] = None,
    region: Annotated[str | None, Query(max_length=50, description="county/district, e.g. 新会区")] = None,
    cluster: Cluster | None = None,
) -> stats.StatsFilter:
    """Parse the filters shared by every statistic."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed("开始日期不能晚于结束日期", "date_from must not be after date_to",
                               detail=[{"column": "date_from", "zh": "不能晚于结束日期", "en": "must not be after date_to"}])
    return stats.StatsFilter(date_from=date_from, date_to=date_to, region=region, cluster=cluster)


FilterDep = Annotated[stats.StatsFilter, Depends(stats_filter)]
Threshold = Annotated[float | None, Query(ge=0.0, le=1.0, description="adequate-supply score; default from settings")]


@router.get("", response_model=StatsSummary, responses=ERRORS)
def summary(user: StaffUser, session: SessionDep, settings: SettingsDep, f: FilterDep, threshold: Threshold = None) -> Any:
    """Every statistic at once."""
    return stats.summary(session, f, threshold=threshold if threshold is not None else settings.coverage_threshold)


@router.get("/overview", response_model=Overview, responses=ERRORS)
def overview(user: StaffUser, session: SessionDep, f: FilterDep) -> Any:
    """Counts of outputs, needs (open / solved), matches by status and contracts."""
    return stats.overview(session, f)


@router.get("/funnel", response_model=Funnel, responses=ERRORS)
def funnel(user: StaffUser, session: SessionDep, f: FilterDep) -> Any:
    """The funnel from proposed to signed: conversion rates, median days per step, decline reasons."""
    return stats.funnel(session, f)


@router.get("/contracts", response_model=ContractStats, responses=ERRORS)
def contracts(user: StaffUser, session: SessionDep, f: FilterDep) -> Any:
    """Contract count and turnover by month, county/district, cluster and type."""
    return stats.contracts(session, f)


@router.get("/brokers", response_model=list[BrokerActivity], responses=ERRORS)
def brokers(user: StaffUser, session: SessionDep, f: FilterDep) -> Any:
    """Each broker's matches by status, actions in the period and contracts registered."""
    return stats.brokers(session, f)


@router.get("/coverage", response_model=Coverage, responses=ERRORS)
def coverage(user: StaffUser, session: SessionDep, settings: SettingsDep, f: FilterDep, threshold: Threshold = None,
             limit: Annotated[int, Query(ge=0, le=5000)] = 100) -> Any:
    """Share of open needs with adequate supply, and the needs without (candidates for 揭榜挂帅)."""
    return stats.coverage(session, f, threshold=threshold if threshold is not None else settings.coverage_threshold,
                          unmet_limit=limit)


@router.get("/challenges", response_model=ChallengeStats, responses=ERRORS)
def challenges(user: StaffUser, session: SessionDep, f: FilterDep) -> Any:
    """揭榜挂帅: the challenge funnel and the bounty offered, committed and released, by cluster and county."""
    return challenge_stats.challenge_stats(session, f)


@router.get("/export", responses={**ERRORS, 200: {"content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}, "text/csv": {}}}})
def export_stats(
    user: StaffUser, session: SessionDep, settings: SettingsDep, f: FilterDep, threshold: Threshold = None,
    format: Literal["xlsx", "csv"] = "xlsx",
    report: Annotated[str, Query(description="for CSV: " + ", ".join(export.REPORTS))] = "contracts_by_month",
    limit: Annotated[int, Query(ge=0, le=50000, description="most needs in the unmet-needs list")] = 1000,
) -> Response:
    """All statistics as an XLSX workbook, or one report as CSV, with Chinese headers."""
    if format == "csv" and report not in export.REPORTS:
        choices = ", ".join(export.REPORTS)
        raise ValidationFailed(f"没有名为 {report} 的报表，可选：{choices}", f"No report {report}; choose one of {choices}",
                               detail=[{"column": "report", "zh": f"可选：{choices}", "en": f"one of {choices}"}])
    data = stats.summary(session, f, threshold=threshold if threshold is not None else settings.coverage_threshold,
                         unmet_limit=limit)
    figures = challenge_stats.challenge_stats(session, f)
    if format == "csv":
        return Response(export.to_csv(data, figures, report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="duijie-{report}.csv"'})
    return Response(export.to_xlsx(data, figures),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="duijie-stats.xlsx"'})


GapLimit = Annotated[int, Query(ge=2, le=5000, description="most unmet needs grouped into themes (oldest first)")]
ThemeKey = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="the theme's key from GET /stats/gaps")]
DRAFT_ERRORS = error_responses(401, 403, 422, s403="brokers and admins only; challenges: the bureau (admins) only")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _gap_themes(user: StaffUser, session: SessionDep, settings: SettingsDep, f: FilterDep, threshold: Threshold,
                limit: GapLimit) -> GapThemes:
    return gaps.gap_themes(session, settings=settings, user=user, f=f, limit=limit,
                           threshold=threshold if threshold is not None else settings.coverage_threshold)


@router.get("/gaps", response_model=GapThemes, responses=ERRORS)
def gap_themes(user: StaffUser, session: SessionDep, settings: SettingsDep, f: FilterDep, threshold: Threshold = None,
               limit: GapLimit = 2000) -> Any:
    """Unmet-need themes: the open needs without adequate supply grouped by the matcher, each with its label,
    counties, clusters, budgets, closest supply and coherence; the flat list alone when the matcher is down."""
    return _gap_themes(user, session, settings, f, threshold, limit)


@router.get("/gaps.xlsx", responses={**ERRORS, 200: {"content": {XLSX: {}}}})
def gap_themes_xlsx(user: StaffUser, session: SessionDep, settings: SettingsDep, f: FilterDep,
                    threshold: Threshold = None, limit: GapLimit = 2000) -> Response:
    """The unmet-need themes as an XLSX workbook: one sheet of themes, one of their needs, one of the flat list."""
    data = _gap_themes(user, session, settings, f, threshold, limit)
    return Response(export.gaps_xlsx(data), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="duijie-gaps.xlsx"'})


@router.post("/gaps/themes/{key}/challenge", response_model=DraftCreated, status_code=201, responses=DRAFT_ERRORS)
def theme_to_challenge(key: ThemeKey, body: ThemeDraft, user: StaffUser, session: SessionDep,
                       clock: ClockDep) -> Any:
    """Turn a theme into a draft 揭榜挂帅 challenge owned by the bureau (its needs listed, bounty from budgets)."""
    challenge = gaps.theme_to_challenge(session, user=user, key=key, data=body, clock=clock)
    session.commit()
    return DraftCreated(kind="challenge", id=challenge.id or 0, title=challenge.title,
                        url=f"/challenges/{challenge.id}")


@router.post("/gaps/themes/{key}/event", response_model=DraftCreated, status_code=201, responses=DRAFT_ERRORS)
def theme_to_event(key: ThemeKey, body: ThemeDraft, user: StaffUser, session: SessionDep, clock: ClockDep) -> Any:
    """Turn a theme into a draft 对接会 with the theme's terms as its theme."""
    event = gaps.theme_to_event(session, user=user, key=key, data=body, clock=clock)
    session.commit()
    return DraftCreated(kind="event", id=event.id or 0, title=event.title, url=f"/events/{event.id}/plan")
