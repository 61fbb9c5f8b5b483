"""Schema fuzzing of both services' OpenAPI documents with Schemathesis: valid and invalid requests to every
operation, anonymously and signed in, must never get a 5xx and must get only documented answers.

The bounded run here draws `DUIJIE_FUZZ_EXAMPLES` (default 3) requests per operation, generation mode and
caller, derandomised so every run sends the same requests; `make fuzz` draws many more.
"""

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, select

from services.catalog.accounts.models import User
from services.catalog.core.security import create_access_token
from services.catalog.demo import seed_demo
from services.catalog.matching import client as matcher_client
from services.matcher import build
from services.matcher import main as matcher_main
from shared.schemas import ChangesPage
from tests.conftest import Catalog
from tests.matcher.conftest import settings_for

EXAMPLES = int(os.environ.get("DUIJIE_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
CHECK_LINE = re.compile(r"- (ST[0-9]+ [^\n]+)")
RECEIVED = re.compile(r"Received: ([0-9]+)")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
Headers = Callable[[], dict[str, str]]


@dataclass
class Tally:
    """What a fuzz run sent and what failed, per operation."""

    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    """Send a generated case through the in-process client, encoded exactly as Schemathesis would send it."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    for unused in ("auth", "timeout", "allow_redirects", "verify"):
        kwargs.pop(unused, None)
    prepared = requests.Request(**kwargs).prepare()  # requests is the transport Schemathesis is written for
    client.cookies.clear()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    response = client.request(prepared.method or "GET", prepared.url or "", content=body,
                              headers=dict(prepared.headers))
    response.request.read()
    return response


def fuzz(client: TestClient, headers: Headers, *, skip: frozenset[str] = frozenset()) -> Tally:
    """Every operation of the client's app, valid and invalid requests, checked against its OpenAPI document."""
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label not in skip:
            for mode in MODES:
                _fuzz_operation(client, operation, mode, headers, tally)
    return tally


def _fuzz_operation(client: TestClient, operation: Any, mode: GenerationMode, headers: Headers, tally: Tally) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        sent = headers()
        response = _send(client, case, sent)
        tally.cases += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=sent)
        except FailureGroup as failure:  # every failing case is reported, not only the first
            tally.failures.append(f"{operation.label} [{mode.value}]: {failure}"[:3000])

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
        assert mode is GenerationMode.NEGATIVE, operation.label


def _kind(failure: str) -> str:
    """An operation, its failed checks and the status it got: one line per kind of failure."""
    checks = ", ".join(CHECK_LINE.findall(failure))
    return f"{failure.split(':')[0]}: {checks} {' '.join(RECEIVED.findall(failure))}"


def _report(name: str, tally: Tally) -> None:
    print(f"\n{name}: {tally.cases} cases, statuses {dict(sorted(tally.statuses.items()))}, "
          f"{len(tally.failures)} failures")
    kinds = Counter(_kind(text) for text in tally.failures)
    summary = "\n".join(f"{count} × {kind}" for kind, count in kinds.most_common())
    assert not tally.failures, summary + "\n\n" + "\n\n".join(tally.failures[:5])


@pytest.fixture
def catalog_with_matcher(catalog: Catalog, tmp_path, embedder, monkeypatch) -> Iterator[Catalog]:  # type: ignore[no-untyped-def]
    """The demo catalog, with a matcher that has indexed it reached in-process."""
    with Session(catalog.engine) as session:
        seed_demo(session)
        session.commit()
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    settings = settings_for(tmp_path / "matcher", service_token=catalog.settings.service_token)
    with TestClient(matcher_main.create_app(settings)) as matcher:
        matcher.headers["Authorization"] = f"Bearer {catalog.settings.service_token}"
        monkeypatch.setattr(matcher_client, "_client", lambda base_url, token: matcher)
        page = ChangesPage.model_validate(catalog.client.get("/api/v1/changes", params={"after": 0},
                                                             headers=catalog.service_headers()).json())
        matcher.app.state.matcher.apply(page.changes, page.last_seq)  # type: ignore[attr-defined]
        yield catalog


def test_catalog_anonymous(catalog_with_matcher: Catalog) -> None:
    """Anonymous callers: public reads answer, everything else is refused as documented."""
    _report("catalog, anonymous", fuzz(catalog_with_matcher.client, dict))


def test_catalog_admin(catalog_with_matcher: Catalog) -> None:
    """The admin, whose token is minted afresh for each request (a fuzzed password change ends old ones)."""
    catalog = catalog_with_matcher

    def admin() -> dict[str, str]:
        with Session(catalog.engine) as session:
            user = session.exec(select(User).where(User.role == "admin")).first()
            assert user is not None and user.id is not None
            token = create_access_token(user_id=user.id, secret=catalog.settings.secret_key, minutes=5,
                                        version=user.credentials_version)
        return {"Authorization": f"Bearer {token}"}

    _report("catalog, admin", fuzz(catalog.client, admin))


@pytest.fixture
def matcher_app(tmp_path, embedder, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The matcher over the real model, holding the demo catalog's items."""
    from tests.matcher.conftest import OUTPUTS, Feed

    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    with TestClient(matcher_main.create_app(settings_for(tmp_path / "matcher"))) as client:
        feed = Feed()
        feed.put(*OUTPUTS)
        client.app.state.matcher.apply(feed.changes, feed.last_seq)  # type: ignore[attr-defined]
        yield client


def test_matcher_anonymous(matcher_app: TestClient) -> None:
    """Without the service token only the health check answers; the rest is a documented refusal."""
    _report("matcher, anonymous", fuzz(matcher_app, dict))


def test_matcher_service(matcher_app: TestClient) -> None:
    """With the service token every ranking request is answered or refused as documented."""
    from tests.matcher.conftest import TOKEN

    _report("matcher, service", fuzz(matcher_app, lambda: {"Authorization": f"Bearer {TOKEN}"}))
