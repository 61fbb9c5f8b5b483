"""Rules of the expert pool: who creates and edits a profile, what it may hold, and what each reader sees.

Every function writes through the session it is given and never commits: the caller ends the transaction.
"""

from typing import Any

from sqlmodel import Session

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import Role, is_staff
from services.catalog.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.catalog.core.tables import Clock, utcnow
from services.catalog.experts import repository as repo
from services.catalog.experts.models import Expert
from services.catalog.experts.regions import COUNTIES
from services.catalog.experts.schemas import ExpertCreate, ExpertPublic, ExpertUpdate
from services.catalog.experts.vocab import kind_label
from services.catalog.experts.wire import record_change
from services.catalog.items.kinds import OUTPUTS, Item
from services.catalog.items.repository import ListQuery, list_items
from services.catalog.items.repository import get_visible as get_visible_item
from shared.vocab import ChangeOp


def invalid(zh: str, en: str, column: str) -> ValidationFailed:
    """A refused value of one field, in both languages."""
    return ValidationFailed(zh, en, detail=[{"column": column, "zh": zh, "en": en}])


def region_problems(counties: list[str], towns: list[str]) -> list[tuple[str, str, str]]:
    """What is wrong with the counties and towns an expert serves: (column, zh, en) for each."""
    problems = []
    for county in counties:
        if county not in COUNTIES:
            problems.append(("counties", f"“{county}”不是江门市的区县，可选：{'、'.join(COUNTIES)}",
                             f"'{county}' is not a county of Jiangmen; one of {', '.join(COUNTIES)}"))
    known = {t for c in counties for t in COUNTIES.get(c, ())}
    for town in towns:
        if town not in known:
            problems.append(("towns", f"镇街“{town}”不在所选区县内", f"Town '{town}' is not in the counties served"))
    return problems


def _check_regions(counties: list[str], towns: list[str]) -> None:
    problems = region_problems(counties, towns)
    if problems:
        column, zh, en = problems[0]
        raise invalid(zh, en, column)


def _check_outputs(session: Session, *, user: User, organisation_id: int | None, output_ids: list[int]) -> None:
    for output_id in output_ids:
        try:
            output = get_visible_item(session, spec=OUTPUTS, item_id=output_id, user=user)
        except NotFound:
            output = None
        if output is None or organisation_id is None or output.organisation_id != organisation_id:
            raise invalid(f"成果 {output_id} 不存在或不属于专家所在单位",
                          f"Output {output_id} does not exist or is not of the expert's organisation", "output_ids")


