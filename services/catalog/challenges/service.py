"""Rules of challenge calls (揭榜挂帅): create and move a call, apply, review, award, pay by milestone, invite.

Every function writes through the session it is given and never commits: the caller ends the transaction.
Times come from `clock` (`core.tables.utcnow` unless a test moves it), so deadlines are judged on the server.
"""

import hashlib
import os
import statistics
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import Role
from services.catalog.challenges import repository as repo
from services.catalog.challenges.models import (
    Challenge,
    ChallengeApplication,
    ChallengeAttachment,
    ChallengeEvent,
    ChallengeInvitation,
    ChallengeMilestone,
    ChallengeReview,
    ChallengeReviewer,
    TaskAgreement,
)
from services.catalog.challenges.schemas import (
    AgreementPublic,
    ApplicationCreate,
    ApplicationPublic,
    ApplicationUpdate,
    AttachmentPublic,
    AwardRequest,
    ChallengeCreate,
    ChallengeEventPublic,
    ChallengeFromNeed,
    ChallengePublic,
    ChallengeUpdate,
    InvitationCreate,
    InvitationPublic,
    MilestoneDecision,
    MilestonePublic,
    RankingRow,
    ReviewCreate,
    ReviewerPublic,
    ReviewPublic,
    SolverPublic,
    SolversPublic,
    as_dicts,
)
from services.catalog.challenges.vocab import (
    NEXT,
    STAGES,
    ApplicationStatus,
    ChallengeStatus,
    MilestoneStatus,
    ReviewStage,
    label,
)
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from services.catalog.core.tables import Clock, utcnow
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.present import organisations_by_id
from services.catalog.items.repository import get_visible as get_visible_item
from services.catalog.matching.service import Candidate
from services.catalog.workflow import contracts
from services.catalog.workflow.notifications import notify, org_users
from services.catalog.workflow.schemas import ContractCreate
from services.catalog.workflow.vocab import ContractType
from shared.vocab import OutputStatus

CENT = Decimal("0.01")
PDF_MAGIC = b"%PDF-"
MAX_ATTACHMENTS = 10
ATTACHMENT_DIR = "challenge_attachments"


def _invalid(zh: str, en: str, column: str) -> ValidationFailed:
    return ValidationFailed(zh, en, detail=[{"column": column, "zh": zh, "en": en}])


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _check_version(what_zh: str, what_en: str, row: Challenge | ChallengeApplication, version: int) -> None:
    if version != row.version:
        raise Conflict(f"{what_zh} {row.id} 已被他人修改（当前版本 {row.version}），请刷新后重试",
                       f"{what_en} {row.id} was changed meanwhile (now version {row.version}); reload and retry")


def _require_manager(user: User, challenge: Challenge) -> None:
    if not repo.can_manage(user, challenge):
        raise Forbidden("只有榜单发布方和管理员可以执行此操作", "Only the challenge's owner and admins may do this")


def _event(session: Session, challenge: Challenge, user: User | None, *, to: str, note: str | None,
           at: datetime, from_status: str | None = None) -> None:
    assert challenge.id is not None
    session.add(ChallengeEvent(challenge_id=challenge.id, at=at, actor_id=user.id if user else None,
                               from_status=from_status, to_status=to, note=note))


# --- challenges -------------------------------------------------------------------------------------------


