"""Who may do what with challenges, per endpoint and role: the allowed call succeeds, every other is refused,
and an application's existence never leaks (404, not 403; counts only of what the caller may see)."""

from datetime import timedelta

import pytest

from tests.challenges.helpers import (
    PDF,
    Clock,
    People,
    application_body,
    challenge_body,
    make_people,
    published,
    scores,
    submitted,
)
from tests.conftest import Catalog

EVERYONE = ["anon", "admin", "bureau", "owner", "other_ent", "uni1", "uni2", "exp1", "exp2", "broker"]


@pytest.fixture
def people(catalog: Catalog) -> People:
    return make_people(catalog)


def _statuses(p: People, method: str, url: str, **kw: object) -> dict[str, int]:
    return {who: p.call(who, method, url, **kw).status_code for who in EVERYONE}


def test_drafts_are_read_by_their_owner_and_admins_only_published_by_anyone(people: People, clock: Clock) -> None:
    p = people
    draft = p.ok("owner", "POST", "/challenges", 201, json=challenge_body(clock.now + timedelta(days=5)))
    seen = _statuses(p, "GET", f"/challenges/{draft['id']}")
    assert seen == {**dict.fromkeys(EVERYONE, 404), "owner": 200, "admin": 200, "bureau": 200}
    assert {w for w in EVERYONE if p.ok(w, "GET", "/challenges")["count"]} == {"owner", "admin", "bureau"}
    pub = published(p, clock.now + timedelta(days=5))
    assert set(_statuses(p, "GET", f"/challenges/{pub['id']}").values()) == {200}
    assert set(_statuses(p, "GET", f"/challenges/{pub['id']}/history").values()) == {200}
    assert p.ok("anon", "GET", "/challenges")["count"] == 1


def test_only_enterprises_and_admins_create_and_only_owner_and_admins_edit_or_move(people: People,
                                                                                   clock: Clock) -> None:
    p = people
    body = challenge_body(clock.now + timedelta(days=5))
    made = _statuses(p, "POST", "/challenges", json=body)
    assert made == {"anon": 401, "admin": 422, "bureau": 201, "owner": 201, "other_ent": 201, "uni1": 403,
                    "uni2": 403, "exp1": 403, "exp2": 403, "broker": 403}  # an admin without organisation names one
    draft = p.ok("owner", "POST", "/challenges", 201, json=body)
    url = f"/challenges/{draft['id']}"
    edits = {w: p.call(w, "PATCH", url, json={"version": 1, "title": "改名后的榜单"}).status_code for w in EVERYONE}
    # others cannot even see the draft: 404; the admin edits version 1 first, so the owner is then stale (409)
    assert edits == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 200, "bureau": 409, "owner": 409}
    pub = published(p, clock.now + timedelta(days=5))
    moves = _statuses(p, "POST", f"/challenges/{pub['id']}/transitions", json={"to": "closed"})
    # the owner and admins may move it, but not before the deadline (409); everyone else is refused
    assert moves == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 409, "bureau": 409, "owner": 409}


def test_applications_are_seen_by_their_organisation_the_owner_reviewers_and_admins_only(people: People,
                                                                                           clock: Clock) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5))
    cid = ch["id"]
    applied = _statuses(p, "POST", f"/challenges/{cid}/applications", json=application_body())
    assert applied == {"anon": 401, "admin": 403, "bureau": 403, "owner": 403, "other_ent": 201, "uni1": 201,
                       "uni2": 201, "exp1": 403, "exp2": 403, "broker": 403}
    apps = {a["lead_org_name"]: a for a in p.ok("admin", "GET", f"/challenges/{cid}/applications")["data"]}
    mine = apps["五邑大学"]
    p.ok("uni1", "POST", f"/challenges/{cid}/applications/{mine['id']}/submit", json={"version": mine["version"]})
    url = f"/challenges/{cid}/applications/{mine['id']}"
    reads = _statuses(p, "GET", url)
    assert reads == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 200, "bureau": 200, "owner": 200,
                     "uni1": 200}
    counts = {w: p.ok(w, "GET", f"/challenges/{cid}/applications")["count"] for w in EVERYONE if w != "anon"}
    # the owner sees the one submitted application, each applicant only its own, experts (not assigned) none
    assert counts == {"admin": 3, "bureau": 3, "owner": 1, "other_ent": 1, "uni1": 1, "uni2": 1, "exp1": 0,
                      "exp2": 0, "broker": 0}
    edits = _statuses(p, "PATCH", url, json={"version": 2, "approach": "改"})
    # the team's submitted application is frozen (409); the owner and admins see it but may not edit (403)
    assert edits == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 403, "bureau": 403, "owner": 403,
                     "uni1": 409}
    draft = apps["江门职业技术学院"]
    durl = f"/challenges/{cid}/applications/{draft['id']}"
    assert {w: p.call(w, "GET", durl).status_code for w in ("owner", "uni1", "admin", "uni2")} == {
        "owner": 404, "uni1": 404, "admin": 200, "uni2": 200}  # a draft is the team's working copy
    uploads = {w: p.call(w, "POST", durl + "/attachments", files={"file": ("plan.pdf", PDF, "application/pdf")})
               .status_code for w in EVERYONE}
    assert uploads == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 403, "bureau": 403, "uni2": 201}
    attachment = p.ok("uni2", "GET", durl)["attachments"][0]
    downloads = _statuses(p, "GET", f"{durl}/attachments/{attachment['id']}")
    assert downloads == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 200, "bureau": 200, "uni2": 200}
    assert p.call("uni2", "GET", f"{durl}/attachments/{attachment['id']}").content == PDF
    withdrawals = _statuses(p, "POST", durl + "/withdraw", json={"version": draft["version"]})
    assert withdrawals == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 403, "bureau": 403, "uni2": 200}


