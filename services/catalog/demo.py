"""The demo dataset written by the project itself: one account per role, some sixty outputs and thirty needs over
Jiangmen's counties and clusters, a year of matches and contracts (`demo_history`), challenges, experts and events."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, func, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.schemas import UserCreate
from services.catalog.accounts.service import create_user
from services.catalog.accounts.vocab import OrgKind, Role
from services.catalog.challenges import service as challenges
from services.catalog.challenges.models import Challenge, ChallengeApplication
from services.catalog.challenges.schemas import (
    ApplicationCreate,
    AwardRequest,
    ChallengeCreate,
    MilestoneDecision,
    ReviewCreate,
    default_criteria,
)
from services.catalog.challenges.vocab import ChallengeStatus
from services.catalog.core.tables import Clock, utcnow
from services.catalog.demo_history import date_items, seed_history, seed_past_event, seed_year_of_visits
from services.catalog.events import service as events
from services.catalog.events.models import Event
from services.catalog.events.schemas import EventCreate, MeetingRequestCreate, RegistrationCreate
from services.catalog.events.vocab import EventStatus
from services.catalog.experts import dispatches as expert_dispatches
from services.catalog.experts import service as experts
from services.catalog.experts import visits as expert_visits
from services.catalog.experts.models import Dispatch, Expert, VisitProblem
from services.catalog.experts.schemas import (
    DispatchCreate,
    ExpertCreate,
    RatingCreate,
    StationCreate,
    VisitCreate,
)
from services.catalog.experts.vocab import ProblemStatus
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.schemas import NeedCreate, OutputCreate
from services.catalog.items.service import create_item
from services.catalog.subscriptions.demo import seed_subscriptions

DEMO_PASSWORD = "duijie-demo-2026"

# Items name their organisation, whose id is known only once written; their other keys are schema fields.
DATASET = json.loads(Path(__file__).with_name("demo_data.json").read_text(encoding="utf-8"))
ACCOUNTS = [(a["login"], Role(a["role"]), a["organisation"]) for a in DATASET["accounts"]]


def seed_demo(session: Session, *, clock: Clock = utcnow) -> bool:
    """Write the demo organisations, accounts, outputs, needs and their year of history into an empty catalog, in one
    transaction; False (and nothing written) if the catalog has users already."""
    if session.exec(select(func.count()).select_from(User)).one() > 0:
        return False
    orgs: dict[str, Organisation] = {}
    for org in DATASET["organisations"]:
        orgs[org["name"]] = Organisation(name=org["name"], kind=OrgKind(org["kind"]), region=org["region"])
        session.add(orgs[org["name"]])
    session.flush()
    users: dict[str, User] = {}
    for login, role, org_name in ACCOUNTS:
        org_id = orgs[org_name].id if org_name else None
        users[login] = create_user(session, data=UserCreate(login=login, password=DEMO_PASSWORD, role=role,
                                                      organisation_id=org_id, display_name=login))
    items: dict[str, int] = {}
    for spec, schema, key in ((OUTPUTS, OutputCreate, "outputs"), (NEEDS, NeedCreate, "needs")):
        for row in DATASET[key]:
            fields = {name: value for name, value in row.items() if name != "organisation"}
            data = schema.model_validate({**fields, "organisation_id": orgs[row["organisation"]].id,
                                          "industry_section": "制造业"})
            items[row["title"]] = create_item(session, spec=spec, user=users["admin"], data=data).id or 0
    seed_challenges(session, users=users, items=items)
    seed_experts(session, users=users, items=items, orgs=orgs)
    seed_events(session, users=users, items=items)
    now = clock()
    seed_history(session, rows=DATASET["history"], items=items, users=users, now=now)
    seed_past_event(session, users=users, items=items, orgs=orgs, now=now)
    seed_year_of_visits(session, users=users, now=now)
    date_items(session, rows=DATASET["history"], now=now)
    seed_subscriptions(session, users=users, items=items)
    session.commit()
    return True


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _application(milestones: list[tuple[int, str, str]], *, approach: str, lead: str, output_ids: list[int],
                 indicators: list[dict[str, str]]) -> ApplicationCreate:
    today = utcnow().date()
    return ApplicationCreate.model_validate({
        "approach": approach, "team": [{"name": lead, "role": "项目负责人"}, {"name": "张工", "role": "工艺与中试"}],
        "responses": [{"indicator": i["name"], "response": f"承诺达到 {i['target']}{i['unit']}"} for i in indicators],
        "milestones": [{"due_on": (today + timedelta(days=days)).isoformat(), "deliverable": what, "amount_yuan": amount}
                       for days, what, amount in milestones],
        "output_ids": output_ids})


def seed_challenges(session: Session, *, users: dict[str, User], items: dict[str, int]) -> list[Challenge]:
    """Two published challenges with applications, and one awarded and in execution with a milestone paid."""
    now = utcnow()
    battery = [{"name": "镍钴锰综合回收率", "target": "≥98", "unit": "%", "verification": "第三方检测报告"},
               {"name": "吨处理成本", "target": "≤8000", "unit": "元/吨", "verification": "中试成本核算"}]
    food = [{"name": "冷藏保质期", "target": "≥21", "unit": "天", "verification": "菌落总数检测"}]
    laser = [{"name": "涂层硬度", "target": "≥60", "unit": "HRC", "verification": "洛氏硬度检测"}]

    def create(owner: str, title: str, problem: str, indicators: list[dict[str, str]], bounty: str, cluster: str,
               region: str, need: str | None, at: datetime, days: int) -> Challenge:
        data = ChallengeCreate.model_validate({
            "title": title, "problem": problem, "indicators": indicators, "bounty_yuan": bounty,
            "funding_source": "enterprise" if owner == "battery" else "government", "deadline": at + timedelta(days=days),
            "criteria": [c.model_dump() for c in default_criteria()], "cluster": cluster, "region": region,
            "need_ids": [items[need]] if need else []})
        challenge = challenges.create_challenge(session, user=users[owner], data=data, clock=_at(at))
        return challenges.move_challenge(session, challenge=challenge, user=users[owner], to=ChallengeStatus.published,
                                         note="演示榜单", clock=_at(at))

    def apply(challenge: Challenge, who: str, data: ApplicationCreate, at: datetime, submit: bool = True) -> int:
        application = challenges.apply(session, challenge=challenge, user=users[who], data=data, clock=_at(at))
        if submit:
            challenges.submit_application(session, challenge=challenge, application=application, user=users[who],
                                          version=application.version, clock=_at(at))
        return application.id or 0

    recycling = create("battery", "退役动力电池镍钴锰高效回收关键技术", "每年约500吨退役三元电池黑粉，需低成本、高回收率的湿法回收工艺。",
                       battery, "800000", "新能源电池", "新会区", "退役动力电池中镍钴锰的高效回收", now, 30)
    apply(recycling, "wyu", _application([(120, "小试工艺包", "200000"), (300, "中试线验收", "400000")],
                                         approach="选择性浸出 + 溶剂萃取，先小试后中试", lead="李教授",
                                         output_ids=[items["废旧锂离子电池正极材料湿法回收技术"]], indicators=battery), now)
    apply(recycling, "nmi", _application([(180, "工艺验证报告", "300000")], approach="火法-湿法联合工艺",
                                         lead="陈研究员", output_ids=[], indicators=battery), now, submit=False)
    seafood = create("admin", "即食海鲜冷藏保质期延长技术", "台山即食海鲜产品冷藏保质期仅7天，需在不添加防腐剂的前提下延长至21天以上。",
                     food, "500000", "现代农业与食品", "台山市", "即食海鲜产品延长保质期", now, 45)
    apply(seafood, "nmi", _application([(150, "保鲜工艺中试", "250000")], approach="低温等离子体杀菌 + 气调包装",
                                       lead="陈研究员", output_ids=[items["水产品低温等离子体杀菌保鲜技术"]], indicators=food), now)
    apply(seafood, "food", _application([(120, "产线改造方案", "150000")], approach="企业自建团队联合高校攻关",
                                        lead="黄厂长", output_ids=[], indicators=food), now, submit=False)

    # Awarded: published 60 days ago, closed 30 days ago, reviewed and awarded, in execution.
    start = now - timedelta(days=60)
    coating = create("admin", "液压件耐磨激光熔覆涂层", "高端装备液压件磨损快，需激光熔覆耐磨涂层替代镀铬。", laser, "600000",
                     "高端装备", "江海区", None, start, 25)
    won = apply(coating, "nmi", _application([(-10, "熔覆工艺试样", "200000"), (90, "批量试制验收", "300000")],
                                             approach="激光熔覆镍基碳化钨涂层", lead="陈研究员",
                                             output_ids=[items["Laser cladding of wear-resistant coatings for hydraulic parts"]],
                                             indicators=laser), start)
    review_at = start + timedelta(days=30)
    for to in (ChallengeStatus.closed, ChallengeStatus.under_review):
        challenges.move_challenge(session, challenge=coating, user=users["admin"], to=to, note="按期截止",
                                  clock=_at(review_at))
    challenges.assign_reviewer(session, challenge=coating, user=users["admin"], reviewer_id=users["expert"].id or 0,
                               clock=_at(review_at))
    application = session.get(ChallengeApplication, won)
    assert application is not None
    challenges.submit_review(session, challenge=coating, application=application, user=users["expert"],
                             data=ReviewCreate.model_validate({"scores": [
                                 {"criterion": c.key, "score": 4, "comment": "方案可行"} for c in default_criteria()],
                                 "no_conflict": True}), clock=_at(review_at))
    award_at = review_at + timedelta(days=5)
    agreements = challenges.award(session, challenge=coating, user=users["admin"], clock=_at(award_at), data=AwardRequest(
        winners=[{"application_id": won, "reason": "评审得分最高，已有中试基础"}]))  # type: ignore[list-item]
    challenges.move_challenge(session, challenge=coating, user=users["admin"], to=ChallengeStatus.in_execution,
                              note="签订任务书", clock=_at(award_at))
    first = challenges.agreements(session, challenge=coating, user=users["admin"])[0].milestones[0]
    assert agreements and first.id is not None
    challenges.decide_milestone(session, challenge=coating, user=users["admin"], milestone_id=first.id,
                                data=MilestoneDecision(accept=True, evidence="试样硬度检测 62 HRC"), clock=_at(now))
    return [recycling, seafood, coating]


# A dozen experts of the pool: (name, organisation, title, kinds, cluster, fields, keywords, counties, towns).
EXPERTS = [
    ("陈立新", "广东省科学院", "研究员", ["commissioner", "reviewer"], "新能源电池", "新能源-电池回收",
     ["电池回收", "湿法冶金"], ["新会区", "江海区"], ["会城街道", "外海街道"]),
    ("李教授", "五邑大学", "教授", ["commissioner", "mentor"], "新能源电池", "新能源-电池材料", ["正极材料", "回收"],
     ["蓬江区"], ["棠下镇"]),
    ("周敏", "五邑大学", "副教授", ["commissioner"], "高端装备", "智能制造-机器视觉", ["机器视觉", "缺陷检测"],
     ["蓬江区", "江海区"], ["杜阮镇", "礼乐街道"]),
    ("陈研究员", "江门市新材料研究院", "研究员", ["commissioner", "reviewer"], "现代农业与食品", "食品-保鲜",
     ["低温等离子体", "保鲜"], ["台山市"], ["台城街道", "广海镇"]),
    ("黄志强", "华南农业大学", "教授", ["commissioner"], "现代农业与食品", "现代农业-水稻种植", ["水稻", "病虫害"],
     ["台山市", "恩平市"], ["斗山镇", "圣堂镇"]),
    ("吴丽华", "仲恺农业工程学院", "副教授", ["commissioner", "mentor"], "现代农业与食品", "现代农业-柑橘种植",
     ["陈皮", "柑橘黄龙病"], ["新会区"], ["双水镇", "三江镇"]),
    ("梁伟", "广东工业大学", "教授", ["reviewer"], "激光与增材制造", "先进制造-激光熔覆", ["激光熔覆", "耐磨涂层"],
     [], []),
    ("郑海燕", "江门市科技成果转化服务中心", "高级经济师", ["broker"], "其他", "技术转移-知识产权运营",
     ["技术转让", "专利运营"], ["蓬江区"], []),
    ("何建军", "暨南大学", "教授", ["reviewer", "mentor"], "生物医药", "生物医药-中药现代化", ["中药", "制剂"],
     ["鹤山市"], ["沙坪街道"]),
    ("谭晓东", "广东省科学院", "高级工程师", ["commissioner"], "硅能源", "新能源-光伏", ["光伏", "硅片"],
     ["开平市"], ["月山镇", "水口镇"]),
    ("冯静", "中山大学", "副研究员", ["commissioner", "reviewer"], "大健康", "大健康-功能食品", ["功能食品", "益生菌"],
     ["开平市", "恩平市"], ["赤坎镇", "恩城街道"]),
    ("区志明", "五邑大学", "高级工程师", ["commissioner"], "新一代电子信息", "电子信息-工业软件", ["焊接", "机器人"],
     ["鹤山市"], ["共和镇"]),
]


def seed_experts(session: Session, *, users: dict[str, User], items: dict[str, int],
                 orgs: dict[str, Organisation]) -> list[Expert]:
    """Twelve experts (the demo expert account speaks for the first), a work station, four dispatches (two of the
    first expert's confirmed, two waiting) and four visits logged: two confirmed and rated, one problem confirmed
    solved by the host."""
    admin, now = users["admin"], utcnow()
    pool = []
    for n, (name, org, title, kinds, cluster, field, keywords, counties, towns) in enumerate(EXPERTS, start=1):
        outputs = [items["工业机器人焊接路径自动规划软件"]] if name == "区志明" else []
        pool.append(experts.create_expert(session, user=admin, clock=_at(now), data=ExpertCreate.model_validate({
            "name": name, "organisation_name": org, "organisation_id": orgs[org].id if org in orgs else None,
            "title": title, "rank": "正高级" if title in ("教授", "研究员") else "副高级", "kinds": kinds,
            "clusters": [cluster], "fields": [field], "keywords": keywords, "counties": counties, "towns": towns,
            "biography": f"{name}，{org}{title}，长期从事{field.split('-')[-1]}研究与技术服务。",
            "languages": ["普通话", "粤语"], "availability_days": 8, "output_ids": outputs,
            "contact": f"{name} 0750-36{n:05d}", "external_id": f"DEMO-EXP-{n:02d}",
            "user_id": users["expert"].id if n == 1 else None})))
    station = expert_dispatches.create_station(session, user=admin, clock=_at(now), data=StationCreate(
        name="恩平市圣堂镇科技特派员工作站", county="恩平市", town="圣堂镇"))
    start, end = (now - timedelta(days=90)).date(), (now + timedelta(days=180)).date()

    def dispatch(expert: Expert, **host: object) -> Dispatch:
        data = DispatchCreate.model_validate({"expert_id": expert.id, "start_on": start.isoformat(),
                                              "end_on": end.isoformat(), "days_per_month": 2, **host})
        return expert_dispatches.create_dispatch(session, user=admin, data=data, clock=_at(now))

    firm = dispatch(pool[0], host_kind="enterprise", host_org_id=orgs["新会锂能电池有限公司"].id, town="会城街道",
                    goals="退役电池黑粉湿法回收工艺优化")
    village = dispatch(pool[0], host_kind="town", county="台山市", town="斗山镇", village="浮石村",
                       goals="农村分布式储能电池安全巡检")
    # two more wait for their experts, who have no accounts yet, to confirm
    dispatch(pool[3], host_kind="enterprise", host_org_id=orgs["台山海味食品有限公司"].id, town="广海镇",
             goals="即食海鲜冷藏保鲜技术指导")
    dispatch(pool[4], host_kind="station", station_id=station.id, goals="工作站驻点服务：水稻病虫害绿色防控")
    for row, host in ((firm, users["battery"]), (village, admin)):
        for who in (users["expert"], host):
            expert_dispatches.confirm_dispatch(session, dispatch=row, user=who, clock=_at(now))
    logged = []
    for row, days_ago, hours, work, problems in (
            (firm, 60, 6.0, "调研黑粉来源与现有浸出工艺", [("浸出液镍钴分离效率低", True), ("废水氨氮超标", False)]),
            (firm, 30, 5.0, "萃取段工艺参数调整试验", [("萃取剂损耗大", True)]),
            (village, 20, 3.5, "村级储能柜安全巡检与培训", [("储能柜散热不足", False)]),
            (firm, 7, 4.5, "中试线操作培训", [])):
        logged.append(expert_visits.log_visit(session, dispatch=row, user=users["expert"], clock=_at(now),
                                              data=VisitCreate.model_validate({
                                                  "visit_on": (now - timedelta(days=days_ago)).date().isoformat(),
                                                  "hours": hours, "place": "新会锂能回收车间" if row is firm else "斗山镇浮石村",
                                                  "work_done": work,
                                                  "problems": [{"text": t, "solved": s} for t, s in problems]})))
    for visit, rating in zip(logged[:2], (5, 4), strict=True):
        expert_visits.confirm_visit(session, visit=visit, dispatch=firm, user=users["battery"], clock=_at(now))
        expert_visits.rate_visit(session, visit=visit, dispatch=firm, user=users["battery"], clock=_at(now),
                                 data=RatingCreate(rating=rating, comment="服务到位"))
    first = session.exec(select(VisitProblem).where(VisitProblem.visit_id == logged[0].id,
                                                    VisitProblem.status == ProblemStatus.solved)).one()
    expert_visits.confirm_problem(session, problem=first, dispatch=firm, user=users["battery"], clock=_at(now))
    return pool


def seed_events(session: Session, *, users: dict[str, User], items: dict[str, int]) -> list[Event]:
    """A 对接会 held a month ago (four participants, a schedule, all checked in, one meeting become a match) and a
    roadshow open for registration."""
    admin, now = users["admin"], utcnow()

    def plan(title: str, kind: str, starts: datetime, at: datetime, **extra: object) -> Event:
        data = EventCreate.model_validate({
            "title": title, "kind": kind, "cluster": "新能源电池", "region": "新会区", "starts_at": starts.isoformat(),
            "registration_deadline": (starts - timedelta(days=2)).isoformat(), "venue": "江门市科技馆", **extra})
        event = events.create_event(session, user=admin, data=data, clock=_at(at))
        return events.move(session, event=event, user=admin, to=EventStatus.open, clock=_at(at))

    starts = now - timedelta(days=30)
    held = plan("新能源电池与食品产业产学研对接会", "matchmaking", starts, starts - timedelta(days=20),
                slot_minutes=20, slot_count=4, tables=2, capacity=30)
    brought = {"battery": {"need_ids": [items["退役动力电池中镍钴锰的高效回收"], items["极片涂布缺陷自动检测"]]},
               "food": {"need_ids": [items["环保可降解的海产品包装"], items["即食海鲜产品延长保质期"]]},
               "wyu": {"output_ids": [items["废旧锂离子电池正极材料湿法回收技术"],
                                      items["基于机器视觉的电池极片表面缺陷在线检测系统"]]},
               "nmi": {"output_ids": [items["可降解聚乳酸食品包装膜制备技术"], items["水产品低温等离子体杀菌保鲜技术"]]}}
    regs = {who: events.register(session, event=held, user=users[who], clock=_at(starts - timedelta(days=10)),
                                 data=RegistrationCreate.model_validate({
                                     **bring, "available_slots": [0, 1, 2, 3], "contact": f"{who}@demo.duijie.cn"}))
            for who, bring in brought.items()}
    for asking, asked in (("battery", "wyu"), ("wyu", "battery"), ("food", "nmi"), ("battery", "nmi")):
        events.request_meeting(session, event=held, user=users[asking], clock=_at(starts - timedelta(days=5)),
                               data=MeetingRequestCreate(to_id=regs[asked].id or 0))
    # seeded without the matcher: every requested meeting is worth the fallback score, mutual ones double
    events.solve_schedule(session, event=held, user=admin, scores=None, time_limit=5.0)
    for reg in regs.values():
        events.check_in(session, event=held, user=admin, token=reg.token, clock=_at(starts - timedelta(minutes=10)))
    for to in (EventStatus.closed, EventStatus.held):
        events.move(session, event=held, user=admin, to=to, clock=_at(starts + timedelta(hours=2)))
    meeting = next(m for m in events.present_meetings(session, event=held, viewer=admin)
                   if {m.first_name, m.second_name} == {"新会锂能电池有限公司", "五邑大学"})
    events.meeting_to_match(session, event=held, user=admin, meeting_id=meeting.id, broker_id=users["broker"].id,
                            note="对接会现场洽谈后跟进")
    events.move(session, event=held, user=admin, to=EventStatus.reported, clock=_at(starts + timedelta(days=3)))
    upcoming = plan("新材料与食品包装成果路演", "roadshow", now + timedelta(days=20), now, slot_minutes=20,
                    slot_count=8, tables=3, capacity=60, online_link="https://meeting.example.cn/duijie-roadshow")
    return [held, upcoming]