def _owner_org(session: Session, *, user: User, requested: int | None) -> int:
    if user.role not in repo.OWNER_ROLES:
        raise Forbidden("只有企业和科技局可以发布榜单", "Only enterprises and the bureau publish challenges")
    if user.role != Role.admin:
        if requested is not None and requested != user.organisation_id:
            raise Forbidden("只能以本单位名义发布榜单", "You may only publish challenges for your own organisation")
        assert user.organisation_id is not None  # every user but an admin belongs to an organisation
        return user.organisation_id
    org_id = requested or user.organisation_id
    if org_id is None:
        raise _invalid("请指定发榜单位 owner_org_id", "Name the owning organisation (owner_org_id)", "owner_org_id")
    if session.get(Organisation, org_id) is None:
        raise _invalid(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist", "owner_org_id")
    return org_id


def _check_needs(session: Session, *, user: User, need_ids: list[int]) -> None:
    for need_id in need_ids:
        need = session.get(TechNeed, need_id)
        if need is None or (user.role != Role.admin and need.organisation_id != user.organisation_id):
            raise _invalid(f"需求 {need_id} 不存在或不属于本单位", f"Need {need_id} does not exist or is not yours",
                           "need_ids")


def _check_deadline(deadline: datetime, now: datetime) -> None:
    if deadline <= now:
        raise _invalid("揭榜截止时间应晚于现在", "The application deadline must be in the future", "deadline")


def create_challenge(session: Session, *, user: User, data: ChallengeCreate, clock: Clock = utcnow) -> Challenge:
    """Create a draft challenge for the caller's organisation (admins: any); not committed."""
    owner = _owner_org(session, user=user, requested=data.owner_org_id)
    now = clock()
    _check_deadline(data.deadline, now)
    _check_needs(session, user=user, need_ids=data.need_ids)
    if data.external_id and repo.by_external_id(session, owner_org_id=owner, external_ids=[data.external_id]):
        raise Conflict(f"本单位已有外部编号为“{data.external_id}”的榜单",
                       f"Your organisation already has a challenge with external id '{data.external_id}'")
    values = data.model_dump(mode="json", exclude={"owner_org_id", "deadline", "bounty_yuan"})
    challenge = Challenge(**values, bounty_yuan=data.bounty_yuan, deadline=data.deadline, owner_org_id=owner,
                          created_by=user.id, created_at=now, updated_at=now)
    session.add(challenge)
    session.flush()
    _event(session, challenge, user, to=ChallengeStatus.draft, note="新建榜单", at=now)
    return challenge


def create_from_need(session: Session, *, user: User, need_id: int, data: ChallengeFromNeed,
                     clock: Clock = utcnow) -> Challenge:
    """Turn a need into a draft challenge in one step (title, problem, cluster, field and region from the need)."""
    if user.role not in repo.OWNER_ROLES:
        raise Forbidden("只有企业和科技局可以发布榜单", "Only enterprises and the bureau publish challenges")
    need = get_visible_item(session, spec=NEEDS, item_id=need_id, user=user)
    assert isinstance(need, TechNeed)
    requested = user.organisation_id if user.role == Role.admin and user.organisation_id else need.organisation_id
    create = ChallengeCreate.model_validate({
        **data.model_dump(mode="json", exclude={"title", "contact"}), "title": data.title or need.title,
        "contact": data.contact or need.contact,
        "problem": need.description, "cluster": need.cluster, "field": need.field, "region": need.region,
        "need_ids": [need.id], "owner_org_id": requested,
    })
    return create_challenge(session, user=user, data=create, clock=clock)


def update_challenge(session: Session, *, challenge: Challenge, user: User, data: ChallengeUpdate,
                     clock: Clock = utcnow) -> Challenge:
    """Change a draft challenge (owner and admins; published calls are fixed); not committed."""
    _require_manager(user, challenge)
    if challenge.status != ChallengeStatus.draft:
        raise Conflict(f"榜单 {challenge.id} 已{label(challenge.status)}，不能再修改",
                       f"Challenge {challenge.id} is {challenge.status}; only drafts can be edited")
    _check_version("榜单", "Challenge", challenge, data.version)
    now = clock()
    values = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    if data.deadline is not None:
        _check_deadline(data.deadline, now)
        values["deadline"] = data.deadline
    if data.bounty_yuan is not None:
        values["bounty_yuan"] = data.bounty_yuan
    if data.need_ids is not None:
        _check_needs(session, user=user, need_ids=data.need_ids)
    challenge.sqlmodel_update(values)
    challenge.updated_at = now
    challenge.version += 1
    session.add(challenge)
    return challenge


def _check_move(session: Session, challenge: Challenge, to: ChallengeStatus, note: str | None,
                now: datetime) -> None:
    current = ChallengeStatus(challenge.status)
    if to not in NEXT[current]:
        allowed_zh = "、".join(label(s) for s in NEXT[current]) or "无（已结束）"
        allowed_en = ", ".join(NEXT[current]) or "none (finished)"
        raise Conflict(f"榜单 {challenge.id} 当前为“{label(current)}”，不能改为“{label(to)}”；可改为：{allowed_zh}",
                       f"Challenge {challenge.id} is {current} and cannot move to {to}; allowed: {allowed_en}")
    if to is ChallengeStatus.awarded:
        raise Conflict("请通过定榜（award）选出揭榜方", "Choose the winners through the award")
    if to is ChallengeStatus.published:
        if not challenge.indicators:
            raise _invalid("发布前请至少填写一项可考核的技术指标", "Give at least one measurable indicator before publishing",
                           "indicators")
        _check_deadline(challenge.deadline, now)
    if to is ChallengeStatus.closed and now < challenge.deadline:
        raise Conflict("揭榜截止时间未到，不能截止", "The application deadline has not passed yet")
    if to is ChallengeStatus.under_review and not repo.submitted_applications(session, challenge=challenge):
        raise Conflict("没有已提交的揭榜申请，无法进入评审", "No application was submitted; nothing to review")
    if to is ChallengeStatus.accepted:
        open_ = session.exec(select(ChallengeMilestone.id).where(
            ChallengeMilestone.challenge_id == challenge.id,
            ChallengeMilestone.status != MilestoneStatus.accepted)).first()
        if open_ is not None:
            raise Conflict("还有未验收通过的里程碑，不能整体验收", "Every milestone must be accepted before the challenge is")
    if to is ChallengeStatus.failed and not (note or "").strip():
        raise _invalid("判定未通过验收时请写明原因 note", "Say why (note) when the challenge fails", "note")


def _set_status(session: Session, challenge: Challenge, user: User, to: ChallengeStatus, note: str | None,
                now: datetime) -> None:
    previous = challenge.status
    challenge.status = to
    if to is ChallengeStatus.published:
        challenge.published_at = now
    challenge.updated_at = now
    challenge.version += 1
    session.add(challenge)
    _event(session, challenge, user, from_status=previous, to=to, note=note, at=now)


def move_challenge(session: Session, *, challenge: Challenge, user: User, to: ChallengeStatus,
                   note: str | None = None, clock: Clock = utcnow) -> Challenge:
    """Move a challenge to its next status (owner and admins), recording who, when and why; not committed."""
    _require_manager(user, challenge)
    now = clock()
    _check_move(session, challenge, to, note, now)
    _set_status(session, challenge, user, to, note, now)
    if to is ChallengeStatus.accepted:
        # the needs the call came from are solved once its result is accepted
        for need_id in challenge.need_ids:
            need = session.get(TechNeed, need_id)
            if need is not None:
                contracts.mark_need_solved(session, need)
    return challenge


def history(session: Session, *, challenge: Challenge) -> list[ChallengeEventPublic]:
    """Every transition of a challenge, oldest first, with the actor's name."""
    rows = session.exec(select(ChallengeEvent).where(ChallengeEvent.challenge_id == challenge.id)
                        .order_by(col(ChallengeEvent.id))).all()
    names = _user_names(session, {r.actor_id for r in rows if r.actor_id})
    return [ChallengeEventPublic(at=r.at, actor_id=r.actor_id, actor_name=names.get(r.actor_id or 0),
                                 from_status=r.from_status, to_status=r.to_status, note=r.note) for r in rows]


def _user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {u.id or 0: u.display_name or u.login for u in session.exec(select(User).where(col(User.id).in_(wanted)))}


def _winning_orgs(session: Session, challenge_ids: list[int]) -> dict[int, set[int]]:
    """The lead organisations awarded each challenge."""
    won: dict[int, set[int]] = {}
    if challenge_ids:
        for a in session.exec(select(ChallengeApplication).where(
                col(ChallengeApplication.challenge_id).in_(challenge_ids), col(ChallengeApplication.winner))).all():
            won.setdefault(a.challenge_id, set()).add(a.lead_org_id)
    return won


def present(session: Session, *, challenges: list[Challenge], user: User | None) -> list[ChallengePublic]:
    """Challenges as their readers see them, with the owner's name; the contact only for the owner, admins and,
    once awarded, the winners."""
    orgs = organisations_by_id(session, {c.owner_org_id for c in challenges})
    won = _winning_orgs(session, [c.id for c in challenges if c.id is not None]) if user is not None else {}

    def contact(c: Challenge) -> str | None:
        mine = user is not None and user.organisation_id in won.get(c.id or 0, set())
        return c.contact if repo.can_manage(user, c) or mine else None

    return [ChallengePublic.model_validate({
        **c.model_dump(), "owner_name": orgs[c.owner_org_id].name if c.owner_org_id in orgs else None,
        "contact": contact(c), "status_zh": label(c.status), "can_manage": repo.can_manage(user, c)})
        for c in challenges]


# --- applications -----------------------------------------------------------------------------------------


def _check_open(challenge: Challenge, now: datetime) -> None:
    if challenge.status != ChallengeStatus.published:
        raise Conflict(f"榜单 {challenge.id} 当前为“{label(challenge.status)}”，不接受揭榜",
                       f"Challenge {challenge.id} is {challenge.status} and takes no applications")
    if now >= challenge.deadline:
        raise Conflict("揭榜已截止，申请不能再新建、修改或撤回", "The deadline has passed; applications can no longer "
                       "be made, changed or withdrawn")


def _check_team_member(user: User, application: ChallengeApplication) -> None:
    if user.role not in repo.APPLICANT_ROLES or user.organisation_id != application.lead_org_id:
        raise Forbidden("只有申请单位可以修改本申请", "Only the applying organisation may change its application")


def _check_plan(session: Session, *, challenge: Challenge, user: User, lead: Organisation,
                values: dict[str, Any]) -> None:
    milestones = values.get("milestones") or []
    total = sum((_money(m["amount_yuan"]) for m in milestones), Decimal("0.00"))
    if total > challenge.bounty_yuan:
        raise _invalid(f"里程碑金额合计 {total} 元超过榜单悬赏 {challenge.bounty_yuan} 元",
                       f"The milestone amounts total {total} yuan, more than the bounty of {challenge.bounty_yuan} yuan",
                       "milestones")
    names = {i["name"] for i in challenge.indicators}
    for answer in values.get("responses") or []:
        if answer["indicator"] not in names:
            raise _invalid(f"榜单没有名为“{answer['indicator']}”的技术指标",
                           f"The challenge has no indicator named '{answer['indicator']}'", "responses")
    if not challenge.eligibility.get("joint_bids", True):
        others = {m.get("organisation") for m in values.get("team") or []} - {None, "", lead.name}
        if others:
            raise _invalid("本榜单不接受联合揭榜，团队成员应来自申请单位", "This challenge takes no joint bids; every team "
                           "member must come from the applying organisation", "team")
    for output_id in values.get("output_ids") or []:
        output = session.get(ResearchOutput, output_id)
        if output is None or (output.organisation_id != lead.id and output.status != OutputStatus.published):
            raise _invalid(f"成果 {output_id} 不存在或不可引用", f"Output {output_id} does not exist or may not be cited",
                           "output_ids")


def _check_eligible(challenge: Challenge, lead: Organisation) -> None:
    kinds, regions = challenge.eligibility.get("org_kinds") or [], challenge.eligibility.get("regions") or []
    if kinds and lead.kind not in kinds:
        raise Forbidden("贵单位的类型不在本榜单的申报范围内", "Your organisation's kind is not eligible for this challenge")
    if regions and lead.region not in regions:
        raise Forbidden("贵单位所在地区不在本榜单的申报范围内", "Your organisation's region is not eligible for this challenge")


def apply(session: Session, *, challenge: Challenge, user: User, data: ApplicationCreate,
          clock: Clock = utcnow) -> ChallengeApplication:
    """Start the caller's organisation's application (a draft) before the deadline; one per organisation."""
    if user.role not in repo.APPLICANT_ROLES or user.organisation_id is None:
        raise Forbidden("只有高校、院所和企业可以揭榜", "Only universities, institutes and enterprises apply")
    if user.organisation_id == challenge.owner_org_id:
        raise Forbidden("发榜单位不能揭自己的榜", "The owner cannot apply to its own challenge")
    _check_open(challenge, clock())
    lead = session.get(Organisation, user.organisation_id)
    assert lead is not None
    _check_eligible(challenge, lead)
    existing = session.exec(select(ChallengeApplication.id).where(
        ChallengeApplication.challenge_id == challenge.id, ChallengeApplication.lead_org_id == lead.id)).first()
    if existing is not None:
        raise Conflict(f"贵单位已揭过此榜（申请 {existing}），每个单位只能申请一次",
                       f"Your organisation already applied (application {existing}); one application per organisation")
    values = data.model_dump(mode="json")
    _check_plan(session, challenge=challenge, user=user, lead=lead, values=values)
    values["budget_yuan"] = data.budget_yuan  # money stays a Decimal, not its JSON text
    now = clock()
    application = ChallengeApplication(**values, challenge_id=challenge.id or 0, lead_org_id=lead.id or 0,
                                       created_by=user.id, created_at=now, updated_at=now)
    session.add(application)
    session.flush()
    return application


def update_application(session: Session, *, challenge: Challenge, application: ChallengeApplication, user: User,
                       data: ApplicationUpdate, clock: Clock = utcnow) -> ChallengeApplication:
    """Change a draft application before the deadline (its own organisation only); not committed."""
    _check_team_member(user, application)
    _check_draft(application)
    _check_open(challenge, clock())
    _check_version("揭榜申请", "Application", application, data.version)
    values = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    lead = session.get(Organisation, application.lead_org_id)
    assert lead is not None
    _check_plan(session, challenge=challenge, user=user, lead=lead, values=values)
    if "budget_yuan" in values:
        values["budget_yuan"] = data.budget_yuan
    application.sqlmodel_update(values)
    application.updated_at = clock()
    application.version += 1
    session.add(application)
    return application


def _check_draft(application: ChallengeApplication) -> None:
    if application.status != ApplicationStatus.draft:
        state = "已提交，内容已冻结" if application.status == ApplicationStatus.submitted else "已撤回"
        raise Conflict(f"揭榜申请 {application.id} {state}", f"Application {application.id} is {application.status}; "
                       "only drafts can be changed")


def submit_application(session: Session, *, challenge: Challenge, application: ChallengeApplication, user: User,
                       version: int, clock: Clock = utcnow) -> ChallengeApplication:
    """Submit a complete draft before the deadline; from then on it is frozen."""
    _check_team_member(user, application)
    _check_draft(application)
    _check_open(challenge, clock())
    _check_version("揭榜申请", "Application", application, version)
    missing = []
    if not application.approach.strip():
        missing.append({"column": "approach", "zh": "请填写技术路线", "en": "describe the approach"})
    if not application.team:
        missing.append({"column": "team", "zh": "请列出团队成员及分工", "en": "list the team and its roles"})
    if not application.milestones:
        missing.append({"column": "milestones", "zh": "请给出里程碑计划", "en": "give a milestone plan"})
    answered = {r["indicator"] for r in application.responses}
    for indicator in challenge.indicators:
        if indicator["name"] not in answered:
            missing.append({"column": "responses", "zh": f"请回应技术指标“{indicator['name']}”",
                            "en": f"respond to the indicator '{indicator['name']}'"})
    if missing:
        raise ValidationFailed("申请尚不完整，不能提交：" + "；".join(m["zh"] for m in missing),
                               "The application is incomplete: " + "; ".join(m["en"] for m in missing), detail=missing)
    now = clock()
    application.status = ApplicationStatus.submitted
    application.submitted_at = application.updated_at = now
    application.version += 1
    session.add(application)
    _notify_owner(session, challenge, subject=f"收到揭榜申请：{challenge.title}",
                  body=f"榜单“{challenge.title}”收到一份新的揭榜申请（编号 {application.id}）。")
    return application


def withdraw_application(session: Session, *, challenge: Challenge, application: ChallengeApplication, user: User,
                         version: int, clock: Clock = utcnow) -> ChallengeApplication:
    """Withdraw a draft or submitted application before the deadline; not committed."""
    _check_team_member(user, application)
    if application.status == ApplicationStatus.withdrawn:
        raise Conflict(f"揭榜申请 {application.id} 已撤回", f"Application {application.id} is already withdrawn")
    _check_open(challenge, clock())
    _check_version("揭榜申请", "Application", application, version)
    now = clock()
    application.status = ApplicationStatus.withdrawn
    application.withdrawn_at = application.updated_at = now
    application.version += 1
    session.add(application)
    return application


def add_attachment(session: Session, *, challenge: Challenge, application: ChallengeApplication, user: User,
                   filename: str | None, content: bytes, settings: CatalogSettings,
                   clock: Clock = utcnow) -> ChallengeAttachment:
    """Attach a PDF (checked by its content, capped in size) to a draft application; the file is written under
    the data dir at once, its row is not committed."""
    _check_team_member(user, application)
    _check_draft(application)
    _check_open(challenge, clock())
    limit = settings.challenge_attachment_max_bytes
    if len(content) > limit:
        mb = limit / 1024 / 1024
        raise AppError(f"附件超过 {mb:g} MB 的上限", f"The attachment exceeds the {mb:g} MB limit",
                       status_code=413, code="too_large")
    if not content.startswith(PDF_MAGIC):
        raise AppError("附件应为 PDF 文件（按文件内容判断）", "The attachment must be a PDF (judged by its content)",
                       status_code=415, code="unsupported_type")
    count = len(session.exec(select(ChallengeAttachment.id).where(
        ChallengeAttachment.application_id == application.id)).all())
    if count >= MAX_ATTACHMENTS:
        raise Conflict(f"每份申请最多 {MAX_ATTACHMENTS} 个附件", f"At most {MAX_ATTACHMENTS} attachments per application")
    relative = Path(ATTACHMENT_DIR) / str(application.challenge_id) / str(application.id) / f"{uuid.uuid4().hex}.pdf"
    target = settings.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")
    partial.write_bytes(content)
    os.replace(partial, target)  # a reader never finds half a file
    name = Path(filename or "attachment.pdf").name[:200] or "attachment.pdf"
    row = ChallengeAttachment(application_id=application.id or 0, filename=name, size_bytes=len(content),
                              sha256=hashlib.sha256(content).hexdigest(), stored_as=relative.as_posix(),
                              uploaded_by=user.id, created_at=clock())
    session.add(row)
    session.flush()
    return row


def get_attachment(session: Session, *, application: ChallengeApplication, attachment_id: int) -> ChallengeAttachment:
    """One attachment of an application the caller may see (404 otherwise)."""
    row = session.get(ChallengeAttachment, attachment_id)
    if row is None or row.application_id != application.id:
        raise NotFound(f"找不到附件 {attachment_id}", f"No attachment {attachment_id}")
    return row


def attachment_file(*, settings: CatalogSettings, attachment: ChallengeAttachment) -> Path:
    """Where an attachment's bytes are kept."""
    return settings.data_dir / attachment.stored_as


def present_applications(session: Session, *, applications: list[ChallengeApplication],
                         viewer: User | None = None) -> list[ApplicationPublic]:
    """Applications with the lead organisation's name and their attachments; the team's contact only for its
    organisation and admins and, once it has won, the challenge's owner."""
    orgs = organisations_by_id(session, {a.lead_org_id for a in applications})
    ids = [a.id for a in applications]
    files: dict[int, list[AttachmentPublic]] = {}
    if ids:
        for f in session.exec(select(ChallengeAttachment).where(col(ChallengeAttachment.application_id).in_(ids))
                              .order_by(col(ChallengeAttachment.id))).all():
            files.setdefault(f.application_id, []).append(AttachmentPublic.model_validate(f.model_dump()))
    owners = {c.id: c for c in session.exec(select(Challenge).where(
        col(Challenge.id).in_({a.challenge_id for a in applications}))).all()} if viewer is not None else {}

    def contact(a: ChallengeApplication) -> str | None:
        if viewer is None:
            return None
        own = viewer.organisation_id == a.lead_org_id or repo.is_admin(viewer)
        owner = a.winner and a.challenge_id in owners and repo.is_owner(viewer, owners[a.challenge_id])
        return a.contact if own or owner else None

    return [ApplicationPublic.model_validate({
        **a.model_dump(), "contact": contact(a),
        "lead_org_name": orgs[a.lead_org_id].name if a.lead_org_id in orgs else None,
        "milestone_total_yuan": sum((_money(m["amount_yuan"]) for m in a.milestones), Decimal("0.00")),
        "attachments": files.get(a.id or 0, [])}) for a in applications]


def _notify_owner(session: Session, challenge: Challenge, *, subject: str, body: str) -> None:
    owners = [u for u in org_users(session, challenge.owner_org_id) if u.role in repo.OWNER_ROLES]
    notify(session, users=owners, kind="challenge", subject=subject, body=body)


# --- review -----------------------------------------------------------------------------------------------


def conflicted_organisations(session: Session, *, challenge: Challenge, user: User) -> set[int | None]:
    """The organisations whose experts may not review this call: the owner's and each applicant's; the owner and
    admins ask (403 for others)."""
    _require_manager(user, challenge)
    return {challenge.owner_org_id, *(a.lead_org_id for a in repo.submitted_applications(session, challenge=challenge))}


def assign_reviewer(session: Session, *, challenge: Challenge, user: User, reviewer_id: int,
                    clock: Clock = utcnow) -> ChallengeReviewer:
    """Assign an expert once applications are closed; one from an applicant's organisation is refused (409)."""
    _require_manager(user, challenge)
    if challenge.status not in (ChallengeStatus.closed, ChallengeStatus.under_review):
        raise Conflict("揭榜截止后才能指派评审专家", "Reviewers are assigned once the call has closed")
    reviewer = session.get(User, reviewer_id)
    if reviewer is None or not reviewer.is_active or reviewer.role != Role.expert:
        raise _invalid(f"用户 {reviewer_id} 不是在职的评审专家", f"User {reviewer_id} is not an active expert", "user_id")
    for application in repo.submitted_applications(session, challenge=challenge):
        if reviewer.organisation_id is not None and reviewer.organisation_id == application.lead_org_id:
            org = session.get(Organisation, application.lead_org_id)
            name = org.name if org else str(application.lead_org_id)
            raise Conflict(f"利益冲突：专家 {reviewer.display_name or reviewer.login} 与揭榜单位“{name}”同属一个单位，不能评审此榜",
                           f"Conflict of interest: expert {reviewer.login} belongs to the applicant {name} "
                           "and may not review this challenge", code="conflict_of_interest")
    if session.exec(select(ChallengeReviewer.id).where(ChallengeReviewer.challenge_id == challenge.id,
                                                       ChallengeReviewer.reviewer_id == reviewer_id)).first():
        raise Conflict(f"专家 {reviewer.login} 已是本榜评审", f"Expert {reviewer.login} already reviews this challenge")
    row = ChallengeReviewer(challenge_id=challenge.id or 0, reviewer_id=reviewer_id, assigned_by=user.id,
                            assigned_at=clock())
    session.add(row)
    session.flush()
    notify(session, users=[reviewer], kind="challenge_review", subject=f"评审邀请：{challenge.title}",
           body=f"您被指派评审榜单“{challenge.title}”的揭榜申请。")
    return row


def list_reviewers(session: Session, *, challenge: Challenge, user: User) -> list[ReviewerPublic]:
    """The challenge's experts: all for the owner and admins, only themself for a reviewer; 403 for others."""
    stmt = select(ChallengeReviewer, User).join(User, col(User.id) == col(ChallengeReviewer.reviewer_id)).where(
        ChallengeReviewer.challenge_id == challenge.id)
    if not repo.can_manage(user, challenge):
        if not repo.is_reviewer(session, challenge=challenge, user=user):
            raise Forbidden("只有发榜方、管理员和评审专家可以查看评审名单",
                            "Only the owner, admins and its reviewers see the reviewers")
        stmt = stmt.where(ChallengeReviewer.reviewer_id == user.id)
    rows = session.exec(stmt.order_by(col(ChallengeReviewer.id))).all()
    return [ReviewerPublic(user_id=u.id or 0, name=u.display_name or u.login, organisation_id=u.organisation_id,
                           assigned_at=r.assigned_at) for r, u in rows]


def submit_review(session: Session, *, challenge: Challenge, application: ChallengeApplication, user: User,
                  data: ReviewCreate, clock: Clock = utcnow) -> ChallengeReview:
    """An assigned expert scores every criterion of an application (1–5) at its current stage; once per stage."""
    if not repo.is_reviewer(session, challenge=challenge, user=user):
        raise Forbidden("只有本榜的评审专家可以评分", "Only the challenge's reviewers score applications")
    if challenge.status != ChallengeStatus.under_review:
        raise Conflict(f"榜单 {challenge.id} 当前为“{label(challenge.status)}”，不在评审中",
                       f"Challenge {challenge.id} is {challenge.status}, not under review")
    if user.organisation_id is not None and user.organisation_id == application.lead_org_id:
        raise Conflict("利益冲突：不能评审本单位的申请", "Conflict of interest: you may not review your own organisation",
                       code="conflict_of_interest")
    weights = {c["key"]: c["weight"] for c in challenge.criteria}
    given = [s.criterion for s in data.scores]
    unknown = [k for k in given if k not in weights]
    missing = [k for k in weights if k not in given]
    if unknown or missing or len(set(given)) != len(given):
        raise ValidationFailed(
            f"请对每项评审指标各打一次分（缺少：{'、'.join(missing) or '无'}；未知：{'、'.join(unknown) or '无'}）",
            f"Score every criterion exactly once (missing: {', '.join(missing) or 'none'}; "
            f"unknown: {', '.join(unknown) or 'none'})",
            detail=[{"column": "scores", "zh": f"应为：{'、'.join(weights)}", "en": f"expected: {', '.join(weights)}"}])
    stage = application.stage
    if session.exec(select(ChallengeReview.id).where(ChallengeReview.application_id == application.id,
                                                     ChallengeReview.reviewer_id == user.id,
                                                     ChallengeReview.stage == stage)).first():
        raise Conflict("您已在本轮评审中为该申请评过分", "You have already scored this application at this stage")
    weighted = round(sum(weights[s.criterion] * s.score for s in data.scores) / 100, 4)
    review = ChallengeReview(challenge_id=challenge.id or 0, application_id=application.id or 0,
                             reviewer_id=user.id or 0, stage=stage, scores=as_dicts(data.scores), weighted=weighted,
                             submitted_at=clock())
    session.add(review)
    session.flush()
    return review


def list_reviews(session: Session, *, challenge: Challenge, application: ChallengeApplication,
                 user: User) -> list[ReviewPublic]:
    """An application's reviews: all for the owner and admins; for a reviewer their own, and the others' of a
    stage only once they have submitted theirs for it; applicants see none (403)."""
    stmt = select(ChallengeReview).where(ChallengeReview.application_id == application.id)
    if not repo.can_manage(user, challenge):
        if not repo.is_reviewer(session, challenge=challenge, user=user):
            raise Forbidden("评审意见只对发榜方、管理员和评审专家可见", "Reviews are shown only to the owner, admins and reviewers")
        done = select(ChallengeReview.stage).where(ChallengeReview.application_id == application.id,
                                                   ChallengeReview.reviewer_id == user.id)
        stmt = stmt.where(col(ChallengeReview.stage).in_(done))
    rows = session.exec(stmt.order_by(col(ChallengeReview.id))).all()
    names = _user_names(session, {r.reviewer_id for r in rows})
    return [ReviewPublic.model_validate({**r.model_dump(), "reviewer_name": names.get(r.reviewer_id)}) for r in rows]


def set_stage(session: Session, *, challenge: Challenge, application: ChallengeApplication, user: User,
              stage: ReviewStage, clock: Clock = utcnow) -> ChallengeApplication:
    """Move an application on to a later review stage (screen → assess → finalist); owner and admins."""
    _require_manager(user, challenge)
    if challenge.status != ChallengeStatus.under_review:
        raise Conflict(f"榜单 {challenge.id} 不在评审中", f"Challenge {challenge.id} is not under review")
    if STAGES.index(stage) <= STAGES.index(ReviewStage(application.stage)):
        raise Conflict(f"申请 {application.id} 已在“{application.stage}”轮，只能进入后续轮次",
                       f"Application {application.id} is at {application.stage}; it can only move on to a later stage")
    application.stage = stage
    application.updated_at = clock()
    application.version += 1
    session.add(application)
    return application


def ranking(session: Session, *, challenge: Challenge, user: User, stage: ReviewStage | None = None) -> list[RankingRow]:
    """Submitted applications by the weighted mean of their reviews at `stage` (default: each one's current
    stage), best first, with the spread (standard deviation, min, max) so disagreement shows; owner and admins."""
    _require_manager(user, challenge)
    applications = [a for a in repo.submitted_applications(session, challenge=challenge)
                    if stage is None or STAGES.index(ReviewStage(a.stage)) >= STAGES.index(stage)]
    reviews: dict[int, list[ChallengeReview]] = {}
    for r in session.exec(select(ChallengeReview).where(ChallengeReview.challenge_id == challenge.id)).all():
        reviews.setdefault(r.application_id, []).append(r)
    orgs = organisations_by_id(session, {a.lead_org_id for a in applications})
    rows = []
    for a in applications:
        at = ReviewStage(stage or a.stage)
        mine = [r for r in reviews.get(a.id or 0, []) if r.stage == at]
        values = [r.weighted for r in mine]
        per: dict[str, list[int]] = {}
        for r in mine:
            for s in r.scores:
                per.setdefault(s["criterion"], []).append(int(s["score"]))
        rows.append(RankingRow(
            application_id=a.id or 0, lead_org_id=a.lead_org_id,
            lead_org_name=orgs[a.lead_org_id].name if a.lead_org_id in orgs else None, stage=at, reviews=len(mine),
            weighted_mean=round(statistics.fmean(values), 4) if values else None,
            std_dev=round(statistics.pstdev(values), 4) if values else None,
            min=min(values) if values else None, max=max(values) if values else None,
            by_criterion={k: round(statistics.fmean(v), 4) for k, v in per.items()}))
    return sorted(rows, key=lambda r: (r.weighted_mean is None, -(r.weighted_mean or 0), r.application_id))


# --- award and execution ----------------------------------------------------------------------------------


def award(session: Session, *, challenge: Challenge, user: User, data: AwardRequest,
          clock: Clock = utcnow) -> list[TaskAgreement]:
    """Choose the winner(s) with a recorded reason: each gets a task agreement holding its milestone plan and a
    registered technology contract (workflow.contracts); the challenge moves to awarded. Not committed."""
    _require_manager(user, challenge)
    if challenge.status != ChallengeStatus.under_review:
        raise Conflict(f"榜单 {challenge.id} 当前为“{label(challenge.status)}”，评审中才能定榜",
                       f"Challenge {challenge.id} is {challenge.status}; only a challenge under review is awarded")
    submitted = {a.id: a for a in repo.submitted_applications(session, challenge=challenge)}
    ids = [w.application_id for w in data.winners]
    if len(set(ids)) != len(ids):
        raise _invalid("同一份申请不能重复入选", "An application can win only once", "winners")
    for application_id in ids:
        if application_id not in submitted:
            raise _invalid(f"申请 {application_id} 不是本榜已提交的申请", f"Application {application_id} is not a "
                           "submitted application of this challenge", "winners")
    committed = {i: sum((_money(m["amount_yuan"]) for m in submitted[i].milestones), Decimal("0.00")) for i in ids}
    total = sum(committed.values(), Decimal("0.00"))
    if total > challenge.bounty_yuan:
        raise _invalid(f"入选方案的里程碑金额合计 {total} 元超过悬赏 {challenge.bounty_yuan} 元",
                       f"The winners' milestones total {total} yuan, more than the bounty of {challenge.bounty_yuan} yuan",
                       "winners")
    now = clock()
    signed_on = now.astimezone(contracts.CHINA).date()
    agreements = []
    for winner in data.winners:
        application = submitted[winner.application_id]
        application.winner, application.award_reason = True, winner.reason
        session.add(application)
        contract = contracts.register(session, user=user, data=ContractCreate.model_validate({
            "registration_no": f"JBGS-{challenge.id}-{application.id}", "title": f"揭榜挂帅：{challenge.title}"[:300],
            "contract_type": ContractType.development, "amount_yuan": str(committed[winner.application_id]),
            "signed_on": signed_on.isoformat(), "buyer_org_id": challenge.owner_org_id,
            "seller_org_id": application.lead_org_id, "region": challenge.region, "field": challenge.field,
            "cluster": challenge.cluster, "need_id": challenge.need_ids[0] if challenge.need_ids else None,
            "mark_need_solved": False}))
        agreement = TaskAgreement(challenge_id=challenge.id or 0, application_id=application.id or 0,
                                  contract_id=contract.id, committed_yuan=committed[winner.application_id],
                                  signed_at=now)
        session.add(agreement)
        session.flush()
        for seq, m in enumerate(sorted(application.milestones, key=lambda m: m["due_on"]), start=1):
            session.add(ChallengeMilestone(
                agreement_id=agreement.id or 0, challenge_id=challenge.id or 0, seq=seq,
                due_on=datetime.fromisoformat(m["due_on"]).date(), deliverable=m["deliverable"],
                amount_yuan=_money(m["amount_yuan"])))
        notify(session, users=[u for u in org_users(session, application.lead_org_id)
                               if u.role in repo.APPLICANT_ROLES],
               kind="challenge_award", subject=f"揭榜成功：{challenge.title}",
               body=f"贵单位的申请（编号 {application.id}）入选榜单“{challenge.title}”。理由：{winner.reason}")
        agreements.append(agreement)
    reasons = "；".join(f"申请 {w.application_id}：{w.reason}" for w in data.winners)
    _set_status(session, challenge, user, ChallengeStatus.awarded, reasons, now)
    session.flush()
    return agreements


def agreements(session: Session, *, challenge: Challenge, user: User | None) -> list[AgreementPublic]:
    """Task agreements with their milestones and the bounty committed and released: all for the owner and
    admins, a winner's own for its organisation, none for anyone else."""
    stmt = select(TaskAgreement, ChallengeApplication).join(
        ChallengeApplication, col(ChallengeApplication.id) == col(TaskAgreement.application_id)).where(
        TaskAgreement.challenge_id == challenge.id)
    if not repo.can_manage(user, challenge):
        own = user.organisation_id if user is not None and user.role in repo.APPLICANT_ROLES else None
        stmt = stmt.where(col(ChallengeApplication.lead_org_id) == own)
    pairs = session.exec(stmt.order_by(col(TaskAgreement.id))).all()
    ids = [a.id for a, _ in pairs]
    steps: dict[int, list[ChallengeMilestone]] = {}
    if ids:
        for m in session.exec(select(ChallengeMilestone).where(col(ChallengeMilestone.agreement_id).in_(ids))
                              .order_by(col(ChallengeMilestone.seq))).all():
            steps.setdefault(m.agreement_id, []).append(m)
    orgs = organisations_by_id(session, {app.lead_org_id for _, app in pairs})
    result = []
    for agreement, app in pairs:
        ms = steps.get(agreement.id or 0, [])
        released = sum((_money(m.amount_yuan) for m in ms if m.status == MilestoneStatus.accepted), Decimal("0.00"))
        result.append(AgreementPublic(
            id=agreement.id or 0, challenge_id=agreement.challenge_id, application_id=agreement.application_id,
            lead_org_id=app.lead_org_id, lead_org_name=orgs[app.lead_org_id].name if app.lead_org_id in orgs else None,
            contract_id=agreement.contract_id, committed_yuan=_money(agreement.committed_yuan), released_yuan=released,
            signed_at=agreement.signed_at, milestones=[MilestonePublic.model_validate(m.model_dump()) for m in ms]))
    return result


def decide_milestone(session: Session, *, challenge: Challenge, user: User, milestone_id: int,
                     data: MilestoneDecision, clock: Clock = utcnow) -> ChallengeMilestone:
    """The owner accepts (releasing its amount) or rejects a milestone, with evidence; not committed."""
    _require_manager(user, challenge)
    milestone = session.exec(select(ChallengeMilestone).where(
        col(ChallengeMilestone.id) == milestone_id, col(ChallengeMilestone.challenge_id) == challenge.id)
        .with_for_update()).first()
    if milestone is None:
        raise NotFound(f"找不到里程碑 {milestone_id}", f"No milestone {milestone_id}")
    if challenge.status != ChallengeStatus.in_execution:
        raise Conflict(f"榜单 {challenge.id} 当前为“{label(challenge.status)}”，攻关中才能验收里程碑",
                       f"Challenge {challenge.id} is {challenge.status}; milestones are decided while in execution")
    if milestone.status == MilestoneStatus.accepted:
        raise Conflict(f"里程碑 {milestone_id} 已验收通过，款项已拨付", f"Milestone {milestone_id} is already accepted and paid")
    milestone.status = MilestoneStatus.accepted if data.accept else MilestoneStatus.rejected
    milestone.evidence, milestone.decided_by, milestone.decided_at = data.evidence, user.id, clock()
    session.add(milestone)
    return milestone


# --- who could solve this ---------------------------------------------------------------------------------


def invite(session: Session, *, challenge: Challenge, user: User, data: InvitationCreate,
           clock: Clock = utcnow) -> list[ChallengeInvitation]:
    """Invite the organisations behind proposed outputs to apply (an inbox message and an e-mail through the
    outbox); organisations invited before are skipped. Not committed."""
    _require_manager(user, challenge)
    if challenge.status != ChallengeStatus.published:
        raise Conflict("榜单发布后、截止前才能邀请揭榜", "Solvers are invited while the challenge is published")
    now = clock()
    invited = set(session.exec(select(ChallengeInvitation.organisation_id).where(
        ChallengeInvitation.challenge_id == challenge.id)).all())
    rows = []
    for output_id in data.output_ids:
        output = get_visible_item(session, spec=OUTPUTS, item_id=output_id, user=user)
        if output.status != OutputStatus.published:
            raise _invalid(f"成果 {output_id} 未发布", f"Output {output_id} is not published", "output_ids")
        org_id = output.organisation_id
        if org_id in invited or org_id == challenge.owner_org_id:
            continue
        invited.add(org_id)
        row = ChallengeInvitation(challenge_id=challenge.id or 0, organisation_id=org_id, output_id=output_id,
                                  invited_by=user.id, invited_at=now)
        session.add(row)
        session.flush()
        body = (f"您单位的成果“{output.title}”与榜单“{challenge.title}”相关，诚邀揭榜。"
                f"悬赏 {challenge.bounty_yuan} 元，截止 {challenge.deadline:%Y-%m-%d %H:%M} (UTC)。") + (
                    f"\n{data.note}" if data.note else "")
        notify(session, users=[u for u in org_users(session, org_id) if u.role in repo.APPLICANT_ROLES],
               kind="challenge_invitation", subject=f"揭榜邀请：{challenge.title}", body=body)
        rows.append(row)
    return rows


def invitations(session: Session, *, challenge: Challenge, user: User) -> list[InvitationPublic]:
    """The organisations invited to a challenge (owner and admins)."""
    _require_manager(user, challenge)
    rows = session.exec(select(ChallengeInvitation).where(ChallengeInvitation.challenge_id == challenge.id)
                        .order_by(col(ChallengeInvitation.id))).all()
    orgs = organisations_by_id(session, {r.organisation_id for r in rows})
    return [InvitationPublic(id=r.id or 0, organisation_id=r.organisation_id,
                             organisation_name=orgs[r.organisation_id].name if r.organisation_id in orgs else None,
                             output_id=r.output_id, invited_at=r.invited_at) for r in rows]


def invited_organisations(session: Session, *, challenge: Challenge) -> set[int]:
    """The ids of the organisations already invited to a challenge."""
    return set(session.exec(select(ChallengeInvitation.organisation_id).where(
        ChallengeInvitation.challenge_id == challenge.id)).all())


def present_solvers(session: Session, *, challenge: Challenge, candidates: list[Candidate],
                    model: str) -> SolversPublic:
    """The matcher's proposed solvers with their organisations, marking those already invited."""
    orgs = organisations_by_id(session, {c.item.organisation_id for c in candidates})
    invited = invited_organisations(session, challenge=challenge)
    return SolversPublic(model=model, data=[SolverPublic(
        output_id=c.item.id or 0, title=c.item.title, organisation_id=c.item.organisation_id,
        organisation_name=orgs[c.item.organisation_id].name if c.item.organisation_id in orgs else None,
        score=c.score, components=c.components, explanation=c.result.explanation,
        invited=c.item.organisation_id in invited) for c in candidates])
