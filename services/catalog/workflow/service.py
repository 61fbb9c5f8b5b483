"""Rules of the broker workflow: proposing pairs, moving them along, introductions and the broker queue."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import STAFF, Role, is_staff
from services.catalog.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from services.catalog.core.tables import utcnow
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.present import organisations_by_id
from services.catalog.workflow import feedback
from services.catalog.workflow.models import Match, MatchEvent
from services.catalog.workflow.notifications import notify, org_users
from services.catalog.workflow.schemas import Contacts, EventPublic, MatchPublic
from services.catalog.workflow.transitions import STEP_DAYS, TIMESTAMP, check_transition, label
from services.catalog.workflow.vocab import REASON_EN, DeclineReason, EventKind, MatchStatus, Response, Side
from shared.vocab import NeedStatus

CLOSED_NEEDS = (NeedStatus.solved, NeedStatus.closed)


def visible_clause(user: User) -> Any:
    """SQL condition for the matches a caller may see: staff all, parties their own once introduced."""
    if is_staff(user):
        return sa.true()
    introduced = col(Match.introduced_at).is_not(None)
    if user.role == Role.enterprise and user.organisation_id is not None:
        own = select(TechNeed.id).where(TechNeed.organisation_id == user.organisation_id)
        return sa.and_(introduced, col(Match.need_id).in_(own))
    if user.role == Role.university and user.organisation_id is not None:
        own_out = select(ResearchOutput.id).where(ResearchOutput.organisation_id == user.organisation_id)
        return sa.and_(introduced, col(Match.output_id).in_(own_out))
    return sa.false()


def get_match(session: Session, *, match_id: int, user: User, for_update: bool = False) -> Match:
    """A match the caller may see (404 otherwise, so others' pairs stay private); optionally row-locked."""
    stmt = select(Match).where(col(Match.id) == match_id, visible_clause(user))
    if for_update:
        stmt = stmt.with_for_update()
    match = session.exec(stmt).first()
    if match is None:
        raise NotFound(f"找不到对接 {match_id}，或您无权查看", f"No match {match_id}, or you may not see it")
    return match


def _check_version(match: Match, version: int | None) -> None:
    if version is not None and version != match.version:
        raise Conflict(f"对接 {match.id} 已被他人修改（当前版本 {match.version}），请刷新后重试",
                       f"Match {match.id} was changed meanwhile (now version {match.version}); reload and retry")


def _event(session: Session, match: Match, actor: User | None, kind: EventKind, *, from_status: str | None = None,
           to_status: str | None = None, reason: str | None = None, note: str | None = None) -> None:
    assert match.id is not None
    session.add(MatchEvent(match_id=match.id, actor_id=actor.id if actor else None, kind=kind,
                           from_status=from_status, to_status=to_status, reason=reason, note=note))


def _broker(session: Session, broker_id: int) -> User:
    broker = session.get(User, broker_id)
    if broker is None or not broker.is_active or broker.role not in STAFF:
        raise ValidationFailed(f"用户 {broker_id} 不是技术经纪人或管理员", f"User {broker_id} is not a broker or admin",
                               detail=[{"column": "broker_id", "zh": "应为在职的技术经纪人或管理员",
                                        "en": "must be an active broker or admin"}])
    return broker


def propose(session: Session, *, user: User, need: TechNeed, output: ResearchOutput, score: float,
            explanation: dict[str, Any], components: dict[str, float], model: str | None,
            broker_id: int | None, note: str | None) -> Match:
    """Record a proposed pair with the matcher's verdict frozen (not committed)."""
    if need.status in CLOSED_NEEDS:
        raise Conflict(f"需求 {need.id} 已{'解决' if need.status == NeedStatus.solved else '关闭'}，不能再推荐对接",
                       f"Need {need.id} is {need.status}; no new matches")
    existing = session.exec(select(Match).where(Match.need_id == need.id, Match.output_id == output.id)).first()
    if existing is not None:
        raise Conflict(f"该需求与该成果已有对接 {existing.id}（{label(existing.status)}）",
                       f"This need and output already form match {existing.id} ({existing.status})")
    broker = _broker(session, broker_id) if broker_id is not None else user
    match = Match(need_id=need.id or 0, output_id=output.id or 0, score=score, explanation=explanation,
                  components=components, model=model, broker_id=broker.id, proposed_by=user.id)
    session.add(match)
    session.flush()
    _event(session, match, user, EventKind.transition, to_status=MatchStatus.proposed, note=note)
    return match


def _parties(session: Session, match: Match) -> tuple[TechNeed, ResearchOutput]:
    need = session.get(TechNeed, match.need_id)
    output = session.get(ResearchOutput, match.output_id)
    assert need is not None and output is not None  # cascading deletes remove the match with either
    return need, output


def _party_users(session: Session, match: Match) -> list[User]:
    need, output = _parties(session, match)
    return org_users(session, need.organisation_id) + org_users(session, output.organisation_id)


def _broker_users(session: Session, match: Match) -> list[User]:
    broker = session.get(User, match.broker_id) if match.broker_id else None
    return [broker] if broker is not None else []


def transition(session: Session, *, match: Match, user: User, to: MatchStatus, reason: str | None = None,
               note: str | None = None, version: int | None = None, via_contract: bool = False) -> Match:
    """Move a match one step (not committed): records history and feedback, notifies whom it concerns."""
    _check_version(match, version)
    check_transition(match, to, reason=reason, via_contract=via_contract)
    previous = match.status
    now = utcnow()
    match.status = to
    setattr(match, TIMESTAMP[to], now)
    if to in STEP_DAYS:
        column, since = STEP_DAYS[to]
        setattr(match, column, round((now - getattr(match, TIMESTAMP[since])).total_seconds() / 86400, 4))
    match.updated_at = now
    match.version += 1
    if to is MatchStatus.declined:
        match.decline_reason, match.decline_note, match.declined_from = reason, note, previous
    if to is MatchStatus.introduced:
        match.need_response = match.output_response = Response.pending
    session.add(match)
    session.flush()
    _event(session, match, user, EventKind.transition, from_status=previous, to_status=to, reason=reason, note=note)
    if to is not MatchStatus.introduced:
        feedback.record(session, match=match, actor_id=user.id, note=note)
    _notify_transition(session, match, user, previous, to)
    return match


def _notify_transition(session: Session, match: Match, user: User, previous: str, to: MatchStatus) -> None:
    need, output = _parties(session, match)
    if to is MatchStatus.introduced:
        notify(session, users=_party_users(session, match), kind="introduction", match_id=match.id,
               subject=f"对接引荐：{need.title} ↔ {output.title} / New introduction",
               body=(f"技术经纪人为需求“{need.title}”与成果“{output.title}”牵线，请登录平台接受或谢绝。"
                     f"双方均接受后将互相公开联系方式。\n"
                     f"A broker has introduced the need “{need.title}” to the output “{output.title}”. "
                     f"Sign in to accept or decline; contact details are shared once both sides accept."))
    elif to is MatchStatus.declined and match.introduced_at is not None:
        reason = match.decline_reason or ""
        notify(session, users=_party_users(session, match) + _broker_users(session, match), kind="declined",
               match_id=match.id, subject=f"对接已终止：{need.title} / Match declined",
               body=(f"需求“{need.title}”与成果“{output.title}”的对接已终止，原因：{reason}。\n"
                     f"The match between “{need.title}” and “{output.title}” was declined "
                     f"({REASON_EN.get(reason, reason)})."))
    elif to in (MatchStatus.negotiating, MatchStatus.signed):
        zh, en = ("进入洽谈", "moved to negotiation") if to is MatchStatus.negotiating else ("已签约", "is signed")
        notify(session, users=_party_users(session, match), kind=to.value, match_id=match.id,
               subject=f"对接{zh}：{need.title} / Match {en}",
               body=f"需求“{need.title}”与成果“{output.title}”的对接{zh}。\n"
                    f"The match between “{need.title}” and “{output.title}” {en}.")


def shortlist_many(session: Session, *, user: User, match_ids: list[int],
                   note: str | None) -> tuple[list[int], list[dict[str, Any]]]:
    """Shortlist several matches (not committed); returns those done and those refused with why."""
    done: list[int] = []
    refused: list[dict[str, Any]] = []
    for match_id in dict.fromkeys(match_ids):
        try:
            match = get_match(session, match_id=match_id, user=user, for_update=True)
            transition(session, match=match, user=user, to=MatchStatus.shortlisted, note=note)
        except AppError as exc:
            refused.append({"match_id": match_id, "error": exc.code, "message_zh": exc.zh, "message_en": exc.en})
        else:
            done.append(match_id)
    return done, refused


def assign(session: Session, *, match: Match, user: User, broker_id: int) -> Match:
    """Put a broker in charge of a match (not committed)."""
    broker = _broker(session, broker_id)
    previous = match.broker_id
    match.broker_id = broker.id
    match.updated_at = utcnow()
    match.version += 1
    session.add(match)
    _event(session, match, user, EventKind.assign, note=f"{previous or '-'} → {broker.id}")
    if broker.id != user.id:
        need, output = _parties(session, match)
        notify(session, users=[broker], kind="assigned", match_id=match.id,
               subject=f"您被指派负责对接 {match.id} / You were assigned a match",
               body=f"需求“{need.title}”与成果“{output.title}”的对接已指派给您。\n"
                    f"You now handle the match between “{need.title}” and “{output.title}”.")
    return match


def add_note(session: Session, *, match: Match, user: User, note: str) -> None:
    """Add a note to a match's history (not committed)."""
    _event(session, match, user, EventKind.note, from_status=match.status, to_status=match.status, note=note)


def side_of(session: Session, *, match: Match, user: User) -> Side:
    """Which party of the match the caller speaks for (403 if neither)."""
    need, output = _parties(session, match)
    if user.role == Role.enterprise and user.organisation_id == need.organisation_id:
        return Side.need
    if user.role == Role.university and user.organisation_id == output.organisation_id:
        return Side.output
    raise Forbidden("只有需求方或成果方的用户可以答复引荐",
                    "Only the need's enterprise or the output's owner may answer an introduction")


def respond(session: Session, *, match: Match, user: User, accept: bool, reason: str | None,
            note: str | None) -> Match:
    """A party accepts or declines an introduction for its own side (not committed)."""
    side = side_of(session, match=match, user=user)
    if match.status != MatchStatus.introduced:
        raise Conflict(f"对接 {match.id} 当前为“{label(match.status)}”，不在等待答复的引荐阶段",
                       f"Match {match.id} is {match.status}, not an introduction awaiting an answer")
    attr = f"{side.value}_response"
    if getattr(match, attr) != Response.pending:
        raise Conflict("贵方已答复过该引荐", "Your side has already answered this introduction")
    answer = Response.accepted if accept else Response.declined
    setattr(match, attr, answer)
    match.updated_at = utcnow()
    match.version += 1
    session.add(match)
    _event(session, match, user, EventKind.response, from_status=match.status, to_status=match.status,
           reason=reason, note=f"{side.value}: {answer.value}" + (f" — {note}" if note else ""))
    if not accept:
        return transition(session, match=match, user=user, to=MatchStatus.declined,
                          reason=reason or DeclineReason.other, note=note)
    need, output = _parties(session, match)
    if match.need_response == match.output_response == Response.accepted:
        feedback.record(session, match=match, actor_id=user.id, note=note)
        notify(session, users=_party_users(session, match) + _broker_users(session, match), kind="accepted",
               match_id=match.id, subject=f"双方已接受引荐：{need.title} / Both parties accepted",
               body=(f"需求“{need.title}”与成果“{output.title}”的双方均已接受引荐，联系方式已对双方公开。\n"
                     f"Both parties accepted the introduction of “{need.title}” and “{output.title}”; "
                     f"contact details are now visible to both."))
    else:
        who = "需求方" if side is Side.need else "成果方"
        notify(session, users=_broker_users(session, match), kind="response", match_id=match.id,
               subject=f"{who}已接受引荐：{need.title} / One party accepted",
               body=f"{who}已接受需求“{need.title}”与成果“{output.title}”的引荐，等待另一方答复。\n"
                    f"The {side.value} side accepted; waiting for the other party.")
    return match


def history(session: Session, *, match: Match, viewer: User) -> list[EventPublic]:
    """A match's history, oldest first, with each actor's display name; brokers' notes are for staff only."""
    rows = session.exec(
        select(MatchEvent, User)
        .join(User, col(User.id) == col(MatchEvent.actor_id), isouter=True)
        .where(MatchEvent.match_id == match.id)
        .order_by(col(MatchEvent.id))
    ).all()
    staff_reader = is_staff(viewer)
    events = []
    for event, actor in rows:
        internal = actor is not None and is_staff(actor)
        if internal and event.kind == EventKind.note and not staff_reader:
            continue
        events.append(EventPublic(**event.model_dump(exclude={"match_id", "note"}),
                                  note=None if internal and not staff_reader else event.note,
                                  actor_name=(actor.display_name or actor.login) if actor else None))
    return events


def present(session: Session, matches: list[Match]) -> list[MatchPublic]:
    """Matches with titles, broker names and (once both accepted) the parties' contacts."""
    if not matches:
        return []
    need_ids = {m.need_id for m in matches}
    output_ids = {m.output_id for m in matches}
    needs = {n.id: n for n in session.exec(select(TechNeed).where(col(TechNeed.id).in_(need_ids))).all()}
    outputs = {o.id: o for o in session.exec(select(ResearchOutput).where(col(ResearchOutput.id).in_(output_ids))).all()}
    org_ids = {n.organisation_id for n in needs.values()} | {o.organisation_id for o in outputs.values()}
    orgs = {oid: o.name for oid, o in organisations_by_id(session, org_ids).items()}
    broker_ids = {m.broker_id for m in matches if m.broker_id}
    brokers = {u.id: (u.display_name or u.login) for u in session.exec(select(User).where(col(User.id).in_(broker_ids))).all()}
    result = []
    for m in matches:
        need, output = needs[m.need_id], outputs[m.output_id]
        contacts = None
        if m.need_response == m.output_response == Response.accepted:
            contacts = Contacts(need_organisation=orgs.get(need.organisation_id), need_contact=need.contact,
                                output_organisation=orgs.get(output.organisation_id), output_contact=output.contact)
        result.append(MatchPublic(
            **m.model_dump(exclude={"proposed_by", "declined_from"}), need_title=need.title,
            output_title=output.title, status_label=label(m.status),
            broker_name=brokers.get(m.broker_id) if m.broker_id else None, contacts=contacts,
        ))
    return result


def list_matches(session: Session, *, user: User, need_id: int | None, output_id: int | None,
                 status: MatchStatus | None, broker_id: int | None, page: int,
                 page_size: int) -> tuple[list[Match], int]:
    """A page of the matches the caller may see, newest first, and their total."""
    stmt = select(Match).where(visible_clause(user))
    for column, value in ((Match.need_id, need_id), (Match.output_id, output_id), (Match.status, status),
                          (Match.broker_id, broker_id)):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(Match.id).desc()).offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total


