"""Imports every module that defines tables, so the metadata is complete (for Alembic and tests)."""

from services.catalog.accounts import models as account_models  # noqa: F401
from services.catalog.challenges import models as challenge_models  # noqa: F401
from services.catalog.events import models as event_models  # noqa: F401
from services.catalog.experts import models as expert_models  # noqa: F401
from services.catalog.imports import models as import_models  # noqa: F401
from services.catalog.items import models as item_models  # noqa: F401
from services.catalog.subscriptions import models as subscription_models  # noqa: F401
from services.catalog.workflow import models as workflow_models  # noqa: F401
