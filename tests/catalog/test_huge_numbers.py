"""Ids and page numbers beyond what the database holds are the caller's mistake (4xx), never a 500: on every
path and query parameter of the API and the portal, in bodies, and in a token's subject."""

from typing import Any

import jwt
from fastapi.routing import APIRoute

from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog

HUGE = "99999999999999999999"  # ≥ 2^63: SQLite's integer binding overflows on it
API = "/api/v1"


def _int_queries(dependant: Any) -> list[str]:
    names = [p.name for p in dependant.query_params if "int" in str(p.field_info.annotation)]
    for sub in dependant.dependencies:
        names += _int_queries(sub)
    return names


def _routes(routes: Any) -> Any:
    """Every route of the app, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _routes(route.effective_candidates())
        elif isinstance(route, APIRoute) or hasattr(route, "dependant"):
            yield route


def _huge_requests(app: Any) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, query) for every route, every path parameter and every integer query set to HUGE."""
    found = []
    for route in _routes(app.routes):
        path = route.path
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", HUGE)
        params = dict.fromkeys(_int_queries(route.dependant), HUGE)
        if path == route.path and not params:
            continue
        found += [(method, path, params) for method in sorted(route.methods - {"HEAD"})]
    return found


def test_huge_numbers_in_paths_and_queries_are_refused_not_crashed_on(catalog: Catalog) -> None:
    requests = _huge_requests(catalog.client.app)
    assert len(requests) >= 30 and any(path.startswith("/needs/") for _, path, _ in requests)
    admin = fast_user(catalog, "admin", "admin")
    broker = fast_user(catalog, "broker", "broker", "中心")
    crashed = []
    for headers in ({}, admin, broker):
        for method, path, params in requests:
            kwargs: dict[str, Any] = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
            r = catalog.client.request(method, path, params=params, headers=headers, **kwargs)
            if r.status_code >= 500:
                crashed.append((method, path, params, r.status_code))
    assert crashed == []


def test_huge_numbers_in_bodies_are_a_422(catalog: Catalog) -> None:
    broker = fast_user(catalog, "broker", "broker", "中心")
    huge = int(HUGE)
    bodies = [
        ("POST", f"{API}/matches", {"need_id": huge, "output_id": 1, "score": 0.5}),
        ("POST", f"{API}/matches", {"need_id": 1, "output_id": 1, "score": 0.5, "broker_id": huge}),
        ("POST", f"{API}/matches/shortlist", {"match_ids": [huge]}),
        ("POST", f"{API}/matches/1/assign", {"broker_id": huge}),
        ("POST", f"{API}/matches/1/transitions", {"to": "shortlisted", "version": huge}),
        ("POST", f"{API}/contracts", {"registration_no": "440703-2026-0001", "contract_type": "技术转让",
                                      "amount_yuan": "1", "signed_on": "2026-01-05", "buyer_org_id": huge,
                                      "seller_org_id": 1}),
        ("POST", f"{API}/needs", {"title": "陶瓷基板切割", "organisation_id": huge}),
    ]
    answers = [(path, catalog.client.request(method, path, json=body, headers=broker).status_code)
               for method, path, body in bodies]
    assert answers == [(path, 422) for _, path, _ in bodies]


def test_a_token_with_a_huge_subject_is_simply_not_signed_in(catalog: Catalog) -> None:
    token = jwt.encode({"sub": HUGE, "exp": 4_102_444_800}, catalog.settings.secret_key, algorithm="HS256")
    headers = {"Authorization": f"Bearer {token}"}
    assert catalog.client.get(f"{API}/auth/me", headers=headers).status_code == 401
    portal = catalog.client.get("/my/needs", cookies={"duijie_session": token}, follow_redirects=False)
    assert portal.status_code == 303 and portal.headers["location"].startswith("/login")
