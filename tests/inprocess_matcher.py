"""The real matcher in-process behind the catalog's matching client, fed the catalog's change feed by hand."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.catalog.matching import client as matcher_client
from services.matcher import build
from services.matcher import main as matcher_main
from shared.schemas import ChangesPage
from tests.conftest import Catalog
from tests.matcher.conftest import settings_for


@pytest.fixture
def matcher(catalog: Catalog, tmp_path, embedder, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The real matcher in-process, following nothing by itself (see `sync`)."""
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    settings = settings_for(tmp_path / "matcher", service_token=catalog.settings.service_token)
    with TestClient(matcher_main.create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {catalog.settings.service_token}"
        monkeypatch.setattr(matcher_client, "_client", lambda base_url, token: client)
        yield client


def sync(catalog: Catalog, matcher: TestClient) -> None:
    """Apply every change the catalog has logged so far."""
    page = ChangesPage.model_validate(catalog.client.get("/api/v1/changes", params={"after": 0, "limit": 1000},
                                                         headers=catalog.service_headers()).json())
    matcher.app.state.matcher.apply(page.changes, page.last_seq)  # type: ignore[attr-defined]
