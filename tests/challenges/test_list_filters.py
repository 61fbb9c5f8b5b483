"""The challenge list narrowed by field in the database: any part of the field, ignoring case, `%` and `_` taken
literally, counted and paged after narrowing, drafts still only their owner's."""

from datetime import timedelta

from tests.challenges.helpers import Clock, challenge_body, make_people, published
from tests.conftest import Catalog


def test_field_filter_matches_a_part_ignoring_case_and_pages_after_narrowing(catalog: Catalog, clock: Clock) -> None:
    p = make_people(catalog)
    deadline = clock.now + timedelta(days=10)
    ids = {name: published(p, deadline + timedelta(hours=n), field=name)["id"]
           for n, name in enumerate(["新能源-湿法冶金", "Lithium Recycling", "光伏_100%硅料", "湿法冶金-镍钴"])}
    p.ok("owner", "POST", "/challenges", 201, json=challenge_body(deadline, field="湿法冶金（草稿）"))

    def listed(who: str, **params: object) -> tuple[list[int], int]:
        body = p.ok(who, "GET", "/challenges", params=params)
        return [c["id"] for c in body["data"]], body["count"]

    assert listed("anon", field="湿法") == ([ids["新能源-湿法冶金"], ids["湿法冶金-镍钴"]], 2)
    assert listed("anon", field="lithium recycling") == ([ids["Lithium Recycling"]], 1)
    assert listed("anon", field="_100%") == ([ids["光伏_100%硅料"]], 1)
    assert listed("anon", field="%") == ([ids["光伏_100%硅料"]], 1)  # a literal percent sign, not "anything"
    assert listed("anon", field="湿法", page_size=1, page=2) == ([ids["湿法冶金-镍钴"]], 2)
    assert listed("owner", field="湿法")[1] == 3  # its own draft too
    assert listed("anon", field="湿法", region="台山市") == ([], 0)
