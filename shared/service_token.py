"""The development service token: both services accept it by default, and refuse to start with it in production."""

DEV_SERVICE_TOKEN = "dev-service-token"


def refuse_in_production(environment: str, service_token: str) -> None:
    """Raise if a production deployment still uses the development service token."""
    if environment == "production" and service_token == DEV_SERVICE_TOKEN:
        raise ValueError("set DUIJIE_SERVICE_TOKEN to a secret shared by the catalog and the matcher "
                         "before running in production")