def test_reviewers_see_only_what_they_are_assigned_and_others_scores_only_after_their_own(people: People,
                                                                                           clock: Clock) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5))
    cid = ch["id"]
    app1 = submitted(p, cid, "uni1")
    submitted(p, cid, "uni2")
    clock.advance(days=6)
    for to in ("closed", "under_review"):
        p.ok("owner", "POST", f"/challenges/{cid}/transitions", json={"to": to})
    assigned = {w: p.call(w, "POST", f"/challenges/{cid}/reviewers", json={"user_id": p.ids["exp1"]}).status_code
                for w in EVERYONE}
    # an admin assigns first; the bureau and the owner then find the expert assigned already (409)
    assert assigned == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 201, "bureau": 409, "owner": 409}
    p.ok("owner", "POST", f"/challenges/{cid}/reviewers", 201, json={"user_id": p.ids["exp2"]})
    assert [r["user_id"] for r in p.ok("exp1", "GET", f"/challenges/{cid}/reviewers")] == [p.ids["exp1"]]
    assert len(p.ok("owner", "GET", f"/challenges/{cid}/reviewers")) == 2
    assert p.call("uni1", "GET", f"/challenges/{cid}/reviewers").status_code == 403
    assert p.ok("exp1", "GET", "/challenges", params={"reviewing": True})["count"] == 1
    assert p.ok("exp1", "GET", f"/challenges/{cid}/applications")["count"] == 2

    url = f"/challenges/{cid}/applications/{app1['id']}/reviews"
    review = {"scores": scores(4), "no_conflict": True}
    scored = _statuses(p, "POST", url, json=review)
    assert scored == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 403, "bureau": 403, "owner": 403,
                      "uni1": 403, "exp1": 201, "exp2": 201}
    # a third expert, not assigned, never sees the applications
    assert p.call("exp3", "GET", url).status_code == 404
    assert p.ok("exp3", "GET", f"/challenges/{cid}/applications")["count"] == 0

    app2 = next(a for a in p.ok("exp1", "GET", f"/challenges/{cid}/applications")["data"] if a["id"] != app1["id"])
    url2 = f"/challenges/{cid}/applications/{app2['id']}/reviews"
    p.ok("exp2", "POST", url2, 201, json={"scores": scores(2), "no_conflict": True})
    assert p.ok("exp1", "GET", url2) == []  # exp2's scores stay hidden until exp1 scores too
    p.ok("exp1", "POST", url2, 201, json={"scores": scores(5), "no_conflict": True})
    assert sorted(r["weighted"] for r in p.ok("exp1", "GET", url2)) == [2.0, 5.0]
    assert p.call("uni2", "GET", url2).status_code == 403  # applicants never see reviews
    ranks = _statuses(p, "GET", f"/challenges/{cid}/ranking")
    assert ranks == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 200, "bureau": 200, "owner": 200}
    staged = _statuses(p, "POST", f"/challenges/{cid}/applications/{app1['id']}/stage", json={"stage": "assess"})
    assert staged == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 200, "bureau": 409, "owner": 409,
                      "uni1": 403, "exp1": 403, "exp2": 403}  # moved once by the admin; then it is there already


def test_award_milestones_invitations_and_statistics_are_the_owners_and_admins(people: People,
                                                                              clock: Clock) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5))
    cid = ch["id"]
    invites = {w: p.call(w, "POST", f"/challenges/{cid}/invitations", json={"output_ids": [1]}).status_code
               for w in EVERYONE}
    # no output 1 exists: the owner and admins get as far as looking it up (404)
    assert invites == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 404, "bureau": 404, "owner": 404}
    lists = _statuses(p, "GET", f"/challenges/{cid}/invitations")
    assert lists == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 200, "bureau": 200, "owner": 200}
    app = submitted(p, cid, "uni1")
    clock.advance(days=6)
    for to in ("closed", "under_review"):
        p.ok("owner", "POST", f"/challenges/{cid}/transitions", json={"to": to})
    body = {"winners": [{"application_id": app["id"], "reason": "唯一有效申请"}]}
    refused = {w: p.call(w, "POST", f"/challenges/{cid}/award", json=body).status_code
               for w in EVERYONE if w not in ("owner",)}
    assert refused == {**dict.fromkeys(refused, 403), "anon": 401, "admin": 200, "bureau": 409}
    agreements = {w: len(p.ok(w, "GET", f"/challenges/{cid}/agreements")) for w in EVERYONE}
    assert agreements == {**dict.fromkeys(EVERYONE, 0), "admin": 1, "bureau": 1, "owner": 1, "uni1": 1}
    p.ok("owner", "POST", f"/challenges/{cid}/transitions", json={"to": "in_execution"})
    milestone = p.ok("owner", "GET", f"/challenges/{cid}/agreements")[0]["milestones"][0]
    decide = {w: p.call(w, "POST", f"/challenges/{cid}/milestones/{milestone['id']}/decision",
                        json={"accept": False, "evidence": "报告缺数据"}).status_code for w in EVERYONE}
    assert decide == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 200, "bureau": 200, "owner": 200}
    figures = _statuses(p, "GET", "/stats/challenges")
    assert figures == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 200, "bureau": 200, "broker": 200}
