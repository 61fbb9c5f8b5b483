"""The matcher service: `uvicorn --factory services.matcher.main:create_app` (deploy/, tests, benchmarks)."""

from services.matcher.app import create_app

__all__ = ["create_app"]
