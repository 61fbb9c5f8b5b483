"""Neither service starts in production with the development secrets; both start with real ones."""

import pytest
from pydantic import ValidationError

from services.catalog.core.config import CatalogSettings
from services.matcher.config import MatcherSettings

REAL = {"secret_key": "s3cr3t-" * 6, "service_token": "t0ken-" * 6}


@pytest.mark.parametrize("missing", ["secret_key", "service_token"])
def test_catalog_refuses_a_development_secret_in_production(missing: str) -> None:
    given = {k: v for k, v in REAL.items() if k != missing}
    with pytest.raises(ValidationError, match=f"DUIJIE_{missing.upper()}"):
        CatalogSettings(environment="production", _env_file=None, **given)  # type: ignore[arg-type, call-arg]
    assert CatalogSettings(environment="development", _env_file=None, **given)  # type: ignore[arg-type, call-arg]


def test_matcher_refuses_the_development_token_in_production() -> None:
    with pytest.raises(ValidationError, match="DUIJIE_SERVICE_TOKEN"):
        MatcherSettings(environment="production", _env_file=None)  # type: ignore[call-arg]
    settings = MatcherSettings(environment="production", service_token=REAL["service_token"], _env_file=None)  # type: ignore[call-arg]
    assert settings.service_token == REAL["service_token"]


def test_production_starts_with_real_secrets() -> None:
    assert CatalogSettings(environment="production", _env_file=None, **REAL).environment == "production"  # type: ignore[arg-type, call-arg]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "catalog.example.org", "::"])
def test_development_secrets_are_refused_on_an_address_others_can_reach(host: str) -> None:
    with pytest.raises(ValidationError, match="DUIJIE_SECRET_KEY"):
        CatalogSettings(host=host, service_token=REAL["service_token"], _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="DUIJIE_SERVICE_TOKEN"):
        CatalogSettings(host=host, secret_key=REAL["secret_key"], _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="DUIJIE_SERVICE_TOKEN"):
        MatcherSettings(host=host, _env_file=None)  # type: ignore[call-arg]
    assert CatalogSettings(host=host, _env_file=None, **REAL).host == host  # type: ignore[arg-type, call-arg]


@pytest.mark.parametrize("environment", ["staging", "test"])
def test_development_secrets_are_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="DUIJIE_SECRET_KEY"):
        CatalogSettings(environment=environment, service_token=REAL["service_token"], _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_development_secrets_serve_a_loopback_address(host: str) -> None:
    assert CatalogSettings(host=host, _env_file=None).host == host  # type: ignore[call-arg]
    assert MatcherSettings(host=host, _env_file=None).host == host  # type: ignore[call-arg]
