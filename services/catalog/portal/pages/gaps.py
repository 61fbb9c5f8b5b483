"""The bureau's unmet-need themes (未满足需求主题): open needs without adequate supply grouped by the matcher,
each with its label, counties, clusters, budgets and closest supply, one click from a draft 揭榜挂帅 challenge or
a draft 对接会; the flat list when the matcher is down; the XLSX export."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from services.catalog.accounts.vocab import STAFF, Role
from services.catalog.core.errors import ValidationFailed
from services.catalog.portal.context import PageDep
from services.catalog.portal.routing import PortalRoute
from services.catalog.workflow import gaps, stats
from services.catalog.workflow.schemas import ThemeDraft

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/bureau/gaps")
def gap_page(page: PageDep) -> Response:
    """The themes of the needs without adequate supply, with their two buttons and the export link."""
    user = page.require(*STAFF)
    threshold = float(getattr(page.settings, "coverage_threshold", 0.5))
    data = gaps.gap_themes(page.session, settings=page.settings, user=user, f=stats.StatsFilter(),
                           threshold=threshold, shown=50)
    return page.render("gaps.html", g=data, can_challenge=user.role == Role.admin)


def _draft(need_ids: str, terms: str) -> ThemeDraft:
    try:
        ids = [int(x) for x in need_ids.split(",") if x.strip()]
        return ThemeDraft(need_ids=ids, terms_zh=[t for t in terms.split("|") if t.strip()][:10])
    except ValueError as exc:
        raise ValidationFailed("主题数据有误，请刷新页面后重试", "The theme's data is invalid; reload the page and retry",
                               detail=[{"column": "need_ids", "zh": "需求编号有误", "en": "invalid need ids"}]) from exc


@router.post("/bureau/gaps/themes/{key}/{target}")
def theme_draft(key: str, target: str, page: PageDep, need_ids: Annotated[str, Form(max_length=20000)] = "",
                terms: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Turn a theme into a draft challenge (the bureau) or a draft 对接会 (brokers and the bureau), then open it."""
    user = page.require(*STAFF)
    if target not in ("challenge", "event") or len(key) != 12:
        raise ValidationFailed("未知的操作", "Unknown action",
                               detail=[{"column": "target", "zh": "应为 challenge 或 event", "en": "challenge or event"}])
    data = _draft(need_ids, terms)
    clock = page.request.app.state.clock
    if target == "challenge":
        challenge = gaps.theme_to_challenge(page.session, user=user, key=key, data=data, clock=clock)
        page.session.commit()
        return page.redirect(f"/challenges/{challenge.id}")
    event = gaps.theme_to_event(page.session, user=user, key=key, data=data, clock=clock)
    page.session.commit()
    return page.redirect(f"/events/{event.id}/plan")
