"""The bureau's gap analysis: open needs without adequate supply grouped into themes by the matcher (labels,
counties, clusters, budgets, closest supply, coherence), and a theme turned into a draft 揭榜挂帅 challenge or a
draft 对接会 in one step."""

import hashlib
import statistics
from collections import Counter
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlmodel import Session, col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.challenges import service as challenges
from services.catalog.challenges.models import Challenge
from services.catalog.challenges.schemas import ChallengeCreate
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import ValidationFailed
from services.catalog.core.tables import Clock, utcnow
from services.catalog.events import service as events
from services.catalog.events.models import Event
from services.catalog.events.schemas import EventCreate
from services.catalog.events.vocab import EventKind
from services.catalog.items.models import TechNeed
from services.catalog.matching import themes as matching_themes
from services.catalog.matching.service import MatcherUnavailable
from services.catalog.workflow import stats
from services.catalog.workflow.schemas import GapTheme, GapThemes, ThemeDraft, ThemeNeed, ThemeOutput
from shared.vocab import NeedStatus

CENT = Decimal("0.01")
DEFAULT_BOUNTY = Decimal("1000000.00")  # a draft's placeholder bounty when none of its needs states a budget
CHALLENGE_NEEDS = 10  # a challenge links at most this many needs (ChallengeCreate); the rest are listed in its text
CHALLENGE_DAYS = 60
EVENT_DAYS = 30
BEIJING = timezone(timedelta(hours=8))


def theme_key(need_ids: list[int]) -> str:
    """A theme's stable key: the start of the SHA-1 of its sorted need ids."""
    return hashlib.sha1(",".join(str(i) for i in sorted(set(need_ids))).encode()).hexdigest()[:12]


def _budget(need: TechNeed) -> Decimal | None:
    value = need.budget_max_yuan if need.budget_max_yuan is not None else need.budget_min_yuan
    return None if value is None else Decimal(value).quantize(CENT)


def _theme_need(need: TechNeed, orgs: dict[int, str]) -> ThemeNeed:
    return ThemeNeed(need_id=need.id or 0, title=need.title, organisation_name=orgs.get(need.organisation_id or 0),
                     cluster=need.cluster, region=need.region, budget_yuan=_budget(need))


def _label(terms: list[str], sep: str) -> str:
    return sep.join(terms[:3])


def _needs(session: Session, ids: list[int]) -> tuple[dict[int, TechNeed], dict[int, str]]:
    rows = {n.id or 0: n for n in session.exec(select(TechNeed).where(col(TechNeed.id).in_(ids)))} if ids else {}
    org_ids = {n.organisation_id for n in rows.values() if n.organisation_id}
    orgs = {o.id or 0: o.name for o in session.exec(select(Organisation).where(col(Organisation.id).in_(org_ids)))
            } if org_ids else {}
    return rows, orgs


def gap_themes(session: Session, *, settings: CatalogSettings, user: User, f: stats.StatsFilter, threshold: float,
               limit: int = 2000, shown: int = 100) -> GapThemes:
    """Themes of the open needs without adequate supply (at most `limit` of them, oldest first), beside the flat
    list (its first `shown`); without the matcher, the flat list alone and `matcher_available` false."""
    cov = stats.coverage(session, f, threshold=threshold, unmet_limit=limit)
    ids = [u.need_id for u in cov.unmet]
    base = GapThemes(threshold=threshold, unmet_count=cov.unmet_count, analysed=len(ids), matcher_available=True,
                     themes=[], unclustered=[], unmet=cov.unmet[:shown])
    if len(ids) < 2:
        return base
    try:
        answer = matching_themes.ask_themes(settings=settings, need_ids=ids, user=user)
    except MatcherUnavailable:
        return base.model_copy(update={
            "matcher_available": False, "message_zh": "匹配服务暂时不可用，无法归纳需求主题；以下为供给不足的需求清单",
            "message_en": "The matcher is unavailable, so no themes; the needs without adequate supply follow"})
    found = matching_themes.visible_themes(session=session, user=user, answer=answer)
    needs, orgs = _needs(session, ids)
    themes = []
    for group in found.groups:
        rows = [needs[i] for i in group.need_ids if i in needs]
        if not rows:
            continue
        budgets = [b for b in (_budget(n) for n in rows) if b is not None]
        zh = group.terms_zh or [rows[0].title]
        themes.append(GapTheme(
            key=theme_key([n.id or 0 for n in rows]), label_zh=_label(zh, "、"),
            label_en=_label(group.terms_en, ", ") or _label(zh, ", "), terms_zh=group.terms_zh,
            terms_en=group.terms_en, size=len(rows), needs=[_theme_need(n, orgs) for n in rows],
            counties=dict(Counter(n.region or "未填" for n in rows).most_common()),
            clusters=dict(Counter(n.cluster or "未填" for n in rows).most_common()),
            budget_total_yuan=sum(budgets, Decimal("0.00")),
            budget_median_yuan=Decimal(statistics.median(budgets)).quantize(CENT) if budgets else None,
            budgets_stated=len(budgets),
            supply=[ThemeOutput(output_id=o.id or 0, title=o.title, score=score) for o, score in group.supply],
            coherence=group.coherence))
    return base.model_copy(update={
        "themes": themes, "unclustered": [_theme_need(needs[i], orgs) for i in found.unclustered if i in needs],
        "coherence": found.coherence, "baseline": found.baseline, "model": found.model})


