"""Every timestamp the API returns is timezone-aware UTC, on SQLite (which keeps no zone) as on PostgreSQL."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from services.catalog.items.models import TechNeed
from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog

API = "/api/v1"


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(0), f"{text} does not say it is UTC"
    return moment


def test_api_timestamps_say_utc(catalog: Catalog) -> None:
    c = catalog.client
    before = datetime.now(UTC)
    ent = fast_user(catalog, "ent_t", "enterprise", "甲公司")
    need = c.post(f"{API}/needs", json={"title": "时区测试需求"}, headers=ent).json()
    read = c.get(f"{API}/needs/{need['id']}", headers=ent).json()
    for moment in (need["created_at"], need["updated_at"], read["created_at"], read["updated_at"]):
        assert before - timedelta(seconds=5) <= _utc(moment) <= datetime.now(UTC) + timedelta(seconds=5)
    feed = c.get(f"{API}/changes", params={"after": 0}, headers=catalog.service_headers()).json()
    assert [_utc(change["at"]) for change in feed["changes"]]
    assert _utc(feed["changes"][0]["item"]["updated_at"]) == _utc(read["updated_at"])


def test_a_time_written_in_another_zone_reads_back_as_the_same_instant_in_utc(catalog: Catalog) -> None:
    fast_user(catalog, "ent_z", "enterprise", "乙公司")
    beijing = datetime(2026, 12, 1, 20, 30, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    with Session(catalog.engine) as session:
        need = TechNeed(title="跨时区写入", organisation_id=catalog.orgs["乙公司"], created_at=beijing, updated_at=beijing)
        session.add(need)
        session.commit()
        need_id = need.id
    with Session(catalog.engine) as session:
        stored = session.get(TechNeed, need_id)
        assert stored is not None
        assert stored.created_at == datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
        assert stored.created_at.utcoffset() == timedelta(0)
