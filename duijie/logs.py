"""How the services log under `duijie`: uvicorn's format, the project's own INFO lines (indexing progress),
and no access-log line for the requests machines repeat all day (change-feed polls, health, status, metrics)."""

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

QUIET_PATHS = frozenset({"/api/v1/changes", "/healthz", "/v1/status", "/metrics"})


class QuietPolls(logging.Filter):
    """Drops uvicorn's access line of a successful request to one of QUIET_PATHS; errors still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 5:  # (client, method, path, http version, status)
            path = str(args[2]).split("?", 1)[0]
            return not (path in QUIET_PATHS and int(str(args[4])) < 400)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the project's loggers and the poll filter added."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["quiet_polls"] = {"()": QuietPolls}
    config["handlers"]["access"]["filters"] = ["quiet_polls"]
    config["loggers"]["services"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