def _invalid(zh: str, en: str, column: str) -> ValidationFailed:
    return ValidationFailed(zh, en, detail=[{"column": column, "zh": zh, "en": en}])


def _draft_needs(session: Session, *, key: str, data: ThemeDraft) -> list[TechNeed]:
    """The theme's needs, checked: the key is theirs and each is an open need."""
    ids = list(dict.fromkeys(data.need_ids))
    if theme_key(ids) != key:
        raise _invalid("主题编号与所列需求不符，请刷新缺口分析后重试",
                       "The theme key does not match these needs; reload the gap analysis and retry", "need_ids")
    rows, _ = _needs(session, ids)
    for need_id in ids:
        need = rows.get(need_id)
        if need is None or need.status != NeedStatus.open:
            raise _invalid(f"需求 {need_id} 不存在或已不在征集中", f"Need {need_id} does not exist or is no longer open",
                           "need_ids")
    return [rows[i] for i in ids]


def _common(values: list[str | None]) -> str | None:
    """The value every row shares, else the most common one if it holds a majority, else None."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    value, n = counts.most_common(1)[0]
    return value if n * 2 > len(values) else None


def _label_of(data: ThemeDraft, needs: list[TechNeed]) -> str:
    return _label(data.terms_zh, "、") or needs[0].title


def theme_to_challenge(session: Session, *, user: User, key: str, data: ThemeDraft,
                       clock: Clock = utcnow) -> Challenge:
    """A theme as a draft 揭榜挂帅 call owned by the caller's organisation (the bureau's): title from its label, the
    needs listed in the problem, the bounty suggested by their budgets; not committed."""
    needs = _draft_needs(session, key=key, data=data)
    label = _label_of(data, needs)
    budgets = [b for b in (_budget(n) for n in needs) if b is not None]
    bounty = sum(budgets, Decimal("0.00")) if budgets and sum(budgets) > 0 else DEFAULT_BOUNTY
    lines = [f"{i}. {n.title}" + (f"（{n.region}）" if n.region else "") for i, n in enumerate(needs, start=1)]
    problem = (f"本榜单汇集 {len(needs)} 项尚无合适供给的技术需求（主题：{label}）：\n" + "\n".join(lines)
               + ("\n\n悬赏金额按各需求预算合计建议，请核定。" if budgets else "\n\n各需求未填预算，悬赏金额为占位值，请核定。"))
    owner = data.owner_org_id or user.organisation_id
    create = ChallengeCreate.model_validate({
        "title": f"揭榜挂帅：{label}"[:300], "problem": problem[:20000], "bounty_yuan": str(bounty),
        "deadline": (clock() + timedelta(days=CHALLENGE_DAYS)).isoformat(),
        "need_ids": [n.id for n in needs[:CHALLENGE_NEEDS]], "owner_org_id": owner,
        "cluster": _common([n.cluster for n in needs]), "region": _common([n.region for n in needs]),
    })
    return challenges.create_challenge(session, user=user, data=create, clock=clock)


def theme_to_event(session: Session, *, user: User, key: str, data: ThemeDraft, clock: Clock = utcnow) -> Event:
    """A theme as a draft 对接会 in a month (Beijing 09:00), with the theme's terms as its theme; not committed."""
    needs = _draft_needs(session, key=key, data=data)
    label = _label_of(data, needs)
    day = (clock().astimezone(BEIJING) + timedelta(days=EVENT_DAYS)).date()
    starts = datetime.combine(day, time(9, 0), BEIJING)
    theme = "、".join(data.terms_zh) or " ".join(n.title for n in needs[:5])
    create = EventCreate.model_validate({
        "title": f"{label} 专题对接会"[:300], "kind": EventKind.matchmaking.value, "theme": theme[:300],
        "cluster": _common([n.cluster for n in needs]), "region": _common([n.region for n in needs]),
        "starts_at": starts.isoformat(), "registration_deadline": (starts - timedelta(days=3)).isoformat(),
        "capacity": min(max(30, 3 * len(needs)), 5000),
    })
    return events.create_event(session, user=user, data=create, clock=clock)
