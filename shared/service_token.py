"""The development secrets: accepted on a loopback address in development, refused anywhere else."""

import ipaddress

DEV_SERVICE_TOKEN = "dev-service-token"


def is_loopback(host: str) -> bool:
    """Whether a bind address only listens on this machine (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name (or 0.0.0.0's kin) others may reach


def development_only(*, environment: str, host: str) -> bool:
    """Whether development secrets may be used: in development, bound to a loopback address."""
    return environment == "development" and is_loopback(host)


def refuse_development_token(*, environment: str, host: str, service_token: str) -> None:
    """Raise if the development service token would guard a service others can reach."""
    if service_token == DEV_SERVICE_TOKEN and not development_only(environment=environment, host=host):
        raise ValueError(f"set DUIJIE_SERVICE_TOKEN to a secret shared by the catalog and the matcher: the development "
                         f"token is refused outside development or on a non-loopback address ({host})")
