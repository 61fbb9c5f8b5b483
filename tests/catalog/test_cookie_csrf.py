"""The portal's session cookie may read the JSON API but never write through it (no CSRF via the API)."""

from services.catalog.api.deps import SESSION_COOKIE
from tests.conftest import Catalog


def test_cookie_reads_but_cannot_write(catalog: Catalog) -> None:
    headers = catalog.user("ent-cookie", "enterprise", "饼干公司")
    token = headers["Authorization"].removeprefix("Bearer ")
    client = catalog.client
    client.cookies.set(SESSION_COOKIE, token)
    try:
        assert client.get("/api/v1/auth/me").json()["login"] == "ent-cookie"
        r = client.post("/api/v1/needs", json={"title": "跨站请求伪造测试", "description": "不应写入"})
        assert r.status_code == 401
        assert client.get("/api/v1/needs").json()["count"] == 0
    finally:
        client.cookies.clear()
