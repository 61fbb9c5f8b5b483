"""The basics a user relies on first: health, sign-in, posting a need and reading it back."""

from tests.conftest import Catalog


def test_health_answers(catalog: Catalog) -> None:
    assert catalog.client.get("/healthz").json()["status"] == "ok"


def test_enterprise_posts_need_and_anonymous_reads_it(catalog: Catalog) -> None:
    headers = catalog.user("ent1", "enterprise", "甲公司")
    body = {"title": "锂电池极片缺陷检测", "description": "需要在线视觉检测系统", "keywords": ["视觉", "极片"],
            "cluster": "新能源电池", "region": "新会区"}
    r = catalog.client.post("/api/v1/needs", json=body, headers=headers)
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["language"] == "zh" and need["version"] == 1
    r = catalog.client.get(f"/api/v1/needs/{need['id']}")
    assert r.status_code == 200 and r.json()["title"] == body["title"]
    r = catalog.client.get("/api/v1/needs", params={"q": "极片检测"})
    assert r.json()["count"] == 1
