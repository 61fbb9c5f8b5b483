"""A year of the demo's work ending now. The broker's: pairs proposed month by month, shortlisted, introduced,
answered by the parties, declined with reasons, negotiated and signed with a registered contract, written through the
workflow services (which stamp the present) and dated into the past in the same step, history rows and inboxes
included. Beside it, a roadshow of seven months ago and an expert's monthly visits to a town."""

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session, col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import Role
from services.catalog.core.tables import Clock
from services.catalog.events import service as events
from services.catalog.events.models import Event
from services.catalog.events.schemas import EventCreate, RegistrationCreate
from services.catalog.events.vocab import EventStatus
from services.catalog.experts import dispatches as expert_dispatches
from services.catalog.experts import visits as expert_visits
from services.catalog.experts.models import Dispatch, Expert, VisitProblem
from services.catalog.experts.schemas import DispatchCreate, RatingCreate, VisitCreate
from services.catalog.experts.vocab import ProblemStatus
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.workflow import contracts, feedback
from services.catalog.workflow import service as workflow
from services.catalog.workflow.models import Match, MatchEvent, MatchFeedback, Notification
from services.catalog.workflow.schemas import ContractCreate
from services.catalog.workflow.transitions import STEP_DAYS, TIMESTAMP
from services.catalog.workflow.vocab import EventKind, MatchStatus, Response, Side

MONTH = timedelta(days=30.4)
CHINA = ZoneInfo("Asia/Shanghai")
# Where each kept pair stops; declined pairs stop at their "stage" first.
PATH = [MatchStatus.proposed, MatchStatus.shortlisted, MatchStatus.introduced, MatchStatus.negotiating,
        MatchStatus.signed]
# The seed runs before the matcher has indexed anything: every score is the broker's own, and says so.
EXPLANATION_ZH = "演示数据：技术经纪人人工评估的得分，非匹配服务计算。"
EXPLANATION_EN = "Demo data: the broker's own assessment, not computed by the matcher."


class _Backdate:
    """While the seed runs, dates the history rows, inbox entries and feedback the services write at `self.at` (they
    stamp the present) as each flush writes them; older inbox entries are marked read."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now, self.at = session, now, now

    def __enter__(self) -> "_Backdate":
        event.listen(self.session, "before_flush", self._stamp)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.session.flush()
        finally:
            event.remove(self.session, "before_flush", self._stamp)

    def _stamp(self, session: Session, *_: object) -> None:
        for row in session.new:
            if isinstance(row, MatchEvent):
                row.at = self.at
            elif isinstance(row, Notification):
                # those of the last fortnight still wait unread
                row.created_at = self.at
                row.read_at = self.at + timedelta(days=1) if self.at < self.now - timedelta(days=14) else None
        for row in (*session.new, *session.dirty):
            if isinstance(row, MatchFeedback):
                row.decided_at = self.at


def _shared_terms(need: TechNeed, output: ResearchOutput) -> list[str]:
    """Keywords of one side that the other side's text also carries (what the broker saw in common)."""
    need_text = f"{need.title} {need.description} {' '.join(need.keywords)}".lower()
    output_text = f"{output.title} {output.summary} {' '.join(output.keywords)}".lower()
    terms = [k for k in output.keywords if k.lower() in need_text] + [k for k in need.keywords if k.lower() in output_text]
    return list(dict.fromkeys(terms))


def _party(session: Session, organisation_id: int, role: Role) -> User | None:
    """The organisation's own account that may answer an introduction, if it has one."""
    return session.exec(select(User).where(User.organisation_id == organisation_id, User.role == role,
                                           User.is_active == True)).first()  # noqa: E712