def _organisation(session: Session, org_id: int | None) -> Organisation | None:
    if org_id is None:
        return None
    org = session.get(Organisation, org_id)
    if org is None:
        raise invalid(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist", "organisation_id")
    return org


def _account(session: Session, *, user: User, requested: int | None) -> int | None:
    """The account a new profile belongs to: an expert's own; staff may name an active expert account."""
    if user.role == Role.expert:
        if requested not in (None, user.id):
            raise Forbidden("专家只能创建本人的档案", "An expert may only create their own profile")
        return user.id
    if requested is None:
        return None
    account = session.get(User, requested)
    if account is None or account.role != Role.expert or not account.is_active:
        raise invalid(f"用户 {requested} 不是在职的专家账号", f"User {requested} is not an active expert account",
                      "user_id")
    return requested


def create_expert(session: Session, *, user: User, data: ExpertCreate, clock: Clock = utcnow) -> Expert:
    """Add an expert to the pool: staff for anyone, an expert account for itself (one profile each); not committed."""
    if not is_staff(user) and user.role != Role.expert:
        raise Forbidden("只有科技局、技术经纪人和专家本人可以建立专家档案",
                        "Only the bureau, brokers and the expert themself create an expert profile")
    account = _account(session, user=user, requested=data.user_id)
    org_id = data.organisation_id
    if user.role == Role.expert:
        if data.external_id is not None:
            raise Forbidden("外部编号由科技局和技术经纪人填写", "The external id is the bureau's and the brokers' to give")
        if org_id not in (None, user.organisation_id):
            raise Forbidden("专家只能以本人所在单位建档", "An expert may only name their own organisation")
        org_id = user.organisation_id
    org = _organisation(session, org_id)
    name = data.organisation_name or (org.name if org else None)
    if not name:
        raise invalid("请填写工作单位 organisation_name", "Give the organisation (organisation_name)",
                      "organisation_name")
    _check_regions(data.counties, data.towns)
    _check_outputs(session, user=user, organisation_id=org_id, output_ids=data.output_ids)
    if account is not None and repo.own_expert(session, session.get(User, account)) is not None:
        raise Conflict("该专家账号已有档案", "This expert account has a profile already")
    if data.external_id and repo.by_external_id(session, external_ids=[data.external_id]):
        raise Conflict(f"已有外部编号为“{data.external_id}”的专家", f"An expert with external id '{data.external_id}' exists")
    now = clock()
    values = data.model_dump(mode="json", exclude={"organisation_name", "organisation_id", "user_id"})
    expert = Expert(**values, organisation_name=name, organisation_id=org_id, user_id=account, created_by=user.id,
                    created_at=now, updated_at=now)
    session.add(expert)
    record_change(session, expert=expert, op=ChangeOp.create)
    return expert


def update_expert(session: Session, *, expert: Expert, user: User, data: ExpertUpdate, clock: Clock = utcnow) -> Expert:
    """Change a profile (staff, or the expert themself; only staff take one out of the pool); not committed."""
    if not repo.can_edit(user, expert):
        raise Forbidden("只有科技局、技术经纪人和专家本人可以修改专家档案",
                        "Only the bureau, brokers and the expert themself change an expert profile")
    if (data.active is not None or "user_id" in data.model_fields_set) and not is_staff(user):
        raise Forbidden("只有科技局和技术经纪人可以调整专家库和关联账号",
                        "Only the bureau and brokers manage the pool and link accounts")
    if data.version != expert.version:
        raise Conflict(f"专家档案 {expert.id} 已被他人修改（当前版本 {expert.version}），请刷新后重试",
                       f"Expert {expert.id} was changed meanwhile (now version {expert.version}); reload and retry")
    values: dict[str, Any] = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    _check_regions(values.get("counties", expert.counties), values.get("towns", expert.towns))
    if values.get("user_id") not in (None, expert.user_id):
        values["user_id"] = _account(session, user=user, requested=values["user_id"])
        if repo.own_expert(session, session.get(User, values["user_id"])) is not None:
            raise Conflict("该专家账号已有档案", "This expert account has a profile already")
    if "output_ids" in values:
        _check_outputs(session, user=user, organisation_id=expert.organisation_id, output_ids=values["output_ids"])
    changed = {k: v for k, v in values.items() if getattr(expert, k) != v}
    if changed:
        expert.sqlmodel_update(changed)
        expert.updated_at = clock()
        expert.version += 1
        session.add(expert)
        record_change(session, expert=expert, op=ChangeOp.update)
    return expert


def present(session: Session, *, experts: list[Expert], user: User | None) -> list[ExpertPublic]:
    """Profiles as their reader sees them: the contact, account and external id only for staff and the expert;
    the contact also for the hosts of the expert's confirmed dispatches."""
    hosts = repo.confirmed_host_orgs(session, expert_ids=[e.id for e in experts if e.id is not None])
    org = user.organisation_id if user is not None else None

    def one(e: Expert) -> ExpertPublic:
        insider = repo.can_edit(user, e)
        hosted = org is not None and org in hosts.get(e.id or 0, set())
        return ExpertPublic.model_validate({
            **e.model_dump(), "kinds_zh": [kind_label(k) for k in e.kinds],
            "contact": e.contact if insider or hosted else None, "user_id": e.user_id if insider else None,
            "external_id": e.external_id if is_staff(user) else None, "can_edit": insider})

    return [one(e) for e in experts]


def linked_outputs(session: Session, *, expert: Expert, user: User | None) -> list[Item]:
    """The expert's linked research outputs that the reader may see, in the profile's order."""
    found = []
    for output_id in expert.output_ids:
        try:
            found.append(get_visible_item(session, spec=OUTPUTS, item_id=output_id, user=user))
        except NotFound:
            continue
    return found


def outputs_to_link(session: Session, *, expert: Expert, user: User) -> list[Item]:
    """The outputs a profile may link, as the editor sees them: the linked ones, then the rest of its organisation's."""
    if expert.organisation_id is None:
        return []
    linked = linked_outputs(session, expert=expert, user=user)
    others, _ = list_items(session, spec=OUTPUTS, user=user,
                           query=ListQuery(organisation_id=expert.organisation_id, sort="title", page_size=100))
    return [*linked, *(o for o in others if o.id not in expert.output_ids)]