def broker_queue(session: Session, *, sort: str, cluster: str | None, region: str | None, broker_id: int | None,
                 top: int, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """Open needs awaiting review (with proposed matches, or with no live match yet) and their best candidates."""
    proposed: Any = (
        select(col(Match.need_id).label("need_id"), func.max(Match.score).label("best"),
               func.count().label("n"))
        .where(col(Match.status) == MatchStatus.proposed)
    )
    if broker_id is not None:
        proposed = proposed.where(col(Match.broker_id) == broker_id)
    best = proposed.group_by(col(Match.need_id)).subquery()
    live = select(Match.need_id).where(col(Match.status) != MatchStatus.declined)
    waiting = sa.or_(best.c.need_id.is_not(None), col(TechNeed.id).not_in(live))
    stmt = (
        select(TechNeed, best.c.best, best.c.n)
        .join(best, best.c.need_id == col(TechNeed.id), isouter=True)
        .where(col(TechNeed.status) == NeedStatus.open, waiting)
    )
    if broker_id is not None:
        stmt = stmt.where(best.c.need_id.is_not(None))
    if cluster:
        stmt = stmt.where(col(TechNeed.cluster) == cluster)
    if region:
        stmt = stmt.where(col(TechNeed.region) == region)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    by_age = [col(TechNeed.created_at).asc(), best.c.best.desc().nulls_last()]
    by_score = [best.c.best.desc().nulls_last(), col(TechNeed.created_at).asc()]
    order = (by_score if sort == "score" else by_age) + [col(TechNeed.id).asc()]
    rows = session.exec(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    need_ids = [need.id for need, _, _ in rows]
    candidates: dict[int, list[Match]] = {}
    if need_ids:
        cand_stmt = select(Match).where(col(Match.need_id).in_(need_ids), col(Match.status) == MatchStatus.proposed)
        if broker_id is not None:
            cand_stmt = cand_stmt.where(col(Match.broker_id) == broker_id)
        for m in session.exec(cand_stmt.order_by(col(Match.score).desc(), col(Match.id))).all():
            if len(candidates.setdefault(m.need_id, [])) < top:
                candidates[m.need_id].append(m)
    orgs = {oid: o.name for oid, o in organisations_by_id(session, {n.organisation_id for n, _, _ in rows}).items()}
    now = utcnow()
    entries = []
    for need, best_score, n in rows:
        entries.append({
            "need_id": need.id, "title": need.title, "organisation_name": orgs.get(need.organisation_id),
            "cluster": need.cluster, "region": need.region, "confidentiality": need.confidentiality,
            "created_at": need.created_at, "age_days": round((now - need.created_at).total_seconds() / 86400, 2),
            "best_score": best_score, "proposed_count": n or 0,
            "candidates": present(session, candidates.get(need.id or 0, [])),
        })
    return entries, total
