"""Dispatches (选派): the bureau or a broker sends an expert to an enterprise, a town or village, or a work station
for a period with goals; the expert and the host confirm. Work stations are kept here too.

Every function writes through the session it is given and never commits: the caller ends the transaction."""

from datetime import date

from sqlmodel import Session, col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import OrgKind, is_staff
from services.catalog.core.errors import Conflict, Forbidden
from services.catalog.core.tables import Clock, utcnow
from services.catalog.experts import repository as repo
from services.catalog.experts.models import Dispatch, Expert, WorkStation
from services.catalog.experts.regions import COUNTIES, is_county, is_town
from services.catalog.experts.schemas import DispatchCreate, DispatchPublic, StationCreate, StationPublic
from services.catalog.experts.service import invalid
from services.catalog.experts.vocab import HOST_LABELS, DispatchStatus, HostKind
from services.catalog.items.present import organisations_by_id


def _require_staff(user: User) -> None:
    if not is_staff(user):
        raise Forbidden("只有科技局和技术经纪人可以管理选派", "Only the bureau and brokers manage dispatches")


# --- work stations ----------------------------------------------------------------------------------------


def create_station(session: Session, *, user: User, data: StationCreate, clock: Clock = utcnow) -> WorkStation:
    """Open a work station in a county and town (staff); not committed."""
    _require_staff(user)
    if not is_town(data.county, data.town):
        raise invalid(f"“{data.county}{data.town}”不是江门市的区县和镇街", f"'{data.county} {data.town}' is not a "
                      "county and town of Jiangmen", "town")
    if session.exec(select(WorkStation.id).where(WorkStation.county == data.county, WorkStation.town == data.town,
                                                 WorkStation.name == data.name)).first() is not None:
        raise Conflict("该镇街已有同名工作站", "A work station of that name exists in that town")
    station = WorkStation(name=data.name, county=data.county, town=data.town, created_at=clock())
    session.add(station)
    session.flush()
    return station


def list_stations(session: Session, *, county: str | None = None) -> list[StationPublic]:
    """Every work station (in one county), by county and name."""
    stmt = select(WorkStation)
    if county is not None:
        stmt = stmt.where(WorkStation.county == county)
    rows = session.exec(stmt.order_by(col(WorkStation.county), col(WorkStation.name))).all()
    return [StationPublic.model_validate(r.model_dump()) for r in rows]


