"""Who may do what, per endpoint and role: every allowed call succeeds and every other one is refused."""

from dataclasses import dataclass, field

import pytest
from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.core.security import create_access_token, hash_password
from tests.conftest import Catalog

_HASH = hash_password("permission-tests-pw")  # hashed once: argon2 is slow on purpose
API = "/api/v1"
ROLES = ["anon", "admin", "broker", "ent_a", "ent_b", "uni_a", "uni_b", "expert"]


def fast_user(catalog: Catalog, login: str, role: str, org: str | None = None,
              kind: str | None = None, region: str | None = "蓬江区") -> dict[str, str]:
    """Headers of a new user, made directly in the database (no password hashing per user)."""
    org_id = None
    if org is not None:
        org_id = catalog.org(org, kind or {"university": "university", "broker": "broker_agency"}.get(role, "enterprise"),
                             region)
    with Session(catalog.engine) as s:
        user = User(login=login, password_hash=_HASH, role=role, organisation_id=org_id)
        s.add(user)
        s.commit()
        token = create_access_token(user_id=user.id or 0, secret=catalog.settings.secret_key, minutes=30)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """Two enterprises, two universities, a broker, an admin and an expert, the owners with items of every visibility."""

    catalog: Catalog
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, int] = field(default_factory=dict)

    def call(self, role: str, method: str, url: str, **kw: object) -> int:
        """Status code of a request made as `role`."""
        return self.catalog.client.request(method, API + url, headers=self.headers[role], **kw).status_code  # type: ignore[arg-type]

    def last_seq(self) -> int:
        """Newest sequence number of the change feed."""
        r = self.catalog.client.get(f"{API}/changes", params={"limit": 1}, headers=self.catalog.service_headers())
        return int(r.json()["last_seq"])


def make_world(catalog: Catalog) -> World:
    """Users of every role and, for each owner, one public and one hidden item."""
    w = World(catalog)
    w.headers = {
        "anon": {},
        "admin": fast_user(catalog, "admin1", "admin"),
        "broker": fast_user(catalog, "broker1", "broker", "经纪机构"),
        "ent_a": fast_user(catalog, "ent_a", "enterprise", "甲公司"),
        "ent_b": fast_user(catalog, "ent_b", "enterprise", "乙公司"),
        "uni_a": fast_user(catalog, "uni_a", "university", "甲大学"),
        "uni_b": fast_user(catalog, "uni_b", "university", "乙大学"),
        # a reviewer of challenge calls working at 甲大学: belonging there shows it none of 甲大学's drafts
        "expert": fast_user(catalog, "expert1", "expert", "甲大学"),
    }
    c = catalog.client
    for owner in ("a", "b"):
        for vis in ("public", "brokers_only"):
            body = {"title": f"石墨烯散热需求 {owner} {vis}", "confidentiality": vis}
            r = c.post(f"{API}/needs", json=body, headers=w.headers[f"ent_{owner}"])
            assert r.status_code == 201, r.text
            w.needs[f"{owner}_{vis}"] = r.json()["id"]
        for status in ("published", "draft"):
            body = {"title": f"石墨烯散热膜成果 {owner} {status}", "status": status}
            r = c.post(f"{API}/outputs", json=body, headers=w.headers[f"uni_{owner}"])
            assert r.status_code == 201, r.text
            w.outputs[f"{owner}_{status}"] = r.json()["id"]
    return w


@pytest.fixture
def world(catalog: Catalog) -> World:
    return make_world(catalog)


ALL_NEEDS = {"a_public", "a_brokers_only", "b_public", "b_brokers_only"}
ALL_OUTPUTS = {"a_published", "a_draft", "b_published", "b_draft"}
PUBLIC_NEEDS = {"a_public", "b_public"}
PUBLISHED = {"a_published", "b_published"}
VISIBLE = {  # role -> (needs it may read, outputs it may read)
    "anon": (PUBLIC_NEEDS, PUBLISHED),
    "admin": (ALL_NEEDS, ALL_OUTPUTS),
    "broker": (ALL_NEEDS, ALL_OUTPUTS),
    "ent_a": (PUBLIC_NEEDS | {"a_brokers_only"}, PUBLISHED),
    "ent_b": (PUBLIC_NEEDS | {"b_brokers_only"}, PUBLISHED),
    "uni_a": (PUBLIC_NEEDS, PUBLISHED | {"a_draft"}),
    "uni_b": (PUBLIC_NEEDS, PUBLISHED | {"b_draft"}),
    "expert": (PUBLIC_NEEDS, PUBLISHED),
}