def _answer(session: Session, *, match: Match, side: Side, broker: User, accept: bool, reason: str | None,
            note: str | None) -> None:
    """A party answers the introduction: through its own account when it has one, otherwise the broker records the
    answer given by telephone (history says so)."""
    need, output = session.get(TechNeed, match.need_id), session.get(ResearchOutput, match.output_id)
    assert need is not None and output is not None
    org_id, role = (need.organisation_id, Role.enterprise) if side is Side.need else (output.organisation_id,
                                                                                      Role.university)
    party = _party(session, org_id, role)
    if party is not None:
        workflow.respond(session, match=match, user=party, accept=accept, reason=reason, note=note)
        return
    answer = Response.accepted if accept else Response.declined
    setattr(match, f"{side.value}_response", answer)
    match.version += 1
    session.add(match)
    session.add(MatchEvent(match_id=match.id or 0, actor_id=broker.id, kind=EventKind.response,
                           from_status=match.status, to_status=match.status, reason=reason,
                           note=f"{side.value}: {answer.value} — 电话答复，经纪人代录" + (f"：{note}" if note else "")))
    if not accept:
        workflow.transition(session, match=match, user=broker, to=MatchStatus.declined, reason=reason, note=note)
    elif match.need_response == match.output_response == Response.accepted:
        feedback.record(session, match=match, actor_id=broker.id, note=note)


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high), hours=rng.randint(1, 9))


def seed_history(session: Session, *, rows: list[dict[str, Any]], items: dict[str, int], users: dict[str, User],
                 now: datetime) -> list[Match]:
    """Write the demo's year of matches and contracts (not committed); returns the matches."""
    with _Backdate(session, now) as clock:
        return _write(session, rows=rows, items=items, broker=users["broker"], clock=clock)


def _write(session: Session, *, rows: list[dict[str, Any]], items: dict[str, int], broker: User,
           clock: _Backdate) -> list[Match]:
    rng = random.Random(17)  # the same history on every fresh start
    now = clock.now
    latest = now - timedelta(hours=2)

    def at(moment: datetime) -> datetime:
        clock.at = min(moment, latest)
        return clock.at

    made: list[Match] = []
    solved: list[TechNeed] = []
    for n, row in enumerate(sorted(rows, key=lambda r: -float(r["proposed"])), start=1):
        need, output = session.get(TechNeed, items[row["need"]]), session.get(ResearchOutput, items[row["output"]])
        assert need is not None and output is not None
        at(now - MONTH * float(row["proposed"]) - timedelta(hours=rng.randint(0, 48)))
        match = workflow.propose(session, user=broker, need=need, output=output, score=float(row["score"]),
                                 explanation={"zh": EXPLANATION_ZH, "en": EXPLANATION_EN,
                                              "matched_terms": _shared_terms(need, output)},
                                 components={"broker": float(row["score"])}, model=None, broker_id=broker.id,
                                 note=None)
        match.proposed_at = clock.at
        target = MatchStatus(row["to"])
        last = MatchStatus(row.get("stage", target)) if target is MatchStatus.declined else target
        for status in PATH[1:PATH.index(last) + 1]:
            if status is MatchStatus.signed:
                break
            if status is MatchStatus.negotiating:
                for side in (Side.need, Side.output):
                    at(clock.at + _days(rng, 1, 4))
                    _answer(session, match=match, side=side, broker=broker, accept=True, reason=None, note=None)
            at(clock.at + _days(rng, 2, 8))
            says = row["note"] if status is last and target is not MatchStatus.declined else None
            workflow.transition(session, match=match, user=broker, to=status, note=says)
            setattr(match, TIMESTAMP[status], clock.at)
        if target is MatchStatus.introduced:
            for side in row.get("accepted", []):
                at(clock.at + _days(rng, 1, 3))
                _answer(session, match=match, side=Side(side), broker=broker, accept=True, reason=None, note=None)
        elif target is MatchStatus.declined:
            at(clock.at + _days(rng, 2, 10))
            by = row.get("by", "broker")
            if by == "broker":
                workflow.transition(session, match=match, user=broker, to=MatchStatus.declined, reason=row["reason"],
                                    note=row["note"])
            else:
                _answer(session, match=match, side=Side(by), broker=broker, accept=False, reason=row["reason"],
                        note=row["note"])
            match.declined_at = clock.at
        elif target is MatchStatus.signed:
            deal = row["contract"]
            wanted = now - MONTH * float(deal["months_ago"]) - timedelta(days=rng.randint(0, 10))
            at(max(wanted, clock.at + timedelta(days=7)))
            _sign(session, match=match, need=need, output=output, broker=broker, deal=deal, number=n,
                  at=clock.at, now=now)
            if deal["mark_need_solved"]:
                solved.append(need)
        _settle(match, clock.at)
        made.append(match)
    # Needs are marked solved last: an older pair of the same need may be proposed after (in this loop's order).
    for need in solved:
        signed_at = need.updated_at
        contracts.mark_need_solved(session, need)
        need.updated_at = signed_at
        session.add(need)
    return made


