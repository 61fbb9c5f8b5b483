"""Signing in: the OAuth2 password flow, /auth/me, and long-lived API tokens for upload scripts."""

import jwt
from sqlmodel import Session, select

from services.catalog.accounts.models import ApiToken, User
from services.catalog.core.security import create_access_token
from tests.catalog.test_permissions import fast_user
from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import portal_client, sign_in

API = "/api/v1"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_password_login_issues_a_jwt_for_me(catalog: Catalog) -> None:
    c = catalog.client
    catalog.user("uni_a", "university", "甲大学")
    r = c.post(f"{API}/auth/token", data={"username": "uni_a", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    token = r.json()["access_token"]
    claims = jwt.decode(token, catalog.settings.secret_key, algorithms=["HS256"])
    assert claims["exp"] > claims["iat"]
    me = c.get(f"{API}/auth/me", headers=_bearer(token)).json()
    assert me["login"] == "uni_a" and me["role"] == "university" and me["organisation_id"] == catalog.orgs["甲大学"]
    assert "password" not in str(me)


def test_wrong_credentials_and_bad_tokens_are_refused(catalog: Catalog) -> None:
    c = catalog.client
    catalog.user("ent_a", "enterprise", "甲公司")
    for username, password in [("ent_a", "wrong-password"), ("nobody", PASSWORD), ("ent_a", ""), ("ent\x00a", PASSWORD)]:
        r = c.post(f"{API}/auth/token", data={"username": username, "password": password})
        assert r.status_code in (401, 422), (username, r.text)
        assert "access_token" not in r.json()
    assert c.post(f"{API}/auth/token", data={"username": "ent_a"}).status_code == 422
    user_id = c.get(f"{API}/auth/me", headers=fast_user(catalog, "ent_b", "enterprise", "乙公司")).json()["id"]
    expired = create_access_token(user_id=user_id, secret=catalog.settings.secret_key, minutes=-1)
    forged = create_access_token(user_id=user_id, secret="someone-elses-secret-of-at-least-32-bytes", minutes=30)
    for headers in (_bearer(expired), _bearer(forged), _bearer("garbage"), _bearer("dj_not-a-real-token")):
        r = c.get(f"{API}/auth/me", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        # a bad credential on a public endpoint is an error too, not a silent anonymous read
        assert c.get(f"{API}/needs", headers=headers).status_code == 401
    r = c.get(f"{API}/auth/me", headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 401 and r.json()["message"] == "请先登录"


def test_deactivated_user_is_locked_out(catalog: Catalog) -> None:
    c = catalog.client
    admin = fast_user(catalog, "admin1", "admin")
    ent = catalog.user("ent_a", "enterprise", "甲公司")
    user_id = c.get(f"{API}/auth/me", headers=ent).json()["id"]
    assert c.patch(f"{API}/users/{user_id}", json={"is_active": False}, headers=admin).status_code == 200
    assert c.get(f"{API}/auth/me", headers=ent).status_code == 401
    assert c.post(f"{API}/auth/token", data={"username": "ent_a", "password": PASSWORD}).status_code == 401


def test_an_admin_cannot_lock_themself_out(catalog: Catalog) -> None:
    c = catalog.client
    admin = fast_user(catalog, "admin1", "admin")
    other = fast_user(catalog, "admin2", "admin")
    me = c.get(f"{API}/auth/me", headers=admin).json()["id"]
    for change in ({"is_active": False}, {"role": "broker", "organisation_id": catalog.org("对接中心", "broker_agency")}):
        r = c.patch(f"{API}/users/{me}", json=change, headers={**admin, "Accept-Language": "zh-CN"})
        assert r.status_code == 409 and "不能取消自己的管理员身份" in r.json()["message"], r.text
    assert c.get(f"{API}/auth/me", headers=admin).json()["role"] == "admin"
    assert c.patch(f"{API}/users/{me}", json={"display_name": "管理员甲"}, headers=admin).status_code == 200
    # another admin may still do it
    assert c.patch(f"{API}/users/{me}", json={"is_active": False}, headers=other).status_code == 200
    assert c.get(f"{API}/auth/me", headers=admin).status_code == 401


def test_admin_resets_a_password(catalog: Catalog) -> None:
    c = catalog.client
    admin = fast_user(catalog, "admin1", "admin")
    ent = catalog.user("ent_a", "enterprise", "甲公司")
    user_id = c.get(f"{API}/auth/me", headers=ent).json()["id"]
    r = c.patch(f"{API}/users/{user_id}", json={"password": "a-brand-new-pw"}, headers=admin)
    assert r.status_code == 200
    assert c.post(f"{API}/auth/token", data={"username": "ent_a", "password": PASSWORD}).status_code == 401
    assert c.post(f"{API}/auth/token", data={"username": "ent_a", "password": "a-brand-new-pw"}).status_code == 200


def test_api_token_uploads_on_the_owners_behalf_until_revoked(catalog: Catalog) -> None:
    c = catalog.client
    uni = fast_user(catalog, "uni_a", "university", "甲大学")
    r = c.post(f"{API}/auth/api-tokens", params={"name": "nightly upload"}, headers=uni)
    assert r.status_code == 201 and r.json()["token"].startswith("dj_") and r.json()["name"] == "nightly upload"
    token, token_id = r.json()["token"], r.json()["id"]
    with Session(catalog.engine) as s:
        stored = s.exec(select(ApiToken)).one()
        assert stored.token_hash != token and token not in stored.token_hash  # only a hash is kept
    script = _bearer(token)
    assert c.get(f"{API}/auth/me", headers=script).json()["login"] == "uni_a"
    r = c.post(f"{API}/outputs", json={"title": "脚本上传的成果", "status": "draft"}, headers=script)
    assert r.status_code == 201 and r.json()["organisation_id"] == catalog.orgs["甲大学"]
    output_id = r.json()["id"]
    assert c.get(f"{API}/outputs/{output_id}", headers=script).status_code == 200  # sees its own draft
    # the token carries the owner's rights, no more
    assert c.post(f"{API}/needs", json={"title": "脚本发需求"}, headers=script).status_code == 403
    # nobody else can revoke it
    other = fast_user(catalog, "uni_b", "university", "乙大学")
    assert c.delete(f"{API}/auth/api-tokens/{token_id}", headers=other).status_code == 404
    assert c.get(f"{API}/auth/me", headers=script).status_code == 200
    assert c.delete(f"{API}/auth/api-tokens/{token_id}", headers=uni).status_code == 204
    assert c.get(f"{API}/auth/me", headers=script).status_code == 401
    r = c.post(f"{API}/outputs", json={"title": "吊销后上传"}, headers=script)
    assert r.status_code == 401
    assert c.get(f"{API}/outputs", headers=uni).json()["count"] == 1


def test_api_token_name_is_checked(catalog: Catalog) -> None:
    uni = fast_user(catalog, "uni_a", "university", "甲大学")
    for name in ("", "x" * 101, "a\x00b"):
        r = catalog.client.post(f"{API}/auth/api-tokens", params={"name": name}, headers=uni)
        assert r.status_code == 422, name
    assert catalog.client.post(f"{API}/auth/api-tokens").status_code == 401


def test_health_needs_no_sign_in(catalog: Catalog) -> None:
    r = catalog.client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "service": "catalog"}


def test_a_token_without_an_expiry_is_refused(catalog: Catalog) -> None:
    catalog.user("ent", "enterprise", "甲公司")
    with Session(catalog.engine) as s:
        user_id = s.exec(select(User.id).where(User.login == "ent")).one()
    forever = jwt.encode({"sub": str(user_id)}, catalog.settings.secret_key, algorithm="HS256")
    assert catalog.client.get("/api/v1/auth/me", headers=_bearer(forever)).status_code == 401
    lasting = jwt.encode({"sub": str(user_id), "exp": 4_102_444_800}, catalog.settings.secret_key, algorithm="HS256")
    assert catalog.client.get("/api/v1/auth/me", headers=_bearer(lasting)).status_code == 200


def test_a_password_reset_ends_every_session_and_token_issued_before(catalog: Catalog) -> None:
    c = catalog.client
    admin = fast_user(catalog, "admin2", "admin")
    before = catalog.user("ent_r", "enterprise", "甲公司")
    user_id = c.get(f"{API}/auth/me", headers=before).json()["id"]
    script = _bearer(c.post(f"{API}/auth/api-tokens", params={"name": "nightly"}, headers=before).json()["token"])
    browser = portal_client(c.app)
    sign_in(browser, "ent_r", PASSWORD)
    assert browser.get("/my/needs").status_code == 200
    assert c.get(f"{API}/auth/me", headers=script).status_code == 200

    assert c.patch(f"{API}/users/{user_id}", json={"password": "a-brand-new-pw"}, headers=admin).status_code == 200
    assert c.get(f"{API}/auth/me", headers=before).status_code == 401
    assert c.get(f"{API}/auth/me", headers=script).status_code == 401
    r = browser.get("/my/needs", follow_redirects=False)
    assert r.status_code == 303 and "expired=1" in r.headers["location"]
    token = c.post(f"{API}/auth/token", data={"username": "ent_r", "password": "a-brand-new-pw"}).json()["access_token"]
    assert c.get(f"{API}/auth/me", headers=_bearer(token)).status_code == 200
    other = c.patch(f"{API}/users/{user_id}", json={"display_name": "张经理"}, headers=admin)
    assert other.status_code == 200 and c.get(f"{API}/auth/me", headers=_bearer(token)).status_code == 200