# --- dispatches -------------------------------------------------------------------------------------------


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months, (y, m) = [], (start.year, start.month)
    while (y, m) <= (end.year, end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def check_availability(session: Session, *, expert: Expert, start: date, end: date, days: int) -> None:
    """Refuse (409) a dispatch the expert has no time for.

    The rule: in every calendar month the new dispatch touches, the planned days per month of the expert's
    dispatches that are not cancelled and touch that month, the new one included, may not add up to more than
    the expert's availability (days per month). A dispatch counts in full in every month it touches, however few
    of that month's days it covers, so a plan never relies on splitting a month."""
    others = repo.live_dispatches(session, expert_id=expert.id or 0)
    for year, month in _months(start, end):
        load = days + sum(d.days_per_month for d in others if (year, month) in _months(d.start_on, d.end_on))
        if load > expert.availability_days:
            raise Conflict(
                f"专家 {expert.name} 在 {year} 年 {month} 月已安排的服务天数加上本次共 {load} 天，超过其每月可服务的 "
                f"{expert.availability_days} 天", f"Expert {expert.name} would be planned for {load} days in "
                f"{year}-{month:02d}, more than the {expert.availability_days} days a month they are available")


def _host(session: Session, data: DispatchCreate) -> tuple[int | None, int | None, str | None, str | None]:
    """(host organisation, station, county, town) of a new dispatch, each checked against its kind of host."""
    foreign = {HostKind.enterprise: ("station_id",), HostKind.station: ("host_org_id",),
               HostKind.town: ("host_org_id", "station_id")}[data.host_kind]
    for name in foreign:
        if getattr(data, name) is not None:
            raise invalid(f"派往{HOST_LABELS[data.host_kind][0]}时不填 {name}",
                          f"{name} does not apply to a dispatch to a {HOST_LABELS[data.host_kind][1]}", name)
    if data.host_kind == HostKind.enterprise:
        org = session.get(Organisation, data.host_org_id) if data.host_org_id else None
        if org is None or org.kind != OrgKind.enterprise:
            raise invalid("请指定接收专家的企业 host_org_id", "Name the host enterprise (host_org_id)", "host_org_id")
        county = data.county or (org.region if is_county(org.region) else None)
        if county is not None and not is_county(county):
            raise invalid(f"“{county}”不是江门市的区县", f"'{county}' is not a county of Jiangmen", "county")
        if data.town is not None and not is_town(county, data.town):
            raise invalid(f"镇街“{data.town}”不在{county or '所填区县'}内", f"Town '{data.town}' is not in {county}", "town")
        return org.id, None, county, data.town
    if data.host_kind == HostKind.station:
        station = repo.get_station(session, station_id=data.station_id) if data.station_id else None
        if station is None:
            raise invalid("请指定特派员工作站 station_id", "Name the work station (station_id)", "station_id")
        return None, station.id, station.county, station.town
    if not is_town(data.county, data.town):
        raise invalid(f"请从区县和镇街列表中选择（{'、'.join(COUNTIES)}）",
                      f"Choose a county and a town of it from the list ({', '.join(COUNTIES)})", "town")
    return None, None, data.county, data.town


def create_dispatch(session: Session, *, user: User, data: DispatchCreate, clock: Clock = utcnow) -> Dispatch:
    """Dispatch an expert to a host for a period (staff), refusing one beyond the expert's availability; not
    committed. It waits for the expert's and the host's confirmation."""
    _require_staff(user)
    if data.end_on < data.start_on:
        raise invalid("结束日期不能早于开始日期", "end_on must not be before start_on", "end_on")
    expert = repo.lock_expert(session, expert_id=data.expert_id)
    if expert is None or not expert.active:
        raise invalid(f"专家 {data.expert_id} 不存在或已不在专家库中", f"Expert {data.expert_id} is not in the pool",
                      "expert_id")
    host_org_id, station_id, county, town = _host(session, data)
    check_availability(session, expert=expert, start=data.start_on, end=data.end_on, days=data.days_per_month)
    now = clock()
    dispatch = Dispatch(expert_id=expert.id or 0, host_kind=data.host_kind, host_org_id=host_org_id,
                        station_id=station_id, county=county, town=town, village=data.village,
                        start_on=data.start_on, end_on=data.end_on, days_per_month=data.days_per_month,
                        goals=data.goals, created_by=user.id, created_at=now, updated_at=now)
    session.add(dispatch)
    session.flush()
    return dispatch


def confirm_dispatch(session: Session, *, dispatch: Dispatch, user: User, clock: Clock = utcnow) -> Dispatch:
    """The expert or the host confirms the dispatch; it runs once both have. Not committed."""
    if dispatch.status == DispatchStatus.cancelled:
        raise Conflict(f"选派 {dispatch.id} 已取消", f"Dispatch {dispatch.id} is cancelled")
    now = clock()
    if repo.is_dispatched(session, user, dispatch):
        if dispatch.expert_confirmed_at is not None:
            raise Conflict("您已确认过本次选派", "You have confirmed this dispatch already")
        dispatch.expert_confirmed_at = now
    elif repo.is_host(user, dispatch):
        if dispatch.host_confirmed_at is not None:
            raise Conflict("接收方已确认过本次选派", "The host has confirmed this dispatch already")
        dispatch.host_confirmed_at, dispatch.host_confirmed_by = now, user.id
    else:
        raise Forbidden("只有被选派的专家和接收方可以确认（镇村和工作站由科技局或经纪人确认）",
                        "Only the dispatched expert and the host confirm (staff for a town or work station)")
    if dispatch.expert_confirmed_at is not None and dispatch.host_confirmed_at is not None:
        dispatch.status = DispatchStatus.confirmed
    dispatch.updated_at = now
    session.add(dispatch)
    return dispatch


def cancel_dispatch(session: Session, *, dispatch: Dispatch, user: User, clock: Clock = utcnow) -> Dispatch:
    """Cancel a dispatch (staff); its logged visits stay. Not committed."""
    _require_staff(user)
    if dispatch.status == DispatchStatus.cancelled:
        raise Conflict(f"选派 {dispatch.id} 已取消", f"Dispatch {dispatch.id} is cancelled already")
    dispatch.status, dispatch.updated_at = DispatchStatus.cancelled, clock()
    session.add(dispatch)
    return dispatch


def present(session: Session, *, dispatches: list[Dispatch], user: User | None) -> list[DispatchPublic]:
    """Dispatches with the expert's and the host's names, and whether the caller is the expert or the host."""
    experts = {e.id: e for e in session.exec(select(Expert).where(
        col(Expert.id).in_({d.expert_id for d in dispatches}))).all()} if dispatches else {}
    orgs = organisations_by_id(session, {d.host_org_id for d in dispatches if d.host_org_id})
    stations = {s.id: s for s in session.exec(select(WorkStation).where(
        col(WorkStation.id).in_({d.station_id for d in dispatches if d.station_id}))).all()}
    mine = repo.own_expert(session, user)

    def host_name(d: Dispatch) -> str | None:
        if d.host_org_id in orgs:
            return orgs[d.host_org_id or 0].name
        if d.station_id in stations:
            return stations[d.station_id].name
        return f"{d.county or ''}{d.town or ''}{d.village or ''}" or None

    return [DispatchPublic.model_validate({
        **d.model_dump(), "expert_name": getattr(experts.get(d.expert_id), "name", None), "host_name": host_name(d),
        "is_expert": mine is not None and mine.id == d.expert_id, "is_host": repo.is_host(user, d)})
        for d in dispatches]