def _sign(session: Session, *, match: Match, need: TechNeed, output: ResearchOutput, broker: User,
          deal: dict[str, Any], number: int, at: datetime, now: datetime) -> None:
    """Register the pair's contract, signed at `at` (its need is marked solved later, if the deal says so)."""
    signed_on = at.astimezone(CHINA).date()
    buyer, seller = session.get(Organisation, need.organisation_id), session.get(Organisation, output.organisation_id)
    assert buyer is not None and seller is not None
    contract = contracts.register(session, user=broker, data=ContractCreate(
        registration_no=f"{signed_on.year}440799{number:06d}", title=f"{need.title}（{deal['type']}）",
        contract_type=deal["type"], amount_yuan=Decimal(deal["amount_yuan"]), signed_on=signed_on,
        buyer_org_id=buyer.id or 0, seller_org_id=seller.id or 0, match_id=match.id,
        mark_need_solved=False))
    contract.created_at = min(at + timedelta(days=1), now - timedelta(hours=1))
    match.signed_at = at
    need.updated_at = at
    session.add_all([contract, need])


def _settle(match: Match, last: datetime) -> None:
    """Recompute the step durations from the back-dated timestamps."""
    for status, (column, since) in STEP_DAYS.items():
        reached, began = getattr(match, TIMESTAMP[status]), getattr(match, TIMESTAMP[since])
        if reached is not None and began is not None:
            setattr(match, column, round((reached - began).total_seconds() / 86400, 4))
    match.updated_at = last


def date_items(session: Session, *, rows: list[dict[str, Any]], now: datetime) -> None:
    """Spread the demo items' posting dates over the year: each before its first proposal, the rest at random."""
    rng = random.Random(29)
    first: dict[str, float] = {}
    for row in rows:
        for key in ("need", "output"):
            first[row[key]] = max(first.get(row[key], 0.0), float(row["proposed"]))
    for table in (ResearchOutput, TechNeed):
        for item in session.exec(select(table).order_by(col(table.id))).all():
            months = first.get(item.title)
            posted = now - (MONTH * months + _days(rng, 5, 30) if months is not None else _days(rng, 20, 330))
            item.created_at = posted
            if item.updated_at > now - timedelta(hours=1) or item.updated_at < posted:
                item.updated_at = posted
            session.add(item)


def _at(moment: datetime) -> Clock:
    return lambda: moment


# A roadshow of the year before: who came (registered by the bureau) and what they brought.
ROADSHOW = {
    "江门大江摩托车配件有限公司": {"need_ids": ["电动摩托车电机过热降功率", "链轮热处理变形超差"]},
    "江海储能科技有限公司": {"need_ids": ["工商业储能柜电池一致性差"]},
    "五邑大学": {"output_ids": ["摩托车发动机铝合金缸体高压铸造缺陷控制", "储能电池管理系统主动均衡技术"]},
    "华南理工大学": {"output_ids": ["电动摩托车轮毂电机高效冷却结构"]},
    "江门职业技术学院": {"output_ids": ["摩托车链轮感应淬火工艺优化"]},
}


def seed_past_event(session: Session, *, users: dict[str, User], items: dict[str, int],
                    orgs: dict[str, Organisation], now: datetime) -> Event:
    """A roadshow held some seven months ago in 江海区, five organisations checked in, reported (not committed)."""
    admin, starts = users["admin"], now - timedelta(days=215)
    event = events.create_event(session, user=admin, clock=_at(starts - timedelta(days=30)), data=EventCreate.model_validate({
        "title": "江海区摩托车与储能产业技术路演", "kind": "roadshow", "cluster": "高端装备", "region": "江海区",
        "theme": "电动化、轻量化与储能安全", "starts_at": starts.isoformat(),
        "registration_deadline": (starts - timedelta(days=2)).isoformat(), "venue": "江门高新区科技创新中心",
        "capacity": 80, "slot_minutes": 20, "slot_count": 6, "tables": 2}))
    events.move(session, event=event, user=admin, to=EventStatus.open, clock=_at(starts - timedelta(days=30)))
    regs = [events.register(session, event=event, user=admin, clock=_at(starts - timedelta(days=12)),
                            data=RegistrationCreate.model_validate({
                                "organisation_id": orgs[name].id,
                                **{key: [items[t] for t in titles] for key, titles in brought.items()}}))
            for name, brought in ROADSHOW.items()]
    for reg in regs:
        events.check_in(session, event=event, user=admin, token=reg.token, clock=_at(starts - timedelta(minutes=15)))
    for to, moment in ((EventStatus.closed, starts), (EventStatus.held, starts + timedelta(hours=3)),
                       (EventStatus.reported, starts + timedelta(days=4))):
        events.move(session, event=event, user=admin, to=to, clock=_at(moment))
    return event


