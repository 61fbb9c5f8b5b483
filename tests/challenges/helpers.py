"""Building blocks for the challenge tests: the people around a call, a valid challenge and application."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.conftest import Catalog

API = "/api/v1"
INDICATORS = [
    {"name": "镍钴锰回收率", "target": "≥98", "unit": "%", "verification": "第三方检测报告"},
    {"name": "处理成本", "target": "≤8000", "unit": "元/吨", "verification": "中试成本核算"},
]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class People:
    """The bureau, an owning enterprise, three applying universities, experts, a broker and outsiders."""

    catalog: Catalog
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def call(self, who: str, method: str, url: str, **kw: Any) -> Any:
        """A request as `who` ("anon" for nobody)."""
        return self.catalog.client.request(method, API + url, headers=self.headers.get(who, {}), **kw)

    def ok(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        """The JSON of a request that must answer `status`."""
        r = self.call(who, method, url, **kw)
        assert r.status_code == status, (who, method, url, r.status_code, r.text)
        return r.json()


def make_people(catalog: Catalog) -> People:
    """Sign in everyone a challenge involves."""
    p = People(catalog)
    specs = [("bureau", "admin", "江门市科学技术局", "government", "蓬江区"),
             ("owner", "enterprise", "新会锂能", "enterprise", "新会区"),
             ("other_ent", "enterprise", "台山食品", "enterprise", "台山市"),
             ("uni1", "university", "五邑大学", "university", "蓬江区"),
             ("uni2", "university", "江门职业技术学院", "university", "江海区"),
             ("uni3", "university", "新材料研究院", "institute", "江海区"),
             ("exp1", "expert", "广东工业大学", "university", "广州"),
             ("exp2", "expert", "华南理工大学", "university", "广州"),
             ("exp3", "expert", "中山大学", "university", "广州"),
             ("exp_conflict", "expert", "五邑大学", "university", "蓬江区"),
             ("broker", "broker", "转化中心", "broker_agency", "蓬江区")]
    for login, role, org, kind, region in specs:
        p.headers[login] = catalog.user(login, role, org, kind=kind, region=region)
        p.ids[login] = int(p.ok(login, "GET", "/auth/me")["id"])
    p.headers["admin"] = catalog.user("admin0", "admin")
    p.headers["anon"] = {}
    return p


def challenge_body(deadline: datetime, **extra: Any) -> dict[str, Any]:
    """A valid challenge with two indicators, closing at `deadline`."""
    return {"title": "退役动力电池高值化回收关键技术", "problem": "三元电池黑粉中镍钴锰锂的高效选择性回收，降低湿法成本",
            "indicators": INDICATORS, "bounty_yuan": "1000000.00", "funding_source": "mixed",
            "deadline": deadline.isoformat(), "cluster": "新能源电池", "region": "新会区", **extra}


def application_body(**extra: Any) -> dict[str, Any]:
    """A complete application with two milestones worth 600,000 yuan."""
    return {"approach": "选择性浸出 + 萃取分离，先小试后中试",
            "team": [{"name": "李教授", "role": "负责人"}, {"name": "王博士", "role": "工艺"}],
            "responses": [{"indicator": i["name"], "response": f"可达到 {i['target']}{i['unit']}"} for i in INDICATORS],
            "milestones": [{"due_on": "2027-03-31", "deliverable": "小试报告", "amount_yuan": "200000"},
                           {"due_on": "2027-09-30", "deliverable": "中试线验收", "amount_yuan": "400000"}],
            "budget_yuan": "900000", **extra}


def published(p: People, deadline: datetime, who: str = "owner", **extra: Any) -> dict[str, Any]:
    """Create and publish a challenge as `who`."""
    ch = p.ok(who, "POST", "/challenges", 201, json=challenge_body(deadline, **extra))
    return dict(p.ok(who, "POST", f"/challenges/{ch['id']}/transitions", json={"to": "published", "note": "发布"}))


def submitted(p: People, challenge_id: int, who: str, **extra: Any) -> dict[str, Any]:
    """Apply as `who`'s organisation and submit."""
    app = p.ok(who, "POST", f"/challenges/{challenge_id}/applications", 201, json=application_body(**extra))
    return dict(p.ok(who, "POST", f"/challenges/{challenge_id}/applications/{app['id']}/submit",
                     json={"version": app["version"]}))


def scores(value: int = 4, **by_key: int) -> list[dict[str, Any]]:
    """A score for each default criterion."""
    keys = ["technical_fit", "team_capability", "plan_feasibility", "budget", "local_transfer"]
    return [{"criterion": k, "score": by_key.get(k, value), "comment": "意见"} for k in keys]
