"""Imports every module that defines tables, so the metadata is complete (for Alembic and tests)."""

from services.catalog import models  # noqa: F401