def _write_status(role: str, kind: str, key: str) -> int:
    """What a PATCH or DELETE by `role` on item `key` must answer."""
    if role == "anon":
        return 401
    readable = key in VISIBLE[role][0 if kind == "need" else 1]
    if not readable:
        return 404  # hidden items are not admitted to exist
    if role == "admin":
        return 200
    owner_role = "ent" if kind == "need" else "uni"
    return 200 if role == f"{owner_role}_{key[0]}" else 403


def test_reads_lists_search_and_counts_show_only_what_each_role_may_see(world: World) -> None:
    c = world.catalog.client
    wrong: list[tuple[object, ...]] = []
    for role in ROLES:
        h = world.headers[role]
        for kind, ids, allowed in (("need", world.needs, VISIBLE[role][0]), ("output", world.outputs, VISIBLE[role][1])):
            expected = {ids[k] for k in allowed}
            for params in ({}, {"q": "石墨烯"}, {"q": "散热 石墨烯"}, {"page_size": 1}):
                r = c.get(f"{API}/{kind}s", params=params, headers=h)
                body = r.json()
                got = {d["id"] for d in body["data"]}
                if body["count"] != len(expected) or (params.get("page_size") is None and got != expected):
                    wrong.append((role, kind, params, sorted(got), body["count"], sorted(expected)))
            for key, item_id in ids.items():
                status = c.get(f"{API}/{kind}s/{item_id}", headers=h).status_code
                if status != (200 if key in allowed else 404):
                    wrong.append((role, kind, key, status))
    assert wrong == []


def test_brokers_only_need_stays_hidden_under_every_filter(world: World) -> None:
    c = world.catalog.client
    hidden = world.needs["a_brokers_only"]
    for role in ("anon", "ent_b", "uni_a"):
        for params in ({"organisation_id": world.catalog.orgs["甲公司"]}, {"status": "open"},
                       {"q": "brokers_only 需求"}, {"sort": "title"}, {"page_size": 200}):
            r = c.get(f"{API}/needs", params=params, headers=world.headers[role])
            assert hidden not in {d["id"] for d in r.json()["data"]}, (role, params)
        r = c.get(f"{API}/needs/{hidden}", headers=world.headers[role])
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        # a write to the hidden need must not reveal it either
        assert world.call(role, "PATCH", f"/needs/{hidden}", json={"version": 1, "title": "新的标题"}) in (401, 404)


def test_update_allowed_and_refused_for_every_role_and_item(world: World) -> None:
    before = world.last_seq()
    versions = {(kind, key): 1 for kind in ("need", "output") for key in ALL_NEEDS | ALL_OUTPUTS}
    wrong, allowed = [], 0
    for role in ROLES:
        for kind, ids in (("need", world.needs), ("output", world.outputs)):
            for key, item_id in ids.items():
                status = world.call(role, "PATCH", f"/{kind}s/{item_id}",
                                    json={"version": versions[kind, key], "title": f"改名 {role} {key}"})
                expected = _write_status(role, kind, key)
                if status == 200:
                    versions[kind, key] += 1
                allowed += expected == 200
                if status != expected:
                    wrong.append((role, kind, key, status, expected))
    assert wrong == []
    assert world.last_seq() - before == allowed  # refused updates wrote nothing to the feed


def test_delete_allowed_and_refused_for_every_role_and_item(world: World) -> None:
    c = world.catalog.client
    wrong, allowed = [], 0
    before = world.last_seq()
    for role in ROLES:
        for kind, ids in (("need", world.needs), ("output", world.outputs)):
            for key, item_id in ids.items():
                expected = _write_status(role, kind, key)
                target = item_id
                if expected == 200:
                    # Deleting the shared item would change the world for later roles: delete a twin.
                    owner = ("ent_" if kind == "need" else "uni_") + key[0]
                    extra = {"confidentiality": key[2:]} if kind == "need" else {"status": key[2:]}
                    r = c.post(f"{API}/{kind}s", json={"title": f"待删除 {key}", **extra}, headers=world.headers[owner])
                    target = r.json()["id"]
                    allowed += 1
                status = world.call(role, "DELETE", f"/{kind}s/{target}")
                expected = 204 if expected == 200 else expected
                if status != expected:
                    wrong.append((role, kind, key, status, expected))
    assert wrong == []
    # each allowed delete made a twin (one change) and deleted it (one change); refusals wrote nothing
    assert world.last_seq() - before == 2 * allowed
    for kind, ids in (("need", world.needs), ("output", world.outputs)):
        for item_id in ids.values():
            assert c.get(f"{API}/{kind}s/{item_id}", headers=world.headers["admin"]).status_code == 200


