"""Contacts follow the platform's rule: the owner's and a team's contact reach the other party only once the
team has won (award), never before, never a losing applicant, a reviewer or the public."""

from datetime import timedelta

from tests.challenges.helpers import Clock, make_people, published, scores, submitted
from tests.conftest import Catalog

OWNER_CONTACT, TEAM_CONTACT, OTHER_CONTACT = "张经理 0750-1234567", "李教授 lee@wyu.edu.cn", "王老师 138-0000-0000"


def test_contacts_reach_the_other_party_only_once_awarded(catalog: Catalog, clock: Clock) -> None:
    p = make_people(catalog)
    ch = published(p, clock.now + timedelta(days=5), contact=OWNER_CONTACT)
    cid = ch["id"]
    app = submitted(p, cid, "uni1", contact=TEAM_CONTACT)
    other = submitted(p, cid, "uni2", contact=OTHER_CONTACT)

    def owner_contact(who: str) -> str | None:
        return p.ok(who, "GET", f"/challenges/{cid}")["contact"]

    def team_contact(who: str, application: dict) -> str | None:
        return p.ok(who, "GET", f"/challenges/{cid}/applications/{application['id']}")["contact"]

    assert {w: owner_contact(w) for w in ("owner", "admin", "anon", "uni1", "uni2", "exp1")} == {
        "owner": OWNER_CONTACT, "admin": OWNER_CONTACT, "anon": None, "uni1": None, "uni2": None, "exp1": None}
    assert {w: team_contact(w, app) for w in ("uni1", "admin", "owner")} == {
        "uni1": TEAM_CONTACT, "admin": TEAM_CONTACT, "owner": None}

    clock.advance(days=6)
    for to in ("closed", "under_review"):
        p.ok("owner", "POST", f"/challenges/{cid}/transitions", json={"to": to})
    p.ok("owner", "POST", f"/challenges/{cid}/reviewers", 201, json={"user_id": p.ids["exp1"]})
    p.ok("exp1", "POST", f"/challenges/{cid}/applications/{app['id']}/reviews", 201,
         json={"scores": scores(5), "no_conflict": True})
    assert team_contact("exp1", app) is None  # reviewers judge the plan, not whom to call
    p.ok("owner", "POST", f"/challenges/{cid}/award", json={"winners": [{"application_id": app["id"],
                                                                          "reason": "回收率最高"}]})

    assert owner_contact("uni1") == OWNER_CONTACT  # the winner may now call the owner
    assert owner_contact("uni2") is None and owner_contact("anon") is None and owner_contact("exp1") is None
    assert team_contact("owner", app) == TEAM_CONTACT  # and the owner the winning team
    assert team_contact("owner", other) is None  # but not the team that lost
    listed = {a["id"]: a["contact"] for a in p.ok("owner", "GET", f"/challenges/{cid}/applications")["data"]}
    assert listed == {app["id"]: TEAM_CONTACT, other["id"]: None}
