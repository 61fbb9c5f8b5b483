"""Imports every module that defines tables, so the metadata is complete (for Alembic and tests)."""

from services.catalog import models  # noqa: F401
from services.catalog.workflow import models as workflow_models  # noqa: F401