# A year of one expert's visits to a town: (days ago, hours, place, work done, [(problem, solved)]).
VISITS = [
    (320, 4.0, "江海储能科技有限公司", "储能柜电池一致性现状调研", [("单体压差随运行时间扩大", True)]),
    (292, 3.0, "外海街道企业服务中心", "储能与电池企业安全生产培训", []),
    (263, 5.0, "江门大江摩托车配件有限公司", "电动摩托车电池包热管理诊断", [("电池包散热风道设计不合理", True)]),
    (235, 3.5, "江海储能科技有限公司", "BMS均衡策略现场测试", [("均衡电流偏小", True), ("SOC漂移", False)]),
    (206, 4.0, "外海街道企业服务中心", "电池回收政策与技术对接会", []),
    (178, 6.0, "江海储能科技有限公司", "热失控预警传感器选型", [("产气传感器安装位置不当", True)]),
    (149, 3.0, "江门高新电路板有限公司", "厂区储能系统安全评估", [("储能舱消防联动缺失", False)]),
    (121, 4.5, "江海储能科技有限公司", "储能电站运维规程修订", [("运维记录不完整", True)]),
    (93, 3.0, "外海街道企业服务中心", "企业技术需求征集与梳理", []),
    (66, 5.0, "江门大江摩托车配件有限公司", "电池包装配线改进", [("模组紧固力矩不一致", True)]),
    (38, 4.0, "江海储能科技有限公司", "均衡方案验证回访", [("部分电芯仍需更换", False)]),
]


def seed_year_of_visits(session: Session, *, users: dict[str, User], now: datetime) -> Dispatch:
    """The demo expert's year-long dispatch to 江海区外海街道 with monthly visits, confirmed and rated by the bureau
    (the host of a town), most problems confirmed solved (not committed)."""
    admin = users["admin"]
    expert = session.exec(select(Expert).where(Expert.user_id == users["expert"].id)).one()
    begun = now - timedelta(days=340)
    dispatch = expert_dispatches.create_dispatch(session, user=admin, clock=_at(begun), data=DispatchCreate.model_validate({
        "expert_id": expert.id, "host_kind": "town", "county": "江海区", "town": "外海街道",
        "start_on": (begun + timedelta(days=5)).date().isoformat(), "end_on": (now + timedelta(days=30)).date().isoformat(),
        "days_per_month": 2, "goals": "储能与电池企业集聚区技术服务：电池安全、储能运维与热管理"}))
    for who in (users["expert"], admin):
        expert_dispatches.confirm_dispatch(session, dispatch=dispatch, user=who, clock=_at(begun + timedelta(days=2)))
    for n, (days_ago, hours, place, work, problems) in enumerate(VISITS):
        day = now - timedelta(days=days_ago)
        visit = expert_visits.log_visit(session, dispatch=dispatch, user=users["expert"], clock=_at(day),
                                        data=VisitCreate.model_validate({
                                            "visit_on": day.date().isoformat(), "hours": hours, "place": place,
                                            "work_done": work,
                                            "problems": [{"text": t, "solved": s} for t, s in problems]}))
        later = _at(day + timedelta(days=3))
        expert_visits.confirm_visit(session, visit=visit, dispatch=dispatch, user=admin, clock=later)
        expert_visits.rate_visit(session, visit=visit, dispatch=dispatch, user=admin, clock=later,
                                 data=RatingCreate(rating=5 if n % 3 else 4, comment="企业反馈良好"))
        session.flush()
        for problem in session.exec(select(VisitProblem).where(VisitProblem.visit_id == visit.id,
                                                               VisitProblem.status == ProblemStatus.solved)).all():
            expert_visits.confirm_problem(session, problem=problem, dispatch=dispatch, user=admin, clock=later)
    return dispatch