CREATE = {  # role -> (status creating a need, status creating an output), for their own organisation
    "anon": (401, 401), "admin": (201, 201), "broker": (403, 403),
    "ent_a": (201, 403), "ent_b": (201, 403), "uni_a": (403, 201), "uni_b": (403, 201), "expert": (403, 403),
}


def test_create_allowed_only_for_owner_roles_and_admins(world: World) -> None:
    orgs = world.catalog.orgs
    before, created = world.last_seq(), 0
    for role in ROLES:
        # admins have no organisation of their own, so they name one
        need_org, output_org = (orgs["甲公司"], orgs["甲大学"]) if role == "admin" else (None, None)
        need = world.call(role, "POST", "/needs", json={"title": "新的技术需求", "organisation_id": need_org})
        output = world.call(role, "POST", "/outputs", json={"title": "新的科技成果", "organisation_id": output_org})
        assert (role, need, output) == (role, *CREATE[role])
        created += [need, output].count(201)
    # nobody but admins creates for another organisation
    for role, kind, org in [("ent_a", "need", "乙公司"), ("uni_a", "output", "乙大学"),
                            ("ent_a", "output", "甲公司"), ("uni_a", "need", "甲大学"), ("broker", "need", "甲公司"),
                            ("expert", "output", "甲大学")]:
        body = {"title": "代别人发布", "organisation_id": orgs[org]}
        assert world.call(role, "POST", f"/{kind}s", json=body) == 403, (role, kind, org)
    # an admin has no organisation of their own, so must name one
    r = world.catalog.client.post(f"{API}/needs", json={"title": "无主需求"}, headers=world.headers["admin"])
    assert r.status_code == 422 and r.json()["detail"][0]["column"] == "organisation_id"
    assert world.last_seq() - before == created


# (method, path, body) -> status for anon / admin / every other signed-in role
ACCOUNT_ENDPOINTS = [
    ("GET", "/users", None, (401, 200, 403)),
    ("POST", "/users", {"login": "new_user", "password": "long-enough-pw", "role": "admin"}, (401, 201, 403)),
    ("PATCH", "/users/{ent_a_id}", {"display_name": "甲"}, (401, 200, 403)),
    ("GET", "/organisations", None, (401, 200, 200)),
    ("POST", "/organisations", {"name": "新单位{n}", "kind": "enterprise"}, (401, 201, 403)),
    ("PATCH", "/organisations/{org_id}", {"region": "新会区"}, (401, 200, 403)),
    ("GET", "/auth/me", None, (401, 200, 200)),
    ("GET", "/changes", None, (401, 403, 403)),
]


def test_accounts_organisations_and_feed_by_role(world: World) -> None:
    c = world.catalog.client
    me = c.get(f"{API}/auth/me", headers=world.headers["ent_a"]).json()
    wrong = []
    for n, role in enumerate(ROLES):
        for method, path, body, statuses in ACCOUNT_ENDPOINTS:
            url = path.format(ent_a_id=me["id"], org_id=world.catalog.orgs["甲公司"])
            if body is not None:
                body = {k: (v.format(n=n) if isinstance(v, str) else v) for k, v in body.items()}
                if "login" in body:
                    body["login"] = f"new_user{n}"
            expected = statuses[0] if role == "anon" else statuses[1] if role == "admin" else statuses[2]
            status = world.call(role, method, url, json=body)
            if status != expected:
                wrong.append((role, method, url, status, expected))
    assert wrong == []
    for role in ROLES[1:]:
        r = c.get(f"{API}/auth/me", headers=world.headers[role])
        assert r.json()["role"] == {"ent": "enterprise", "uni": "university"}.get(role[:3], role)
        assert "password_hash" not in r.json()
