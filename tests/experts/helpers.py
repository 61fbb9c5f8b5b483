"""Building blocks for the expert tests: the bureau, a broker, experts with profiles, a host enterprise and
outsiders; a valid profile, dispatch and visit."""

from typing import Any

from tests.challenges.helpers import People as _People
from tests.conftest import Catalog

ZH = {"Accept-Language": "zh-CN"}


class People(_People):
    """Everyone around a dispatch; `ids` holds user ids and, as `profile:<login>`, expert ids."""

    def both(self, who: str, method: str, url: str, status: int, zh: str, en: str, **kw: Any) -> None:
        """The request answers `status` with `zh` in its Chinese message and `en` in its English one."""
        client = self.catalog.client
        chinese = client.request(method, "/api/v1" + url, headers={**self.headers.get(who, {}), **ZH}, **kw)
        english = client.request(method, "/api/v1" + url, headers=self.headers.get(who, {}), **kw)
        assert chinese.status_code == english.status_code == status, (chinese.text, english.text)
        assert zh in chinese.json()["message"], chinese.json()
        assert en in english.json()["message"], english.json()


def make_people(catalog: Catalog) -> People:
    """Sign everyone in and give the two expert accounts their profiles (made by the bureau and by themselves)."""
    p = People(catalog)
    specs = [("bureau", "admin", "江门市科学技术局", "government", "蓬江区"),
             ("broker", "broker", "江门技术转移中心", "broker_agency", "蓬江区"),
             ("exp1", "expert", "五邑大学", "university", "蓬江区"),
             ("exp2", "expert", "广东工业大学", "university", "广州"),
             ("host", "enterprise", "新会陈皮科技", "enterprise", "新会区"),
             ("other_ent", "enterprise", "台山食品", "enterprise", "台山市"),
             ("uni", "university", "五邑大学", "university", "蓬江区")]
    for login, role, org, kind, region in specs:
        p.headers[login] = catalog.user(login, role, org, kind=kind, region=region)
        p.ids[login] = int(p.ok(login, "GET", "/auth/me")["id"])
    p.headers["admin"] = catalog.user("admin0", "admin")
    p.headers["anon"] = {}
    p.ids["org:host"] = catalog.orgs["新会陈皮科技"]
    first = p.ok("bureau", "POST", "/experts", 201, json=expert_body("李明", user_id=p.ids["exp1"],
                                                                     organisation_id=catalog.orgs["五邑大学"]))
    second = p.ok("exp2", "POST", "/experts", 201, json=expert_body("王芳", availability_days=6))
    p.ids["profile:exp1"], p.ids["profile:exp2"] = first["id"], second["id"]
    return p


def expert_body(name: str, **extra: Any) -> dict[str, Any]:
    """A valid profile of a 科技特派员 serving Xinhui."""
    return {"name": name, "title": "教授", "rank": "正高级", "kinds": ["commissioner", "reviewer"],
            "fields": ["现代农业-柑橘种植"], "clusters": ["现代农业与食品"], "keywords": ["陈皮", "柑橘黄龙病"],
            "biography": "长期从事柑橘病害防治研究", "languages": ["普通话", "粤语"], "counties": ["新会区"],
            "towns": ["双水镇", "三江镇"], "availability_days": 8, "contact": f"{name} 13800000000", **extra}


def dispatch_body(p: People, expert: str = "exp1", **extra: Any) -> dict[str, Any]:
    """A dispatch of `expert` to the host enterprise for 2026, four days a month."""
    return {"expert_id": p.ids[f"profile:{expert}"], "host_kind": "enterprise", "host_org_id": p.ids["org:host"],
            "town": "双水镇", "start_on": "2026-01-01", "end_on": "2026-12-31", "days_per_month": 4,
            "goals": "柑橘黄龙病防控与陈皮加工技术指导", **extra}


def town_body(p: People, expert: str = "exp1", **extra: Any) -> dict[str, Any]:
    """A dispatch of `expert` to a town of Taishan for the spring, two days a month."""
    return {"expert_id": p.ids[f"profile:{expert}"], "host_kind": "town", "county": "台山市", "town": "斗山镇",
            "village": "浮石村", "start_on": "2026-03-01", "end_on": "2026-08-31", "days_per_month": 2,
            "goals": "水稻种植技术服务", **extra}


def confirmed(p: People, body: dict[str, Any], expert: str = "exp1", host: str = "host") -> dict[str, Any]:
    """A dispatch made by the bureau and confirmed by the expert and the host."""
    d = p.ok("bureau", "POST", "/dispatches", 201, json=body)
    p.ok(expert, "POST", f"/dispatches/{d['id']}/confirm")
    return dict(p.ok(host, "POST", f"/dispatches/{d['id']}/confirm"))


def visit_body(day: str = "2026-06-10", hours: float = 6, **extra: Any) -> dict[str, Any]:
    """A day at the host with two problems, one of them solved there."""
    return {"visit_on": day, "hours": hours, "place": "新会陈皮科技双水基地", "work_done": "田间诊断柑橘黄龙病，培训技术员",
            "problems": [{"text": "柑橘黄龙病早期快速检测缺少手段", "solved": False},
                         {"text": "陈皮晒制过程霉变", "solved": True}], **extra}
